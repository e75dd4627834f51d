"""The access log (KVKK m.12): who read which citizen's personal data, when, from where, and why if asked.

Rows are written only by ``kentmasa.privacy.middleware.AccessLogMiddleware`` (one bulk insert per request,
from the reads views noted with ``kentmasa.lib.personal_reads.note_read``). The table is append-only: a row is
never changed or removed through the ORM (``save`` of a stored row, ``delete``, and the queryset's
``update``/``delete`` refuse), and on PostgreSQL a trigger refuses UPDATE and DELETE from anyone (migration
0001), so neither a bug nor a shell session rewrites who read what. The case, citizen, user and institution
are kept as keys without database constraints: deleting or anonymising a citizen (privacy's retention) leaves
the record that they were read.
"""

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """A write that would change or remove a row of the access log."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the access log is append-only: rows are never updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("the access log is append-only: rows are never deleted")

    def _raw_delete(self, using: Any) -> NoReturn:
        raise AppendOnlyError("the access log is append-only: rows are never deleted")


class AccessLog(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now)
    # No index of its own on institution and case: every report's index starts with the institution, and
    # nothing looks reads up by case. Each staff read writes a row per case shown, so each index costs.
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    what = models.CharField(_("what was read"), max_length=40)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    citizen = models.ForeignKey(
        "cases.Citizen",
        verbose_name=_("citizen"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    reason = models.CharField(_("reason given"), max_length=300, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True)
    path = models.CharField(_("address read"), max_length=300, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data read")
        verbose_name_plural = _("access log")
        default_permissions = ("view",)
        indexes = (
            # The two reports, keyset-paginated newest first, filtered by date (privacy.access_reports).
            models.Index(fields=["institution", "citizen", "-at", "-id"], name="accesslog_citizen"),
            models.Index(fields=["institution", "user", "-at", "-id"], name="accesslog_user"),
            # The unfiltered report: the institution's reads, newest first (migration 0004, concurrently).
            models.Index(fields=["institution", "-at", "-id"], name="accesslog_institution"),
        )

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.user_id} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the access log is append-only: rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the access log is append-only: rows are never deleted")
