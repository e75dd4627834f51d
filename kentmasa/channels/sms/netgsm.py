"""SMS: intake from a signed webhook, replies through the provider chosen in settings, delivery reports.

Intake. ``POST /kanal/sms/gelen/`` is provider-neutral: the provider (or a small relay in front of it)
posts one received SMS as a JSON object or form fields — ``message_id`` (the provider's id), ``from``
(the citizen's number), ``to`` (the number it was sent to: 155, 444 01 53…, which picks the
institution), ``text`` and optionally ``received_at`` (ISO 8601) — and signs the raw body with
HMAC-SHA256 under the shared secret: ``X-Kentmasa-Signature: sha256=<hex>`` (see :func:`sign`). A
delivery seen before answers 200 and changes nothing. A reply threads onto a case: one of the citizen's
tracking numbers in the text, else the citizen's case waiting for their answer, else the case we last
sent them an SMS about within ``reply_window_days``.

Replies. :class:`NetgsmSender` speaks Netgsm's REST v2 API (``POST /sms/rest/v2/send``, HTTP Basic
auth, ``msgheader`` the approved sender name, ``encoding: "TR"`` for the Turkish single-shift table,
``iysfilter: "0"`` because answers to citizens are informational, not commercial). Netgsm answers
``code`` "00" and a ``jobid``; other codes come with HTTP 406 and are told apart into permanent
(the text or the number) and temporary (credentials, sender name, limits) failures.

Delivery reports. Netgsm's REST v2 API gives them on request: :func:`poll_provider` (the periodic task
``poll_sms_provider``) asks ``POST /sms/rest/v2/report`` for the job ids still "sent" and, when
``netgsm_inbox`` is on, reads received SMS from ``GET /sms/rest/v2/inbox`` into the same intake. A
provider or relay that pushes reports posts them, signed like the intake, to ``POST /kanal/sms/rapor/``
(``message_id``, ``status``: delivered / failed / pending, optional ``error`` and ``at``).

Settings: ``settings.KENTMASA_SMS`` (a dict) over environment variables; see :func:`config`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
import uuid
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django_tasks import task

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel, Kind, Status
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.channels.base import SendError, Sent, sender_for
from kentmasa.channels.intake import Inbound, Received, receive
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib import edge, phones
from kentmasa.lib.redact import redact

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kentmasa-Signature"
MAX_TEXT = 5000  # 30 concatenated parts and then some; longer is not an SMS


# --- settings ---------------------------------------------------------------------------------------


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _env_numbers(name: str) -> dict[str, str]:
    """ "155=eskisehir-emniyet,4440153=adana" → {"155": "eskisehir-emniyet", "4440153": "adana"}."""
    pairs = (item.split("=", 1) for item in os.environ.get(name, "").split(",") if "=" in item)
    return {number.strip(): slug.strip() for number, slug in pairs}


def config() -> dict:
    """The SMS settings: ``settings.KENTMASA_SMS`` over defaults from the environment.

    webhook_secret     shared secret of the signed webhooks (KENTMASA_SMS_WEBHOOK_SECRET); none: refused
    numbers            receiving number → institution slug (KENTMASA_SMS_NUMBERS="155=emniyet,…")
    institution        slug for any other number (KENTMASA_SMS_INSTITUTION); default: the first
                       institution that is not an external body
    reply_window_days  a reply within this many days of our SMS threads onto its case (3)
    turkish            use the Turkish single-shift table for ç ğ ı İ ş Ş Ğ (KENTMASA_SMS_TURKISH, on)
    netgsm_*           username, password, msgheader, base_url, appname (NETGSM_USERCODE, …)
    netgsm_inbox       read received SMS from Netgsm's inbox when polling (NETGSM_INBOX, off), looking
                       back netgsm_inbox_hours (2) each time: the poll must run more often than that
    timeout            seconds to wait for the provider (15)
    report_days        how long after sending a report is still asked for (2)
    """
    defaults = {
        "webhook_secret": os.environ.get("KENTMASA_SMS_WEBHOOK_SECRET", ""),
        "numbers": _env_numbers("KENTMASA_SMS_NUMBERS"),
        "institution": os.environ.get("KENTMASA_SMS_INSTITUTION", ""),
        "reply_window_days": int(os.environ.get("KENTMASA_SMS_REPLY_WINDOW_DAYS", "3")),
        "turkish": _env_bool("KENTMASA_SMS_TURKISH", True),
        "netgsm_username": os.environ.get("NETGSM_USERCODE", ""),
        "netgsm_password": os.environ.get("NETGSM_PASSWORD", ""),
        "netgsm_msgheader": os.environ.get("NETGSM_MSGHEADER", ""),
        "netgsm_base_url": os.environ.get("NETGSM_BASE_URL", "https://api.netgsm.com.tr"),
        "netgsm_appname": os.environ.get("NETGSM_APPNAME", ""),
        "netgsm_inbox": _env_bool("NETGSM_INBOX", False),
        "netgsm_inbox_hours": float(os.environ.get("NETGSM_INBOX_HOURS", "2")),
        "timeout": float(os.environ.get("KENTMASA_SMS_TIMEOUT", "15")),
        "report_days": int(os.environ.get("KENTMASA_SMS_REPORT_DAYS", "2")),
    }
    return {**defaults, **getattr(settings, "KENTMASA_SMS", {})}


def _staff(message, **params) -> str:
    """A text for the staff (stored on the case), in the site's language whoever triggered it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)


