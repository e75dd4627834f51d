"""WhatsApp through Meta's Cloud API: the webhook citizens' messages arrive on, and the replies.

Intake (``/kanal/whatsapp/webhook/``):

* GET is Meta's subscription handshake: ``hub.mode=subscribe`` and our verify token, answered with
  ``hub.challenge``.
* POST is a delivery. Its ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret) is
  checked before anything is read; a bad one gets 403 and nothing is written. The body is parsed whole
  before anything is written (a malformed one gets 400). Each message becomes one
  :func:`kentmasa.channels.intake.receive` call, idempotent on the message id (``wamid…``), so Meta's
  retries never make a second case. Photos, videos, voice messages and documents are fetched from the
  Graph API and stored on the case; a location places the case. Status notifications (sent, delivered,
  read, failed) update our outbound messages.
* A message threads onto the case it belongs to (see :func:`case_for`); otherwise it opens a case.
* When Graph cannot hand over a message's media for the moment, the message and its case are still
  recorded, the media id is kept on the message and we answer 503: Meta delivers again, the message is
  recognised and only the media is fetched.

Reply (:class:`WhatsAppSender`): text, or an image when a photographed problem is resolved and the team
attached a photo (the before/after collage, see :mod:`kentmasa.channels.collage`). Meta lets a business
write freely only within 24 hours of the citizen's last message (the customer service window); outside
it the approved template named in settings is sent instead, with the tracking number.

Settings: ``KENTMASA_WHATSAPP`` (a dict, keys below), each falling back to an environment variable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import ACTIVE_STATUSES, Attachment, Case, Channel, Status
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.channels import collage
from kentmasa.channels.base import SendError, Sent, sender_for
from kentmasa.channels.intake import Inbound, Media, receive
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib import edge, phones

log = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
# Meta lets a business write freely only this long after the citizen's last message.
SERVICE_WINDOW = dt.timedelta(hours=24)
MAX_MEDIA_BYTES = 100 * 1024 * 1024  # the largest attachment kentmasa keeps (a video)
MAX_CAPTION = 1024  # Graph refuses longer image captions
MAX_TEXT = 4096  # … and longer text messages
# A citizen who sends ten stickers is told once an hour that we cannot read them, not ten times.
UNSUPPORTED_REPLY_INTERVAL = dt.timedelta(hours=1)
UNSUPPORTED_REPLY = "unsupported"  # Message.template of that notice
RESOLVE_ACTIONS = ("resolve", "resolve_on_the_spot")
# A tracking number as people type it: "26-0001234-7", "26 0001234 7", "2600012347".
TRACKING_NUMBER = re.compile(r"(?<!\d)\d{2}[- ]?\d{7}[- ]?\d(?!\d)")

# Graph error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
REENGAGEMENT_REQUIRED = 131047  # more than 24 hours since the citizen last wrote: only a template goes
UNDELIVERABLE = 131026  # not a WhatsApp user, an old app, or the user has not accepted the terms
TEMPORARY_CODES = {
    1,  # API unknown
    2,  # API service
    4,  # application request limit reached
    80007,  # rate limit of the business account
    130429,  # throughput limit
    131000,  # something went wrong
    131016,  # service unavailable
    131048,  # spam rate limit
    131056,  # too many messages to this citizen at once
    133004,  # server temporarily unavailable
}

MEDIA_TYPES = ("image", "video", "audio", "document")
# Message types answered as text: replies to a template's buttons and to interactive lists.
BUTTON_TYPES = ("button", "interactive")
# Recorded without an answer: a reaction to our message is not a new message, a system notice is Meta's.
SILENT_TYPES = ("reaction", "system", "request_welcome")


def _env_numbers(raw: str) -> dict[str, str]:
    """``"106540352242922:adana,106540352242923:kayseri"`` → {phone number id: institution slug}."""
    numbers = {}
    for item in raw.split(","):
        number_id, _sep, slug = item.strip().partition(":")
        if number_id and slug:
            numbers[number_id.strip()] = slug.strip()
    return numbers


def config() -> dict:
    """The WhatsApp settings: ``settings.KENTMASA_WHATSAPP`` over the environment variables."""
    defaults = {
        # What we typed as "Verify token" in the Meta app's webhook configuration.
        "VERIFY_TOKEN": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
        # The Meta app's secret: every delivery is signed with it.
        "APP_SECRET": os.environ.get("WHATSAPP_APP_SECRET", ""),
        # A system user's permanent access token with whatsapp_business_messaging.
        "ACCESS_TOKEN": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
        # Which institution answers on which business phone number (Graph's phone number id).
        "PHONE_NUMBERS": _env_numbers(os.environ.get("WHATSAPP_PHONE_NUMBERS", "")),
        "GRAPH_URL": os.environ.get("WHATSAPP_GRAPH_URL", DEFAULT_GRAPH_URL),
        # The approved template sent outside the 24-hour window; its body takes the tracking number.
        "TEMPLATE_NAME": os.environ.get("WHATSAPP_TEMPLATE_NAME", ""),
        "TEMPLATE_LANGUAGE": os.environ.get("WHATSAPP_TEMPLATE_LANGUAGE", "tr"),
        "TIMEOUT": float(os.environ.get("WHATSAPP_TIMEOUT", "15")),
    }
    return {**defaults, **(getattr(settings, "KENTMASA_WHATSAPP", None) or {})}


# --- Graph API -----------------------------------------------------------------------------------


def describe_error(error: dict) -> str:
    """One line out of a Graph error object: code, title or message, and Meta's details."""
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else ""
    parts = (error.get("code"), error.get("title") or error.get("message"), details)
    return " ".join(str(part) for part in parts if part)


