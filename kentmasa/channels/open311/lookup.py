"""Looking Open311 requests up: ``GET requests`` with a list of ids, or by service, status and a window of
at most 90 days (the last 90 when none is given), at most 1000 requests, newest first.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import ACTIVE_STATUSES
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.channels.open311.access import jurisdiction_for
from kentmasa.channels.open311.definitions import SERVICE_CODE
from kentmasa.channels.open311.formats import Open311Error, param, render
from kentmasa.channels.open311.published import CLOSED, OPEN, describe_case, published_cases
from kentmasa.lib import edge

MAX_RESULTS = 1000  # the spec's default query limit
MAX_SPAN = dt.timedelta(days=90)


def _datetime(name: str, text: str) -> dt.datetime | None:
    """A W3C date-time (time zone optional; local time without one), or a 400."""
    if not text:
        return None
    # An unencoded "+03:00" in a query string arrives as " 03:00".
    text = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", text)
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, _("%(name)s must be a W3C date-time such as 2026-03-18T10:00:00+03:00.") % {"name": name}
        ) from None
    value = timezone.make_aware(value) if timezone.is_naive(value) else value
    if not edge.is_searchable(value):
        # Year 1 or 9999 would overflow the 90-day arithmetic below and the database's dates.
        raise Open311Error(
            400,
            _("%(name)s must lie between %(first)s and %(last)s.")
            % {"name": name, "first": edge.QUERY_FIRST_DAY, "last": edge.QUERY_LAST_DAY},
        )
    return value


def window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    """The ``start_date``–``end_date`` window of a search, at most 90 days long.

    Both given: that window (400 when longer than 90 days or reversed). ``start_date`` alone: 90 days from
    it (an old one does not answer an empty "since then until now" window). ``end_date`` alone: the 90 days
    before it. Neither: the last 90 days.
    """
    start = _datetime("start_date", param(request, "start_date"))
    end = _datetime("end_date", param(request, "end_date"))
    if start is None:
        end = end or timezone.now()
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
    return start, end


def _listed(request: HttpRequest, name: str) -> list[str]:
    """A parameter that may be sent several times and comma-delimited."""
    return [part.strip() for value in request.GET.getlist(name) for part in value.split(",") if part.strip()]


def search(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    cases = published_cases(jurisdiction)
    ids = _listed(request, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other argument.
        numbers = {number for number in map(clean_tracking_number, ids[:MAX_RESULTS]) if number}
        cases = cases.filter(tracking_number__in=numbers)
    else:
        codes = _listed(request, "service_code")
        if any(not SERVICE_CODE.fullmatch(code) for code in codes):
            raise Open311Error(400, _("service_code must be one or more codes from the services list."))
        statuses = {status.lower() for status in _listed(request, "status")}
        if statuses - {OPEN, CLOSED}:
            raise Open311Error(400, _("status must be open, closed or both."))
        start, end = window(request)
        cases = cases.filter(received_at__gte=start, received_at__lte=end)
        if codes:
            cases = cases.filter(category_id__in=[int(code) for code in codes])
        if statuses == {OPEN}:
            cases = cases.filter(status__in=ACTIVE_STATUSES)
        elif statuses == {CLOSED}:
            cases = cases.exclude(status__in=ACTIVE_STATUSES)
    cases = cases.order_by("-received_at", "-pk")[:MAX_RESULTS]
    return render(fmt, "service_requests", [describe_case(request, case) for case in cases])
