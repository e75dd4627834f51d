"""Referrals from CİMER (the Presidency's communication centre), Açık Kapı (the Interior Ministry's desk at
governorships) and BİMER (CİMER's predecessor, for old records).

Those systems forward an application with their own reference number and their own time limit, and take
the institution's answer back as an uploaded document. Intake records the reference (unique per receiving
institution and system: the same CİMER application is often forwarded to a municipality and a
governorship at once, and a second registration here is refused with nothing written), the date the
application reached us, and that system's deadline.

Which deadline the case runs on. Two limits apply to a referred application: the institution's own
service standard (Esenler: CİMER 30 days; Kayseri: CİMER and Açık Kapı 15 days) and the limit of the system
that forwarded it, which follows the law behind the application (Law 3071 art. 7: a petition is answered
within 30 days; Law 4982 art. 11: an information request within 15 working days). Missing either is a
missed deadline, and the referring system's is the one the Presidency or the governorship watches. So:

* the service standard's deadline is counted from the day the application reached us, as for any case;
* the case's ``due_at`` (queue order, warnings, the escalation ladder) is the earlier of that and the end of
  the referring system's last day (the institution's closing time);
* both are kept (the external one on the Referral, the standard one on the open event's data) and both are
  shown on the referral list and the intake confirmation.

A referral form left without the system's deadline gets the legal one: 15 working days for an
information request, 30 days for everything else. Reopening or transferring a case recomputes ``due_at``
from the service standard alone (kentmasa.cases.services), as the institution then owes a new answer.

The answer (``<tracking>/cevap.pdf`` and ``cevap.txt``, served here) is the letter made by
kentmasa.channels.referral_answer once the case is resolved, rejected with a reason or redirected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kentmasa.cases import attachments, intake, services, validators
from kentmasa.cases.citizens import STAFF
from kentmasa.cases.forms import EMAIL_MAX, STAFF_TEXT_MAX, choices
from kentmasa.cases.intake import Inbound
from kentmasa.cases.models import Kind
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.channels import referral_answer
from kentmasa.channels.models import Referral
from kentmasa.deadlines import Duration, TimeUnit
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution, User
from kentmasa.lib import edge

R = User.Role
INTAKE_ROLES = {R.OPERATOR, R.POLICE_OPERATOR, R.ADMINISTRATOR}
LISTED = 50

# The time limits of the laws behind a referred application, used when the form leaves the system's blank.
INFORMATION_REQUEST_LIMIT = Duration(15, TimeUnit.BUSINESS_DAYS)  # Law 4982 art. 11
PETITION_LIMIT = Duration(30, TimeUnit.DAYS)  # Law 3071 art. 7
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]


def _require_intake(user: User) -> Institution:
    """The institution whose referrals this member of staff records; refused for anybody else."""
    if user.institution is None or not (user.is_superuser or user.role in INTAKE_ROLES):
        raise PermissionDenied
    return user.institution


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReferralForm(edge.EdgeForm, forms.Form):
    system = forms.ChoiceField(label=gettext_lazy("Referred by"), choices=Referral.System.choices)
    external_ref = forms.CharField(
        label=gettext_lazy("Reference no in that system"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reached_at = forms.DateField(
        label=gettext_lazy("Date it reached us"), input_formats=DATE_FORMATS, widget=_date_input()
    )
    external_due_at = forms.DateField(
        label=gettext_lazy("Deadline in that system"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=_date_input(),
        help_text=gettext_lazy(
            "As the referring system shows it. Empty: the legal limit, 15 working days for an information "
            "request (Law 4982), 30 days otherwise (Law 3071)."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices, initial=Kind.PETITION)
    citizen_name = forms.CharField(label=gettext_lazy("Applicant's name"), max_length=200)
    citizen_tc_kimlik = forms.CharField(
        label=gettext_lazy("TC identity no"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    citizen_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    citizen_email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=EMAIL_MAX, required=False)
    citizen_address = forms.CharField(label=gettext_lazy("Address"), max_length=400, required=False)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        empty_label="—",
        error_messages={"required": gettext_lazy("Choose a category from the list.")},
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Text of the application"),
        max_length=STAFF_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    document = forms.FileField(
        label=gettext_lazy("The application as the system printed it (PDF)"), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.institution: Institution = _require_intake(user)
        choices(self, "category").queryset = Category.objects.filter(
            institution=self.institution, active=True
        ).order_by(*alphabetical("name"))
        self.fields["reached_at"].initial = timezone.localdate()
        self.scan: tuple[bytes, str] | None = None

    def clean_external_ref(self) -> str:
        ref = " ".join(self.cleaned_data["external_ref"].split())
        if not any(ch.isalnum() for ch in ref):
            raise ValidationError(
                _("Write the reference number the referring system gave."), code="external_ref"
            )
        return ref

    def clean_citizen_tc_kimlik(self) -> str:
        return validators.clean_tc_kimlik(self.cleaned_data["citizen_tc_kimlik"])

    def clean_citizen_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data["citizen_phone"])

    def clean_reached_at(self) -> dt.date:
        reached: dt.date = self.cleaned_data["reached_at"]
        if reached > timezone.localdate():
            raise ValidationError(_("The date it reached us cannot be in the future."), code="reached_at")
        if reached < edge.EARLIEST.date():
            # A mistyped year (0001, 1900) would date the case and its tracking number in that year.
            raise ValidationError(_("The date it reached us cannot be before 2000."), code="reached_at")
        return reached

    def clean_document(self) -> UploadedFile | None:
        uploaded = self.cleaned_data.get("document")
        if uploaded:
            data = uploaded.read()
            attachments.check_file(data, uploaded.name or "")
            self.scan = (data, uploaded.name or "")
        return uploaded

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reached, due = data.get("reached_at"), data.get("external_due_at")
        if reached and due and due < reached:
            self.add_error("external_due_at", _("The deadline cannot be before the date it reached us."))
        system, ref = data.get("system"), data.get("external_ref")
        if system and ref:
            earlier = duplicate_of(self.institution, system, ref)
            if earlier is not None:
                self.add_error("external_ref", duplicate_message(earlier))
        return data


def duplicate_of(institution: Institution, system: str, ref: str) -> Referral | None:
    return (
        Referral.objects.filter(institution=institution, system=system, external_ref=ref)
        .select_related("case")
        .first()
    )


def duplicate_message(earlier: Referral) -> str:
    return _("%(system)s application %(ref)s is already recorded here as case %(number)s.") % {
        "system": earlier.get_system_display(),
        "ref": earlier.external_ref,
        "number": format_tracking_number(earlier.case.tracking_number),
    }


# -- deadlines -----------------------------------------------------------------------------------------------


def received_moment(institution: Institution, reached: dt.date) -> dt.datetime:
    """When the case counts as received: now if it reached us today, else the start of that working day."""
    if reached == timezone.localdate():
        return timezone.now()
    return dt.datetime.combine(reached, institution.workday_start, tzinfo=timezone.get_current_timezone())


def legal_due_date(institution: Institution, kind: str, received_at: dt.datetime) -> dt.date:
    limit = INFORMATION_REQUEST_LIMIT if kind == Kind.INFORMATION_REQUEST else PETITION_LIMIT
    # A law's period: administrative leave (closed days) counts as working days.
    calendar = institution.business_calendar(statutory=True)
    return timezone.localtime(calendar.due(received_at, limit)).date()


def end_of(institution: Institution, day: dt.date) -> dt.datetime:
    """A date-only deadline ends when the institution's working day does."""
    return dt.datetime.combine(day, institution.workday_end, tzinfo=timezone.get_current_timezone())


