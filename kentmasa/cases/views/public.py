"""The citizen pages: the application form, its receipt, tracking by number and code, the KVKK notice.

No login. A citizen sees a case only after proving they hold its tracking number and verification code (or
right after submitting it); that proof is remembered in their session for a short while, never in the URL.
POSTs are rate-limited per IP address; wrong look-ups lock the address that makes them and slow down the
tracking number they aim at (see ``look_up``), so codes cannot be guessed from one address or from many,
and nobody can lock a citizen out of their own case.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from kentmasa.cases import attachments, clock, intake, phone_codes, services, tracking, validators
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.citizens import NOTHING
from kentmasa.cases.intake import Inbound
from kentmasa.cases.models import Attachment, Case, Channel, Event, Status
from kentmasa.cases.public_forms import CaseForm, TrackForm
from kentmasa.cases.views import describe_remaining
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Institution, Unit
from kentmasa.lib import lockout, phones
from kentmasa.lib import notices as notice_hook
from kentmasa.lib.clientip import client_ip, client_network
from kentmasa.lib.ranges import ranged_response

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

GRANTS_KEY = "kentmasa_public_cases"
RECEIPT_KEY = "kentmasa_public_receipt"
GRANT_SECONDS = 2 * 60 * 60  # how long a look-up stays open in this browser
MAX_GRANTS = 10

STATUS_LABELS: dict[str, StrOrPromise] = {
    Status.NEW: pgettext_lazy("citizen", "Received"),
    Status.ASSIGNED: pgettext_lazy("citizen", "Passed to the responsible unit"),
    Status.IN_PROGRESS: pgettext_lazy("citizen", "In progress"),
    Status.WAITING_CITIZEN: pgettext_lazy("citizen", "Waiting for information from you"),
    Status.RESOLVED: pgettext_lazy("citizen", "Resolved"),
    Status.CLOSED: pgettext_lazy("citizen", "Closed"),
    Status.REJECTED: pgettext_lazy("citizen", "Rejected"),
    Status.REDIRECTED: pgettext_lazy("citizen", "Redirected to another body"),
    Status.MERGED: pgettext_lazy("citizen", "Combined with another application"),
}

# Timeline actions the citizen sees, and whether the event's note is written for them. Notes of other
# actions may be staff's working words and are never shown.
EVENT_LABELS = {
    "open": (pgettext_lazy("citizen", "Application received"), False),
    "start": (pgettext_lazy("citizen", "Work started"), False),
    "ask_citizen": (pgettext_lazy("citizen", "Information asked from you"), True),
    "citizen_answered": (pgettext_lazy("citizen", "Your answer was received; work continues"), False),
    "resolve": (pgettext_lazy("citizen", "Resolved"), True),
    "resolve_on_the_spot": (pgettext_lazy("citizen", "Resolved"), True),
    "close": (pgettext_lazy("citizen", "Closed"), False),
    "reopen": (pgettext_lazy("citizen", "Reopened"), False),
    "reject": (pgettext_lazy("citizen", "Rejected"), True),
    "merge": (pgettext_lazy("citizen", "Combined with another application on the same matter"), False),
    "comment": (pgettext_lazy("citizen", "Message from the institution"), True),
}

PUBLIC_INSTITUTIONS = Institution.objects.exclude(kind=Institution.Kind.EXTERNAL)
# The cases a citizen may open here at all: never a KADES case, whatever number and code are typed (the
# person's phone may be in the aggressor's hands, and so may the numbers: kentmasa.channels.silence). A
# wrong number, a wrong code and a KADES case's right code all answer the same "not found".
TRACKABLE = Case.objects.exclude(channel=Channel.KADES)


# --- rate limiting


def public_rate(group: str, request: HttpRequest) -> str:
    """Read at request time, so the setting can change without restarting (and tests can override it)."""
    return settings.KENTMASA_PUBLIC_RATE


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The page shown when one address has sent too many forms (settings.RATELIMIT_VIEW)."""
    logger.warning("public rate limit reached on %s", request.path)
    wait = lockout.rate_seconds(settings.KENTMASA_PUBLIC_RATE)
    response = render(request, "public/rate_limited.html", {"wait_minutes": max(1, wait // 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response


View = Callable[..., HttpResponse]


def limit_posts(group: str) -> Callable[[View], View]:
    """Count every POST per IP address under ``group``; past the limit answer 429 without running the view."""

    def decorator(view: View) -> View:
        limited: View = ratelimit(group=group, key="ip", rate=public_rate, method="POST", block=True)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return limited(request, *args, **kwargs)
            except Ratelimited as error:
                return rate_limited(request, error)

        return wrapped

    return decorator


# --- which cases this browser may see


def _grants(request: HttpRequest) -> list[list[int]]:
    now = time.time()
    return [grant for grant in request.session.get(GRANTS_KEY, []) if now - grant[1] < GRANT_SECONDS]


def _grant(request: HttpRequest, case: Case) -> None:
    grants = [grant for grant in _grants(request) if grant[0] != case.pk]
    grants.append([case.pk, int(time.time())])
    request.session[GRANTS_KEY] = grants[-MAX_GRANTS:]


def _granted_case(request: HttpRequest, number: str) -> Case | None:
    case = (
        TRACKABLE.select_related("institution", "service", "category").filter(tracking_number=number).first()
    )
    if case is None or all(grant[0] != case.pk for grant in _grants(request)):
        return None
    return case


def find_case(number_text: str, code: str) -> Case | None:
    """The case with this tracking number and code; None for a wrong number and a wrong code alike."""
    number = tracking.clean_tracking_number(number_text)
    case = TRACKABLE.filter(tracking_number=number).first() if number else None
    # Compare even when there is no case, so a missing number takes as long as a wrong code.
    expected = case.verification_code if case is not None else "-"
    matches = secrets.compare_digest(expected.encode(), code.encode())
    return case if case is not None and code and matches else None


@dataclass(frozen=True)
class LookUp:
    case: Case | None
    refused: str = ""  # "address": this client is locked out; "number": that number is slowed down
    wait: int = 0  # seconds before asking again is worth it


def look_up(number_text: str, code: str, client: str) -> LookUp:
    """``find_case`` with brute force kept out, without letting anyone lock a citizen out of their case.

    * Per client address: KENTMASA_TRACK_FAILURES wrong look-ups (of any numbers) lock that address for
      KENTMASA_TRACK_LOCK_SECONDS. The rightful citizen, on their own address, is not affected.
    * Per tracking number, whoever asks: past the free wrong look-ups of each KENTMASA_TRACK_NUMBER_LIMITS
      window, the number's code is checked at most once per the window's interval. A slowed-down number
      answers "try again in a minute", never "locked": the right code gets through on a later try.
    Numbers no case has are counted the same way, so the answers never tell whether a number exists.
    """
    if lockout.is_locked("track-address", client):
        return LookUp(None, "address", settings.KENTMASA_TRACK_LOCK_SECONDS)
    number = tracking.clean_tracking_number(number_text)
    if number:
        every = _number_interval(number)
        if every and not lockout.take_turn("track-number", number, every_seconds=every):
            # Not counted against the address: the citizen retrying with the right code while strangers
            # guess must never end up locked out of their own connection.
            return LookUp(None, "number", every)
    case = find_case(number_text, code)
    if case is None:
        if number:
            for window, _free, _every in settings.KENTMASA_TRACK_NUMBER_LIMITS:
                lockout.tally("track-number", number, window_seconds=window)
        if _address_failed(client):
            return LookUp(None, "address", settings.KENTMASA_TRACK_LOCK_SECONDS)
    return LookUp(case)


def _number_interval(number: str) -> int:
    """Seconds between checks of this number's code now: 0 while its wrong look-ups are within bounds."""
    every = 0
    for window, free, interval in settings.KENTMASA_TRACK_NUMBER_LIMITS:
        if lockout.count("track-number", number, window_seconds=window) >= free:
            every = max(every, interval)
    return every


def _address_failed(client: str) -> bool:
    seconds, limit = settings.KENTMASA_TRACK_LOCK_SECONDS, settings.KENTMASA_TRACK_FAILURES
    locked = lockout.record_failure(
        "track-address", client, limit=limit, window_seconds=seconds, lock_seconds=seconds
    )
    if locked:
        logger.warning("tracking look-ups locked for a client address after %d wrong answers", limit)
    return locked


# --- the application form


@require_GET
def institutions(request: HttpRequest) -> HttpResponse:
    choices = list(PUBLIC_INSTITUTIONS.order_by(*alphabetical("name")))
    if len(choices) == 1:
        return redirect("public:form", choices[0].slug)
    return render(request, "public/institutions.html", {"institutions": choices})


@require_http_methods(["GET", "POST"])
@limit_posts("public:form")
@csrf_exempt  # checked by _case_form, after the size of the form is (Django's pattern for upload handlers)
def case_form(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    if request.method == "POST" and _content_length(request) > settings.KENTMASA_PUBLIC_FORM_MAX_BYTES:
        # Refused before the body is read: CSRF's check would otherwise parse (and spool) all of it first.
        return _form_too_large(request, institution)
    return _case_form(request, institution)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _form_too_large(request: HttpRequest, institution: Institution) -> HttpResponse:
    form = CaseForm(
        institution=institution, initial={"province": institution.province, "district": institution.district}
    )
    limit = {"mb": settings.KENTMASA_PUBLIC_FORM_MAX_BYTES // attachments.MB}
    too_large = _(
        "Your application is larger than %(mb)d MB in all and could not be received. Please send a shorter"
        " video or voice message, and fill in the form again."
    )
    context = {"institution": institution, "form": form, "too_large": too_large % limit}
    response = render(request, "public/form.html", context, status=413)
    response["Connection"] = "close"  # the body was not read
    return response


@csrf_protect
def _case_form(request: HttpRequest, institution: Institution) -> HttpResponse:
    if request.method == "POST":
        form = CaseForm(request.POST, request.FILES, institution=institution)
        if form.is_valid():
            case = _open_case(form)
            if case is not None:
                _grant(request, case)
                request.session[RECEIPT_KEY] = case.pk
                return redirect("public:receipt")
    else:
        form = CaseForm(
            institution=institution,
            initial={"province": institution.province, "district": institution.district},
        )
    return render(request, "public/form.html", {"institution": institution, "form": form})


def _opening(form: CaseForm) -> dict:
    """What the open event keeps of the form: the citizen's choice of channel for the answer
    (channels.replies.preferred_channels) and the privacy notice version the form showed (kvkk_surum)."""
    opening: dict = {}
    if form.answer_channels():
        opening["answer_by"] = form.answer_channels()
    if form.notice_version_shown() is not None:
        opening["kvkk_surum"] = form.notice_version_shown()
    return opening


def _open_case(form: CaseForm) -> Case | None:
    """Record the application, citizen and photo in one transaction; None (with form errors) if refused."""
    data = form.cleaned_data
    inbound = Inbound(
        channel=Channel.WEB,
        institution=form.institution,
        kind=data["kind"],
        subject=data["subject"],
        text=data["text"],
        name=data["name"],
        tc_kimlik=data["tc_kimlik"],
        phone=data["phone"],
        email=data["email"],
        # Typed contact data never joins an existing record (cases.citizens); a phone confirmed with the
        # SMS code may.
        proven=frozenset({"phone"}) if data.get("phone_proven") else NOTHING,
        category=data["category"],
        location=form.location(),
        # The citizen's choice of channel for the answer (channels.replies.preferred_channels).
        opening=_opening(form),
    )
    field = "photo"  # the form field whose file was being stored, for a refusal's message
    try:
        with transaction.atomic():
            case = intake.open_from(inbound)
            attached = form.photo_data is not None or form.recordings
            # The "open" event the files hang on, read only when there are files.
            opened = case.events.filter(action="open").first() if attached else None
            if form.photo_data is not None:
                add_attachment(case, form.photo_data, name=form.photo_name, public=True, event=opened)
            for kind, (recording, recording_name) in form.recordings.items():
                field = "voice" if kind == Attachment.Kind.AUDIO else "video"
                add_attachment(case, recording, name=recording_name, public=True, event=opened, kind=kind)
    except services.TransitionError as error:
        form.add_error(error.code if error.code in form.fields else None, error.message)
        return None
    except ValidationError as error:
        form.add_error(field, error)
        return None
    return case


@require_POST
@limit_posts("public:phone_code")
def phone_code(request: HttpRequest, slug: str) -> HttpResponse:
    """Send a one-time code to the phone typed on the form (cases.phone_codes).

    Answers JSON to the form's script; without script the form's "send code" button posts the whole form
    here and gets it back, filled in as it was, with the outcome beside the code field.
    """
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    status, message, retry_after = 200, "", 0
    try:
        phone = validators.clean_phone(request.POST.get("phone", "")[:30])
    except ValidationError as error:
        status, message = 400, error.messages[0]
    else:
        if not phone:
            status, message = 400, _("Write your mobile phone number first.")
        else:
            try:
                phone_codes.request_code(institution, phone, client_network(client_ip(request)))
                message = _("We have sent a code to %(phone)s. It is valid for %(minutes)d minutes.") % {
                    "phone": phones.display(phone),
                    "minutes": settings.KENTMASA_PHONE_CODE_SECONDS // 60,
                }
            except phone_codes.CodeRefused as refused:
                status = 429 if refused.retry_after else 400
                message, retry_after = refused.message, refused.retry_after
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"ok": status == 200, "message": message}, status=status)
    else:
        files = ("photo", "voice", "video")
        kept = [name for name in CaseForm.base_fields if name not in (*files, "website", "phone_code")]
        form = CaseForm(institution=institution, initial={name: request.POST.get(name, "") for name in kept})
        context = {"institution": institution, "form": form, "phone_code_message": message}
        context["phone_code_sent"] = status == 200
        response = render(request, "public/form.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    case_pk = request.session.get(RECEIPT_KEY)
    case = (
        TRACKABLE.select_related("institution", "category", "citizen").filter(pk=case_pk).first()
        if isinstance(case_pk, int)
        else None
    )
    if case is None or all(grant[0] != case.pk for grant in _grants(request)):
        return redirect("public:track")
    citizen = case.citizen
    return render(
        request,
        "public/receipt.html",
        {
            "case": case,
            "tracking_number": tracking.format_tracking_number(case.tracking_number),
            "answerable": citizen is not None and bool(citizen.phone or citizen.email),
        },
    )


# --- tracking


@require_http_methods(["GET", "POST"])
@limit_posts("public:track")
def track(request: HttpRequest) -> HttpResponse:
    result = LookUp(None)
    not_found = False
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            client = client_network(client_ip(request))
            result = look_up(form.cleaned_data["number"], form.cleaned_data["code"], client)
            if result.case is not None:
                _grant(request, result.case)
                return redirect("public:track_case", result.case.tracking_number)
            not_found = not result.refused
    else:
        form = TrackForm(initial={"number": request.GET.get("no", "")[:30]})
    response = render(
        request,
        "public/track.html",
        {
            "form": form,
            "not_found": not_found,
            "locked": result.refused == "address",
            "slowed": result.refused == "number",
            "lock_minutes": max(1, result.wait // 60),
            "wait_seconds": result.wait,
        },
        status=429 if result.refused else 200,
    )
    if result.refused:
        response["Retry-After"] = str(result.wait)
    return response


@never_cache
@require_GET
def track_case(request: HttpRequest, number: str) -> HttpResponse:
    case = _granted_case(request, number)
    if case is None:
        query = urlencode({"no": tracking.format_tracking_number(number[:12])})
        return redirect(f"{reverse('public:track')}?{query}")
    remaining = clock.remaining(case)
    show_resolution = bool(case.resolution) and case.status in (Status.RESOLVED, Status.CLOSED)
    show_rejection = bool(case.rejection_reason) and case.status in (Status.REJECTED, Status.CLOSED)
    sent = list(case.attachments.filter(public=True, uploaded_by__isnull=True, kind__in=CITIZEN_MEDIA))
    photos = [attachment for attachment in sent if attachment.kind == Attachment.Kind.PHOTO]
    recordings = [attachment for attachment in sent if attachment.kind != Attachment.Kind.PHOTO]
    return render(
        request,
        "public/track_case.html",
        {
            "case": case,
            "tracking_number": tracking.format_tracking_number(case.tracking_number),
            "status_label": STATUS_LABELS.get(case.status, case.get_status_display()),
            "remaining": remaining,
            "remaining_text": describe_remaining(remaining),
            "events": public_timeline(case),
            "show_resolution": show_resolution,
            "show_rejection": show_rejection and not show_resolution,
            "photos": photos,
            "recordings": recordings,
        },
    )


def public_timeline(case: Case) -> list[dict]:
    """The events the citizen may see, each with a label for them and only a note written for them."""
    events = list(case.events.filter(public=True).order_by("at", "pk"))
    unit_ids = {event.data.get("to_unit") for event in events if event.action == "transfer"} - {None}
    institution_ids = {event.data.get("to_institution") for event in events if event.action == "transfer"} - {
        None
    }
    units = Unit.objects.in_bulk(unit_ids)
    institutions_by_id = Institution.objects.in_bulk(institution_ids)
    return [_timeline_row(event, units, institutions_by_id) for event in events]


def _timeline_row(event: Event, units: dict, institutions_by_id: dict) -> dict:
    note = ""
    label: StrOrPromise
    if event.action == "transfer":
        unit = units.get(event.data.get("to_unit"))
        body = unit or institutions_by_id.get(event.data.get("to_institution"))
        if body is not None:
            label = _("Transferred to %(body)s") % {"body": body.name}
        else:
            label = _("Transferred to the responsible unit")
    elif event.action == "redirect":
        label = _("Redirected to %(body)s") % {"body": event.data.get("to", "")}
    elif event.action == "comment" and (event.data or {}).get("from_citizen"):
        label, note = pgettext_lazy("citizen", "Your message"), event.note
    elif event.action in EVENT_LABELS:
        label, note_for_citizen = EVENT_LABELS[event.action]
        note = event.note if note_for_citizen else ""
    else:
        label = _("Updated")
    return {"at": event.at, "action": event.action, "label": label, "note": note}


@require_POST
def forget(request: HttpRequest) -> HttpResponse:
    """Close every look-up in this browser (a shared or borrowed phone)."""
    request.session.pop(GRANTS_KEY, None)
    request.session.pop(RECEIPT_KEY, None)
    return redirect("public:track")


@never_cache
@require_GET
def photo(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A photo the citizen sent with their own application (staff photos are not shown here)."""
    case = _granted_case(request, number)
    if case is None:
        raise Http404
    attachment = get_object_or_404(
        case.attachments, pk=pk, public=True, uploaded_by__isnull=True, kind=Attachment.Kind.PHOTO
    )
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


CITIZEN_MEDIA = (Attachment.Kind.PHOTO, Attachment.Kind.AUDIO, Attachment.Kind.VIDEO)


@never_cache
@require_GET
def media(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    """A photo, voice message or video the citizen sent (with the application or later), with Range support
    so that the tracking page's players can seek; only in the browser that looked the case up."""
    case = _granted_case(request, number)
    if case is None:
        raise Http404
    attachment = get_object_or_404(
        case.attachments, pk=pk, public=True, uploaded_by__isnull=True, kind__in=CITIZEN_MEDIA
    )
    response = ranged_response(
        request, attachment.file.open("rb"), size=attachment.file.size, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the KVKK notice


@require_GET
def kvkk(request: HttpRequest) -> HttpResponse:
    """The institution's privacy notice for a channel group (``kanal``, the form's by default): the current
    version, or the version ``surum`` a person was shown (kept readable: kentmasa.privacy's Notice)."""
    institution = PUBLIC_INSTITUTIONS.filter(slug=request.GET.get("kurum", "")).first()
    notice = None
    versions: list = []
    if institution is not None:
        raw = request.GET.get("surum", "")
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise Http404
        number = int(raw) if raw else None
        notice = notice_hook.version(institution.pk, request.GET.get("kanal") or "form", number)
        if notice is None and number is not None:
            raise Http404
        versions = notice_hook.versions(institution.pk, notice.group) if notice is not None else []
    return render(
        request, "public/kvkk.html", {"institution": institution, "notice": notice, "versions": versions}
    )
