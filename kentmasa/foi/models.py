"""Law 4982 information requests: the institution's settings and fee table, each request's legal record,
objections, and the yearly figures the Kurul's report reads.

* ``FoiSettings``: who runs the institution's information service (its unit, the category that routes an
  application there, who signs the answer letters).
* ``FeeTable``: the fee figures of one year (Bilgi ve Belgeye Erişim Ücreti Genel Tebliği; raised yearly).
* ``FoiRequest``: one case of kind "information request" under the law: its eligibility check (2 iş günü),
  its clock (15 or 30 iş günü from the complete application), the fee wait, the decision with its grounds,
  the answer letter, the deemed refusal (İYUK m.10). The case itself changes only through cases.services.
* ``Objection``: an objection to the Bilgi Edinme Değerlendirme Kurulu (or a suit), the Kurul's decision.
* ``YearlyTally``: the figures of the 2005/3 circular per institution and year, raised in the same
  transaction as each step, so the report never scans cases.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kentmasa.foi import fees


class FoiSettings(models.Model):
    institution = models.OneToOneField(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="foi_settings",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("information service (unit)"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Checks each application within 2 working days and sends the answers."),
    )
    category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category of information requests"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Given to an information request that came without one (its service times it)."),
    )
    signer_name = models.CharField(_("answer letters signed by"), max_length=200, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("information service settings")
        verbose_name_plural = _("information service settings")

    def __str__(self) -> str:
        return str(self.institution)


class FeeTable(models.Model):
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2004)])
    bw_page = models.DecimalField(_("black and white page (TL)"), max_digits=9, decimal_places=2, default=0)
    colour_page = models.DecimalField(_("colour page (TL)"), max_digits=9, decimal_places=2, default=0)
    research_page = models.DecimalField(
        _("research and review per page (TL)"), max_digits=9, decimal_places=2, default=0
    )
    research_cap = models.DecimalField(
        _("research and review ceiling (TL)"),
        max_digits=9,
        decimal_places=2,
        default=0,
        help_text=_("0: no ceiling."),
    )
    disc = models.DecimalField(_("CD or DVD (TL)"), max_digits=9, decimal_places=2, default=0)
    postage = models.DecimalField(_("postage (TL)"), max_digits=9, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("fee table")
        verbose_name_plural = _("fee tables")
        ordering = ["institution", "-year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="uniq_foi_fee_year")]

    def __str__(self) -> str:
        return f"{self.institution} {self.year}"

    def rates(self) -> fees.Rates:
        return fees.Rates(
            bw_page=self.bw_page,
            colour_page=self.colour_page,
            research_page=self.research_page,
            research_cap=self.research_cap,
            disc=self.disc,
            postage=self.postage,
        )


class Stage(models.TextChoices):
    CHECKING = "checking", _("Eligibility check")
    INCOMPLETE = "incomplete", _("Incomplete: waiting for the applicant")
    PROCESSING = "processing", _("In progress")
    AWAITING_FEE = "awaiting_fee", _("Awaiting the fee")
    DECIDED = "decided", _("Decided")
    FORWARDED = "forwarded", _("Sent to another institution")
    CONVERTED = "converted", _("Taken as a petition (Law 3071)")
    WITHDRAWN = "withdrawn", _("Counts as withdrawn")


OPEN_STAGES = (Stage.CHECKING, Stage.INCOMPLETE, Stage.PROCESSING, Stage.AWAITING_FEE)


class Decision(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PARTLY = "partly", _("Partly granted (parts withheld)")
    REFUSED = "refused", _("Refused")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Real person")
    LEGAL = "legal", _("Legal person")


def new_letter_key() -> str:
    return secrets.token_urlsafe(24)


class FoiRequest(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="foi"
    )
    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.CHECKING)
    received_at = models.DateTimeField(_("received"))
    # The eligibility check (Adana: within 2 iş günü of receipt); its own clock.
    check_due_at = models.DateTimeField(_("check due by"))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applicant_kind = models.CharField(
        _("applicant"), max_length=10, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    legal_title = models.CharField(_("title of the legal person"), max_length=300, blank=True)
    signatory_authority = models.CharField(_("signatory's authority document"), max_length=300, blank=True)
    signed = models.BooleanField(_("the petition is signed"), default=False)
    missing = models.JSONField(_("missing"), default=list, blank=True)
    # The law's clock: from the complete application, 15 iş günü, or 30 once extended.
    clock_started_at = models.DateTimeField(_("complete since"), null=True, blank=True)
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    holder_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit holding the information"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opinion_asked_at = models.DateTimeField(_("opinion asked"), null=True, blank=True)
    opinion_from = models.CharField(_("opinion asked of"), max_length=300, blank=True)
    # The 12th iş günü warning when another unit's information or opinion is needed and no extension sent.
    warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    warned_at = models.DateTimeField(_("unit warned"), null=True, blank=True)
    # İYUK m.10: unanswered 30 days after the application → refused in law.
    silence_at = models.DateTimeField(_("deemed refused on"), null=True, blank=True)
    silence_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    silence_warned_at = models.DateTimeField(_("deemed refusal warned"), null=True, blank=True)
    silence_recorded_at = models.DateTimeField(_("deemed refused"), null=True, blank=True)
    # The fee: told, the clock stops; proof of payment within 15 iş günü or it counts as withdrawn.
    fee_amount = models.DecimalField(_("fee (TL)"), max_digits=11, decimal_places=2, null=True, blank=True)
    fee_detail = models.JSONField(default=dict, blank=True, editable=False)
    fee_told_at = models.DateTimeField(_("fee told"), null=True, blank=True)
    fee_due_at = models.DateTimeField(_("fee to be paid by"), null=True, blank=True)
    fee_paid_at = models.DateTimeField(_("fee paid"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    forwarded_to = models.CharField(_("sent to institution"), max_length=300, blank=True)
    forwarded_at = models.DateTimeField(_("sent to another institution"), null=True, blank=True)
    converted_to = models.ForeignKey(
        "cases.Case",
        verbose_name=_("petition case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    withheld = models.TextField(_("what was withheld and why"), blank=True)
    grounds = models.JSONField(_("legal grounds"), default=list, blank=True)
    letter = models.FileField(_("answer letter"), upload_to="foi/%Y/%m/", blank=True)
    letter_key = models.CharField(max_length=40, unique=True, default=new_letter_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("information request")
        verbose_name_plural = _("information requests")
        indexes = [
            models.Index(fields=["institution", "stage", "check_due_at"], name="foi_queue"),
            # The queue's default list, all open stages in (check_due_at, id) order, keyset-paged (foi.views).
            models.Index(
                fields=["institution", "check_due_at", "id"],
                name="foi_open_queue",
                condition=Q(stage__in=["checking", "incomplete", "processing", "awaiting_fee"]),
            ),
            models.Index(fields=["institution", "-received_at"], name="foi_recent"),
            models.Index(
                fields=["warn_at"],
                name="foi_unit_warning",
                condition=Q(stage="processing", warned_at__isnull=True, extended_at__isnull=True),
            ),
            models.Index(
                fields=["silence_warn_at"],
                name="foi_silence_warning",
                condition=Q(
                    stage__in=["checking", "processing"],
                    silence_warned_at__isnull=True,
                    silence_recorded_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["silence_at"],
                name="foi_silence",
                condition=Q(stage__in=["checking", "processing"], silence_recorded_at__isnull=True),
            ),
            models.Index(fields=["fee_due_at"], name="foi_fee_wait", condition=Q(stage="awaiting_fee")),
        ]

    def __str__(self) -> str:
        return str(self.case)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def grounds_labels(self) -> list[str]:
        from kentmasa.foi import grounds

        return grounds.labels(list(self.grounds or []))


class Objection(models.Model):
    class To(models.TextChoices):
        KURUL = "kurul", _("Bilgi Edinme Değerlendirme Kurulu")
        COURT = "court", _("Administrative court")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Objection accepted: the information is to be given")
        PARTLY = "partly", _("Objection partly accepted")
        REJECTED = "rejected", _("Objection rejected")
        NOT_EXAMINED = "not_examined", _("Not examined (out of time or out of scope)")

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="objections")
    to = models.CharField(_("to"), max_length=10, choices=To.choices, default=To.KURUL)
    lodged_on = models.DateField(_("lodged on"))
    in_time = models.BooleanField(_("within 15 days of the notice"), default=True)
    kurul_due_at = models.DateTimeField(_("the Board to decide by"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=15, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    followed = models.TextField(_("what followed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["lodged_on", "pk"]

    def __str__(self) -> str:
        return f"{self.request} {self.lodged_on:%d.%m.%Y}"


class YearlyTally(models.Model):
    """The 2005/3 circular's figures for one institution and year (the year the application arrived)."""

    FIELDS = (
        "received",
        "granted",
        "partly",
        "refused",
        "forwarded",
        "objected",
        "silence",
        "withdrawn",
        "converted",
    )

    institution = models.ForeignKey(
        "directory.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    received = models.PositiveIntegerField(_("received"), default=0)
    granted = models.PositiveIntegerField(_("granted"), default=0)
    partly = models.PositiveIntegerField(_("partly granted"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    forwarded = models.PositiveIntegerField(_("forwarded"), default=0)
    objected = models.PositiveIntegerField(_("objected or taken to court"), default=0)
    silence = models.PositiveIntegerField(_("deemed refused"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    converted = models.PositiveIntegerField(_("taken as petitions"), default=0)

    class Meta:
        verbose_name = _("yearly figures")
        verbose_name_plural = _("yearly figures")
        ordering = ["institution", "-year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="uniq_foi_tally_year")]

    def __str__(self) -> str:
        return f"{self.institution} {self.year}"