# -- views ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A row of the referral list."""

    referral: Referral
    tracking_display: str
    external_due_moment: dt.datetime  # when the referring system's last day ends
    answerable: bool  # the answer letter can be made


@staff_required
def referrals(request: StaffRequest) -> HttpResponse:
    user = request.user
    institution = _require_intake(user)
    form = ReferralForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        referral = _record(request, form)
        if referral is not None:
            return redirect("channels:referrals")
    listing = [
        Listed(
            referral,
            format_tracking_number(referral.case.tracking_number),
            end_of(institution, referral.external_due_at),
            referral_answer.answer_body(referral.case) is not None,
        )
        for referral in Referral.objects.filter(institution=institution)
        .select_related("case", "case__citizen")
        .order_by("-created_at", "-pk")[:LISTED]
    ]
    return render(
        request,
        "channels/referrals.html",
        {"form": form, "referrals": listing},
        status=400 if form.is_bound else 200,
    )


def _record(request: StaffRequest, form: ReferralForm) -> Referral | None:
    user = request.user
    data = form.cleaned_data
    institution = form.institution
    received_at = received_moment(institution, data["reached_at"])
    external_due = data["external_due_at"] or legal_due_date(institution, data["kind"], received_at)
    external_moment = end_of(institution, external_due)
    standard_due = services.standard_due(
        institution=institution,
        category=data["category"],
        received_at=received_at,
        channel=data["system"],
        kind=data["kind"],
    )
    # The case runs on the earlier of the two (see the module docstring): open_case caps its deadline.
    due_from = "external" if services.capped(standard_due, external_moment) == external_moment else "standard"
    inbound = Inbound(
        channel=data["system"],
        institution=institution,
        kind=data["kind"],
        subject=data["subject"],
        text=data["text"],
        name=data["citizen_name"],
        tc_kimlik=data["citizen_tc_kimlik"],
        phone=data["citizen_phone"],
        email=data["citizen_email"],
        postal_address=data["citizen_address"],
        proven=STAFF,  # the referring system (e-Devlet sign-in) and our operator checked who it is
        category=data["category"],
        received_at=received_at,
        actor=user,
        due_cap=external_moment,
        opening={
            "referral": {
                "system": data["system"],
                "external_ref": data["external_ref"],
                "reached_at": data["reached_at"].isoformat(),
                "external_due_at": external_due.isoformat(),
                "external_due_given": bool(data["external_due_at"]),
                "standard_due_at": timezone.localtime(standard_due).isoformat() if standard_due else None,
                "due_from": due_from,
            },
        },
    )
    try:
        with transaction.atomic():
            case = intake.open_from(inbound)
            referral = Referral.objects.create(
                case=case,
                institution=institution,
                system=data["system"],
                external_ref=data["external_ref"],
                reached_at=data["reached_at"],
                external_due_at=external_due,
                created_by=user,
            )
            if form.scan is not None:
                content, name = form.scan
                opened = case.events.get(action="open")
                attachments.add_attachment(
                    case, content, actor=user, public=False, event=opened, name=name or "basvuru"
                )
    except IntegrityError:
        # Recorded by somebody else between the check and the write; this request wrote nothing.
        earlier = duplicate_of(institution, data["system"], data["external_ref"])
        form.add_error("external_ref", duplicate_message(earlier) if earlier else _("Already recorded."))
        return None
    except services.TransitionError as error:
        form.add_error(None, error.message)
        return None
    except ValidationError as error:
        form.add_error("document", error)
        return None
    due_text = timezone.localtime(case.due_at).strftime("%d.%m.%Y %H:%M")
    standard_text = timezone.localtime(standard_due).strftime("%d.%m.%Y %H:%M") if standard_due else "—"
    messages.success(
        request,
        format_html(
            _(
                "{system} application {ref} recorded as case {number}. Deadline {due} "
                "(that system's: {external}; service standard: {standard})."
            ),
            system=referral.get_system_display(),
            ref=referral.external_ref,
            number=format_html(
                '<strong id="new-tracking-number">{}</strong>', format_tracking_number(case.tracking_number)
            ),
            due=due_text,
            external=external_due.strftime("%d.%m.%Y"),
            standard=standard_text,
        ),
        extra_tags="new-case",
    )
    return referral


urlpatterns = [
    path("", referrals, name="referrals"),
    path("<str:tracking_number>/cevap.pdf", referral_answer.answer_pdf, name="referral_answer_pdf"),
    path("<str:tracking_number>/cevap.txt", referral_answer.answer_txt, name="referral_answer_txt"),
]
