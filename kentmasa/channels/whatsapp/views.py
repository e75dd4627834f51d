"""The webhook Meta delivers to (``/kanal/whatsapp/webhook/``).

* GET is Meta's subscription handshake: ``hub.mode=subscribe`` and our verify token, answered with
  ``hub.challenge``.
* POST is a delivery. Its ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret) is
  checked before anything is read; a bad one gets 403 and nothing is written. A body that is not a
  delivery at all gets 400 (:func:`~kentmasa.channels.whatsapp.parse.parse_delivery`); otherwise every
  message in it is recorded on its own (:mod:`kentmasa.channels.whatsapp.intake`) and Meta gets 200 — or
  503 when Graph could not hand over some media yet, so Meta delivers again and only the media is fetched.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kentmasa.channels.edge import Malformed, same_secret, signature_ok
from kentmasa.channels.whatsapp.conf import config
from kentmasa.channels.whatsapp.intake import process
from kentmasa.channels.whatsapp.parse import parse_delivery

SIGNATURE_PREFIX = "sha256="


def signature_is_valid(body: bytes, header: str, app_secret: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` is HMAC-SHA256 of the raw body keyed with the app secret."""
    header = (header or "").strip()
    if not header.startswith(SIGNATURE_PREFIX):
        return False  # Meta always writes the prefix; a bare digest is not Meta's
    return signature_ok(header, app_secret, body, prefix=SIGNATURE_PREFIX)


def _verify_subscription(request: HttpRequest, conf: dict) -> HttpResponse:
    challenge = request.GET.get("hub.challenge", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and same_secret(request.GET.get("hub.verify_token", ""), str(conf["VERIFY_TOKEN"] or ""))
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
