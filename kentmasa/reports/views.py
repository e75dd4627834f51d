"""The manager overview: per unit and per service, what is open, what is late, and how often the standard
was met.

Every figure is counted by the database in one grouped query per table (Count with a filter), so the page
costs the same few queries for ten cases or a million; and at most once every few seconds for all who see
the same cases (the page refreshes itself live).
"""

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import access, clock
from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.cases.views.queue import overdue_q
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import User
from kentmasa.notify.approvals import waiting_by_unit

# Who may read the overview: managers (their units), the intake roles and administrators (the institution).
OVERVIEW_ROLES = access.INSTITUTION_WIDE | {User.Role.UNIT_MANAGER}


class PeriodForm(forms.Form):
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label=_("Received until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def measures(now: dt.datetime) -> dict[str, Count]:
    return {
        "open": Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(now)),
        "resolved": Count("pk", filter=Q(resolved_at__isnull=False)),
        # Only cases with a deadline can be in or out of standard; the rate is taken over those: resolved
        # ones on a completion clock, forwarded ones on a forwarding clock (kentmasa.cases.clock).
        "measured": Count("pk", filter=clock.measured_q()),
        "within": Count("pk", filter=clock.within_q()),
    }


def _with_percent(figures: Mapping[str, Any], name_key: str = "") -> dict[str, Any]:
    """The row's figures with its in-standard rate in percent (and its name under "name")."""
    row = dict(figures)
    if name_key:
        row["name"] = row[name_key]
    row["percent"] = round(100 * row["within"] / row["measured"], 1) if row["measured"] else None
    return row


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _scope_key(user: User) -> str:
    """What decides which cases ``access.visible_cases`` gives an overview reader: everyone with the same
    answer shares one cached set of figures."""
    if user.is_superuser:
        return "all"
    if user.role in access.INSTITUTION_WIDE:
        return f"i{user.institution_id}"
    units = ",".join(str(pk) for pk in sorted(set(user.scoped_unit_ids)))
    return f"i{user.institution_id}:{user.role}:u{units}"


def _figures_key(user: User, received_from: dt.date | None, received_to: dt.date | None) -> str:
    scope = hashlib.sha256(_scope_key(user).encode()).hexdigest()[:32]  # a manager's unit list may be long
    period = f"{received_from or ''}:{received_to or ''}"
    return f"kentmasa:overview:{scope}:{period}"


def _count_figures(cases: QuerySet[Case], visible: QuerySet[Case], now: dt.datetime) -> dict[str, Any]:
    figures = measures(now)
    by_unit = [
        _with_percent(row, "unit__name")
        for row in cases.values("unit_id", "unit__name")
        .annotate(**figures)
        .order_by(*alphabetical("unit__name"))
    ]
    by_service = [
        _with_percent(row, "service__name")
        for row in cases.values("service_id", "service__name")
        .annotate(**figures)
        .order_by(*alphabetical("service__name"))
    ]
    return {
        "by_unit": by_unit,
        "by_service": by_service,
        "totals": _with_percent(cases.aggregate(**figures)),
        # Waiting now, whenever the case came in (kentmasa.notify.approvals).
        "approvals_by_unit": waiting_by_unit(visible),
        "now": now,
    }


@staff_required
def overview(request: StaffRequest) -> HttpResponse:
    """The figures are counted at most once every KENTMASA_LIVE_FIGURES_SECONDS for everyone who sees the
    same cases over the same period (Django's cache), so the screens that refresh themselves when cases
    change (kentmasa/live.js) cost one count per scope, not one per screen."""
    user = request.user
    if not (user.is_superuser or user.role in OVERVIEW_ROLES):
        raise PermissionDenied
    visible = access.visible_cases(user).order_by()
    cases = visible
    received_from = received_to = None
    period = PeriodForm(request.GET or None)
    if period.is_valid():
        received_from = period.cleaned_data["received_from"]
        received_to = period.cleaned_data["received_to"]
        if received_from:
            cases = cases.filter(received_at__gte=_day_start(received_from))
        if received_to:
            cases = cases.filter(received_at__lt=_day_start(received_to + dt.timedelta(1)))
    key = _figures_key(user, received_from, received_to)
    seconds = settings.KENTMASA_LIVE_FIGURES_SECONDS
    figures = cache.get(key) if seconds > 0 else None
    if figures is None:
        figures = _count_figures(cases, visible, timezone.now())
        if seconds > 0:
            cache.set(key, figures, seconds)
    return render(request, "reports/overview.html", {"period": period, **figures})
