"""Notifications and their deliveries, what each member of staff wants, deputies, push subscriptions,
and approvals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kentmasa.notify.kinds import KIND_CHOICES, MEDIUM_LABELS

MEDIUM_CHOICES = list(MEDIUM_LABELS.items())


class Notification(models.Model):
    """Something a member of staff is told: always in the app, and by the media of its deliveries.

    ``user`` is None only for a notice to a unit's own mailbox (``address``), which no one reads in the app.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.EmailField(_("e-mail address"), blank=True)  # a unit's mailbox, when user is None
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=500, blank=True)  # a path on this site
    # An e-mail's body when it says more than ``text`` (a unit's mailbox: kentmasa.notify.tell_unit_mailbox).
    body = models.TextField(_("e-mail body"), blank=True)
    critical = models.BooleanField(_("critical"), default=False)
    # For whom a deputy received it (vekâlet), so both know why.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_inbox"),
            # The header's unread count reads this partial index only.
            models.Index(
                fields=["user", "-created_at"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Delivery(models.Model):
    """One notification by one medium (push, SMS, e-mail): sent by the worker with retries, never twice."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    medium = models.CharField(_("medium"), max_length=20, choices=MEDIUM_CHOICES)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Queued deliveries wait until then: a retry's backoff, or the end of the user's quiet hours.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "medium"], name="uniq_delivery_medium")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=Q(state="queued")),
        ]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.get_state_display()}"


class Preference(models.Model):
    """One member of staff's choice of media for one kind (in-app is always on)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    push = models.BooleanField(_("Web Push"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    email = models.BooleanField(_("e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="uniq_preference")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class InstitutionDefault(models.Model):
    """An institution's default media for one kind, for one role or (role empty) for everybody."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=30, blank=True, help_text=_("Empty: every role."))
    kind = models.CharField(_("kind"), max_length=40, choices=KIND_CHOICES)
    push = models.BooleanField(_("Web Push"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    email = models.BooleanField(_("e-mail"), default=False)

    class Meta:
        verbose_name = _("notification default")
        verbose_name_plural = _("notification defaults")
        constraints = [
            models.UniqueConstraint(fields=["institution", "role", "kind"], name="uniq_institution_default")
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.role or '*'} {self.kind}"


class StaffSettings(models.Model):
    """A member of staff's quiet hours and e-mail digest of new cases."""

    class Digest(models.TextChoices):
        NONE = "", _("No digest")
        HOURLY = "hourly", _("Hourly")
        DAILY = "daily", _("Daily")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_settings"
    )
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest = models.CharField(_("digest of new cases"), max_length=10, choices=Digest.choices, blank=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        indexes = [models.Index(fields=["digest", "digest_sent_at"], name="staffsettings_digest")]

    def __str__(self) -> str:
        return str(self.user)


class Deputy(models.Model):
    """Vekâlet: while ``starts_at`` ≤ now < ``ends_at``, what ``principal`` is told or asked to approve goes
    to ``deputy``."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.CASCADE,
        related_name="deputies",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.CASCADE,
        related_name="deputising",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        indexes = [models.Index(fields=["principal", "ends_at"], name="deputy_principal")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="deputy_period"),
            models.CheckConstraint(condition=~Q(deputy=models.F("principal")), name="deputy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.principal}"


class PushSubscription(models.Model):
    """One browser or phone of a member of staff that takes Web Push (its endpoint and RFC 8291 keys)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} {self.user_agent[:40]}"


class Action(models.TextChoices):
    """What an approver may have to allow first (kentmasa.notify.approvals)."""

    RESOLVE = "resolve", _("The answer (resolution)")
    REJECT = "reject", _("A rejection")
    REDIRECT = "redirect", _("A redirect to another body")
    TRANSFER = "transfer", _("A transfer to another institution")


class ApprovalRule(models.Model):
    """Per service or category (or the whole institution): this action needs an approver's yes first."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service"), null=True, blank=True, on_delete=models.CASCADE
    )
    category = models.ForeignKey(
        "directory.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the manager of the case's unit."),
    )
    wait_hours = models.PositiveSmallIntegerField(
        _("hours before it goes to the next approver"),
        default=4,
        help_text=_("Then it goes to the first application place of the service, who is told."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.service or self.category or self.institution}"


class Approval(models.Model):
    """An action on a case held until an approver allows it; nothing reaches the citizen before."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Sent back")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="approvals")
    rule = models.ForeignKey(ApprovalRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # The held action's parameters as services.perform takes them (ids for models), and its note.
    params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvals_to_decide",
    )
    level = models.PositiveSmallIntegerField(default=0)  # 1 once passed on to the next approver
    forwarded_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="uniq_pending_approval"
            ),
        ]
        indexes = [
            models.Index(fields=["approver", "state"], name="approval_approver"),
            models.Index(fields=["requested_at"], name="approval_waiting", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.case_id}"


class LiveEvent(models.Model):
    """One change a live screen may want to show, in the one sequence every live event shares (its id).

    Written in the transaction of the change itself (kentmasa.notify.live), so a screen that resumes after
    the last id it saw misses nothing: the table is the stream's durable log for a day or two
    (``KENTMASA_LIVE_KEEP_HOURS``, pruned by a periodic job), not a record to keep.

    Who may receive it is decided from the columns alone (kentmasa.cases.access.Scope), without reading the
    case: the institution, unit and team it belongs to, the application places whose holders may read it,
    and for a notification the one user it is for. Ids are plain numbers, not foreign keys: the row outlives
    nothing and joins nothing. ``data`` carries what a screen shows of the change (tracking number, status,
    label), never a citizen's personal data.
    """

    class Topic(models.TextChoices):
        CASE = "case", _("Case")
        NOTIFICATION = "notification", _("Notification")
        TEAM = "team", _("Team")
        ALARM = "alarm", _("Alarm")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    change = models.CharField(_("change"), max_length=40)
    institution_id = models.BigIntegerField(null=True, blank=True)
    unit_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    places = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("live event")
        verbose_name_plural = _("live events")
        indexes = [models.Index(fields=["at"], name="liveevent_at")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic} {self.change}"
