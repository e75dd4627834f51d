"""The SMS webhooks: one received SMS (``gelen/``) and one delivery report (``rapor/``), both signed.

Refusals are JSON both a Turkish operator and the provider's English-speaking support can read.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from kentmasa.channels import edge as channel_edge
from kentmasa.channels.sms.intake import institution_for, receive_sms
from kentmasa.channels.sms.options import MAX_TEXT, SIGNATURE_HEADER, config
from kentmasa.channels.sms.reports import DELIVERED, FAILED, PENDING, record_delivery
from kentmasa.lib import edge, phones
from kentmasa.lib.outbound import staff_text


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a webhook body: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + channel_edge.hmac_sha256(secret, body)


def _refuse(status: int, code: str, message: object, **params: object) -> JsonResponse:
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
    def __init__(self, status: int, code: str, message: object, **params: object) -> None:
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
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not channel_edge.signature_ok(given, secret, body, prefix="sha256="):
        raise _Refused(403, "signature", gettext_lazy("The request signature is missing or wrong."))
    try:
        if request.content_type == "application/x-www-form-urlencoded":
            payload = {key: request.POST.get(key) for key in request.POST}
        else:
            payload = channel_edge.read_json(body)
    except (UnicodeDecodeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise _Refused(400, "body", gettext_lazy("The body must be a JSON object or form fields."))
    # Signed as sent; NUL is removed only now, so the message is still recorded (kentmasa.lib.edge).
    cleaned: dict = edge.clean_tree(payload)
    return cleaned


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
            external_id, outcome, error=error or staff_text(gettext_lazy("not delivered")), at=at
        )
        if message is None:
            raise _Refused(404, "unknown", gettext_lazy("No SMS was sent with this provider id."))
    except _Refused as refused:
        return refused.response
    return JsonResponse({"status": message.state, "id": message.pk})
