"""Desk and mobile desk: the citizen applies in person at Beyaz Masa / Çözüm Masası, or at the minibus that
takes the desk round the district, and leaves with a printed receipt.

Intake is the operator console's new case plus what the standards tables ask for at a desk (Esenler's
Çözüm Masası: a photo identity document, or one in its place, and for representation the attorney's or
guardian's documents; Kayseri's Beyaz Masa: TC kimlik no and contact details):

* the identity document of the person at the desk was seen (its type is recorded, never its image) and
  their TC kimlik no is typed and checksum-checked;
* a representative (attorney, parent or guardian, a company's authorised person) gives their own name and
  TC kimlik no, and the document that authorises them is scanned and attached: it is the one identity
  paper kept, because the case is acted on in somebody else's name on its strength;
* the petition (dilekçe) itself, when there is one, is scanned and attached;
* the mobile desk records the stop it was at.

Everything is checked before anything is written; the citizen, the case, its files and the record of the
identity check (on the case's "open" event, ``data["desk"]``, and an internal timeline note staff can read)
are committed together. The receipt (``makbuz/<tracking>/``) is a PDF made on request from the case, so it
can be printed again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import filetype
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kentmasa.cases import access, attachments, clock, services, validators
from kentmasa.cases import standards as citizen_standards
from kentmasa.cases.forms import NewCaseForm
from kentmasa.cases.models import Attachment, Case, Channel, Event
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.cases.views import StaffRequest, map_config, staff_required
from kentmasa.channels import receipts
from kentmasa.directory.models import User
from kentmasa.lib import notices as notice_hook
from kentmasa.lib import tckimlik, turkish

R = User.Role
# The people who sit at the desk: the institution's intake staff.
DESK_ROLES = {R.OPERATOR, R.POLICE_OPERATOR, R.ADMINISTRATOR}
SESSION_KEY = "kentmasa_desk"
RECENT = 10

IDENTITY_DOCUMENTS = [
    ("id_card", gettext_lazy("Identity card / nüfus cüzdanı")),
    ("driving_licence", gettext_lazy("Driving licence")),
    ("passport", gettext_lazy("Passport")),
]
PROXY_DOCUMENTS = [
    ("power_of_attorney", gettext_lazy("Power of attorney (vekaletname)")),
    ("guardianship", gettext_lazy("Parent or guardian document (veli / vasi belgesi)")),
    ("company_authority", gettext_lazy("Company authority document (şirket yetki belgesi)")),
]
# What the case record and the receipt say, in the institution's language whatever the screen's.
DOCUMENT_NAMES_TR = {
    "id_card": "nüfus cüzdanı / kimlik kartı",
    "driving_licence": "sürücü belgesi",
    "passport": "pasaport",
    "power_of_attorney": "vekaletname",
    "guardianship": "veli / vasi belgesi",
    "company_authority": "şirket yetki belgesi",
}
# Scans only: a PDF from the desk scanner or a photo of the page.
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}
SCAN_ACCEPT = ",".join(sorted(SCAN_TYPES))
MAX_SCAN = 20 * 1024 * 1024


@dataclass
class Scan:
    data: bytes
    name: str


def _require_desk(user: User) -> None:
    if user.institution_id is None or not (user.is_superuser or user.role in DESK_ROLES):
        raise PermissionDenied


class DeskCaseForm(NewCaseForm):
    """The console's new case, on the desk's two channels, with the identity check and the scans."""

    mobile_desk_stop = forms.CharField(
        label=gettext_lazy("Mobile desk stop"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Where the minibus is standing, e.g. “Menderes Mah. pazar yeri”."),
    )
    identity_document = forms.ChoiceField(
        label=gettext_lazy("Identity document shown"), choices=IDENTITY_DOCUMENTS, initial="id_card"
    )
    identity_seen = forms.BooleanField(
        label=gettext_lazy("I have seen the identity document of the person at the desk"),
        help_text=gettext_lazy("Only its type is recorded; do not scan an identity card."),
        error_messages={
            "required": gettext_lazy(
                "Confirm that you have seen the identity document of the person at the desk."
            )
        },
    )
    on_behalf = forms.BooleanField(
        label=gettext_lazy("The person at the desk represents the applicant"), required=False
    )
    representative_name = forms.CharField(
        label=gettext_lazy("Representative's name"), max_length=200, required=False
    )
    representative_tc_kimlik = forms.CharField(
        label=gettext_lazy("Representative's TC identity no"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proxy_document = forms.ChoiceField(
        label=gettext_lazy("Document of representation"),
        choices=[("", "—"), *PROXY_DOCUMENTS],
        required=False,
    )
    proxy_scan = forms.FileField(
        label=gettext_lazy("Scan of the document of representation (PDF or JPEG)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
    )
    petition = forms.FileField(
        label=gettext_lazy("Scanned petition (PDF or JPEG)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["channel"] = forms.ChoiceField(
            label=gettext_lazy("Desk"),
            choices=[(Channel.DESK, Channel.DESK.label), (Channel.MOBILE_DESK, Channel.MOBILE_DESK.label)],
            initial=Channel.DESK,
        )
        self.fields["citizen_name"].required = True
        self.fields["citizen_name"].label = gettext_lazy("Applicant's name")
        self.fields["citizen_tc_kimlik"].label = gettext_lazy("Applicant's TC identity no")
        self.fields["citizen_tc_kimlik"].help_text = gettext_lazy(
            "Required when the applicant comes in person; foreign residents give their foreigner identity no."
        )
        self.scans: dict[str, Scan] = {}

    def clean_representative_tc_kimlik(self) -> str:
        return validators.clean_tc_kimlik(self.cleaned_data["representative_tc_kimlik"])

    def _clean_scan(self, field: str) -> Scan | None:
        uploaded = self.cleaned_data.get(field)
        if not uploaded:
            return None
        if uploaded.size is not None and uploaded.size > MAX_SCAN:
            raise ValidationError(_("The file is larger than %(limit)d MB.") % {"limit": MAX_SCAN // 2**20})
        data = uploaded.read()
        guessed = filetype.guess(data)
        if guessed is None or guessed.mime not in SCAN_TYPES:
            raise ValidationError(_("Scan the document as a PDF or JPEG file."), code="scan_type")
        attachments.check_file(data, uploaded.name or "")  # the same checks the file meets when stored
        return Scan(data, uploaded.name or "")

    def clean_proxy_scan(self) -> UploadedFile | None:
        scan = self._clean_scan("proxy_scan")
        if scan is not None:
            self.scans["proxy"] = scan
        return self.cleaned_data.get("proxy_scan")

    def clean_petition(self) -> UploadedFile | None:
        scan = self._clean_scan("petition")
        if scan is not None:
            self.scans["petition"] = scan
        return self.cleaned_data.get("petition")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        required = _("This field is required.")
        if data.get("channel") == Channel.MOBILE_DESK and not (data.get("mobile_desk_stop") or "").strip():
            self.add_error("mobile_desk_stop", _("Write where the mobile desk is standing."))
        if data.get("on_behalf"):
            for name in ("representative_name", "representative_tc_kimlik", "proxy_document"):
                if not data.get(name) and not self.has_error(name):
                    self.add_error(name, required)
            if "proxy" not in self.scans and not self.has_error("proxy_scan"):
                self.add_error(
                    "proxy_scan", _("Scan the document that authorises the representative and attach it.")
                )
            representative_tc = data.get("representative_tc_kimlik")
            if representative_tc and representative_tc == data.get("citizen_tc_kimlik"):
                self.add_error(
                    "representative_tc_kimlik",
                    _("The representative and the applicant cannot have the same TC identity no."),
                )
        else:
            if not data.get("citizen_tc_kimlik") and not self.has_error("citizen_tc_kimlik"):
                self.add_error(
                    "citizen_tc_kimlik", _("Type the TC identity no from the identity document you saw.")
                )
            if "proxy" in self.scans:
                self.add_error(
                    "on_behalf",
                    _(
                        "You attached a document of representation: "
                        "tick that the person represents the applicant."
                    ),
                )
        return data

    def identity_record(self, *, petition: Attachment | None, proxy: Attachment | None) -> dict:
        """What the case keeps of the check: document types and who looked, never an identity image."""
        data = self.cleaned_data
        record = {
            "identity_seen": True,
            "identity_document": data["identity_document"],
            "seen_by": self.user.pk,
            "in_person": "representative" if data.get("on_behalf") else "applicant",
            "petition_attachment": petition.pk if petition else None,
        }
        if data["channel"] == Channel.MOBILE_DESK:
            record["stop"] = data["mobile_desk_stop"].strip()
        if data.get("on_behalf"):
            record["representative"] = {
                "name": data["representative_name"].strip(),
                "tc_kimlik": data["representative_tc_kimlik"],
                "proxy_document": data["proxy_document"],
                "proxy_attachment": proxy.pk if proxy else None,
            }
        return record

    def identity_note(self) -> str:
        """The same record as a line staff read on the timeline (TC kimlik nos masked)."""
        data = self.cleaned_data
        document = DOCUMENT_NAMES_TR[data["identity_document"]]
        lines = []
        if data.get("on_behalf"):
            lines.append(
                f"Başvuru temsilci aracılığıyla yapıldı: {data['representative_name'].strip()} "
                f"(TC {tckimlik.mask(data['representative_tc_kimlik'])}), "
                f"{DOCUMENT_NAMES_TR[data['proxy_document']]} tarandı ve eklendi."
            )
            lines.append(f"Masada temsilcinin kimliği görüldü ({document}).")
        else:
            lines.append(f"Masada başvuru sahibinin kimliği görüldü ({document}).")
        if "petition" in self.scans:
            lines.append("Dilekçe tarandı ve eklendi.")
        if data["channel"] == Channel.MOBILE_DESK:
            lines.append(f"Mobil masa durağı: {data['mobile_desk_stop'].strip()}.")
        return "\n".join(lines)


# -- views ---------------------------------------------------------------------------------------------------


@staff_required
def desk(request: StaffRequest) -> HttpResponse:
    user = request.user
    _require_desk(user)
    remembered = request.session.get(SESSION_KEY, {})
    initial = {
        "channel": remembered.get("channel", Channel.DESK),
        "mobile_desk_stop": remembered.get("stop", ""),
    }
    if request.method == "POST":
        form = DeskCaseForm(request.POST, request.FILES, user=user, initial=initial)
        if form.is_valid():
            case = _record(request, form)
            if case is not None:
                request.session[SESSION_KEY] = {
                    "channel": form.cleaned_data["channel"],
                    "stop": form.cleaned_data["mobile_desk_stop"].strip(),
                }
                return redirect("channels:desk")
    else:
        form = DeskCaseForm(user=user, initial=initial)
    chosen = None
    if form.is_bound and not form.has_error("category"):
        chosen = form.cleaned_data.get("category")
    recent = [
        (case, format_tracking_number(case.tracking_number))
        for case in access.visible_cases(user)
        .filter(
            created_by=user,
            channel__in=[Channel.DESK, Channel.MOBILE_DESK],
            received_at__date=timezone.localdate(),
        )
        .order_by("-received_at")[:RECENT]
    ]
    return render(
        request,
        "channels/desk.html",
        {
            "form": form,
            "chosen_category": chosen,
            "map": map_config(editable=True),
            "recent": recent,
        },
        status=400 if form.is_bound else 200,
    )


def _record(request: StaffRequest, form: DeskCaseForm) -> Case | None:
    user = request.user
    data = form.cleaned_data
    try:
        with transaction.atomic():
            case = form.open_case()
            opened = case.events.get(action="open")
            stored: dict = {}
            for key, label in (("petition", "dilekce"), ("proxy", "temsil-belgesi")):
                scan = form.scans.get(key)
                if scan is not None:
                    # Never shown on the public tracking page: these papers carry personal data.
                    stored[key] = attachments.add_attachment(
                        case, scan.data, actor=user, public=False, event=opened, name=scan.name or label
                    )
            record = form.identity_record(petition=stored.get("petition"), proxy=stored.get("proxy"))
            services.record_on_opening(case, "desk", record)
            services.comment(case, actor=user, note=form.identity_note(), public=False)
    except services.TransitionError as error:
        form.add_error(None, error.message)
        return None
    except ValidationError as error:
        form.add_error(None, error)
        return None
    text = _(
        "Case recorded. Tracking number {number}, verification code {code}. "
        "{receipt} and hand it to the citizen."
    )
    if data.get("resolve_now"):
        try:
            case = services.resolve_on_the_spot(case, actor=user, resolution=data["resolution"])
        except services.TransitionError as error:
            reason = {"reason": error.message}
            messages.warning(request, _("The case was recorded but not resolved: %(reason)s") % reason)
        else:
            text = _(
                "Case recorded and resolved on the spot. Tracking number {number}, verification code {code}. "
                "{receipt} and hand it to the citizen."
            )
    number = format_html(
        '<strong id="new-tracking-number">{}</strong>', format_tracking_number(case.tracking_number)
    )
    code = format_html('<strong id="new-verification-code">{}</strong>', case.verification_code)
    link = format_html(
        '<a id="new-receipt" href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("channels:desk_receipt", args=[case.tracking_number]),
        _("Print the receipt"),
    )
    messages.success(
        request, format_html(text, number=number, code=code, receipt=link), extra_tags="new-case"
    )
    return case


@staff_required
def receipt(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """The receipt of any case the member of staff can see, as a PDF to print (A5); never of a KADES case,
    whose person must take nothing home that names it (kentmasa.channels.silence)."""
    number = clean_tracking_number(tracking_number) or tracking_number
    cases = (
        access.visible_cases(request.user)
        .exclude(channel=Channel.KADES)
        .select_related("institution", "citizen", "category", "service", "unit", "created_by")
    )
    case = get_object_or_404(cases, tracking_number=number)
    pdf = receipts.receipt_pdf(build_receipt(request, case))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="makbuz-{case.tracking_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def public_url(request: HttpRequest, path_: str, **query: str) -> str:
    """An address on the citizen site, for print: KENTMASA_PUBLIC_URL, else the address of this request."""
    base = getattr(settings, "KENTMASA_PUBLIC_URL", "") or request.build_absolute_uri("/")
    url = base.rstrip("/") + path_
    return f"{url}?{urlencode(query)}" if query else url


def _notice(case: Case) -> notice_hook.NoticeRef | None:
    """The privacy notice version the case recorded at opening (kentmasa.privacy), else the desk's current."""
    return notice_hook.for_case(case.pk) or notice_hook.current(case.institution_id, Channel.DESK)


