"""What every edge of kentmasa does to input from outside before anything else sees it.

One place, used by forms, the API, Open311 and every webhook, so the same input is treated the same way on
SQLite and PostgreSQL:

* NUL (``\\x00``) cannot be stored by PostgreSQL ("cannot contain NUL") and means nothing in Turkish text.
  Text from a citizen or a provider has it removed (:func:`clean_text`, :func:`clean_tree`) so a webhook
  message is still recorded; a path or query string that carries it is refused with 400
  (:class:`RefuseNulMiddleware`), naming the parameter.
* A time that comes from outside (a provider's clock, an API client's ``received_at``) is believed only
  inside a plausible window (:func:`plausible_time`): not before 2000, not more than a few minutes ahead.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, unquote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

NUL = "\x00"
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(minutes=5)


def clean_text(value: str) -> str:
    """The text without NUL characters (everything else is kept as it came)."""
    return value.replace(NUL, "") if NUL in value else value


def clean_tree(value):
    """:func:`clean_text` over every string in a parsed JSON document (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_tree(key): clean_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_tree(item) for item in value]
    return value


def is_plausible(moment: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    """Whether a time from outside may be believed: from 2000 on, at most a few minutes in the future."""
    if timezone.is_naive(moment):
        return False
    now = now or timezone.now()
    return EARLIEST <= moment <= now + FUTURE_SLACK


def plausible_time(moment: dt.datetime | None, *, now: dt.datetime | None = None) -> dt.datetime:
    """The time from outside if :func:`is_plausible`, otherwise our own receipt time (``now``)."""
    now = now or timezone.now()
    if moment is not None and is_plausible(moment, now=now):
        return moment
    return now


def nul_parameter(request: HttpRequest) -> str | None:
    """The name of the first query parameter (or "path") that carries a NUL, or None."""
    if NUL in request.path or NUL in unquote(request.META.get("PATH_INFO", "")):
        return "path"
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query and NUL not in query:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return clean_text(name) or "query"
    return "query"


class RefuseNulMiddleware:
    """400 for a request whose path or query string carries NUL: no view ever sees one there.

    Bodies are not touched here: a webhook's signature is computed over the raw body, so its text is
    cleaned after the signature check (:func:`clean_tree`), and forms refuse NUL with a field error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = nul_parameter(request)
        if name is None:
            return self.get_response(request)
        message = _("The value may not contain a NUL character.")
        if request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get("Accept", ""):
            return JsonResponse({"errors": {name: [message]}}, status=400)
        return HttpResponse(f"{name}: {message}", status=400, content_type="text/plain; charset=utf-8")
