"""The manager overview: per unit and per service, what is open, what is late, and how often the standard
was met.

The figures come from the rollups (kentmasa.reports.rollups: delta rows per institution, unit, service and
received day, kept by triggers in the transaction of every change), so the page sums a few thousand small rows
instead of counting millions of cases; only "overdue" adds a live count of the cases that ran late since the
sweep last looked. ``_count_figures`` counts the same figures from the cases themselves: the rollups' tests
compare the two, and a reader whose scope the rollups cannot express gets it. Either way at most once every
few seconds for all who see the same cases (the page refreshes itself live).
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
from kentmasa.reports import rollups
from kentmasa.reports.models import CaseRollup

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


def _rollup_figures(
    scope: Q,
    cases: QuerySet[Case],
    visible: QuerySet[Case],
    received_from: dt.date | None,
    received_to: dt.date | None,
    now: dt.datetime,
) -> dict[str, Any]:
    rows = CaseRollup.objects.filter(scope)
    if received_from:
        rows = rows.filter(day__gte=received_from)
    if received_to:
        rows = rows.filter(day__lte=received_to)
    counted = rollups.figures(rows, cases, now)
    return {
        "by_unit": [_with_percent(row, "unit__name") for row in counted["by_unit"]],
        "by_service": [_with_percent(row, "service__name") for row in counted["by_service"]],
        "totals": _with_percent(counted["totals"]),
        "approvals_by_unit": waiting_by_unit(visible),
        "now": now,
    }


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
        if received_to and received_to < dt.date.max:
            cases = cases.filter(received_at__lt=_day_start(received_to + dt.timedelta(1)))
    key = _figures_key(user, received_from, received_to)
    seconds = settings.KENTMASA_LIVE_FIGURES_SECONDS
    figures = cache.get(key) if seconds > 0 else None
    if figures is None:
        scope = rollups.scope_q(user)
        if scope is None:
            figures = _count_figures(cases, visible, timezone.now())
        else:
            figures = _rollup_figures(scope, cases, visible, received_from, received_to, timezone.now())
        if seconds > 0:
            cache.set(key, figures, seconds)
    return render(request, "reports/overview.html", {"period": period, **figures})