def _notice_url(request: HttpRequest, case: Case) -> str:
    notice = _notice(case)
    if notice is None:
        return public_url(request, reverse("public:kvkk"), kurum=case.institution.slug)
    query = {"kurum": case.institution.slug, "kanal": notice.group, "surum": str(notice.version)}
    return public_url(request, reverse("public:kvkk"), **query)


def _notice_version(case: Case) -> str:
    notice = _notice(case)
    return str(notice.version) if notice is not None else ""


def _moment(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


def _desk_record(case: Case) -> dict:
    opened = Event.objects.filter(case=case, action="open").only("data").first()
    return (opened.data or {}).get("desk", {}) if opened else {}


def build_receipt(request: HttpRequest, case: Case) -> receipts.Receipt:
    record = _desk_record(case)
    desk_name = getattr(settings, "KENTMASA_DESK_NAME", "Beyaz Masa")
    with translation.override("tr"):
        if case.channel == Channel.DESK:
            office = desk_name
        elif case.channel == Channel.MOBILE_DESK:
            office = f"Mobil {desk_name}" + (f" – {record['stop']}" if record.get("stop") else "")
        else:
            office = str(case.get_channel_display())
        kind = str(case.get_kind_display())
    representative = ""
    if record.get("representative"):
        rep = record["representative"]
        representative = f"{rep.get('name', '')} ({DOCUMENT_NAMES_TR.get(rep.get('proxy_document'), '')})"
    standard = clock.standard_for(case)
    kept = []
    if record.get("petition_attachment"):
        kept.append("Dilekçe (taranmış)")
    if record.get("representative", {}).get("proxy_attachment"):
        kept.append(
            f"{turkish.title(DOCUMENT_NAMES_TR[record['representative']['proxy_document']])} (taranmış)"
        )
    taken_by = (case.created_by.get_full_name() or case.created_by.get_username()) if case.created_by else ""
    return receipts.Receipt(
        institution=case.institution.name,
        office=office,
        tracking_number=format_tracking_number(case.tracking_number),
        verification_code=case.verification_code,
        received=_moment(case.received_at),
        applicant=case.citizen.name if case.citizen is not None else "",
        representative=representative,
        kind=kind,
        subject=case.subject,
        category=case.category.name if case.category is not None else "",
        unit=case.unit.name if case.unit is not None else "",
        due=citizen_standards.deadline_text(case.due_at, standard.unit if standard else None),
        standard=standard.describe_tr() if standard else "",
        places=[
            f"{'İlk' if rank == 1 else 'İkinci'} müracaat yeri: {citizen_standards.place_line(place)}"
            for rank, place in citizen_standards.places_of(case.service)
        ],
        standards_url=public_url(request, citizen_standards.standards_path(case.institution)),
        track_url=public_url(request, reverse("public:track"), no=case.tracking_number or ""),
        kvkk_url=_notice_url(request, case),
        kvkk_version=_notice_version(case),
        taken_by=taken_by,
        attachments=kept,
    )


urlpatterns = [
    path("", desk, name="desk"),
    path("makbuz/<str:tracking_number>/", receipt, name="desk_receipt"),
]
