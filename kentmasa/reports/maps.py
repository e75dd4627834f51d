"""The task map's data: the filters every map request shares, and the grid clusters of case points.

Points are aggregated in the database, never in the browser: the visible box is cut into square cells whose
size follows the zoom (a quarter of a 256-pixel tile, so about 64 pixels on screen), and one GROUP BY over
``floor(latitude / cell), floor(longitude / cell)`` returns a count, a centre and an overdue count per cell.
The browser receives a few hundred rows whether the box holds ten cases or a million. Floor, Cast, Avg and
Count are plain SQL on SQLite and PostgreSQL alike.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any, cast

from django import forms
from django.db import connections
from django.db.models import BooleanField, Count, ExpressionWrapper, FloatField, Max, Min, QuerySet, Sum
from django.db.models.expressions import RawSQL, Value
from django.db.models.functions import Cast, Floor
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import access
from kentmasa.cases.models import ACTIVE_STATUSES, Channel, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views.queue import overdue_q
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Unit, User
from kentmasa.places.grid import CELLS_PER_TILE  # a cell is a quarter of a web-map tile

MIN_ZOOM, MAX_ZOOM = 0, 19
# From this zoom on (a few streets on screen) cases are drawn one by one, unless the box holds too many.
POINTS_FROM_ZOOM = 17
MAX_POINTS = 500
# How long a browser may reuse a block of clusters it already has (new cases show up after at most this).
BROWSER_CACHE_SECONDS = 30

ACTIVE = "active"  # the status filter's "still owed an answer" choice

SIX_PLACES = Decimal("0.000001")


def cell_size(zoom: int) -> float:
    """The side of a cluster cell in degrees at a zoom level."""
    return 360.0 / (2.0**zoom * CELLS_PER_TILE)


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> "BBox":
        """ "minlon,minlat,maxlon,maxlat" as Leaflet's toBBoxString() writes it; ValueError when unusable."""
        parts = (text or "").split(",")
        if len(parts) != 4:
            raise ValueError("four numbers are needed")
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
        if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
            raise ValueError("not a number")
        # A map panned round the world reports longitudes past ±180; no case lies there.
        min_lon, max_lon = max(min_lon, -180.0), min(max_lon, 180.0)
        min_lat, max_lat = max(min_lat, -90.0), min(max_lat, 90.0)
        if min_lon > max_lon or min_lat > max_lat:
            raise ValueError("the minimum is past the maximum")
        return cls(min_lon, min_lat, max_lon, max_lat)

    def snapped(self, cell: float) -> "BBox":
        """Widened to whole cells, so a cell at the edge of the screen is counted whole, not in part."""
        return BBox(
            math.floor(self.min_lon / cell) * cell,
            math.floor(self.min_lat / cell) * cell,
            (math.floor(self.max_lon / cell) + 1) * cell,
            (math.floor(self.max_lat / cell) + 1) * cell,
        )

    def filter(self, cases: QuerySet) -> QuerySet:
        """Cases with a location inside the box: min inclusive, max exclusive, as the cells are.

        Locations have six decimals, so each edge is rounded up to six: "below b" and "at or above b" then
        mean the same thing for the box on either side of an edge, and a case on it is counted once.
        """

        def edge(value: float) -> Decimal:
            return Decimal(repr(value)).quantize(SIX_PLACES, rounding=ROUND_CEILING)

        return cases.filter(
            latitude__gte=edge(self.min_lat),
            latitude__lt=edge(self.max_lat),
            longitude__gte=edge(self.min_lon),
            longitude__lt=edge(self.max_lon),
        )


# -- the filters every map request shares --------------------------------------------------------------------


class MapFilterForm(forms.Form):
    """Which cases the map, the mahalle layer, the mahalle page and its export count."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("All categories")
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
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
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    # The query parameters that are filters (the map's own parameters, bbox, zoom, measure, are not).
    NAMES = ("status", "category", "unit", "channel", "received_from", "received_to", "overdue")

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("All statuses")),
            (ACTIVE, _("Still owed an answer")),
            *Status.choices,
        ]
        cast(forms.ChoiceField, self.fields["channel"]).choices = [("", _("All channels")), *Channel.choices]
        units, categories = Unit.objects.all(), Category.objects.all()
        if not user.is_superuser:
            if user.institution_id is None:
                units, categories = units.none(), categories.none()
            else:
                units = units.filter(institution_id=user.institution_id)
                categories = categories.filter(institution_id=user.institution_id)
        if not (user.is_superuser or user.role in access.INSTITUTION_WIDE):
            units = Unit.objects.filter(pk__in=user.scoped_unit_ids)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units.order_by(*alphabetical("name"))
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories.order_by(
            *alphabetical("name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."), code="period")
        return data

    def apply(self, cases: QuerySet, now: dt.datetime) -> QuerySet:
        """The cases the filters let through; call after is_valid()."""
        data = self.cleaned_data
        if data["status"] == ACTIVE:
            cases = cases.filter(status__in=ACTIVE_STATUSES)
        elif data["status"]:
            cases = cases.filter(status=data["status"])
        if data["category"]:
            cases = cases.filter(category=data["category"])
        if data["unit"]:
            cases = cases.filter(unit=data["unit"])
        if data["channel"]:
            cases = cases.filter(channel=data["channel"])
        if data["received_from"]:
            cases = cases.filter(received_at__gte=day_start(data["received_from"]))
        if data["received_to"]:
            cases = cases.filter(received_at__lt=day_start(data["received_to"] + dt.timedelta(days=1)))
        if data["overdue"]:
            cases = cases.filter(overdue_q(now))
        return cases

    def query_params(self) -> dict[str, str]:
        """The valid filters as query parameters, for links and for the map's own requests."""
        if not self.is_valid():
            return {}
        params = {}
        for name in self.NAMES:
            value = self.cleaned_data[name]
            if value in (None, "", False):
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif value is True:
                value = "on"
            params[name] = str(value)
        return params


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_cases(user: User, form: MapFilterForm, now: dt.datetime) -> QuerySet:
    """What the user may see, narrowed by the valid filters (invalid filters narrow nothing)."""
    cases = access.visible_cases(user).order_by()
    return form.apply(cases, now) if form.is_valid() else cases


