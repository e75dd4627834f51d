"""The X webhook: the CRC check (GET) and signed Account Activity deliveries (POST)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kentmasa.channels import edge as channel_edge
from kentmasa.channels.x.intake import record
from kentmasa.channels.x.options import SIGNATURE_HEADER, config
from kentmasa.channels.x.parse import parse_delivery

log = logging.getLogger(__name__)


def crc_response(secret: str, crc_token: str) -> str:
    """The ``response_token`` X expects for a CRC check: ``sha256=`` and the base64 HMAC-SHA256."""
    return "sha256=" + channel_edge.hmac_sha256(secret, crc_token.encode(), encoding="base64")


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    return channel_edge.signature_ok(signature, secret, body, prefix="sha256=", encoding="base64") and (
        signature.strip().startswith("sha256=")
    )


def _refuse(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> JsonResponse:
    conf = config()
    secret = conf.get("CONSUMER_SECRET", "")
    if not secret:
        log.error("X webhook called but KENTMASA_X['CONSUMER_SECRET'] is not set")
        return _refuse(_("The X channel is not configured."), 503)
    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return _refuse(_("The crc_token parameter is missing."), 400)
        return JsonResponse({"response_token": crc_response(secret, crc_token)})
    if not signature_is_valid(secret, request.body, request.headers.get(SIGNATURE_HEADER, "")):
        log.warning("X webhook delivery with a missing or wrong signature refused")
        return _refuse(_("The signature of this delivery is missing or wrong."), 403)
    try:
        # Signed as sent; NUL is removed only now, so the posts are still recorded (kentmasa.lib.edge).
        delivery = parse_delivery(channel_edge.read_json(request.body))
    except (ValueError, UnicodeDecodeError) as error:  # Malformed is a ValueError, as is bad JSON
        log.warning("X webhook delivery refused: %s", error)
        return _refuse(_("This delivery could not be read: %(error)s") % {"error": error}, 400)
    institution = channel_edge.institution_for(conf.get("ACCOUNTS") or {}, delivery.account)
    if institution is None:
        # Acknowledged so X does not retry: the account is subscribed but not (or no longer) ours.
        log.warning("X activity for account %s, which no institution is configured for", delivery.account)
        return JsonResponse({"received": 0, "ignored": "account"})
    return JsonResponse({"received": record(delivery, institution, conf)})
