"""What every edge of kentmasa does to input from outside before anything else sees it.

One place, used by forms, the API, Open311 and every webhook, so the same input is treated the same way on
SQLite and PostgreSQL:

* NUL (``\\x00``) cannot be stored by PostgreSQL ("cannot contain NUL") and means nothing in Turkish text.
  Text from a citizen or a provider has it removed (:func:`clean_text`, :func:`clean_tree`) so a webhook
  message is still recorded; a path or query string that carries it is refused with 400
  (:class:`RefuseNulMiddleware`), naming the parameter.
* A form refuses NUL in any of its fields, whatever the field's kind, with one clear error, and model
  choices past what a database key holds (:class:`EdgeForm`).
* A time that comes from outside (a provider's clock, an API client's ``received_at``) is believed only
  inside a plausible window (:func:`plausible_time`): not before 2000, not more than a few minutes ahead.
* A date a client filters by must lie in the years kentmasa holds (:func:`is_searchable`,
  ``QUERY_FIRST_DAY``..``QUERY_LAST_DAY``); a time shown outside is in the configured time zone with an
  offset of whole minutes (:func:`shown_time`).
* Text from outside that is longer than the column it goes into is cut to fit (:func:`fit`), and an
  identifier is shortened to a digest instead (:func:`fit_id`), so two long ids stay two ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

NUL = "\x00"
NUL_MESSAGE = gettext_lazy("The value may not contain a NUL character.")
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(minutes=5)


def clean_text(value: str) -> str:
    """The text without NUL characters (everything else is kept as it came)."""
    return value.replace(NUL, "") if NUL in value else value


def clean_tree(value: Any) -> Any:
    """:func:`clean_text` over every string in a parsed JSON document (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_tree(key): clean_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_tree(item) for item in value]
    return value


class Malformed(ValueError):
    """A delivery or a body (or a part of one) that does not have the shape it must have: a webhook or a
    JSON endpoint answers it with 400, never 500."""


def read_json(body: bytes | str) -> Any:
    """A JSON body (or a JSON string inside one) parsed, with NUL removed from every text (clean_tree).

    Anything that is not JSON — bad bytes, bad syntax, or nesting too deep for Python to follow — is
    Malformed, never an unexpected error: a webhook answers it with 400 instead of 500.
    """
    try:
        return clean_tree(json.loads(body))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise Malformed(f"not JSON: {type(error).__name__}") from error


def fit(value: str, max_length: int) -> str:
    """The text cut to ``max_length`` characters: for what must be stored even when it is too long."""
    return value[:max_length]


def fit_id(value: str, max_length: int) -> str:
    """An identifier as it fits a column: as given, or its start and a digest of the whole when too long."""
    if len(value) <= max_length:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{value[: max_length - len(digest) - 1]}#{digest}"


def _carries_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(_carries_nul(item) for item in value)
    name = getattr(value, "name", None)  # an uploaded file
    return isinstance(name, str) and NUL in name


def _raw(data: Any, key: str) -> list[Any]:
    """Everything posted under ``key``, as posted (a widget may already have turned "\\x00" into True)."""
    if hasattr(data, "getlist"):
        return list(data.getlist(key))
    value = data.get(key)
    return value if isinstance(value, list) else [value]


# What a database integer key can hold (PostgreSQL bigint, SQLite INTEGER): a look-up outside it fails there.
KEY_RANGE = range(-(2**63), 2**63)


def _key_out_of_range(field: forms.Field, value: object) -> str | None:
    """The posted value a model choice by integer key cannot look up (past 64 bits), or None."""
    if not isinstance(field, forms.ModelChoiceField):
        return None
    if field.queryset is None:
        return None
    meta = field.queryset.model._meta
    key = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    if not isinstance(key, models.IntegerField):
        return None
    for item in value if isinstance(value, list | tuple) else [value]:
        try:
            number = int(str(item).strip())
        except ValueError:
            continue  # not a number: the field itself says it is no choice
        if number not in KEY_RANGE:
            return str(item)
    return None


class _Guard:
    """A field's ``clean`` behind the edge checks; a form cleaned again finds its fields already guarded."""

    def __init__(self, clean: Callable[..., Any], form: EdgeForm, name: str):
        self.clean = clean
        self.form = form
        self.name = name
        self.field = form.fields[name]

    def __call__(self, value: Any, *args: Any) -> Any:
        if self.name in self.form._fields_with_nul or _carries_nul(value):
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        wrong = _key_out_of_range(self.field, value)
        if wrong is not None:
            raise ValidationError(
                self.field.error_messages["invalid_choice"], "invalid_choice", {"value": wrong}
            )
        return self.clean(value, *args)


