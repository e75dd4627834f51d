"""Sign-in events and each institution's two-factor policy.

The authenticator apps and recovery codes themselves are django-otp's devices (TOTPDevice, StaticDevice);
this app decides who must have one and keeps the record of every sign-in.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import Institution


class SignInEvent(models.Model):
    """One thing that happened at a sign-in: append-only, never edited (save refuses an update).

    ``user`` is empty when the name typed matched nobody; ``username`` is then the name as attempted
    (folded the Turkish way, bounded), never the password.
    """

    class Kind(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        WRONG_PASSWORD = "wrong_password", _("Wrong password")
        UNKNOWN_USER = "unknown_user", _("Unknown user name")
        CODE_FAILED = "code_failed", _("Wrong two-factor code")
        RATE_LIMITED = "rate_limited", _("Too many attempts (rate limit)")
        LOCKED = "locked", _("Code step locked after repeated failures")
        RECOVERY_USED = "recovery_used", _("Recovery code used")
        RECOVERY_RENEWED = "recovery_renewed", _("New recovery codes made")
        ENROLLED = "enrolled", _("Two-factor sign-in set up")
        RESET = "reset", _("Two-factor sign-in reset by an administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_in_events",
    )
    username = models.CharField(_("user name attempted"), max_length=150, blank=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    # Who did it, when not the user (an administrator's reset).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="sign_in_user_time"),
            models.Index(fields=["-at"], name="sign_in_time"),
            models.Index(fields=["kind", "-at"], name="sign_in_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user or self.username} · {self.at:%d.%m.%Y %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("sign-in events are append-only")
        super().save(*args, **kwargs)


class TwoFactorPolicy(models.Model):
    """The roles of one institution that must sign in with a second factor, besides its administrators
    (superusers, staff who open the admin and the administrator role always must)."""

    institution = models.OneToOneField(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="two_factor_policy",
    )
    roles = models.JSONField(
        _("roles that must use two-factor sign-in"),
        default=list,
        blank=True,
        help_text=_(
            "Administrators always must. Tick the roles that see personal data, e.g. police operators."
        ),
    )

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policies")

    def __str__(self) -> str:
        return str(self.institution)
