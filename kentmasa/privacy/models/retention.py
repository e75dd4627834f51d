"""Retention and destruction (KVKK m.7; the regulation on deletion, destruction and anonymisation of
personal data, "Kişisel Verilerin Silinmesi, Yok Edilmesi veya Anonim Hale Getirilmesi Hakkında
Yönetmelik"): how long each category of personal data is kept, when the periodic destruction runs, what
a case's hold keeps, and which cases a run has already reached.

The runs themselves (kentmasa.privacy.retention) write their destruction records (imha tutanağı) into
kentmasa.retention.DestructionRecord, the model the camera-footage and plate-read purges use.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The Yönetmelik (m.11): periodic destruction at intervals of at most six months.
MAX_INTERVAL_MONTHS = 6
# No period is longer than this (a century): a bigger number is a typing error, not a policy.
MAX_KEEP_DAYS = 36500


class DataCategory(models.TextChoices):
    """The categories of the institution's retention and destruction policy (the same codes as
    kentmasa.retention.DestructionRecord.Category, whose records the runs write)."""

    CASE_DATA = "case_data", _("Closed cases' personal data")
    ATTACHMENTS = "attachments", _("Attachments (photos, documents, voice)")
    RAW_MESSAGES = "raw_messages", _("Raw e-mails and webhook payloads")
    CALL_RECORDINGS = "call_recordings", _("Call recordings")
    TEAM_POSITIONS = "team_positions", _("Team positions")
    PLATE_READS = "plate_reads", _("Plate reads (PTS)")
    FOOTAGE = "footage", _("Camera footage (KGYS)")


class RetentionPolicy(models.Model):
    """How many days one category of an institution's personal data is kept (from the case's end, or from
    when the data was made for positions, reads and footage). A category without a row uses the default of
    kentmasa.privacy.retention.DEFAULT_DAYS; plate reads and footage keep their own settings (the dispatch
    settings' days and each camera's days), which the policy page shows and edits in place."""

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(_("data category"), max_length=40, choices=DataCategory.choices)
    keep_days = models.PositiveIntegerField(
        _("kept for (days)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_KEEP_DAYS)]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = (
            models.UniqueConstraint(fields=["institution", "category"], name="uniq_retention_policy"),
        )

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.keep_days}"


class DestructionSchedule(models.Model):
    """When an institution's periodic destruction runs: every ``interval_months`` (at most six). The row is
    also the run's claim: a worker locks it (skipping a row another worker holds), sees the run is due,
    writes ``last_run_at`` and commits before it destroys anything, so two workers never run it twice."""

    institution = models.OneToOneField(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    interval_months = models.PositiveSmallIntegerField(
        _("runs every (months)"),
        default=MAX_INTERVAL_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL_MONTHS)],
        help_text=_("At most 6 months (the regulation on destruction, art. 11)."),
    )
    # The last run's start, or when the schedule began (the first run comes one interval after it).
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("destruction schedule")
        verbose_name_plural = _("destruction schedules")
        constraints = (
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=MAX_INTERVAL_MONTHS),
                name="destruction_interval_at_most_6_months",
            ),
        )

    def __str__(self) -> str:
        return str(self.institution)


class CaseHold(models.Model):
    """A legal hold on a case: a court, a prosecutor or an inspection needs it kept. While it is not lifted,
    no destruction run touches the case (its record lists the case as kept, with this reason)."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("held since"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("legal hold on a case")
        verbose_name_plural = _("legal holds on cases")
        indexes = (
            models.Index(fields=["case"], name="case_hold_active", condition=Q(lifted_at__isnull=True)),
        )

    def __str__(self) -> str:
        return f"{self.case_id}: {self.reason}"


class CaseDestruction(models.Model):
    """Which destruction steps have reached a case (so a run never selects it again for them): its
    personal data anonymised, its attachments deleted, its raw messages (original e-mails, webhook
    payloads) deleted."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    attachments_at = models.DateTimeField(_("attachments deleted"), null=True, blank=True)
    raw_at = models.DateTimeField(_("raw messages deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("destruction of a case's data")
        verbose_name_plural = _("destruction of cases' data")

    def __str__(self) -> str:
        return str(self.case_id)
