"""Destruction records (KVKK imha tutanağı): one row per retention run, whatever it destroyed.

Every job that deletes, destroys or anonymises personal data when its retention period ends leaves one
record per run, even a run that found nothing due: camera footage (kentmasa.emergency.footage), plate reads
(kentmasa.emergency.pts) and, later, every KVKK data category. The record says what was destroyed (each
item: what, from when to when, how many, how many bytes), what was due but kept and why (a legal hold), on
what basis, by which method, by whom (nobody: the periodic job) and when; it can be printed and signed.

This app sits low in the order of dependency (directory ← retention ← cases …), so every app that keeps
personal data can write here and none has to import another to do it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DestructionRecord(models.Model):
    class Category(models.TextChoices):
        FOOTAGE = "footage", _("Camera footage (KGYS)")
        PLATE_READS = "plate_reads", _("Plate reads (PTS)")
        # The KVKK destruction run (kentmasa.privacy.retention), one record per category and run.
        CASE_DATA = "case_data", _("Closed cases' personal data")
        ATTACHMENTS = "attachments", _("Attachments (photos, documents, voice)")
        RAW_MESSAGES = "raw_messages", _("Raw e-mails and webhook payloads")
        CALL_RECORDINGS = "call_recordings", _("Call recordings")
        TEAM_POSITIONS = "team_positions", _("Team positions")

    class Method(models.TextChoices):
        DELETION = "deletion", _("Deletion")
        DESTRUCTION = "destruction", _("Destruction")
        ANONYMISATION = "anonymisation", _("Anonymisation")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        PARTIAL = "partial", _("Partly done (errors)")
        FAILED = "failed", _("Failed")
        # Written before a run destroys anything; finished when it has (a run that died stays so).
        UNFINISHED = "unfinished", _("Not finished")

    category = models.CharField(_("data category"), max_length=40, choices=Category.choices)
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.DELETION)
    basis = models.TextField(_("basis"), blank=True, help_text=_("The retention rule and its legal basis."))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Nobody for the periodic job; the member of staff for a run started by hand.
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.DONE)
    item_count = models.PositiveBigIntegerField(_("items destroyed"), default=0)
    byte_count = models.PositiveBigIntegerField(_("bytes destroyed"), default=0)
    # [{"what": "camera ESK-001", "from": iso, "to": iso, "count": n, "bytes": n}, …]
    items = models.JSONField(_("destroyed"), default=list, blank=True)
    # What was due but kept: [{"what": …, "from": iso, "to": iso, "reason": "legal hold #12 …"}, …]
    kept = models.JSONField(_("kept"), default=list, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "category", "-started_at"], name="destruction_record_list"),
            models.Index(fields=["category", "-started_at"], name="destruction_record_last"),
            # The list of every category, keyset-paged newest first (retention.views.record_list).
            models.Index(fields=["institution", "-started_at", "-id"], name="destruction_record_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.started_at:%d.%m.%Y %H:%M}"