# --- how much a text costs (pure) -------------------------------------------------------------------

GSM7 = "gsm7"
TURKISH = "turkish"  # GSM 7-bit with the Turkish national language single shift table
UCS2 = "ucs2"

# GSM 03.38 / 3GPP TS 23.038 default alphabet in code order (0x1B, the escape to the extension table,
# is left out: it is not a character). It has Ç, Ö, Ü, ö, ü but not ç, ğ, ı, ş, Ğ, İ, Ş.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The default extension table: each of these is sent as escape + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# The Turkish single shift table (TS 23.038 A.2.1): the extension characters and the Turkish letters
# the default alphabet lacks, again two septets each. Announcing the table costs a 3-byte header
# element, so a part holds 155 septets alone or 149 in a concatenated message.
TURKISH_SHIFT = GSM7_EXTENSION | frozenset("ĞİŞçğış")

_LIMITS = {GSM7: (160, 153), TURKISH: (155, 149), UCS2: (70, 67)}


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Parts needed when no character (an escape pair, a surrogate pair) may be split between parts."""
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts, used = parts + 1, 0
        used += cost
    return parts


def segments(text: str, *, turkish_shift: bool = True) -> tuple[str, int]:
    """(encoding, parts) an SMS with this text is sent in: ``gsm7``, ``turkish`` or ``ucs2``.

    GSM 7-bit holds 160 septets in one part and 153 in each part of a longer message (the rest carries
    the concatenation header); extension characters (€ { } [ ] ~ ^ | \\) count two. With the Turkish
    single shift table (``turkish_shift``, what providers call "Türkçe karakter") ç ğ ı İ ş Ş Ğ count two
    and a part holds 155 / 149. Anything else goes as UCS-2: 70 / 67 UTF-16 units, an emoji two.
    An empty text still costs one part.
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, costs = GSM7, [1 if ch in GSM7_BASIC else 2 for ch in text]
    elif turkish_shift and all(ch in GSM7_BASIC or ch in TURKISH_SHIFT for ch in text):
        encoding, costs = TURKISH, [1 if ch in GSM7_BASIC else 2 for ch in text]
    else:
        encoding, costs = UCS2, [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return encoding, _pack(costs, *_LIMITS[encoding])


# What people paste from word processors, and the circumflexed vowels of Turkish (hâlâ, kâğıt),
# written the way an SMS can carry them.
_PLAIN = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "…": "...",
        "\t": " ",
        "\u00a0": " ",
        "\u202f": " ",
        "ı": "i",
    }
)


