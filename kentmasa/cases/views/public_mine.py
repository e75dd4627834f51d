"""Başvurularım: a citizen's own applications to one institution, after proving their phone by SMS code.

No password and no account. The citizen types their mobile number, gets a one-time code (the public form's
code, kentmasa.cases.phone_codes, with its limits per number and per address) and types it in; this browser
then remembers the proven number for ``KENTMASA_MY_CASES_SECONDS`` (30 minutes), for this institution only.

**Whose cases.** A case is listed when its applicant record holds the number just proven, in this
institution, *as proven* (``Citizen.phone_verified``: an SMS, WhatsApp, a form's code, staff). A number only
typed on a form stays on a record of its own with its case (kentmasa.cases.citizens) and is never listed: the
person who typed it may have typed someone else's number, and proving that number must not show them, nor let
them open or answer, a stranger's application (the case stays trackable by its number and code). Typed
contact data never joins, fills in or redirects a record either, so the list is never cases linked through
another person's data merged in. KADES cases never appear (``TRACKABLE``), nor another institution's.

A case waiting for the citizen ("Waiting for information from you") takes their answer here (text and an
optional photo): ``services.citizen_answered`` puts it on the timeline, restarts the clock and tells the
assignee (kentmasa.notify.rules).
"""

from __future__ import annotations

import time
from typing import Any

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kentmasa.cases import attachments, phone_codes, services, tracking, validators
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Case, Status
from kentmasa.cases.public_forms import MAX_TEXT, PHOTO_MAX_BYTES, PHOTO_TYPES
from kentmasa.cases.views.public import (
    PUBLIC_INSTITUTIONS,
    STATUS_LABELS,
    TRACKABLE,
    _grant,
    limit_posts,
)
from kentmasa.directory.models import Institution
from kentmasa.lib import edge, phones
from kentmasa.lib.clientip import client_ip, client_network

MINE_KEY = "kentmasa_public_mine"
PAGE_SIZE = 20


# --- the proven phone in this browser


def proven_phone(request: HttpRequest, institution: Institution) -> str:
    """The phone number this browser proved for this institution, while the proof lasts; else ""."""
    proof = request.session.get(MINE_KEY)
    if not isinstance(proof, dict) or proof.get("institution") != institution.pk:
        return ""
    at = proof.get("at")
    if not isinstance(at, int | float) or time.time() - at >= settings.KENTMASA_MY_CASES_SECONDS:
        request.session.pop(MINE_KEY, None)
        return ""
    phone = proof.get("phone")
    return phone if isinstance(phone, str) else ""


def _remember(request: HttpRequest, institution: Institution, phone: str) -> None:
    request.session.cycle_key()  # a new session id once proven: a planted one learns nothing
    request.session[MINE_KEY] = {"institution": institution.pk, "phone": phone, "at": int(time.time())}


def my_cases(institution: Institution, phone: str) -> Any:
    """The rule of the module's docstring, as a query (citizen's (institution, phone) index)."""
    return (
        TRACKABLE.filter(
            institution=institution,
            citizen__institution=institution,
            citizen__phone=phone,
            citizen__phone_verified=True,
        )
        .select_related("category")
        .order_by("-received_at", "-pk")
    )


class NotProven(Exception):
    """This browser has not proven a phone for the institution (or the proof expired)."""


def _my_case(request: HttpRequest, institution: Institution, number: str) -> Case:
    phone = proven_phone(request, institution)
    if not phone:
        raise NotProven
    case: Case = get_object_or_404(my_cases(institution, phone), tracking_number=number[:20])
    return case


# --- the forms


class ProveForm(edge.EdgeForm, forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "tel",
                "inputmode": "tel",
                "placeholder": "0532 123 45 67",
                "id": "mine-phone",
            }
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Code sent to your phone"),
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "id": "mine-code"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        phone = validators.clean_phone(self.cleaned_data.get("phone", ""))
        if not phone:
            raise ValidationError(_("Write your mobile phone number first."), code="required")
        return phone


class AnswerForm(edge.EdgeForm, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your answer"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Write the information the institution asked for."),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = _(
            "Optional. JPEG, PNG or WebP, at most %(mb)d MB. Location data inside the photo is removed."
        ) % {"mb": PHOTO_MAX_BYTES // attachments.MB}
        self.photo_data: bytes | None = None
        self.photo_name = ""

    def clean_photo(self) -> UploadedFile | None:
        uploaded: UploadedFile | None = self.cleaned_data.get("photo")
        if not uploaded:
            return None
        if uploaded.size is not None and uploaded.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // attachments.MB},
                code="file_size",
            )
        data = uploaded.read(PHOTO_MAX_BYTES + 1)
        guessed = filetype.guess(data) if data else None
        if guessed is None or guessed.mime not in PHOTO_TYPES:
            raise ValidationError(_("Please attach a photo in JPEG, PNG or WebP format."), code="file_type")
        attachments.check_file(data, uploaded.name or "")  # decoded now, so a broken photo writes nothing
        self.photo_data, self.photo_name = data, uploaded.name or ""
        return uploaded


