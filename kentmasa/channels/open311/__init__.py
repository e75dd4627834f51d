"""Open311 GeoReport v2 at /open311/v2/: existing Open311 client apps report to us and follow their reports.

Endpoints, each as ``.json`` or ``.xml`` (the extension picks the format, as the spec says):

* ``GET services`` — the institution's active categories offered to the public (police-only ones never);
  ``service_code`` is the category id, ``group`` the responsible unit, ``description`` the service
  standard's row and time; ``metadata`` is false.
* ``GET services/<service_code>`` — the definition, with no attributes.
* ``POST requests`` — form-encoded as the spec says, or multipart with ``media`` files. Opens the case at
  once (type ``realtime``): the answer carries the tracking number as ``service_request_id``.
* ``GET requests/<service_request_id>`` and ``GET requests`` (``service_request_id`` list, ``service_code``,
  ``start_date``, ``end_date``, ``status``; 90 days and 1000 requests at most).
* ``GET tokens/<token>`` — the request a token stands for (tokens are given instead of ids when
  ``KENTMASA_OPEN311["type"]`` is ``"batch"``).
* ``media/<id>-<digest>.jpg`` — a photo sent with an Open311 request, linked as ``media_url``.

Settings, all in ``KENTMASA_OPEN311`` (read on every request):

* ``jurisdictions`` — ``{jurisdiction_id: institution slug}``. Without it the jurisdiction_id is the slug of
  any institution that is not an external body.
* ``default_jurisdiction`` — the jurisdiction_id used when a client sends none (with one jurisdiction it
  is that one). Otherwise a missing jurisdiction_id is a 400, an unknown one a 404.
* ``api_keys`` — ``{api_key: app name}``, or ``{api_key: {"name": ..., "jurisdictions": [...]}}`` to limit
  a key to some jurisdictions. A POST without a listed key is refused with 403. The keys are not staff API
  tokens on purpose: an Open311 app ships its key inside a phone app, where anybody can read it, and a
  staff token would open the staff API (and citizens' personal data) to whoever did.
* ``rate`` — POSTs per client address (django-ratelimit syntax; default ``KENTMASA_PUBLIC_RATE``), then 429.
* ``type`` — ``"realtime"`` (default) or ``"batch"``.
* ``publish_media`` — whether photos sent through Open311 are linked as ``media_url`` (default True).

What GET shows: only cases that came in through Open311 (their reporters used an open API whose requests
are public by design). A tracking number from any other channel is "not found" here, as the public tracking
page asks for its verification code. No name, phone, e-mail or TC kimlik no is ever in an answer; the
reporter's own details are also blanked out of the description and status notes.

A retried POST never makes a second case. The same ``Idempotency-Key`` header from the same app and
jurisdiction always answers with the first request. Without one, the same submitter (device_id, else
account_id, else e-mail, else phone, else client address) sending the same service_code, description and
location within a minute is a retry.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from kentmasa.cases import services
from kentmasa.cases.attachments import ACCEPTED, add_attachment, check_file
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import ACTIVE_STATUSES, Attachment, Case, Channel, Status
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.cases.validators import clean_phone
from kentmasa.cases.views.public import STATUS_LABELS
from kentmasa.channels.models import Message
from kentmasa.deadlines import CompletionTimeError
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution
from kentmasa.lib import edge
from kentmasa.lib.clientip import client_ip

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 400  # Case.address_text
# The other parameters' limits (the columns they go into); a longer value is refused, never cut.
MAX_LENGTHS = {
    "first_name": 100,  # the two together make Citizen.name (200)
    "last_name": 99,
    "email": 254,
    "device_id": 200,
    "account_id": 200,
    "address_id": 100,
    "media_url": 1000,
}
MAX_ATTRIBUTE = 1000  # each attribute answer
# Parameters whose text is the reporter's own words: NUL is removed, as on every edge. In any other
# parameter (codes, ids, keys, contact details) NUL can only make it a wrong one: it is refused.
FREE_TEXT = {"description", "address_string", "first_name", "last_name"}
SERVICE_CODE = re.compile(r"[0-9]{1,18}")  # a category id; longer numbers are no row's id
MAX_MEDIA = 5
MAX_MEDIA_BYTES = max(limit for _kind, limit in ACCEPTED.values())
MAX_RESULTS = 1000  # the spec's default query limit
MAX_SPAN = dt.timedelta(days=90)
RETRY_WINDOW = dt.timedelta(minutes=1)
OPEN, CLOSED = "open", "closed"
# In XML, a list is an element holding one child per item; these are the children's names.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
# Characters XML 1.0 cannot carry, which a client may still have typed into a description.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Ten or more digits, however grouped: phone numbers and TC kimlik numbers.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s().-]*\d){9,}")
_HIDDEN = "***"


def _config() -> dict:
    return getattr(settings, "KENTMASA_OPEN311", None) or {}


class Open311Error(Exception):
    """A refusal, answered in the spec's error format with ``status`` as the HTTP code."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(description) for description in descriptions]
        self.headers = headers or {}