def gsm_text(text: str, *, turkish_shift: bool = True) -> str:
    """The text with every character the GSM alphabet (and the Turkish table) cannot carry replaced:
    typographic quotes and dashes by plain ones, accented letters by their base letter, the rest by "?"."""
    allowed = GSM7_BASIC | (TURKISH_SHIFT if turkish_shift else GSM7_EXTENSION)
    out = []
    for ch in text:
        if ch in allowed:
            out.append(ch)
            continue
        plain = ch.translate(_PLAIN)
        if plain == ch:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append("".join(c if c in allowed else "?" for c in plain) or "?")
    return "".join(out)


# --- intake -----------------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d[\d \-]*\d")


def tracking_numbers_in(text: str) -> list[str]:
    """Valid tracking numbers written anywhere in the text ("26-0001234-7", "26 0001234 7", "2600012347")."""
    found: list[str] = []
    for run in _DIGIT_RUN.findall(text or ""):
        groups = run.replace("-", " ").split()
        # Try every stretch of neighbouring digit groups, longest first: "no 26 0001234 7 12" holds one.
        for size in range(len(groups), 0, -1):
            for start in range(len(groups) - size + 1):
                number = clean_tracking_number(" ".join(groups[start : start + size]))
                if number and number not in found:
                    found.append(number)
    return found


def _number_key(number: str) -> str:
    """The same key for every way a receiving number is written: "0 444 01 53" and "+904440153"."""
    try:
        return phones.normalize(number)
    except phones.InvalidPhone:
        return "".join(ch for ch in number if ch.isdigit())  # short codes: 155, 153


def institution_for(number: str, options: dict | None = None) -> Institution | None:
    """The institution an SMS sent to this number reaches."""
    options = options or config()
    key = _number_key(number) if number else ""
    for configured, slug in (options.get("numbers") or {}).items():
        if key and _number_key(configured) == key:
            found = Institution.objects.filter(slug=slug).first()
            if found is not None:
                return found
            log.error("KENTMASA_SMS numbers: no institution %r for %s", slug, configured)
    if options.get("institution"):
        found = Institution.objects.filter(slug=options["institution"]).first()
        if found is not None:
            return found
        log.error("KENTMASA_SMS institution: no institution %r", options["institution"])
    return Institution.objects.exclude(kind=Institution.Kind.EXTERNAL).order_by("pk").first()


def case_answered(
    institution: Institution, phone: str, text: str, options: dict | None = None
) -> Case | None:
    """The case an SMS from this number is about, if it is about one.

    A message naming a case's tracking number continues that case when the case's applicant gave this
    number (the receipt went here). Without a number, it continues a case only of an applicant whose
    number is proven (cases.citizens): a number typed on a public form by a stranger must not pull the
    owner's unrelated messages onto the stranger's case, where the stranger would read them.
    """
    options = options or config()
    cases = Case.objects.filter(institution=institution, citizen__phone=phone)
    numbers = tracking_numbers_in(text)
    if numbers:
        named = cases.filter(tracking_number__in=numbers).order_by("-received_at").first()
        if named is not None:
            return named
    cases = cases.filter(citizen__phone_verified=True)
    waiting = cases.filter(status=Status.WAITING_CITIZEN).order_by("-updated_at").first()
    if waiting is not None:
        return waiting
    since = timezone.now() - dt.timedelta(days=int(options.get("reply_window_days") or 0))
    last = (
        Message.objects.filter(
            channel=Channel.SMS,
            direction=Message.Direction.OUT,
            institution=institution,
            address=phone,
            case__citizen__phone=phone,
            case__citizen__phone_verified=True,
            sent_at__gte=since,
        )
        .select_related("case")
        .order_by("-sent_at", "-pk")
        .first()
    )
    return last.case if last is not None else None