# --- the pages


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("public:mine")
def mine(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    phone = proven_phone(request, institution)
    if phone and request.method == "GET":
        return _list(request, institution, phone)
    status, message, code_sent, retry_after = 200, "", False, 0
    if request.method == "POST":
        form = ProveForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            if request.POST.get("action") == "send":
                try:
                    phone_codes.request_code(institution, phone, client_network(client_ip(request)))
                except phone_codes.CodeRefused as refused:
                    status = 429 if refused.retry_after else 400
                    message, retry_after = refused.message, refused.retry_after
                else:
                    code_sent = True
                    message = _("We have sent a code to %(phone)s. It is valid for %(minutes)d minutes.") % {
                        "phone": phones.display(phone),
                        "minutes": settings.KENTMASA_PHONE_CODE_SECONDS // 60,
                    }
            elif phone_codes.confirm(institution, phone, form.cleaned_data["code"]):
                _remember(request, institution, phone)
                return redirect("public:mine", institution.slug)
            else:
                status, code_sent = 400, True
                form.add_error(
                    "code",
                    ValidationError(
                        _("The code is wrong or has expired. Ask for a new code."), code="phone_code"
                    ),
                )
        else:
            status = 400
    else:
        form = ProveForm()
    response = render(
        request,
        "public/mine_prove.html",
        {
            "institution": institution,
            "form": form,
            "message": message,
            "code_sent": code_sent,
            "minutes": settings.KENTMASA_MY_CASES_SECONDS // 60,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _list(request: HttpRequest, institution: Institution, phone: str) -> HttpResponse:
    paginator = Paginator(my_cases(institution, phone), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("sayfa", "1")[:6])
    rows = [
        {
            "case": case,
            "number": tracking.format_tracking_number(case.tracking_number),
            "status_label": STATUS_LABELS.get(case.status, case.get_status_display()),
            "waiting": case.status == Status.WAITING_CITIZEN,
        }
        for case in page.object_list
    ]
    return render(
        request,
        "public/mine_list.html",
        {
            "institution": institution,
            "page": page,
            "rows": rows,
            "phone": phones.mask(phone),
            "minutes": settings.KENTMASA_MY_CASES_SECONDS // 60,
        },
    )


@never_cache
@require_http_methods(["GET"])
def mine_case(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    """Open one of the list's cases on the tracking page (this browser may now see it there)."""
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    try:
        case = _my_case(request, institution, number)
    except NotProven:
        return redirect("public:mine", institution.slug)
    _grant(request, case)
    return redirect("public:track_case", case.tracking_number)


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("public:mine")
def mine_answer(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    """The citizen's answer to a case waiting for them: text and an optional photo, onto the timeline."""
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    try:
        case = _my_case(request, institution, number)
    except NotProven:
        return redirect("public:mine", institution.slug)
    question = (
        case.events.filter(action="ask_citizen", public=True)
        .order_by("-at", "-pk")
        .values_list("note", flat=True)
    ).first()
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST, request.FILES)
        if case.status != Status.WAITING_CITIZEN:
            form.add_error(None, _("This application no longer waits for information from you."))
            status = 409
        elif form.is_valid():
            try:
                with transaction.atomic():
                    answered = services.citizen_answered(case, actor=None, answer=form.cleaned_data["text"])
                    if form.photo_data is not None:
                        event = (
                            answered.events.filter(action="citizen_answered").order_by("-at", "-pk").first()
                        )
                        add_attachment(
                            answered, form.photo_data, name=form.photo_name, public=True, event=event
                        )
            except services.TransitionError:
                form.add_error(None, _("This application no longer waits for information from you."))
                status = 409
            except ValidationError as error:
                form.add_error("photo", error)
                status = 400
            else:
                _grant(request, case)
                return redirect("public:track_case", case.tracking_number)
        else:
            status = 400
    else:
        form = AnswerForm()
    if case.status != Status.WAITING_CITIZEN and request.method == "GET":
        return redirect("public:mine", institution.slug)
    return render(
        request,
        "public/mine_answer.html",
        {
            "institution": institution,
            "case": case,
            "number": tracking.format_tracking_number(case.tracking_number),
            "question": question or "",
            "form": form,
        },
        status=status,
    )


@require_POST
def mine_forget(request: HttpRequest, slug: str) -> HttpResponse:
    """Forget the proven phone in this browser (a shared or borrowed phone)."""
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    request.session.pop(MINE_KEY, None)
    return redirect("public:mine", institution.slug)
