"""Web Push on the site: the web app manifest and the one service worker at the root, and the JSON endpoints
the header button (kentmasa/static/kentmasa/push.js) subscribes and unsubscribes a browser with.

``POST /bildirimler/push/abone/`` takes what ``PushSubscription.toJSON()`` gives in the browser::

    {"endpoint": "https://fcm.googleapis.com/…", "expirationTime": null,
     "keys": {"p256dh": "<65-byte P-256 point, base64url>", "auth": "<16 bytes, base64url>"}}

and ``POST /bildirimler/push/iptal/`` the same (only the endpoint is read). Both need the staff session and
the CSRF token in the X-CSRFToken header. Anything malformed is answered 400 with a JSON text in Turkish and
English. An endpoint belongs to one user: subscribing it from another account moves it there.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_safe

from kentmasa.directory.models import User
from kentmasa.lib.edge import Malformed, fit, read_json
from kentmasa.notify import webpush
from kentmasa.notify.models import PushSubscription

MAX_BODY = 4 * 1024  # a toJSON() is about 400 bytes with a long FCM endpoint
THEME_COLOUR = "#2f5d8a"  # the top bar's blue (app.css --accent)
BACKGROUND_COLOUR = "#f3f5f7"  # app.css --ground


# --- manifest and service worker ---------------------------------------------------------------------


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (installable on a phone's home screen; Turkish, like the staff screens)."""
    with translation.override(settings.LANGUAGE_CODE):
        description = gettext("Cases and notifications for the municipality's staff")
    icons = [
        {"src": static(f"kentmasa/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    data = {
        "name": "kentmasa",
        "short_name": "kentmasa",
        "description": description,
        "lang": settings.LANGUAGE_CODE,
        "dir": "ltr",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        # The icons fill their square, the pin inside the middle 60 %: good for both purposes.
        "icons": [*icons, *({**icon, "purpose": "maskable"} for icon in icons)],
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The site's one service worker (template notify/sw.js), at the root so its scope is the whole site.

    Never cached by HTTP, so a new version reaches browsers at their next visit.
    """
    # JavaScript string literals (JSON), written into the script as they are.
    literals = {
        "icon": static("kentmasa/icons/icon-192.png"),
        "badge": static("kentmasa/icons/badge-96.png"),
    }
    script = render_to_string(
        "notify/sw.js",
        {name: mark_safe(json.dumps(value)) for name, value in literals.items()},  # noqa: S308
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


# --- subscribe and unsubscribe -----------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, status: int, code: str, message: Any, detail: str = ""):
        super().__init__(code)
        self.status, self.code, self.message, self.detail = status, code, message, detail


def _answer(status: int, code: str, message: Any, detail: str = "") -> JsonResponse:
    """A JSON answer in the page's language, with both texts for anybody reading it; ``detail`` says
    exactly what was wrong (English, technical)."""
    texts = {}
    for language in ("tr", "en"):
        with translation.override(language):
            texts[language] = str(message)
    answer = {
        "ok": status < 400,
        "code": code,
        "message": texts["en" if (translation.get_language() or "").startswith("en") else "tr"],
        "message_tr": texts["tr"],
        "message_en": texts["en"],
    }
    if detail:
        answer["detail"] = detail
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


def _posted(request: HttpRequest) -> tuple[User, dict[str, Any]]:
    """The signed-in user and the request's JSON object, after the method, session and size checks."""
    if request.method != "POST":
        raise Refused(405, "method", gettext_lazy("Only POST is accepted here."))
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise Refused(401, "login", gettext_lazy("Log in first."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise Refused(413, "too_big", gettext_lazy("The request body is too large."))
    try:
        body = request.body
    except RequestDataTooBig:  # sent without a length, and more than Django reads
        raise Refused(413, "too_big", gettext_lazy("The request body is too large.")) from None
    if len(body) > MAX_BODY:
        raise Refused(413, "too_big", gettext_lazy("The request body is too large."))
    try:
        data = read_json(body)
    except Malformed:
        raise Refused(400, "json", gettext_lazy("The request body is not JSON.")) from None
    if not isinstance(data, dict):
        raise Refused(400, "json", gettext_lazy("The request body is not a push subscription."))
    return user, data


def _endpoint(data: dict[str, Any]) -> str:
    endpoint = data.get("endpoint")
    problem = webpush.endpoint_problem(endpoint)
    if problem:
        raise Refused(400, "endpoint", gettext_lazy("This browser's push service is not accepted."), problem)
    assert isinstance(endpoint, str)  # noqa: S101 -- for the type checker
    return endpoint


def _keys(data: dict[str, Any]) -> tuple[str, str]:
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise Refused(400, "keys", gettext_lazy("The subscription has no keys."))
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise Refused(400, "keys", gettext_lazy("The subscription has no keys."))
    problem = webpush.public_key_problem(p256dh) or webpush.auth_problem(auth)
    if problem:
        raise Refused(400, "keys", gettext_lazy("The subscription's keys are not valid."), problem)
    # Stored in one form (unpadded base64url), whatever padding the browser used.
    return _canonical(p256dh), _canonical(auth)


def _canonical(key: str) -> str:
    return webpush.b64url_encode(webpush.b64url_decode(key))


def _save(user: User, endpoint: str, p256dh: str, auth: str, user_agent: str) -> bool:
    """Store the subscription for this user (moving it from another account); True when it is new."""
    agent = fit(user_agent.replace("\x00", ""), 300)  # a header may carry NUL; PostgreSQL text may not
    fields = {"user": user, "p256dh": p256dh, "auth": auth, "user_agent": agent}
    try:
        with transaction.atomic():
            _subscription, created = PushSubscription.objects.update_or_create(
                endpoint=endpoint, defaults=fields
            )
    except IntegrityError:
        # Two first POSTs of one endpoint at once (two tabs): the other one stored it; take it over.
        PushSubscription.objects.filter(endpoint=endpoint).update(**fields)
        created = False
    # Bounded per user: the oldest browsers go when a user subscribes yet another one.
    keep = int(getattr(settings, "KENTMASA_PUSH_MAX_PER_USER", 10))
    old = list(
        PushSubscription.objects.filter(user=user)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[keep : keep + 100]
    )
    if old:
        PushSubscription.objects.filter(pk__in=old).delete()
    return created


def subscribe(request: HttpRequest) -> JsonResponse:
    try:
        user, data = _posted(request)
        endpoint = _endpoint(data)
        p256dh, auth = _keys(data)
        if not webpush.vapid_public_key():
            raise Refused(503, "not_configured", gettext_lazy("Web Push is not configured on this server."))
    except Refused as refused:
        return _answer(refused.status, refused.code, refused.message, refused.detail)
    created = _save(user, endpoint, p256dh, auth, request.headers.get("User-Agent", ""))
    message = gettext_lazy("Notifications are on for this browser.")
    return _answer(201 if created else 200, "subscribed", message)


def unsubscribe(request: HttpRequest) -> JsonResponse:
    try:
        user, data = _posted(request)
        endpoint = data.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint or len(endpoint) > webpush.MAX_ENDPOINT:
            raise Refused(400, "endpoint", gettext_lazy("The request names no subscription."))
    except Refused as refused:
        return _answer(refused.status, refused.code, refused.message, refused.detail)
    # Only the user's own: an endpoint another account holds is theirs to turn off.
    PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return _answer(200, "unsubscribed", gettext_lazy("Notifications are off for this browser."))
