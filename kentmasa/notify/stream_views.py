"""The live stream's addresses: ``/canli/`` for the staff screens (their session) and ``/api/v1/stream`` for
API clients (a staff token). Both are async views: under the ASGI server a waiting stream uses no CPU and
holds no database connection (Django's handler keeps one idle thread per open request).

``?since=<id>`` asks for what came after a live event the page already shows (kentmasa.notify.live.latest_id
at render); a ``Last-Event-ID`` header, which browsers send when they reconnect, wins over it.
"""

from __future__ import annotations

from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kentmasa.directory.models import ApiToken, User
from kentmasa.notify import stream

LARGEST_ID = 2**63 - 1


class BadPosition(ValueError):
    pass


def position(request: HttpRequest) -> int | None:
    """Where the client resumes: Last-Event-ID, else ?since=, else None (from now on).

    A Last-Event-ID that is not ours (another server's, a proxy's) is ignored; a malformed ``since`` is the
    client's mistake and is refused."""
    header = request.headers.get("Last-Event-ID", "").strip()
    if header.isascii() and header.isdigit() and len(header) <= 19 and int(header) <= LARGEST_ID:
        return int(header)
    raw = request.GET.get("since", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > LARGEST_ID:
        raise BadPosition(raw)
    return int(raw)


def _refused(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def not_asgi(request: HttpRequest) -> JsonResponse | None:
    """503 under a WSGI server, where a stream would hold a worker thread (and its database connection) for
    as long as it is open: the web process must be the ASGI one (kentmasa/asgi.py, the Procfile's web)."""
    if isinstance(request, ASGIRequest):
        return None
    return _refused(503, _("The live stream needs the ASGI web server."), "not_asgi")


async def open_stream(scope: stream.LiveScope, since: int | None) -> HttpResponseBase:
    """The stream, once the request's checks are done. It reads only through the hub: the connection the
    sign-in opened in this request's thread is closed now, not when the stream ends (else every open stream
    would hold one: 200 streams, 200 connections)."""
    await sync_to_async(connections.close_all)()
    return stream.respond(scope, since)


def session_credential(session_key: str | None) -> stream.Credential:
    """An open stream's session still signs its user in: not signed out or expired, and not ended by a new
    password (the session's hash, as django.contrib.auth.get_user checks it, without changing the session)."""

    def holds(user: User) -> bool:
        if not session_key:
            return False
        data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
        if data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
            return False
        if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
            return False
        held = data.get(HASH_SESSION_KEY)
        if not isinstance(held, str) or not held:
            return False
        hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
        return any(constant_time_compare(held, known) for known in hashes)

    return holds


def token_credential(raw: str) -> stream.Credential:
    """An open stream's API token is still good (not revoked, still the user's)."""
    key_hash = ApiToken.hash_key(raw)
    return lambda user: ApiToken.objects.filter(key_hash=key_hash, revoked=False, user_id=user.pk).exists()


async def _stream_for(
    request: HttpRequest, user: User | None, credential: stream.Credential | None = None
) -> HttpResponseBase:
    if refused := not_asgi(request):
        return refused
    if user is None:
        return _refused(401, _("Sign in, or send a valid API token."), "unauthenticated")
    try:
        since = position(request)
    except BadPosition:
        return JsonResponse(
            {
                "detail": _("Enter a whole number."),
                "errors": {"since": [_("The position to resume from must be a live event's number.")]},
            },
            status=400,
        )
    await sync_to_async(connections.close_all)()  # before waiting in the hub's queue for the scope, not after
    scope = await stream.StaffScope.of(user, get_language() or "tr", credential)
    if scope is None:
        return _refused(403, _("Your account may not see any case."), "no_scope")
    return await open_stream(scope, since)


@require_GET
async def page_stream(request: HttpRequest) -> HttpResponseBase:
    """The staff screens' stream (session sign-in)."""
    user = await request.auser()
    signed_in = user if isinstance(user, User) and user.is_active else None
    return await _stream_for(request, signed_in, session_credential(request.session.session_key))


def _token_user(raw: str) -> User | None:
    return ApiToken.authenticate(raw)


@require_GET
async def api_stream(request: HttpRequest) -> HttpResponseBase:
    """``GET /api/v1/stream`` with ``Authorization: Bearer <token>``."""
    kind, _sep, token = request.headers.get("Authorization", "").partition(" ")
    user = None
    if kind.lower() == "bearer" and token.strip():
        user = await sync_to_async(_token_user)(token.strip())
    return await _stream_for(request, user, token_credential(token.strip()))