# --- formats


def _fill(element: ET.Element, name: str, value) -> None:
    if isinstance(value, list):
        child = ITEM_NAMES[name]
        for item in value:
            _fill(ET.SubElement(element, child), child, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def render(fmt: str, root: str, payload, status: int = 200) -> HttpResponse:
    """The payload as JSON, or as XML under ``root`` (lists hold one element per item, see ITEM_NAMES)."""
    if fmt == "xml":
        element = ET.Element(root)
        _fill(element, root, payload)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    body = json.dumps(payload, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8", status=status)


def _error_response(fmt: str, error: Open311Error) -> HttpResponse:
    payload = [{"code": error.status, "description": text} for text in error.descriptions]
    response = render(fmt, "errors", payload, status=error.status)
    for header, value in error.headers.items():
        response[header] = value
    return response


def endpoint(*methods: str):
    """An Open311 view: CSRF-exempt (clients are apps, not browsers), other methods and refusals answered
    in the spec's error format."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("This address does not accept %(method)s.") % {"method": request.method},
                        headers={"Allow": ", ".join(sorted(allowed))},
                    )
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return _error_response(fmt, error)

        return wrapped

    return decorator


# --- jurisdiction, api_key, rate


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    institution: Institution


def _param(request: HttpRequest, name: str) -> str:
    """A parameter from the form body (POST) or the query string; empty counts as absent, as the spec says.

    A NUL is removed from free text and refused (400) anywhere else (a query string with one never gets
    here: kentmasa.lib.edge.RefuseNulMiddleware).
    """
    value = request.POST.get(name) if request.method == "POST" else None
    value = (value or request.GET.get(name) or "").strip()
    if edge.NUL in value:
        if name not in FREE_TEXT:
            raise Open311Error(400, f"{name}: {edge.NUL_MESSAGE}")
        value = edge.clean_text(value).strip()
    return value


def jurisdiction_for(request: HttpRequest) -> Jurisdiction:
    config = _config()
    given = _param(request, "jurisdiction_id")
    mapping = config.get("jurisdictions") or {}
    if mapping:
        jurisdiction_id = given or config.get("default_jurisdiction") or ""
        if not jurisdiction_id and len(mapping) == 1:
            jurisdiction_id = next(iter(mapping))
        if not jurisdiction_id:
            raise Open311Error(400, _("jurisdiction_id was not provided."))
        slug = mapping.get(jurisdiction_id)
        institution = Institution.objects.filter(slug=slug).first() if slug else None
        if slug and institution is None:
            log.error("KENTMASA_OPEN311 maps %r to %r, which is no institution", jurisdiction_id, slug)
    else:
        candidates = Institution.objects.exclude(kind=Institution.Kind.EXTERNAL)
        jurisdiction_id = given or config.get("default_jurisdiction") or ""
        if not jurisdiction_id:
            only = list(candidates[:2])
            if len(only) != 1:
                raise Open311Error(400, _("jurisdiction_id was not provided."))
            jurisdiction_id = only[0].slug
        institution = candidates.filter(slug=jurisdiction_id).first()
    if institution is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": jurisdiction_id[:100]})
    return Jurisdiction(jurisdiction_id, institution)


def app_for_key(raw: str, jurisdiction: Jurisdiction) -> str:
    """The name of the app an api_key was given to; 403 for a missing or unknown key."""
    if not raw:
        raise Open311Error(403, _("api_key was not provided; the request was not recorded."))
    found = None
    for key, value in (_config().get("api_keys") or {}).items():
        # Every configured key is compared, in constant time, so timing tells nothing about a guess.
        if key and hmac.compare_digest(str(key).encode(), raw.encode()):
            found = value
    if found is None:
        raise Open311Error(403, _("Invalid api_key received; the request was not recorded."))
    name, allowed = (
        (found, None) if isinstance(found, str) else (found.get("name", ""), found.get("jurisdictions"))
    )
    if allowed is not None and jurisdiction.id not in allowed:
        raise Open311Error(403, _("This api_key may not send requests to this jurisdiction."))
    return name or "open311"


def _rate(group: str, request: HttpRequest) -> str:
    return _config().get("rate") or settings.KENTMASA_PUBLIC_RATE


_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _wait_seconds(rate: str) -> int:
    try:
        period = rate.split("/", 1)[1]
        return int(period[:-1] or 1) * _PERIOD_SECONDS[period[-1]]
    except (IndexError, KeyError, ValueError):
        return 60


def _check_rate(request: HttpRequest) -> None:
    if is_ratelimited(request, group="open311:post", key="ip", rate=_rate, method="POST", increment=True):
        log.warning("Open311 rate limit reached")
        wait = _wait_seconds(_rate("", request))
        raise Open311Error(
            429,
            _("Too many requests from this address; please try again in a few minutes."),
            headers={"Retry-After": str(wait)},
        )


# --- what a case looks like from outside


def _w3c(value: dt.datetime | None) -> str | None:
    return edge.shown_time(value).isoformat(timespec="seconds") if value else None


def _keywords(text: str) -> str:
    parts = text.split(",") if "," in text else text.split()
    return ", ".join(part.strip() for part in parts if part.strip())


def _service_description(category: Category) -> str:
    service = category.service
    if service is None:
        return category.name
    try:
        standard = service.standard.standard
    except CompletionTimeError:
        standard = None
    return f"{service.name} ({standard.describe_tr()})" if standard else service.name


def _group(category: Category) -> str:
    """The unit that answers for the category (the service standard's unit when the category names none)."""
    unit = category.unit or (category.service.unit if category.service else None)
    return unit.name if unit is not None else ""


def _service(category: Category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": _service_description(category),
        "metadata": False,
        "type": "batch" if _config().get("type") == "batch" else "realtime",
        "keywords": _keywords(category.keywords),
        "group": _group(category),
    }


def service_notice(case: Case) -> str:
    """What will happen next, from the case's own unit and deadline."""
    unit = case.unit.name if case.unit_id else ""
    if unit and case.due_at:
        return _("Passed to %(unit)s. The service standard gives an answer by %(due)s.") % {
            "unit": unit,
            "due": timezone.localtime(case.due_at).strftime("%d.%m.%Y %H:%M"),
        }
    if unit:
        return _("Passed to %(unit)s.") % {"unit": unit}
    return _("Received by %(institution)s.") % {"institution": case.institution.name}


def scrub(text: str, case: Case) -> str:
    """The text without the reporter's name, phone, e-mail or TC kimlik no, nor anything shaped like them."""
    if not text:
        return text
    # Addresses and numbers first: a name inside an e-mail address would break the address's shape.
    text = _LONG_NUMBER.sub(_HIDDEN, _EMAIL.sub(_HIDDEN, text))
    citizen = case.citizen
    if citizen is not None:
        words = {citizen.name.strip(), *citizen.name.split()} - {""}
        for word in sorted(words, key=len, reverse=True):
            if len(word) >= 3:
                text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", _HIDDEN, text, flags=re.IGNORECASE)
    return text


def status_of(case: Case) -> str:
    return OPEN if case.status in ACTIVE_STATUSES else CLOSED


def status_notes(case: Case) -> str:
    if case.resolution and case.status in (Status.RESOLVED, Status.CLOSED):
        return scrub(case.resolution, case)
    if case.rejection_reason and case.status in (Status.REJECTED, Status.CLOSED):
        return scrub(case.rejection_reason, case)
    if case.status == Status.REDIRECTED and case.redirected_to:
        return _("Redirected to %(body)s") % {"body": case.redirected_to}
    return str(STATUS_LABELS.get(case.status, case.get_status_display()))


def _photo_url(request: HttpRequest, attachment: Attachment) -> str:
    path = reverse("open311:media", kwargs={"key": f"{attachment.pk}-{attachment.sha256[:16]}"})
    return request.build_absolute_uri(path)


def _inbound(case: Case) -> Message | None:
    messages = getattr(case, "open311_messages", None)
    return messages[0] if messages else None


def describe_case(request: HttpRequest, case: Case) -> dict:
    """One request as the spec lists it. Nothing here may name or reach the person who reported it."""
    inbound = _inbound(case)
    data = inbound.data if inbound is not None else {}
    media_url = None
    photos = getattr(case, "open311_photos", [])
    if photos and _config().get("publish_media", True):
        media_url = _photo_url(request, photos[0])
    elif data.get("media_url"):
        media_url = data["media_url"]
    description = inbound.body if inbound is not None else case.description
    return {
        "service_request_id": case.tracking_number,
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name if case.category_id else None,
        "service_code": str(case.category_id) if case.category_id else None,
        "description": scrub(description, case),
        "agency_responsible": case.unit.name if case.unit_id else case.institution.name,
        "service_notice": service_notice(case) if case.status in ACTIVE_STATUSES else None,
        "requested_datetime": _w3c(case.received_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(case.due_at),
        "address": scrub(case.address_text, case) or None,
        "address_id": data.get("address_id") or None,
        "zipcode": None,
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": media_url,
    }


def published_cases(jurisdiction: Jurisdiction):
    """The Open311 requests of the jurisdiction: those sent to it, wherever they were transferred since,
    and those transferred to it."""
    photos = Attachment.objects.filter(public=True, uploaded_by__isnull=True, kind=Attachment.Kind.PHOTO)
    inbound = Message.objects.filter(direction=Message.Direction.IN, channel=Channel.OPEN311)
    sent_here = inbound.filter(case=OuterRef("pk"), institution=jurisdiction.institution)
    return (
        Case.objects.filter(channel=Channel.OPEN311)
        .filter(Q(institution=jurisdiction.institution) | Exists(sent_here))
        .select_related("category", "unit", "institution", "citizen")
        .prefetch_related(
            Prefetch("attachments", queryset=photos.order_by("pk"), to_attr="open311_photos"),
            Prefetch("messages", queryset=inbound.order_by("pk"), to_attr="open311_messages"),
        )
    )


# --- services


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    categories = (
        Category.objects.filter(institution=jurisdiction.institution, active=True, public=True)
        .select_related("service__unit", "unit")
        .order_by(*alphabetical("name"), "pk")
    )
    return render(fmt, "services", [_service(category) for category in categories])


def _category(jurisdiction: Jurisdiction, service_code: str) -> Category:
    category = None
    if SERVICE_CODE.fullmatch(service_code):
        category = Category.objects.filter(
            institution=jurisdiction.institution, active=True, public=True, pk=int(service_code)
        ).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code[:50]})
    return category


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = _category(jurisdiction_for(request), service_code)
    return render(fmt, "service_definition", {"service_code": str(category.pk), "attributes": []})


# --- reporting


@dataclass
class Report:
    """A POSTed request, checked."""

    category: Category
    description: str
    name: str = ""
    phone: str = ""
    email: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    address_id: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    attributes: dict = field(default_factory=dict)
    media: list = field(default_factory=list)  # (bytes, file name), already checked


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


def _attributes(request: HttpRequest) -> dict:
    """``attribute[code]=value`` and ``attribute[code][]=value`` pairs, as the spec sends them."""
    found: dict[str, object] = {}
    for key in request.POST:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if match:
            values = [edge.clean_text(value).strip() for value in request.POST.getlist(key)]
            if any(len(value) > MAX_ATTRIBUTE for value in values):
                raise Open311Error(
                    400,
                    _("%(name)s may be at most %(limit)d characters.")
                    % {"name": edge.clean_text(key)[:110], "limit": MAX_ATTRIBUTE},
                )
            found[edge.clean_text(match.group(1))[:100]] = values if match.group(2) else values[-1]
    return found


def read_report(request: HttpRequest, jurisdiction: Jurisdiction) -> Report:
    """Every problem with the POST at once (400), or an unknown service (404), or the checked report."""
    errors = []
    service_code = _param(request, "service_code")
    if not service_code:
        errors.append(_("service_code was not provided."))
    lat_text, long_text = _param(request, "lat"), _param(request, "long")
    address = _param(request, "address_string")
    address_id = _param(request, "address_id")
    latitude = longitude = None
    if lat_text or long_text:
        latitude, longitude = _coordinate(lat_text, 90), _coordinate(long_text, 180)
        if not (lat_text and long_text):
            errors.append(_("lat and long must be sent together."))
        elif latitude is None or longitude is None:
            errors.append(_("lat and long must be WGS84 decimal degrees, e.g. lat=41.0438&long=28.8757."))
    elif not (address or address_id):
        errors.append(_("A location is needed: lat and long, address_string or address_id."))
    if len(address) > MAX_ADDRESS:
        errors.append(_("address_string may be at most %(limit)d characters.") % {"limit": MAX_ADDRESS})
    description = _param(request, "description")
    if len(description) > MAX_DESCRIPTION:
        errors.append(_("description may be at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION})
    phone = email = ""
    try:
        phone = clean_phone(_param(request, "phone"))
    except ValidationError as error:
        errors.extend(error.messages)
    for name, limit in MAX_LENGTHS.items():
        if len(_param(request, name)) > limit:
            errors.append(_("%(name)s may be at most %(limit)d characters.") % {"name": name, "limit": limit})
    email = _param(request, "email").lower()
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("email is not a valid e-mail address."))
    media_url = _param(request, "media_url")
    if media_url and not re.match(r"https?://", media_url, flags=re.IGNORECASE):
        errors.append(_("media_url must be an http or https address."))
    media = []
    uploads = request.FILES.getlist("media")
    if len(uploads) > MAX_MEDIA:
        errors.append(_("At most %(limit)d media files may be sent.") % {"limit": MAX_MEDIA})
    else:
        for upload in uploads:
            if upload.size is not None and upload.size > MAX_MEDIA_BYTES:
                errors.append(_("media: the file is too large."))
                continue
            data = upload.read()
            file_name = edge.clean_text(upload.name or "")
            try:
                check_file(data, file_name)
            except ValidationError as error:
                errors.extend(f"media: {message}" for message in error.messages)
            else:
                media.append((data, file_name))
    if errors:
        raise Open311Error(400, *errors)
    name = " ".join(part for part in (_param(request, "first_name"), _param(request, "last_name")) if part)
    return Report(
        category=_category(jurisdiction, service_code),
        description=description,
        name=name[:200],
        phone=phone,
        email=email,
        latitude=latitude,
        longitude=longitude,
        address=address,
        address_id=address_id[:100],
        device_id=_param(request, "device_id")[:200],
        account_id=_param(request, "account_id")[:200],
        media_url=media_url[:1000],
        attributes=_attributes(request),
        media=media,
    )


def _digest(*parts) -> str:
    """A token that stands for these parts and cannot be made without the site's secret key."""
    text = "\x1f".join(str(part) for part in parts)
    return salted_hmac("kentmasa.channels.open311", text).hexdigest()[:40]


def _case_description(report: Report) -> str:
    """What staff read: the reporter's text, the link they sent and any attribute answers."""
    lines = [report.description]
    if report.media_url:
        lines.append(_("Photo or video link sent with the report: %(url)s") % {"url": report.media_url})
    if report.address_id:
        lines.append(_("Address id in the reporting app: %(id)s") % {"id": report.address_id})
    for code, value in report.attributes.items():
        lines.append(f"{code}: {', '.join(value) if isinstance(value, list) else value}")
    return "\n".join(line for line in lines if line)


def _subject(report: Report) -> str:
    first_line = report.description.splitlines()[0].strip() if report.description else ""
    return (first_line or report.category.name)[:120]


def _record(report: Report, jurisdiction: Jurisdiction, token: str, data: dict) -> Message:
    """The message, citizen, case and photos, in the caller's transaction."""
    institution = jurisdiction.institution
    message = Message.objects.create(
        direction=Message.Direction.IN,
        channel=Channel.OPEN311,
        state=Message.State.RECEIVED,
        institution=institution,
        address=report.phone or report.email or report.device_id or report.account_id,
        external_id=token,  # unique per channel: a second copy of this request fails here
        subject=_subject(report),
        body=report.description,
        data=data,
    )
    citizen = find_or_create_citizen(institution, name=report.name, phone=report.phone, email=report.email)
    location = {"address_text": report.address}
    if report.latitude is not None:
        location |= {"latitude": report.latitude, "longitude": report.longitude}
    case = services.open_case(
        institution=institution,
        channel=Channel.OPEN311,
        subject=_subject(report),
        description=_case_description(report),
        citizen=citizen,
        category=report.category,
        location=location,
    )
    message.case = case
    message.save(update_fields=["case"])
    opened = case.events.filter(action="open").first()
    for content, name in report.media:
        add_attachment(case, content, name=name, public=True, event=opened)
    return message


def _earlier(jurisdiction: Jurisdiction, token: str, fingerprint: str | None) -> Message | None:
    """The message of the request this one repeats, if it does."""
    messages = Message.objects.filter(
        channel=Channel.OPEN311, direction=Message.Direction.IN, case__isnull=False
    ).select_related("case__unit", "case__institution")
    earlier = messages.filter(external_id=token).first()
    if earlier is None and fingerprint:
        since = timezone.now() - RETRY_WINDOW
        earlier = (
            messages.filter(
                institution=jurisdiction.institution, created_at__gte=since, data__fingerprint=fingerprint
            )
            .order_by("-pk")
            .first()
        )
    return earlier


def _accepted(fmt: str, message: Message) -> HttpResponse:
    case = message.case
    answer = (
        {"token": message.external_id}
        if _config().get("type") == "batch"
        else {"service_request_id": case.tracking_number}
    )
    answer |= {"service_notice": service_notice(case), "account_id": None}
    return render(fmt, "service_requests", [answer])


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_rate(request)
    jurisdiction = jurisdiction_for(request)
    app = app_for_key(_param(request, "api_key"), jurisdiction)
    report = read_report(request, jurisdiction)
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    fingerprint = None
    if idempotency_key:
        token = _digest("key", jurisdiction.institution.pk, app, idempotency_key[:200])
    else:
        submitter = (
            report.device_id or report.account_id or report.email or report.phone or client_ip(request)
        )
        fingerprint = _digest(
            "same",
            jurisdiction.institution.pk,
            submitter,
            report.category.pk,
            report.description,
            report.latitude,
            report.longitude,
            report.address,
        )
        # Two copies within the same minute meet at the unique token; a copy in the next minute is
        # found by its fingerprint.
        token = _digest("minute", fingerprint, int(timezone.now().timestamp() // 60))
    data = {
        "app": app,
        "jurisdiction_id": jurisdiction.id,
        "fingerprint": fingerprint or "",
        "device_id": report.device_id,
        "account_id": report.account_id,
        "media_url": report.media_url,
        "address_id": report.address_id,
        "attributes": report.attributes,
    }
    try:
        with transaction.atomic():
            # Looked for inside the transaction: on SQLite it holds the write lock, so no copy slips in.
            message = _earlier(jurisdiction, token, fingerprint)
            if message is None:
                message = _record(report, jurisdiction, token, data)
                log.info("Open311 request %s from %s", message.case.tracking_number, app)
    except IntegrityError:
        message = _earlier(jurisdiction, token, None)
        if message is None:
            raise
    except services.TransitionError as error:
        raise Open311Error(400, error.message) from error
    except ValidationError as error:
        raise Open311Error(400, *error.messages) from error
    return _accepted(fmt, message)


# --- looking up


def _datetime(name: str, text: str) -> dt.datetime | None:
    """A W3C date-time (time zone optional; local time without one), or a 400."""
    if not text:
        return None
    # An unencoded "+03:00" in a query string arrives as " 03:00".
    text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", text)
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, _("%(name)s must be a W3C date-time such as 2026-03-18T10:00:00+03:00.") % {"name": name}
        ) from None
    value = timezone.make_aware(value) if timezone.is_naive(value) else value
    if not edge.is_searchable(value):
        # Year 1 or 9999 would overflow the 90-day arithmetic below and the database's dates.
        raise Open311Error(
            400,
            _("%(name)s must lie between %(first)s and %(last)s.")
            % {"name": name, "first": edge.QUERY_FIRST_DAY, "last": edge.QUERY_LAST_DAY},
        )
    return value


def _listed(request: HttpRequest, name: str) -> list[str]:
    """A parameter that may be sent several times and comma-delimited."""
    return [part.strip() for value in request.GET.getlist(name) for part in value.split(",") if part.strip()]


def search(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    cases = published_cases(jurisdiction)
    ids = _listed(request, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        numbers = {number for number in map(clean_tracking_number, ids[:MAX_RESULTS]) if number}
        cases = cases.filter(tracking_number__in=numbers)
    else:
        codes = _listed(request, "service_code")
        if any(not SERVICE_CODE.fullmatch(code) for code in codes):
            raise Open311Error(400, _("service_code must be one or more codes from the services list."))
        statuses = {status.lower() for status in _listed(request, "status")}
        if statuses - {OPEN, CLOSED}:
            raise Open311Error(400, _("status must be open, closed or both."))
        start = _datetime("start_date", _param(request, "start_date"))
        end = _datetime("end_date", _param(request, "end_date"))
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
        if end < start:
            raise Open311Error(400, _("end_date must not be before start_date."))
        if end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
        cases = cases.filter(received_at__gte=start, received_at__lte=end)
        if codes:
            cases = cases.filter(category_id__in=[int(code) for code in codes])
        if statuses == {OPEN}:
            cases = cases.filter(status__in=ACTIVE_STATUSES)
        elif statuses == {CLOSED}:
            cases = cases.exclude(status__in=ACTIVE_STATUSES)
    cases = cases.order_by("-received_at", "-pk")[:MAX_RESULTS]
    return render(fmt, "service_requests", [describe_case(request, case) for case in cases])


@endpoint("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    return search(request, fmt)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    number = clean_tracking_number(service_request_id)
    case = published_cases(jurisdiction).filter(tracking_number=number).first() if number else None
    if case is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": service_request_id[:30]}
        )
    return render(fmt, "service_requests", [describe_case(request, case)])


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    message = (
        Message.objects.filter(
            channel=Channel.OPEN311,
            direction=Message.Direction.IN,
            external_id=token,
            institution=jurisdiction.institution,
            case__isnull=False,
        )
        .select_related("case")
        .first()
    )
    if message is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:50]})
    return render(
        fmt, "service_requests", [{"service_request_id": message.case.tracking_number, "token": token}]
    )


def media(request: HttpRequest, key: str) -> FileResponse:
    """A photo sent with an Open311 request; the digest in the address keeps the others from being guessed."""
    if request.method not in ("GET", "HEAD") or not _config().get("publish_media", True):
        raise Http404
    pk, digest = key.split("-", 1)
    attachment = Attachment.objects.filter(
        pk=int(pk),
        public=True,
        uploaded_by__isnull=True,
        kind=Attachment.Kind.PHOTO,
        case__channel=Channel.OPEN311,
    ).first()
    if attachment is None or not secrets.compare_digest(attachment.sha256[:16], digest):
        raise Http404
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)


FORMAT = r"\.(?P<fmt>json|xml)$"
app_name = "open311"
urlpatterns = [
    re_path(r"^services" + FORMAT, service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT, service_definition, name="service"),
    re_path(r"^requests" + FORMAT, requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FORMAT, request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, token_detail, name="token"),
    re_path(r"^media/(?P<key>\d{1,18}-[0-9a-f]{16})\.jpg$", media, name="media"),
]
