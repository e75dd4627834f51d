"""Data subjects' applications (KVKK m.11, m.13, m.14): the record beside a case of kind
``data_subject_request``, the records staff linked to the person, and the institution's proof channels.

The case carries the clock, the timeline and the answer (kentmasa.cases); this record carries what KVKK adds:
the m.11 rights asked for, how the person's identity was proven (nothing is exported, corrected or erased
before), the decision per right with its ground, the export's page count and fee (Tebliğ m.7), and the
day-25 warning. Written only through kentmasa.privacy.requests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    """The rights of KVKK m.11/1 (a)–(ğ)."""

    LEARN = "learn", _("Learn whether personal data are processed (art. 11/a)")
    INFORMATION = "information", _("Information about the processing (art. 11/b)")
    PURPOSE = "purpose", _("The purpose of processing and whether data are used for it (art. 11/c)")
    THIRD_PARTIES = "third_parties", _("Third parties in Turkey or abroad the data go to (art. 11/ç)")
    CORRECTION = "correction", _("Correction of incomplete or wrong data (art. 11/d)")
    ERASURE = "erasure", _("Erasure or destruction (art. 11/e, art. 7)")
    NOTIFY_THIRD_PARTIES = (
        "notify_third_parties",
        _("Telling third parties of a correction or erasure (art. 11/f)"),
    )
    AUTOMATED = "automated", _("Objection to an outcome of automated analysis (art. 11/g)")
    COMPENSATION = "compensation", _("Compensation for damage from unlawful processing (art. 11/ğ)")


class IdentityMethod(models.TextChoices):
    DESK = "desk", _("At the desk with an identity document")
    PHONE = "phone", _("Verified phone (SMS code) and TC identity no")
    KEP = "kep", _("Registered e-mail (KEP)")
    EDEVLET = "edevlet", _("e-Devlet")


class Decision(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PARTLY = "partly", _("Partly granted")
    REFUSED = "refused", _("Refused")


class Delivery(models.TextChoices):
    CHANNEL = "channel", _("On the proven channel (e-mail / SMS)")
    DESK = "desk", _("Handed at the desk")


class DataSubjectRequest(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="data_subject_request", verbose_name=_("case")
    )
    institution = models.ForeignKey(
        "directory.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("answer due (art. 13)"))
    # When the officers are warned that the 30 days are near (day 25); cleared once sent or answered.
    warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    types = models.JSONField(_("rights asked for"), default=list, blank=True)

    # Identity (nothing is exported, corrected or erased before it is proven).
    identity_method = models.CharField(
        _("identity proven by"), max_length=10, choices=IdentityMethod.choices, blank=True
    )
    identity_document = models.CharField(_("identity document"), max_length=30, blank=True)
    identity_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identity_at = models.DateTimeField(_("identity proven"), null=True, blank=True)
    subject_tc = models.CharField(_("TC identity no of the person"), max_length=11, blank=True)
    subject = models.ForeignKey(
        "cases.Citizen",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("the person's record"),
    )

    decisions = models.JSONField(_("decisions"), default=dict, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery = models.CharField(_("answer given"), max_length=10, choices=Delivery.choices, blank=True)
    export_pages = models.PositiveIntegerField(_("export pages"), null=True, blank=True)
    media_cost = models.DecimalField(_("media cost (TL)"), max_digits=8, decimal_places=2, default=0)
    # The person's link to the export (sent on the proven channel with the answer): unguessable, limited.
    export_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    export_until = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(_("erasure carried out"), null=True, blank=True)

    class Meta:
        verbose_name = _("KVKK application")
        verbose_name_plural = _("KVKK applications")
        permissions = (("handle_data_subject_requests", "Can handle KVKK applications (art. 11)"),)
        indexes = (
            models.Index(fields=["institution", "answered_at", "due_at"], name="dsr_queue"),
            models.Index(
                fields=["warn_at"],
                name="dsr_warning",
                condition=Q(warn_at__isnull=False, answered_at__isnull=True),
            ),
        )

    def __str__(self) -> str:
        return str(self.case)

    @property
    def proven(self) -> bool:
        return bool(self.identity_method)

    def type_labels(self) -> list[str]:
        labels = dict(RequestType.choices)
        return [str(labels.get(value, value)) for value in self.types]


class PersonLink(models.Model):
    """A further record of the person, linked by an explicit staff check (never by a matching contact)."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="links")
    citizen = models.ForeignKey("cases.Citizen", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(_("what was checked"), max_length=300)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["request", "citizen"], name="uniq_dsr_link"),)

    def __str__(self) -> str:
        return f"{self.request_id} → {self.citizen_id}"


class ProofChannels(models.Model):
    """Which remote proofs of identity the institution has (KVKK Tebliğ m.5: KEP, e-Devlet)."""

    institution = models.OneToOneField(
        "directory.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    kep = models.BooleanField(_("applications by KEP prove identity"), default=False)
    edevlet = models.BooleanField(_("applications through e-Devlet prove identity"), default=False)

    class Meta:
        verbose_name = _("KVKK proof channels")
        verbose_name_plural = _("KVKK proof channels")

    def __str__(self) -> str:
        return str(self.institution)