def receive_sms(
    *,
    message_id: str,
    sender: str,
    text: str,
    to: str = "",
    received_at: dt.datetime | None = None,
    institution: Institution | None = None,
    data: dict | None = None,
) -> Received:
    """Record one received SMS: open a case, or thread it onto the case it answers. ``sender`` is E.164."""
    options = config()
    institution = institution or institution_for(to, options)
    if institution is None:
        raise LookupError("no institution receives SMS")
    text = (text or "").strip()
    inbound = Inbound(
        channel=Channel.SMS,
        institution=institution,
        external_id=message_id,
        address=sender,
        phone=sender,
        proven=frozenset({"phone"}),  # the operator delivered it from this number
        text=text,
        kind=Kind.TIP_OFF if institution.kind == Institution.Kind.POLICE else Kind.REQUEST,
        received_at=received_at,
        data={"to": to, **(data or {})},
    )
    if not text:
        inbound.ignore_reason = "empty SMS"
    elif not Message.objects.filter(
        channel=Channel.SMS, direction=Message.Direction.IN, external_id=message_id
    ).exists():
        inbound.case = case_answered(institution, sender, text, options)
    received = receive(inbound)
    if received.created:
        case = received.case.tracking_number if received.case is not None else "-"
        log.info("SMS %s from %s: case %s", message_id, phones.mask(sender), case)
    return received


# --- delivery reports -------------------------------------------------------------------------------

DELIVERED = "delivered"
FAILED = "failed"
PENDING = "pending"


def record_delivery(
    external_id: str, outcome: str, *, error: str = "", at: dt.datetime | None = None
) -> tuple[Message | None, bool]:
    """Apply a delivery report to the SMS the provider knows by this id: (the message, whether it changed).

    Only a message still "sent" changes, so a report delivered twice (or by the webhook and the poll)
    changes it once, and a failure is noted on the case once. The message is None if we sent no SMS
    with this id (yet: a report may overtake the worker that is recording the provider's answer).
    """
    message = (
        Message.objects.filter(channel=Channel.SMS, direction=Message.Direction.OUT, external_id=external_id)
        .select_related("case")
        .first()
    )
    if message is None or outcome == PENDING:
        return message, False
    if outcome == DELIVERED:
        changed = Message.objects.filter(pk=message.pk, state=Message.State.SENT).update(
            state=Message.State.DELIVERED, delivered_at=at or timezone.now()
        )
    else:
        with transaction.atomic():
            changed = Message.objects.filter(pk=message.pk, state=Message.State.SENT).update(
                state=Message.State.FAILED, last_error=error[:2000], next_attempt_at=None
            )
            if changed and message.case_id:
                services.comment(
                    message.case,
                    actor=None,
                    public=False,
                    note=_staff(
                        gettext_lazy("The SMS to the citizen was not delivered: %(reason)s"), reason=error
                    ),
                )
    message.refresh_from_db()
    return message, bool(changed)


