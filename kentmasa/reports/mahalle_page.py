"""The figures of one mahalle's page: its resolution times, its cases by category and by week, and the
places where cases repeat (hotspots).

Each function takes the cases already narrowed to the mahalle (`neighbourhoods.cases_in`) and asks the
database for grouped figures, never for every case.
"""

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, QuerySet
from django.db.models.functions import Cast, Floor, TruncWeek
from django.utils import timezone

from kentmasa.cases import clock
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views.queue import overdue_q
from kentmasa.lib import turkish
from kentmasa.places.models import Area
from kentmasa.reports.neighbourhoods import resolution_seconds

HOTSPOT_METRES = 25
METRES_PER_DEGREE = 111_320


def percentile(ordered: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks of a sorted list (the median at share 0.5)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def resolution_times(cases: QuerySet) -> dict:
    """Median and 90th percentile of the resolution time (days), and the share within standard: resolved
    in time on a completion clock, forwarded in time on a forwarding one (kentmasa.cases.clock)."""
    resolved = cases.order_by().filter(resolved_at__isnull=False)
    seconds = sorted(s for s in resolved.values_list(resolution_seconds(), flat=True) if s is not None)
    measured = cases.order_by().aggregate(
        measured=Count("pk", filter=clock.measured_q()),
        within=Count("pk", filter=clock.within_q()),
    )
    median, p90 = percentile(seconds, 0.5), percentile(seconds, 0.9)
    return {
        "resolved": len(seconds),
        "median_days": median / 86400 if median is not None else None,
        "p90_days": p90 / 86400 if p90 is not None else None,
        "measured": measured["measured"],
        "within": measured["within"],
        "within_percent": round(100 * measured["within"] / measured["measured"], 1)
        if measured["measured"]
        else None,
    }


def by_category(cases: QuerySet, now: dt.datetime) -> list[dict]:
    rows = list(
        cases.order_by()
        .values("category_id", "category__name")
        .annotate(count=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
        .order_by("-count", F("category__name").asc(nulls_last=True))
    )
    return with_bars(rows)


def by_week(cases: QuerySet, start: dt.date | None, end: dt.date | None, most: int = 52) -> list[dict]:
    """Cases received per week (Monday first), every week of the period shown, empty ones too."""
    counts: dict[dt.date, int] = {}
    for row in (
        cases.order_by().annotate(week=TruncWeek("received_at")).values("week").annotate(count=Count("pk"))
    ):
        week = row["week"]
        if isinstance(week, dt.datetime):
            week = timezone.localtime(week).date() if timezone.is_aware(week) else week.date()
        counts[week] = counts.get(week, 0) + row["count"]
    if not counts and not (start and end):
        return []
    first = monday(start) if start else min(counts)
    last = monday(end) if end else max(max(counts), monday(timezone.localdate()))
    if last < first:
        return []
    weeks = []
    week = first
    while week <= last:
        weeks.append({"week": week, "week_end": week + dt.timedelta(days=6), "count": counts.get(week, 0)})
        week += dt.timedelta(weeks=1)
    return with_bars(weeks[-most:])


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def with_bars(rows: list[dict], key: str = "count") -> list[dict]:
    """Each row's share of the largest, in percent, for the CSS bar beside it."""
    top = max((row[key] for row in rows), default=0)
    for row in rows:
        row["bar"] = round(100 * row[key] / top, 1) if top else 0
    return rows


def hotspots(cases: QuerySet, area: Area, now: dt.datetime, limit: int = 20, listed: int = 5) -> list[dict]:
    """Repeat locations: cases grouped on a ~25 m grid, the cells with two cases or more, busiest first."""
    cell_lat = HOTSPOT_METRES / METRES_PER_DEGREE
    cell_lon = cell_lat / max(0.1, math.cos(math.radians(area.centroid_lat)))
    lat, lon = Cast("latitude", FloatField()), Cast("longitude", FloatField())
    located = cases.order_by().filter(latitude__isnull=False, longitude__isnull=False)
    cells = list(
        located.annotate(cell_y=Floor(lat / cell_lat), cell_x=Floor(lon / cell_lon))
        .values("cell_y", "cell_x")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            lat=Avg(lat),
            lon=Avg(lon),
            first=Min("received_at"),
            last=Max("received_at"),
        )
        .filter(count__gte=2)
        .order_by("-count", "-last")[:limit]
    )
    if not cells:
        return []
    in_cells = Q()
    for cell in cells:
        in_cells |= Q(cell_y=cell["cell_y"], cell_x=cell["cell_x"])
    members = defaultdict(list)
    for case in (
        located.annotate(cell_y=Floor(lat / cell_lat), cell_x=Floor(lon / cell_lon))
        .filter(in_cells)
        .select_related("category")
        .only(
            "tracking_number", "subject", "status", "received_at", "category__name", "latitude", "longitude"
        )
        .order_by("-received_at")
    ):
        case.tracking = format_tracking_number(case.tracking_number)
        members[(case.cell_y, case.cell_x)].append(case)
    for cell in cells:
        cases_here = members[(cell["cell_y"], cell["cell_x"])]
        cell["cases"] = cases_here[:listed]
        cell["more"] = max(0, cell["count"] - listed)
        cell["categories"] = sorted(
            {case.category.name for case in cases_here if case.category_id}, key=turkish.sort_key
        )
    return cells