class EdgeForm(forms.BaseForm):
    """Form mixin: every field refuses what cannot reach the database before it converts or looks it up.

    * NUL, with one clear error. Django's CharField has a validator for it, but only after ``to_python``;
      choice, number, date, model-choice and file fields never check (a checkbox even takes "\\x00" as
      ticked, and a model choice by a text key sends it to the database). What was posted is looked at
      as posted.
    * A model choice by integer key past 64 bits: Django checks a single look-up, but a multiple choice
      (``pk__in``) goes to the database and fails there (SQLite: OverflowError).

    Fields a subclass adds after ``__init__`` are covered too: the checks are put in place when the form
    is cleaned.
    """

    _fields_with_nul: set[str]

    def full_clean(self) -> None:
        self._fields_with_nul = set()
        if self.is_bound:
            for name in self.fields:
                key = self.add_prefix(name)
                if _carries_nul(_raw(self.data, key)) or _carries_nul(_raw(self.files, key)):
                    self._fields_with_nul.add(name)
        for name, field in self.fields.items():
            if not isinstance(field.clean, _Guard):
                # The checks wrap each field's own clean, in place (mypy refuses assigning to a method).
                field.clean = _Guard(field.clean, self, name)  # type: ignore[method-assign]
        super().full_clean()


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

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = nul_parameter(request)
        if name is None:
            return self.get_response(request)
        # This runs before LocaleMiddleware: the language the client asks for is read here.
        with translation.override(translation.get_language_from_request(request)):
            message = str(NUL_MESSAGE)
        if request.path.startswith("/open311/"):
            return _open311_refusal(request.path, f"{name}: {message}")
        if request.path.startswith("/api/"):
            # The API's error shape (kentmasa.api): a sentence to show, and the messages by field.
            return JsonResponse({"detail": message, "errors": {name: [message]}}, status=400)
        if request.path.startswith("/saha/api/"):
            # The field app's JSON API (kentmasa.field.api_views): its error shape, which the phone shows.
            return JsonResponse(
                {"ok": False, "code": "nul", "message": f"{name}: {message}"},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        if "json" in request.headers.get("Accept", ""):
            return JsonResponse({"errors": {name: [message]}}, status=400)
        return HttpResponse(f"{name}: {message}", status=400, content_type="text/plain; charset=utf-8")


def _open311_refusal(path: str, description: str) -> HttpResponse:
    """A 400 in the GeoReport v2 error format, as XML for an address ending in .xml, else as JSON."""
    if path.endswith(".xml"):
        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        ET.SubElement(error, "code").text = "400"
        ET.SubElement(error, "description").text = description
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        response = HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
    else:
        body = json.dumps([{"code": 400, "description": description}], ensure_ascii=False)
        response = HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
    # Open311 answers every origin (kentmasa.channels.open311.formats.allow_cross_origin): a browser
    # client reads this refusal too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


# Dates a client may filter by (an API list, an Open311 search): every time kentmasa can hold lies from
# EARLIEST on, and nothing is ever received as late as this. Outside, a filter is refused with 400 rather
# than sent to the database, where a year 1 or 9999 overflows the date arithmetic.
QUERY_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
QUERY_FIRST_DAY = EARLIEST.date()
QUERY_LAST_DAY = (QUERY_LATEST - dt.timedelta(days=1)).date()


def is_searchable(moment: dt.datetime) -> bool:
    """Whether a time a client filters by lies inside [EARLIEST, QUERY_LATEST) (naive times never do)."""
    return timezone.is_aware(moment) and EARLIEST <= moment < QUERY_LATEST


def shown_time(moment: dt.datetime) -> dt.datetime:
    """A stored time as it is shown outside (API, Open311): in the configured time zone (``TIME_ZONE``).

    Before standard time zones (Istanbul until 1910) the zone's offset was local mean time, such as
    +01:55:52, which ISO 8601 / RFC 3339 offsets (hours and minutes) cannot carry: such a time is shown
    in UTC instead, the same instant.
    """
    try:
        local = moment.astimezone(timezone.get_default_timezone())
    except OverflowError:  # within hours of year 1 or 9999; times from the database are in UTC already
        return moment
    offset = local.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        return moment.astimezone(dt.UTC)
    return local