# --- webhooks ---------------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a webhook body: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refuse(status: int, code: str, message, **params) -> JsonResponse:
    """A JSON error both a Turkish operator and the provider's English-speaking support can read."""
    texts = {}
    for language in ("tr", "en"):
        with translation.override(language):
            texts[language] = str(message) % params if params else str(message)
    return JsonResponse(
        {"error": code, "message": texts["tr"], "message_en": texts["en"]},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


class _Refused(Exception):
    def __init__(self, status: int, code: str, message, **params):
        super().__init__(code)
        self.response = _refuse(status, code, message, **params)


def _signed_payload(request: HttpRequest) -> dict:
    """The verified payload of a webhook request, or _Refused with the answer to give."""
    if request.method != "POST":
        raise _Refused(405, "method", gettext_lazy("Only POST is accepted here."))
    secret = config().get("webhook_secret") or ""
    if not secret:
        raise _Refused(
            503, "not_configured", gettext_lazy("The SMS webhook is not configured on this server.")
        )
    try:
        body = request.body
    except RequestDataTooBig:
        raise _Refused(413, "too_big", gettext_lazy("The request body is too large.")) from None
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not given.startswith("sha256="):
        given = "sha256=" + given
    if not hmac.compare_digest(given.encode(), sign(body, secret).encode()):
        raise _Refused(403, "signature", gettext_lazy("The request signature is missing or wrong."))
    try:
        if request.content_type == "application/x-www-form-urlencoded":
            payload = {key: request.POST.get(key) for key in request.POST}
        else:
            payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise _Refused(400, "body", gettext_lazy("The body must be a JSON object or form fields."))
    # Signed as sent; NUL is removed only now, so the message is still recorded (kentmasa.lib.edge).
    return edge.clean_tree(payload)


def _field(payload: dict, name: str, *, required: bool = True, limit: int = 255) -> str:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Refused(400, "missing", gettext_lazy('The field "%(field)s" is required.'), field=name)
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _Refused(400, "invalid", gettext_lazy('The field "%(field)s" must be text.'), field=name)
    value = str(value)
    if len(value) > limit:
        raise _Refused(400, "too_long", gettext_lazy('The field "%(field)s" is too long.'), field=name)
    return value


def _moment(payload: dict, name: str) -> dt.datetime | None:
    raw = _field(payload, name, required=False, limit=64)
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.strip())
    except ValueError:  # well formed but no date: month 13, year 0
        moment = None
    if moment is None:
        raise _Refused(
            400,
            "invalid",
            gettext_lazy('The field "%(field)s" must be an ISO 8601 date and time.'),
            field=name,
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=timezone.get_current_timezone())
    # The relay's clock is believed within the plausible window; outside it, our receipt time counts.
    return moment if edge.is_plausible(moment) else None


@csrf_exempt
def inbound(request: HttpRequest) -> JsonResponse:
    """One SMS a citizen sent us, posted by the provider or its relay."""
    try:
        payload = _signed_payload(request)
        message_id = _field(payload, "message_id")
        raw_sender = _field(payload, "from", limit=40)
        to = _field(payload, "to", required=False, limit=40)
        if not isinstance(payload.get("text", ""), str):
            raise _Refused(400, "invalid", gettext_lazy('The field "%(field)s" must be text.'), field="text")
        text = payload.get("text") or ""
        if len(text) > MAX_TEXT:
            raise _Refused(400, "too_long", gettext_lazy('The field "%(field)s" is too long.'), field="text")
        received_at = _moment(payload, "received_at")
        try:
            sender = phones.normalize(raw_sender)
        except phones.InvalidPhone:
            raise _Refused(
                400, "phone", gettext_lazy("The sender's number is not a valid phone number.")
            ) from None
        institution = institution_for(to)
        if institution is None:
            raise _Refused(503, "no_institution", gettext_lazy("No institution is set up to receive SMS."))
    except _Refused as refused:
        return refused.response
    received = receive_sms(
        message_id=message_id,
        sender=sender,
        text=text,
        to=to,
        received_at=received_at,
        institution=institution,
    )
    case = received.case
    return JsonResponse(
        {
            "status": "accepted" if received.created else "duplicate",
            "id": received.message.pk,
            "case": case.tracking_number if case is not None else None,
        }
    )


_OUTCOMES = {
    "delivered": DELIVERED,
    "failed": FAILED,
    "undelivered": FAILED,
    "expired": FAILED,
    "rejected": FAILED,
    "pending": PENDING,
    "sent": PENDING,
}


@csrf_exempt
def delivery_report(request: HttpRequest) -> JsonResponse:
    """A delivery report pushed by the provider or its relay, signed like the intake."""
    try:
        payload = _signed_payload(request)
        external_id = _field(payload, "message_id")
        outcome = _OUTCOMES.get(_field(payload, "status", limit=40).strip().lower())
        if outcome is None:
            raise _Refused(400, "status", gettext_lazy("Unknown status: use delivered, failed or pending."))
        error = _field(payload, "error", required=False, limit=2000)
        at = _moment(payload, "at")
        message, _ = record_delivery(
            external_id, outcome, error=error or _staff(gettext_lazy("not delivered")), at=at
        )
        if message is None:
            raise _Refused(404, "unknown", gettext_lazy("No SMS was sent with this provider id."))
    except _Refused as refused:
        return refused.response
    return JsonResponse({"status": message.state, "id": message.pk})


