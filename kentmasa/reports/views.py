"""The manager overview: per unit and per service, what is open, what is late, and how often the standard
was met.

Every figure is counted by the database in one grouped query per table (Count with a filter), so the page
costs the same few queries for ten cases or a million.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import access
from kentmasa.cases.models import ACTIVE_STATUSES
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
    resolved = Q(resolved_at__isnull=False)
    return {
        "open": Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(now)),
        "resolved": Count("pk", filter=resolved),
        # Only cases with a deadline can be in or out of standard; the rate is taken over those.
        "measured": Count("pk", filter=resolved & Q(due_at__isnull=False)),
        "within": Count("pk", filter=resolved & Q(due_at__isnull=False, resolved_at__lte=F("due_at"))),
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


@staff_required
def overview(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role in OVERVIEW_ROLES):
        raise PermissionDenied
    now = timezone.now()
    visible = access.visible_cases(user).order_by()
    cases = visible
    period = PeriodForm(request.GET or None)
    if period.is_valid():
        if period.cleaned_data["received_from"]:
            cases = cases.filter(received_at__gte=_day_start(period.cleaned_data["received_from"]))
        if period.cleaned_data["received_to"]:
            cases = cases.filter(
                received_at__lt=_day_start(period.cleaned_data["received_to"] + dt.timedelta(1))
            )
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
    totals = _with_percent(cases.aggregate(**figures))
    return render(
        request,
        "reports/overview.html",
        {
            "period": period,
            "by_unit": by_unit,
            "by_service": by_service,
            "totals": totals,
            # Waiting now, whenever the case came in (kentmasa.notify.approvals).
            "approvals_by_unit": waiting_by_unit(visible),
            "now": now,
        },
    )