# -- grid clusters -------------------------------------------------------------------------------------------


def _float(name: str) -> Cast:
    return Cast(name, FloatField())


def clusters(cases: QuerySet, bbox: BBox, zoom: int, now: dt.datetime | None = None) -> dict:
    """The cases inside ``bbox`` as the map draws them at ``zoom``.

    Returns ``clusters`` (cells holding two cases or more: centre, count, overdue count) and ``points``
    (single cases with their tracking number and subject). From POINTS_FROM_ZOOM on every case is a point,
    as long as the box holds at most MAX_POINTS of them.
    """
    now = now or timezone.now()
    zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
    cell = cell_size(zoom)
    box = bbox.snapped(cell)
    inside = box.filter(cases.order_by())

    if zoom >= POINTS_FROM_ZOOM:
        rows = _points(inside, limit=MAX_POINTS + 1)
        if len(rows) <= MAX_POINTS:
            return _result(zoom, cell, [], rows)

    return assemble(cases, zoom, cell, cell_figures(inside, cell, now), now)


def micro_sql(column: str, vendor: str) -> str:
    """A coordinate in millionths of a degree, as an exact integer (a location has six decimals): sums of
    these are exact, so the live clusters and the pre-aggregated cells (kentmasa.reports.cells) give the
    same centre."""
    return f"CAST(ROUND({column} * 1000000) AS {'bigint' if vendor == 'postgresql' else 'INTEGER'})"


def cell_figures(inside: QuerySet, cell: float, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per cell of side ``cell``: the count of the cases, the sums of their coordinates (millionths) and of
    their keys (a cell of one case: its key), and how many are overdue when ``now`` is given."""
    lat, lon = _float("latitude"), _float("longitude")
    vendor = connections[inside.db].vendor
    table = inside.model._meta.db_table
    rows = (
        inside.annotate(cell_y=Floor(lat / cell), cell_x=Floor(lon / cell))
        .values("cell_y", "cell_x")
        .annotate(
            count=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)) if now else Value(0),
            lat_sum=Sum(RawSQL(micro_sql(f'"{table}"."latitude"', vendor), [])),  # noqa: S611 (ours)
            lon_sum=Sum(RawSQL(micro_sql(f'"{table}"."longitude"', vendor), [])),  # noqa: S611 (ours)
            ids=Sum("pk"),
        )
        .order_by()
    )
    return [
        {
            "y": int(row["cell_y"]),
            "x": int(row["cell_x"]),
            "count": int(row["count"]),
            "overdue": int(row["overdue"]),
            "lat": int(row["lat_sum"]),
            "lon": int(row["lon_sum"]),
            "ids": int(row["ids"]),
        }
        for row in rows
    ]


def assemble(cases: QuerySet, zoom: int, cell: float, cells: list[dict[str, Any]], now: dt.datetime) -> dict:
    """The map's answer from per-cell figures (count, overdue, coordinate sums in millionths, key sum):
    cells of two cases or more as clusters, a cell of one case as that case's point."""
    singles = [row["ids"] for row in cells if row["count"] == 1]
    points = _points(cases.filter(pk__in=singles), limit=None, now=now) if singles else []
    groups = [
        {
            "lat": round(row["lat"] / row["count"] / 1_000_000, 6),
            "lon": round(row["lon"] / row["count"] / 1_000_000, 6),
            "count": row["count"],
            "overdue": row["overdue"],
        }
        for row in cells
        if row["count"] > 1
    ]
    groups.sort(key=lambda group: (-group["count"], group["lat"], group["lon"]))
    return _result(zoom, cell, groups, points)


def _points(cases: QuerySet, limit: int | None, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    rows = (
        cases.annotate(late=ExpressionWrapper(overdue_q(now), output_field=BooleanField()))
        .values("pk", "tracking_number", "subject", "latitude", "longitude", "status", "late")
        .order_by("pk")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "tracking": format_tracking_number(row["tracking_number"]),
            "subject": row["subject"],
            "status": row["status"],
            "overdue": bool(row["late"]),
            "url": reverse("cases:detail", args=[row["tracking_number"]]),
        }
        for row in rows
    ]


def _result(zoom: int, cell: float, groups: list[dict], points: list[dict]) -> dict:
    return {
        "zoom": zoom,
        "cell": cell,
        "total": sum(group["count"] for group in groups) + len(points),
        "overdue": sum(group["overdue"] for group in groups) + sum(1 for p in points if p["overdue"]),
        "clusters": groups,
        "points": points,
    }


def case_extent(cases: QuerySet) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of the located cases, for a map with no areas to fit to."""
    box = cases.order_by().aggregate(
        min_lon=Min("longitude"),
        min_lat=Min("latitude"),
        max_lon=Max("longitude"),
        max_lat=Max("latitude"),
    )
    if box["min_lon"] is None:
        return None
    return float(box["min_lon"]), float(box["min_lat"]), float(box["max_lon"]), float(box["max_lat"])
