"""Call-centre screen pop: the telephone exchange says who is calling which extension, and the console of
the operator at that extension shows the caller's history before they say a word.

``POST cagri/`` is called by the exchange (Asterisk, FreePBX, a hosted PBX's webhook) with a bearer token
issued to an operator or administrator account (``manage.py api_token``) and, as JSON or a form, the
caller's number and the extension that rings::

    {"caller": "0532 123 45 67", "extension": "101", "call_id": "1700000000.42"}

(``from``/``caller_phone`` and ``to``/``called`` are accepted as well, as exchanges name them differently.)
The latest call per extension of the token holder's institution is stored; the same ``call_id`` sent
again changes nothing.

The console polls ``bekleyen/`` every two seconds (htmx; see templates/channels/_screenpop_hook.html). A
call to the poller's ``phone_extension`` that is at most KENTMASA_SCREENPOP_SECONDS old and has not popped
yet is claimed for them (``answered_by``) and answered with the caller lookup of the operator console for
that number; every other poll is answered 204, which htmx leaves alone.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases import access
from kentmasa.cases.views import StaffRequest, console, staff_required
from kentmasa.channels.edge import Malformed, read_json
from kentmasa.channels.models import IncomingCall
from kentmasa.directory.models import ApiToken, User
from kentmasa.lib import phones

R = User.Role
# Accounts whose token may announce calls: the exchange acts for the call centre.
ANNOUNCERS = {R.OPERATOR, R.POLICE_OPERATOR, R.ADMINISTRATOR}
CALLER_KEYS = ("caller", "caller_phone", "from", "number")
EXTENSION_KEYS = ("extension", "called", "to", "ext")
MAX_BODY = 8 * 1024


def pop_window() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "KENTMASA_SCREENPOP_SECONDS", 60)))


def _error(status: int, detail: str, code: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kentmasa"'
    return response


def _token_user(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return ApiToken.authenticate(raw.strip())


def _payload(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY:
        return None
    if request.content_type == "application/json":
        try:
            data = read_json(request.body or b"{}")
        except Malformed:
            return None
        return data if isinstance(data, dict) else None
    return request.POST.dict()


def _first(data: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def clean_extension(value: str) -> str:
    """Extensions are digits (a few exchanges prefix * or #); anything else is refused."""
    value = value.strip()
    if not (1 <= len(value) <= 20) or not all(ch.isdigit() or ch in "*#" for ch in value):
        return ""
    return value


@csrf_exempt
@require_POST
def incoming_call(request: HttpRequest) -> JsonResponse:
    user = _token_user(request)
    if user is None:
        return _error(401, _("A valid API token is required (Authorization: Bearer …)."), "unauthorized")
    if user.institution_id is None or not (user.is_superuser or user.role in ANNOUNCERS):
        return _error(403, _("This token may not announce calls."), "forbidden")
    data = _payload(request)
    if data is None:
        return _error(400, _("Send the call as a JSON object or a form."), "invalid_body")
    extension = clean_extension(_first(data, EXTENSION_KEYS))
    if not extension:
        return _error(400, _("The called extension is missing or not a number."), "extension")
    try:
        caller = phones.normalize(_first(data, CALLER_KEYS))
    except phones.InvalidPhone:
        return _error(400, _("The caller's number is missing or not a valid phone number."), "caller")
    call_id = _first(data, ("call_id", "uniqueid", "id"))[:100]
    now = timezone.now()
    with transaction.atomic():
        call, created = IncomingCall.objects.select_for_update().get_or_create(
            institution_id=user.institution_id,
            extension=extension,
            defaults={"caller_phone": caller, "call_id": call_id, "at": now},
        )
        repeated = not created and call_id and call.call_id == call_id
        if not created and not repeated:
            call.caller_phone, call.call_id, call.at = caller, call_id, now
            call.answered_by, call.answered_at = None, None
            call.save()
    staffed = User.objects.filter(
        institution_id=user.institution_id, phone_extension=extension, is_active=True
    ).exists()
    return JsonResponse(
        {"extension": extension, "stored": not repeated, "operator_at_extension": staffed},
        status=200 if repeated else 202,
    )


@never_cache
@require_GET
@staff_required
def pending_call(request: StaffRequest) -> HttpResponse:
    """htmx partial for the console: the caller at this operator's extension, once per call; else 204."""
    user = request.user
    if user.institution_id is None or not (user.is_superuser or user.role in access.INSTITUTION_WIDE):
        raise PermissionDenied
    extension = (user.phone_extension or "").strip()
    if not extension:
        return HttpResponse(status=204)
    now = timezone.now()
    call = IncomingCall.objects.filter(
        institution_id=user.institution_id,
        extension=extension,
        answered_by__isnull=True,
        at__gte=now - pop_window(),
    ).first()
    # Claimed with one conditional update, so two tabs (or two people sharing an extension) pop it once.
    if call is None or not IncomingCall.objects.filter(
        pk=call.pk, answered_by__isnull=True, at=call.at
    ).update(answered_by=user, answered_at=now):
        return HttpResponse(status=204)
    number = phones.display(call.caller_phone)
    return render(
        request,
        "channels/_screenpop.html",
        {"call": call, "number": number, "results": _caller_lookup(request, number)},
    )


def _caller_lookup(request: StaffRequest, number: str) -> str:
    """The console's own caller lookup for this number, so the pop shows exactly what a search would."""
    lookup = copy.copy(request)
    lookup.GET = QueryDict(urlencode({"q": number}))
    return mark_safe(console.caller_lookup(lookup).content.decode())  # noqa: S308 – our own rendered template


urlpatterns = [
    path("cagri/", incoming_call, name="screenpop_call"),
    path("bekleyen/", pending_call, name="screenpop_pending"),
]