# --- senders ----------------------------------------------------------------------------------------


class LogSender:
    """The development default: writes the SMS to the log instead of sending it."""

    channel = "sms"

    def can_reach(self, message: Message) -> bool:
        return message.address.startswith("+")

    def send(self, message: Message) -> Sent:
        if settings.KENTMASA_PRODUCTION:
            # A real installation that forgot KENTMASA_SMS_SENDER must not report SMS as sent.
            raise SendError("no SMS provider is configured (KENTMASA_SMS_SENDER)", permanent=True)
        log.info("SMS to %s: %s", phones.mask(message.address), redact(message.body))
        return Sent(external_id=f"log-{uuid.uuid4()}")


TURKEY = ZoneInfo("Europe/Istanbul")  # Netgsm reads and writes dates as Turkish local time
_TURKISH_MOBILE = re.compile(r"^\+905\d{9}$")

# Netgsm's answers to /sms/rest/v2/send other than "00", and whether sending again could help.
NETGSM_SEND_CODES = {
    "20": (gettext_lazy("the message text was refused or is longer than allowed"), True),
    "30": (
        gettext_lazy(
            "invalid username or password, no API access, or a request from outside the allowed IP addresses"
        ),
        False,
    ),
    "40": (gettext_lazy("the sender name (msgheader) is not defined on the account"), False),
    "50": (gettext_lazy("the account cannot send İYS-controlled messages"), False),
    "51": (gettext_lazy("no İYS brand is defined for the account"), False),
    "70": (gettext_lazy("invalid request: a parameter such as the number is wrong or missing"), True),
    "80": (gettext_lazy("the sending limit was exceeded"), False),
    "85": (gettext_lazy("more than 20 messages to the same number within a minute"), False),
}

# The status of one message in Netgsm's delivery report: 0 waits, 1 delivered, the rest did not arrive.
NETGSM_REPORT_STATUSES = {
    2: gettext_lazy("the message expired before it could be delivered"),
    3: gettext_lazy("the number is invalid or restricted"),
    4: gettext_lazy("the message could not be passed to the operator"),
    11: gettext_lazy("the operator did not accept the message"),
    12: gettext_lazy("delivery error"),
    13: gettext_lazy("duplicate message"),
    14: gettext_lazy("insufficient credit"),
    15: gettext_lazy("the number is on the blacklist"),
    16: gettext_lazy("refused by İYS"),
    17: gettext_lazy("İYS error"),
}


def _netgsm_date(moment: dt.datetime, fmt: str) -> str:
    return moment.astimezone(TURKEY).strftime(fmt)


def _parse_netgsm_date(raw) -> dt.datetime | None:
    """A time Netgsm wrote, if it is one and plausible (kentmasa.lib.edge); else None: our own time counts."""
    moment = _read_netgsm_date(str(raw or "").strip())
    return moment if moment is not None and edge.is_plausible(moment) else None


def _read_netgsm_date(text: str) -> dt.datetime | None:
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d%m%Y%H%M%S"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=TURKEY)
        except ValueError:
            continue
    try:
        moment = parse_datetime(text) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=TURKEY)
    return moment