class GraphError(Exception):
    """A Graph call that failed; ``temporary`` ones (outages, rate limits, timeouts) are worth retrying."""

    def __init__(self, message: str, *, temporary: bool, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.status = status
        self.code = code

    @classmethod
    def from_response(cls, response: requests.Response) -> GraphError:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        text = describe_error({**error, "code": None}) or response.reason
        temporary = response.status_code >= 500 or response.status_code == 429 or code in TEMPORARY_CODES
        return cls(
            f"Graph {response.status_code}" + (f" ({code})" if code else "") + f": {text}",
            temporary=temporary,
            status=response.status_code,
            code=code,
        )


class Graph:
    """The few Graph API calls kentmasa makes, authenticated with the access token."""

    def __init__(self, conf: dict):
        self.base = str(conf["GRAPH_URL"]).rstrip("/")
        self.token = conf["ACCESS_TOKEN"]
        self.timeout = float(conf["TIMEOUT"])
        self.session = requests.Session()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.close()

    def _call(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(
                method,
                url,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as error:
            # A POST that timed out while waiting for the answer may have been delivered: not retried, so the
            # citizen never gets the same message twice (staff see it on the case).
            unknown = method.upper() == "POST" and isinstance(error, requests.ReadTimeout)
            raise GraphError(f"{type(error).__name__}: {error}", temporary=not unknown) from error
        if response.status_code >= 400:
            raise GraphError.from_response(response)
        return response

    def _json(self, response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError as error:
            raise GraphError(f"Graph answered {response.status_code} without JSON", temporary=True) from error
        if not isinstance(body, dict):
            raise GraphError("Graph answered with something other than an object", temporary=True)
        return body

    def fetch_media(self, media_id: str) -> bytes:
        """A citizen's media: its metadata names a short-lived URL, downloaded with the same token."""
        info = self._json(self._call("GET", f"{self.base}/{media_id}"))
        url = info.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphError(f"media {media_id} has no download address", temporary=False)
        try:
            size = int(info.get("file_size") or 0)
        except (TypeError, ValueError):
            size = 0
        if size > MAX_MEDIA_BYTES:
            raise GraphError(f"media {media_id} is larger than we keep ({size} bytes)", temporary=False)
        response = self._call("GET", url, stream=True)
        data = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_MEDIA_BYTES:
                    raise GraphError(f"media {media_id} is larger than we keep", temporary=False)
        except requests.RequestException as error:
            raise GraphError(f"{type(error).__name__}: {error}", temporary=True) from error
        finally:
            response.close()
        return bytes(data)

    def upload(self, phone_number_id: str, data: bytes, content_type: str, name: str) -> str:
        """Store a file with Meta for sending; returns its media id."""
        response = self._call(
            "POST",
            f"{self.base}/{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (name, data, content_type)},
        )
        media_id = self._json(response).get("id")
        if not media_id:
            raise GraphError("Graph accepted the upload without a media id", temporary=True)
        return str(media_id)

    def send(self, phone_number_id: str, to: str, content: dict) -> str:
        """Send one message; returns Meta's id for it (``wamid…``)."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        body = self._json(self._call("POST", f"{self.base}/{phone_number_id}/messages", json=payload))
        try:
            return str(body["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            # Meta may have accepted it: retrying could make the citizen read it twice.
            raise GraphError("Graph accepted the message without an id", temporary=False) from error


# --- webhook parsing --------------------------------------------------------------------------------


class Malformed(ValueError):
    """A delivery that is not what Meta sends; answered 400 before anything is written."""


@dataclass
class Incoming:
    """One citizen message out of a delivery, in the shape kentmasa needs."""

    id: str
    wa_id: str
    type: str
    sent_at: dt.datetime | None = None
    text: str = ""
    media_id: str = ""
    media_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""  # the location's name and address, as WhatsApp shows them
    context_id: str = ""  # the message of ours (or theirs) this one replies to
    supported: bool = True
    silent: bool = False  # recorded without an answer

    @property
    def brings_something(self) -> bool:
        return bool(self.media_id) or self.latitude is not None


@dataclass
class Change:
    phone_number_id: str
    names: dict[str, str] = field(default_factory=dict)  # wa_id → WhatsApp profile name
    messages: list[Incoming] = field(default_factory=list)
    statuses: list[dict] = field(default_factory=list)


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not an object")
    return value


def _list(container: dict, key: str) -> list:
    value = container.get(key, [])
    if not isinstance(value, list):
        raise Malformed(f"{key} is not a list")
    return value


def _string(container: dict, key: str, what: str) -> str:
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise Malformed(f"{what} has no {key}")
    return value.strip()


def _timestamp(value) -> dt.datetime | None:
    """Meta's seconds since 1970; None for anything unusable or implausible (kentmasa.lib.edge), so that
    our receipt time counts instead."""
    try:
        sent_at = dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if not edge.is_plausible(sent_at):
        return None
    return min(sent_at, timezone.now())  # a phone's clock ahead of ours does not date a case in the future


def _coordinate(location: dict, key: str, limit: float) -> float:
    value = location.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Malformed(f"location has no {key}")
    try:
        number = float(value)
    except ValueError as error:
        raise Malformed(f"location {key} is not a number") from error
    if not -limit <= number <= limit:
        raise Malformed(f"location {key} is out of range")
    return number


def _incoming(raw) -> Incoming:
    message = _object(raw, "message")
    kind = _string(message, "type", "message")
    incoming = Incoming(
        id=_string(message, "id", "message"),
        wa_id=_string(message, "from", "message"),
        type=kind,
        sent_at=_timestamp(message.get("timestamp")),
    )
    if len(incoming.id) > 255 or len(incoming.wa_id) > 32:
        raise Malformed("message id or sender too long")
    context = message.get("context")
    if isinstance(context, dict) and isinstance(context.get("id"), str):
        incoming.context_id = context["id"]
    if kind == "text":
        incoming.text = str(_object(message.get("text"), "text").get("body") or "")
    elif kind in MEDIA_TYPES:
        media = _object(message.get(kind), kind)
        incoming.media_id = _string(media, "id", kind)
        incoming.text = str(media.get("caption") or "")
        incoming.media_name = str(media.get("filename") or "")[:200]
    elif kind == "location":
        location = _object(message.get("location"), "location")
        incoming.latitude = _coordinate(location, "latitude", 90)
        incoming.longitude = _coordinate(location, "longitude", 180)
        incoming.place = "\n".join(
            str(location.get(key)).strip() for key in ("name", "address") if location.get(key)
        )
        incoming.text = incoming.place
    elif kind == "button":
        incoming.text = str(_object(message.get("button"), "button").get("text") or "")
    elif kind == "interactive":
        interactive = _object(message.get("interactive"), "interactive")
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        incoming.text = str(reply.get("title") or "") if isinstance(reply, dict) else ""
    elif kind in SILENT_TYPES:
        incoming.supported, incoming.silent = False, True
    else:  # sticker, contacts, order, unsupported and whatever Meta adds next
        incoming.supported = False
    return incoming


def parse_delivery(body: bytes) -> list[Change]:
    """The message changes of one webhook delivery, or Malformed."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Malformed("the body is not JSON") from error
    # The signature was checked over the body as sent; NUL goes only now, and the message is still recorded.
    payload = _object(edge.clean_tree(payload), "the body")
    if not isinstance(payload.get("entry"), list):
        raise Malformed("the body has no entry list")
    changes = []
    for entry in payload["entry"]:
        for raw_change in _list(_object(entry, "entry"), "changes"):
            raw_change = _object(raw_change, "change")
            if raw_change.get("field") != "messages":
                continue  # account, template and quality notices are Meta's business, not a case
            value = _object(raw_change.get("value"), "value")
            metadata = _object(value.get("metadata"), "metadata")
            change = Change(phone_number_id=_string(metadata, "phone_number_id", "metadata"))
            for contact in _list(value, "contacts"):
                contact = _object(contact, "contact")
                profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
                if isinstance(contact.get("wa_id"), str):
                    change.names[contact["wa_id"]] = str(profile.get("name") or "")[:200]
            change.messages = [_incoming(message) for message in _list(value, "messages")]
            for status in _list(value, "statuses"):
                status = _object(status, "status")
                _string(status, "id", "status")
                _string(status, "status", "status")
                change.statuses.append(status)
            changes.append(change)
    return changes


# --- webhook ----------------------------------------------------------------------------------------


def signature_is_valid(body: bytes, header: str, app_secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body keyed with the app secret."""
    if not app_secret or not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode("latin-1", "replace"), expected.encode())


def _verify_subscription(request: HttpRequest, conf: dict) -> HttpResponse:
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    expected = str(conf["VERIFY_TOKEN"] or "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(token.encode(), expected.encode())
        and challenge
        and len(challenge) <= 200
    ):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponse("Forbidden", status=403, content_type="text/plain")


@csrf_exempt  # Meta cannot send our CSRF token; the signature stands in for it
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    conf = config()
    if request.method == "GET":
        return _verify_subscription(request, conf)
    body = request.body
    if not signature_is_valid(body, request.headers.get("X-Hub-Signature-256", ""), conf["APP_SECRET"]):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    try:
        changes = parse_delivery(body)
    except Malformed as error:
        return HttpResponse(f"Bad request: {error}", status=400, content_type="text/plain")
    if not process(changes, conf):
        # Everything arrived is recorded; some media could not be fetched yet. Meta delivers again.
        return HttpResponse("Media pending", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path("webhook/", webhook, name="whatsapp_webhook")]


# --- intake -----------------------------------------------------------------------------------------


def process(changes: list[Change], conf: dict | None = None) -> bool:
    """Record a parsed delivery. False when some media must be fetched on Meta's next delivery."""
    conf = conf or config()
    numbers = conf["PHONE_NUMBERS"] or {}
    with Graph(conf) as graph:
        return all([_process_change(change, numbers, graph) for change in changes])


def _process_change(change: Change, numbers: dict, graph: Graph) -> bool:
    slug = numbers.get(change.phone_number_id)
    institution = Institution.objects.filter(slug=slug).first() if slug else None
    if institution is None:
        log.warning(
            "WhatsApp delivery for phone number id %s, which no institution answers", change.phone_number_id
        )
        return True
    for status in change.statuses:
        apply_status(status)
    complete = True
    for incoming in change.messages:
        name = change.names.get(incoming.wa_id, "")
        complete &= _receive(institution, change.phone_number_id, incoming, name, graph)
    return complete


def _phone(wa_id: str) -> str:
    try:
        return phones.normalize("+" + wa_id)
    except phones.InvalidPhone:
        return ""


def _subject(incoming: Incoming) -> str:
    """A subject for a case opened by media without a caption (a location is named by intake).

    Written in the site's language, whatever language Meta's request asked for.
    """
    if incoming.text.strip() or incoming.type not in MEDIA_TYPES:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {
            "image": _("Photo report"),
            "video": _("Video report"),
            "audio": _("Voice message"),
            "document": _("Document sent"),
        }
        return labels[incoming.type]


def _receive(
    institution: Institution, phone_number_id: str, incoming: Incoming, name: str, graph: Graph
) -> bool:
    earlier = Message.objects.filter(
        channel=Channel.WHATSAPP, direction=Message.Direction.IN, external_id=incoming.id
    ).first()
    if earlier is not None:
        return _fetch_pending_media(earlier, graph)

    media, pending, problems = [], [], []
    if incoming.media_id and incoming.supported:
        try:
            media.append(Media(graph.fetch_media(incoming.media_id), incoming.media_name))
        except GraphError as error:
            log.warning("WhatsApp media %s: %s", incoming.media_id, error)
            if error.temporary:
                pending.append({"id": incoming.media_id, "name": incoming.media_name})
            else:
                problems.append(str(error))
    data = {"type": incoming.type, "phone_number_id": phone_number_id}
    if incoming.context_id:
        data["context"] = incoming.context_id
    if incoming.latitude is not None:
        data["location"] = {"latitude": incoming.latitude, "longitude": incoming.longitude}
    if pending:
        data["pending_media"] = pending
    inbound = Inbound(
        channel=Channel.WHATSAPP,
        institution=institution,
        external_id=incoming.id,
        address=incoming.wa_id,
        text=incoming.text,
        subject=_subject(incoming),
        name=name,
        phone=_phone(incoming.wa_id),
        proven=frozenset({"phone"}),  # WhatsApp registered this number by code
        media=media,
        latitude=incoming.latitude,
        longitude=incoming.longitude,
        data=data,
        received_at=incoming.sent_at,
        ignore_reason="" if incoming.supported else f"unsupported message type: {incoming.type}",
    )
    # One transaction from looking up the case to recording the message. On SQLite (IMMEDIATE
    # transactions) it also keeps two of the citizen's messages arriving at the same moment from both
    # opening a case; on PostgreSQL that can still happen, and staff merge the two.
    with transaction.atomic():
        if incoming.supported:
            inbound.case = case_for(institution, incoming)
        received = receive(inbound)
        if not received.created:
            return True
        notes = [*problems, *(["media not fetched yet: Graph is unavailable"] if pending else [])]
        if notes:
            message = received.message
            message.last_error = "; ".join(filter(None, [message.last_error, *notes]))
            message.save(update_fields=["last_error"])
        if received.case is not None and incoming.latitude is not None:
            _place(received.case, incoming)
        if not incoming.supported and not incoming.silent:
            _tell_unsupported(institution, phone_number_id, incoming.wa_id)
    return not pending


def _follow(case: Case) -> Case:
    for _step in range(5):  # a duplicate merged into a case merged in turn
        if case.status != Status.MERGED or case.merged_into_id is None:
            break
        case = case.merged_into
    return case


def case_for(institution: Institution, incoming: Incoming) -> Case | None:
    """The case a citizen's WhatsApp message belongs to, or None for a new case.

    In order: the case of the message they replied to (WhatsApp's "reply" quotes it); a case of theirs
    whose tracking number they wrote (only their own: the case's citizen has this phone number); a case
    of theirs waiting for their answer; the case of the last message between us in the last 24 hours,
    if it is still open. A resolved or closed case takes a plain text within 24 hours of our last
    message about it ("thank you", "it is not done"); a new photo or place is a new problem and opens
    a new case.
    """
    history = Message.objects.filter(
        channel=Channel.WHATSAPP, institution=institution, address=incoming.wa_id, case__isnull=False
    ).select_related("case")
    if incoming.context_id:
        quoted = history.filter(external_id=incoming.context_id).first()
        if quoted is not None:
            return _follow(quoted.case)
    phone = _phone(incoming.wa_id)
    numbers = [clean_tracking_number(found) for found in TRACKING_NUMBER.findall(incoming.text)]
    if phone and any(numbers):
        named = (
            Case.objects.filter(institution=institution, tracking_number__in=filter(None, numbers))
            .filter(citizen__phone=phone)
            .order_by("-received_at")
            .first()
        )
        if named is not None:
            return _follow(named)
    waiting = (
        Case.objects.filter(
            pk__in=history.values("case"), institution=institution, status=Status.WAITING_CITIZEN
        )
        .order_by("-updated_at")
        .first()
    )
    if waiting is not None:
        return waiting
    last = (
        history.filter(created_at__gte=timezone.now() - SERVICE_WINDOW).order_by("-created_at", "-pk").first()
    )
    if last is None:
        return None
    case = _follow(last.case)
    if case.status in ACTIVE_STATUSES:
        return case
    if (
        case.status in (Status.RESOLVED, Status.CLOSED)
        and last.direction == Message.Direction.OUT
        and not incoming.brings_something
    ):
        return case
    return None


def _place(case: Case, incoming: Incoming) -> None:
    """A location sent after the photo places the case, unless it is placed already.

    Only coordinates a case does not yet have are filled in (no state changes; the timeline already
    shows the message as a citizen note).
    """
    fields = {
        "latitude": Decimal(str(incoming.latitude)).quantize(Decimal("0.000001")),
        "longitude": Decimal(str(incoming.longitude)).quantize(Decimal("0.000001")),
    }
    Case.objects.filter(pk=case.pk, latitude__isnull=True, longitude__isnull=True).update(**fields)
    if incoming.place:
        Case.objects.filter(pk=case.pk, address_text="").update(
            address_text=incoming.place.replace("\n", ", ")[:400]
        )


def _fetch_pending_media(message: Message, graph: Graph) -> bool:
    """On Meta's next delivery of a message whose media Graph could not hand over: try again."""
    if not message.data.get("pending_media") or message.case_id is None:
        return True
    with transaction.atomic():
        locked = Message.objects.select_for_update(of=("self",)).select_related("case").get(pk=message.pk)
        still, errors = [], []
        for item in locked.data.get("pending_media") or []:
            try:
                data = graph.fetch_media(item["id"])
            except GraphError as error:
                if error.temporary:
                    still.append(item)
                else:
                    errors.append(str(error))
                continue
            try:
                add_attachment(locked.case, data, name=item.get("name", ""), public=True)
            except ValidationError as error:
                errors.append("; ".join(error.messages))
        locked.data = {key: value for key, value in locked.data.items() if key != "pending_media"}
        if still:
            locked.data["pending_media"] = still
        locked.last_error = "; ".join(errors) if errors else ("media not fetched yet" if still else "")
        locked.save(update_fields=["data", "last_error"])
    return not still


def _tell_unsupported(institution: Institution, phone_number_id: str, wa_id: str) -> None:
    """A polite word to a citizen whose message we cannot read (a sticker, a contact card…)."""
    if sender_for(Channel.WHATSAPP) is None:
        return
    told_recently = Message.objects.filter(
        channel=Channel.WHATSAPP,
        direction=Message.Direction.OUT,
        address=wa_id,
        template=UNSUPPORTED_REPLY,
        created_at__gte=timezone.now() - UNSUPPORTED_REPLY_INTERVAL,
    ).exists()
    if told_recently:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Sorry, we cannot read this kind of message. Please write to us, or send a photo, a video, "
            "a voice message, a document or your location."
        )
    reply = Message.objects.create(
        direction=Message.Direction.OUT,
        channel=Channel.WHATSAPP,
        state=Message.State.QUEUED,
        institution=institution,
        address=wa_id,
        body=body,
        template=UNSUPPORTED_REPLY,
        next_attempt_at=timezone.now(),
        data={"phone_number_id": phone_number_id},
    )
    from kentmasa.channels.tasks import send_message

    transaction.on_commit(lambda: send_message.enqueue(reply.pk))


# --- statuses ---------------------------------------------------------------------------------------

# Statuses only move forward: a late "delivered" never undoes "read".
_EARLIER = {
    "delivered": [Message.State.SENT],
    "read": [Message.State.SENT, Message.State.DELIVERED],
}


def apply_status(status: dict) -> None:
    """Meta's news about one of our messages: delivered, read or failed. Idempotent."""
    state = status["status"]
    at = _timestamp(status.get("timestamp")) or timezone.now()
    ours = Message.objects.filter(
        channel=Channel.WHATSAPP, direction=Message.Direction.OUT, external_id=status["id"]
    )
    if state == "delivered":
        ours.filter(state__in=_EARLIER["delivered"]).update(state=Message.State.DELIVERED, delivered_at=at)
    elif state == "read":
        ours.filter(state__in=_EARLIER["read"]).update(
            state=Message.State.READ, delivered_at=Coalesce("delivered_at", at)
        )
    elif state == "failed":
        _failed(ours, status)
    # "sent" is what the send itself recorded; anything else (e.g. "deleted") changes nothing.


def _failed(ours, status: dict) -> None:
    errors = [error for error in status.get("errors") or [] if isinstance(error, dict)]
    codes = {error.get("code") for error in errors}
    description = "; ".join(describe_error(error) for error in errors) or "failed"
    with transaction.atomic():
        message = ours.select_for_update(of=("self",)).select_related("case").first()
        if message is None or message.state not in (Message.State.SENT, Message.State.DELIVERED):
            return
        if REENGAGEMENT_REQUIRED in codes and message.case_id and message.data.get("sent_as") != "template":
            # The window had closed before Meta tried: the approved template goes instead.
            message.data = {**message.data, "outside_window": True}
            message.state = Message.State.QUEUED
            message.next_attempt_at = timezone.now()
            message.last_error = description
            message.save(update_fields=["data", "state", "next_attempt_at", "last_error"])
            from kentmasa.channels.tasks import send_message

            transaction.on_commit(lambda: send_message.enqueue(message.pk))
            return
        message.state = Message.State.FAILED
        message.last_error = description[:2000]
        message.next_attempt_at = None
        message.save(update_fields=["state", "last_error", "next_attempt_at"])
        if message.case_id:
            with translation.override(settings.LANGUAGE_CODE):
                note = _("The WhatsApp message to the citizen was not delivered: %(error)s") % {
                    "error": description
                }
            services.comment(message.case, actor=None, public=False, note=note)


# --- reply ------------------------------------------------------------------------------------------


def window_open(message: Message, now: dt.datetime | None = None) -> bool:
    """Whether the citizen wrote to this institution's WhatsApp line within the last 24 hours."""
    last = (
        Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.IN,
            address=message.address,
            institution=message.institution_id,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is not None and last > (now or timezone.now()) - SERVICE_WINDOW


def _sending_number(message: Message, conf: dict) -> str:
    """The business number to answer from: the one the citizen wrote to, else the institution's."""
    numbers = conf["PHONE_NUMBERS"] or {}
    candidates = [message.data.get("phone_number_id")]
    candidates += [
        data.get("phone_number_id")
        for data in Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.IN,
            address=message.address,
            institution=message.institution_id,
        )
        .order_by("-created_at")
        .values_list("data", flat=True)[:1]
        if isinstance(data, dict)
    ]
    for candidate in candidates:
        if candidate and candidate in numbers:
            return candidate
    slug = message.institution.slug if message.institution_id else None
    for number_id, number_slug in numbers.items():
        if number_slug == slug:
            return number_id
    raise SendError("no WhatsApp number is configured for this institution", permanent=True)


def before_and_after(case: Case) -> tuple[Attachment, Attachment] | None:
    """The citizen's first photo and the team's latest one, when both exist and may be shown."""
    photos = case.attachments.filter(kind=Attachment.Kind.PHOTO, public=True)
    before = photos.filter(uploaded_by__isnull=True).order_by("created_at", "pk").first()
    after = photos.filter(uploaded_by__isnull=False).order_by("-created_at", "-pk").first()
    if before is None or after is None:
        return None
    return before, after


def collage_for(message: Message) -> bytes | None:
    """The before/after picture for a resolved case reported with a photo, or None."""
    if message.template not in RESOLVE_ACTIONS or message.case is None:
        return None
    case = message.case
    pair = before_and_after(case)
    if pair is None:
        return None
    try:
        images = []
        for attachment in pair:
            with attachment.file.open("rb") as stored:
                images.append(stored.read())
        with translation.override(settings.LANGUAGE_CODE):
            resolved = timezone.localtime(case.resolved_at or timezone.now()).strftime("%d.%m.%Y")
            caption = _("%(institution)s · Case %(number)s · resolved on %(date)s") % {
                "institution": case.institution.name,
                "number": format_tracking_number(case.tracking_number),
                "date": resolved,
            }
            labels = (pgettext("collage label", "BEFORE"), pgettext("collage label", "AFTER"))
        return collage.make_collage(images[0], images[1], caption, labels=labels)
    except (OSError, ValueError) as error:
        log.warning("no collage for case %s: %s", case.pk, error)
        return None


class WhatsAppSender:
    """Answers on WhatsApp: text, the before/after collage, or the template outside the window."""

    channel = Channel.WHATSAPP

    def can_reach(self, message: Message) -> bool:
        return message.address.isdigit()

    def send(self, message: Message) -> Sent:
        conf = config()
        if not conf["ACCESS_TOKEN"]:
            raise SendError("WhatsApp is not configured (no access token)", permanent=True)
        if not self.can_reach(message):
            raise SendError(f"not a WhatsApp id: {message.address!r}", permanent=True)
        number = _sending_number(message, conf)
        with Graph(conf) as graph:
            return self._send(graph, number, message, conf)

    def _send(self, graph: Graph, number: str, message: Message, conf: dict) -> Sent:
        try:
            if message.data.get("outside_window") or not window_open(message):
                return self._send_template(graph, number, message, conf)
            try:
                return self._send_freely(graph, number, message)
            except GraphError as error:
                if error.code != REENGAGEMENT_REQUIRED:
                    raise
                return self._send_template(graph, number, message, conf)
        except GraphError as error:
            if error.code == UNDELIVERABLE:
                raise SendError(
                    f"{error} (the number cannot receive WhatsApp messages)", permanent=True
                ) from error
            raise SendError(str(error), permanent=not error.temporary) from error

    def _send_freely(self, graph: Graph, number: str, message: Message) -> Sent:
        picture = collage_for(message)
        if picture is not None:
            media_id = graph.upload(number, picture, "image/jpeg", f"{message.case.tracking_number}.jpg")
            content = {"type": "image", "image": {"id": media_id, "caption": message.body[:MAX_CAPTION]}}
            wamid = graph.send(number, message.address, content)
            _record(message, sent_as="image", media_id=media_id, phone_number_id=number)
        else:
            content = {"type": "text", "text": {"preview_url": False, "body": message.body[:MAX_TEXT]}}
            wamid = graph.send(number, message.address, content)
            _record(message, sent_as="text", phone_number_id=number)
        return Sent(external_id=wamid)

    def _send_template(self, graph: Graph, number: str, message: Message, conf: dict) -> Sent:
        if message.case is None:
            raise SendError("more than 24 hours since the citizen wrote; nothing to announce", permanent=True)
        if not conf["TEMPLATE_NAME"]:
            raise SendError(
                "more than 24 hours since the citizen wrote and no approved template is configured",
                permanent=True,
            )
        content = {
            "type": "template",
            "template": {
                "name": conf["TEMPLATE_NAME"],
                "language": {"code": conf["TEMPLATE_LANGUAGE"] or "tr"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": format_tracking_number(message.case.tracking_number)}
                        ],
                    }
                ],
            },
        }
        wamid = graph.send(number, message.address, content)
        _record(message, sent_as="template", phone_number_id=number)
        return Sent(external_id=wamid)


def _record(message: Message, **data) -> None:
    """Note how a message went (text, image, template) beside what the send task records."""
    message.data = {**message.data, **data}
    Message.objects.filter(pk=message.pk).update(data=message.data)
