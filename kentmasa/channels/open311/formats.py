"""Open311 on the wire: parameters read as the spec sends them, answers written as JSON or XML, and
refusals in the spec's error format.

``render`` writes any answer; ``endpoint`` wraps a view so that other methods and every ``Open311Error``
it raises are answered as ``[{"code": …, "description": …}]`` (or ``<errors>`` in XML).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kentmasa.lib import edge

# Parameters whose text is the reporter's own words: NUL is removed, as on every edge. In any other
# parameter (codes, ids, keys, contact details) NUL can only make it a wrong one: it is refused.
FREE_TEXT = {"description", "address_string", "first_name", "last_name"}
# In XML, a list is an element holding one child per item; these are the children's names.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "service_request_updates": "request_update",
    "endpoints": "endpoint",
    "formats": "format",
}
# Browsers on any other origin may read every answer (the data is public) and send a POST (it needs an
# api_key, which is what protects it, not the origin). Never with cookies: no Allow-Credentials, ever.
CORS_HEADERS = "Content-Type, Idempotency-Key, Accept, Accept-Language"
PREFLIGHT_MAX_AGE = "86400"
View = Callable[..., HttpResponse]
# Characters XML 1.0 cannot carry, which a client may still have typed into a description.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """A refusal, answered in the spec's error format with ``status`` as the HTTP code."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(description) for description in descriptions]
        self.headers = headers or {}


def param(request: HttpRequest, name: str) -> str:
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


def _fill(element: ET.Element, name: str, value: object) -> None:
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


def render(fmt: str, root: str, payload: object, status: int = 200) -> HttpResponse:
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


def allow_cross_origin(response: HttpResponse) -> HttpResponse:
    """Let a page on any origin read this answer (no cookies: ``*`` never goes with credentials)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def preflight(allowed: set[str]) -> HttpResponse:
    """The answer to a browser's OPTIONS before a cross-origin request: 204 and what it may send."""
    response = HttpResponse(status=204)
    methods = ", ".join(sorted(allowed | {"OPTIONS"}))
    response["Allow"] = methods
    response["Access-Control-Allow-Methods"] = methods
    response["Access-Control-Allow-Headers"] = CORS_HEADERS
    response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response["Vary"] = "Origin"
    return allow_cross_origin(response)


def endpoint(*methods: str) -> Callable[[View], View]:
    """An Open311 view: CSRF-exempt (clients are apps authenticated by api_key, never by cookies), open to
    other origins (CORS: ``allow_cross_origin``, OPTIONS answered by ``preflight``), other methods and
    refusals answered in the spec's error format."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponse:
            if request.method == "OPTIONS":
                return preflight(allowed)
            try:
                if request.method not in allowed:
                    raise Open311Error(
                        405,
                        _("This address does not accept %(method)s.") % {"method": request.method},
                        headers={"Allow": ", ".join(sorted(allowed | {"OPTIONS"}))},
                    )
                response: HttpResponse = view(request, fmt, **kwargs)
            except Open311Error as error:
                response = _error_response(fmt, error)
            return allow_cross_origin(response)

        return wrapped

    return decorator