class NetgsmSender:
    """Replies through Netgsm (https://www.netgsm.com.tr/dokuman/), REST v2 with HTTP Basic auth."""

    channel = "sms"
    provider = "netgsm"

    def __init__(self, options: dict | None = None):
        self.options = options or config()
        self.base_url = self.options["netgsm_base_url"].rstrip("/")
        self.auth = (self.options["netgsm_username"], self.options["netgsm_password"])
        self.turkish = bool(self.options.get("turkish", True))
        self.timeout = float(self.options.get("timeout") or 15)

    # sending

    def can_reach(self, message: Message) -> bool:
        return bool(_TURKISH_MOBILE.match(message.address or ""))

    def send(self, message: Message) -> Sent:
        if not self.can_reach(message):
            raise SendError(
                _staff(
                    gettext_lazy("Not a Turkish mobile number: %(number)s"),
                    number=phones.mask(message.address) if message.address else "-",
                ),
                permanent=True,
            )
        if not self.options.get("netgsm_msgheader"):
            raise SendError(_staff(gettext_lazy("No Netgsm sender name (msgheader) is configured.")))
        text = message.body.strip()
        if not text:
            raise SendError(_staff(gettext_lazy("The message has no text.")), permanent=True)
        encoding, parts = segments(text, turkish_shift=self.turkish)
        if encoding == UCS2:
            # Netgsm's REST v2 documents GSM 7-bit, or with "TR" the Turkish table; no UCS-2 flag.
            text = gsm_text(text, turkish_shift=self.turkish)
            encoding, parts = segments(text, turkish_shift=self.turkish)
        payload = {
            "msgheader": self.options["netgsm_msgheader"],
            "iysfilter": "0",
            "messages": [{"msg": text, "no": message.address[3:]}],
        }
        if encoding == TURKISH:
            payload["encoding"] = "TR"
        if self.options.get("netgsm_appname"):
            payload["appname"] = self.options["netgsm_appname"]
        answer = self._post("/sms/rest/v2/send", payload)
        code = str(answer.get("code", ""))
        if code != "00":
            reason, permanent = NETGSM_SEND_CODES.get(code, (gettext_lazy("unknown answer"), False))
            raise SendError(
                _staff(
                    gettext_lazy("Netgsm refused the SMS (code %(code)s): %(reason)s"),
                    code=code or "?",
                    reason=_staff(reason),
                ),
                permanent=permanent,
            )
        jobid = str(answer.get("jobid") or "")
        Message.objects.filter(pk=message.pk).update(
            data={**message.data, "sms": {"provider": self.provider, "encoding": encoding, "parts": parts}}
        )
        return Sent(external_id=jobid)

    def _post(self, endpoint: str, payload: dict) -> dict:
        return self._call("post", endpoint, json=payload)

    def _call(self, method: str, endpoint: str, **kwargs) -> dict:
        """Netgsm's JSON answer (HTTP 200, or 406 with an error code); SendError when there is none."""
        try:
            response = requests.request(
                method,
                self.base_url + endpoint,
                auth=self.auth,
                timeout=self.timeout,
                headers={"Accept": "application/json"},
                **kwargs,
            )
        except requests.ReadTimeout:
            # Netgsm may have taken it: sending again could text the citizen twice. Staff see it instead.
            raise SendError(
                _staff(gettext_lazy("Netgsm did not answer in time; the SMS may or may not have gone out.")),
                permanent=True,
            ) from None
        except requests.Timeout:
            raise SendError(_staff(gettext_lazy("Netgsm did not answer in time."))) from None
        except requests.RequestException as error:
            raise SendError(
                _staff(gettext_lazy("Netgsm could not be reached: %(error)s"), error=type(error).__name__)
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code not in (200, 406) or not isinstance(answer, dict):
            raise SendError(
                _staff(gettext_lazy("Netgsm answered HTTP %(status)s."), status=response.status_code)
            )
        return answer

    # polling

    def poll_reports(self) -> int:
        """Ask Netgsm how the SMS still "sent" fared; returns how many changed state."""
        since = timezone.now() - dt.timedelta(days=int(self.options.get("report_days") or 2))
        waiting = Message.objects.filter(
            channel=Channel.SMS,
            direction=Message.Direction.OUT,
            state=Message.State.SENT,
            sent_at__gte=since,
            data__sms__provider=self.provider,
        ).exclude(external_id="")
        rows = list(waiting.order_by("sent_at").values_list("external_id", "sent_at"))
        changed = 0
        for start in range(0, len(rows), 100):
            batch = rows[start : start + 100]
            answer = self._post(
                "/sms/rest/v2/report",
                {
                    "startdate": _netgsm_date(batch[0][1] - dt.timedelta(hours=1), "%d.%m.%Y %H:%M:%S"),
                    "stopdate": _netgsm_date(timezone.now() + dt.timedelta(hours=1), "%d.%m.%Y %H:%M:%S"),
                    "jobids": [external_id for external_id, _ in batch],
                    "pagenumber": 0,
                    "pagesize": 100,
                    **(
                        {"appname": self.options["netgsm_appname"]}
                        if self.options.get("netgsm_appname")
                        else {}
                    ),
                },
            )
            if str(answer.get("code")) not in ("00", "60"):  # 60: no report yet for these jobs
                log.warning("Netgsm report refused: code %s", answer.get("code"))
            for job in answer.get("jobs") or []:
                changed += self._apply_report(job)
        return changed

    def _apply_report(self, job: dict) -> int:
        try:
            status = int(job.get("status"))
        except (TypeError, ValueError):
            return 0
        external_id = str(job.get("jobid") or "")
        if not external_id or status == 0:
            return 0
        if status == 1:
            outcome, error = DELIVERED, ""
        else:
            reason = NETGSM_REPORT_STATUSES.get(status, gettext_lazy("not delivered"))
            outcome = FAILED
            error = _staff(
                gettext_lazy("Netgsm report (status %(status)s): %(reason)s"),
                status=status,
                reason=_staff(reason),
            )
        _, changed = record_delivery(
            external_id, outcome, error=error, at=_parse_netgsm_date(job.get("deliveredDate"))
        )
        return int(changed)

    def poll_inbox(self) -> int:
        """Read the SMS citizens sent to the account's number into the intake; returns how many were new.

        Netgsm's inbox gives no message id, so one is made from what the message is; the window overlaps
        the previous poll and the intake's idempotency drops what was already read.
        """
        if not self.options.get("netgsm_inbox"):
            return 0
        now = timezone.now()
        hours = float(self.options.get("netgsm_inbox_hours") or 2)
        params = {
            "startdate": _netgsm_date(now - dt.timedelta(hours=hours), "%d%m%Y%H%M%S"),
            "stopdate": _netgsm_date(now, "%d%m%Y%H%M%S"),
        }
        if self.options.get("netgsm_appname"):
            params["appname"] = self.options["netgsm_appname"]
        answer = self._call("get", "/sms/rest/v2/inbox", params=params)
        new = 0
        items = (answer.get("messages") or []) if answer.get("code") == "00" else []
        for item in items:
            fields = [str(item.get(key) or "") for key in ("sender", "receiver", "datetime", "message")]
            try:
                sender = phones.normalize(fields[0])
            except phones.InvalidPhone:
                log.warning("Netgsm inbox: SMS from an invalid number skipped")
                continue
            digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:40]
            received = receive_sms(
                message_id=f"netgsm-in-{digest}",
                sender=sender,
                text=fields[3],
                to=fields[1],
                received_at=_parse_netgsm_date(fields[2]),
            )
            new += received.created
        return new


def poll_provider() -> dict:
    """Ask the configured SMS provider for delivery reports (and received SMS, where it keeps them)."""
    sender = sender_for(Channel.SMS)
    done = {"reports": 0, "received": 0}
    if sender is None:
        return done
    try:
        if hasattr(sender, "poll_reports"):
            done["reports"] = sender.poll_reports()
        if hasattr(sender, "poll_inbox"):
            done["received"] = sender.poll_inbox()
    except SendError as error:
        # The provider is down or refuses us; the next run asks again.
        log.warning("polling the SMS provider failed: %s", error)
    return done


@task()
def poll_sms_provider() -> dict:
    """Periodic: delivery reports (and the inbox) from the SMS provider. Safe in several copies."""
    return poll_provider()


urlpatterns = [
    path("gelen/", inbound, name="sms-inbound"),
    path("rapor/", delivery_report, name="sms-report"),
]
