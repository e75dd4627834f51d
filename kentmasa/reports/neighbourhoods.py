"""The analysis of the mahalles: which mahalle a case belongs to, the measures the map colours them by, and
the figures of one mahalle's page.

A case keeps its place as text (province, district, mahalle), written by intake's geocoder or typed by an
operator, so "Sarıyakup Mh." and "Sarıyakup Mahallesi" are the same mahalle. Cases are grouped by those
texts in the database (one GROUP BY), and each distinct text is matched to an Area once, in Python.
"""

import bisect
import datetime as dt
import json
import math
import statistics
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

import numpy
import shapely
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Max, Min, Q, QuerySet, TextField
from django.db.models.functions import Cast, Floor, Round, TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kentmasa.cases.models import ACTIVE_STATUSES
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views.queue import overdue_q
from kentmasa.directory.models import User
from kentmasa.lib import turkish
from kentmasa.places.address import area_key
from kentmasa.places.models import Area

MEASURES = {
    "count": gettext_lazy("Cases"),
    "per_1000": gettext_lazy("Cases per 1,000 residents"),
    "overdue_share": gettext_lazy("Overdue share"),
    "median_days": gettext_lazy("Median resolution time"),
}
DEFAULT_MEASURE = "count"
CLASSES = 5
MAX_RUNS = 2000  # natural breaks cost CLASSES × MAX_RUNS² / 2 steps at most
# Light to dark; the class of a mahalle without a value is drawn in NO_DATA_COLOUR.
COLOURS = ("#e8f0f7", "#bcd3e6", "#85afd3", "#4f86b8", "#245a8c")
NO_DATA_COLOUR = "#d9d9d9"
HOTSPOT_METRES = 25
METRES_PER_DEGREE = 111_320


class Seconds(Func):
    """Seconds from one timestamp to another, as a number, on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 2  # (start, end)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(end)s) - julianday(%(start)s)) * 86400.0)",
            **extra,
        )

    def as_sql(self, compiler, connection, template=None, **extra):
        start, end = (compiler.compile(expression) for expression in self.get_source_expressions())
        template = template or "EXTRACT(EPOCH FROM (%(end)s - %(start)s))"
        return template % {"start": start[0], "end": end[0]}, [*start[1], *end[1]]


def resolution_seconds() -> Seconds:
    return Seconds(F("received_at"), F("resolved_at"))


# -- which mahalle a case is in ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return turkish.fold(" ".join((text or "").split())).replace(".", "")


class Gazetteer:
    """Every loaded mahalle, found by the texts a case keeps. One query builds it; ``current()`` keeps
    one per process and builds it again only when the areas have changed (an import, an edit)."""

    AMBIGUOUS = -1
    _kept: "tuple[tuple, Gazetteer] | None" = None
    _lock = threading.Lock()

    @classmethod
    def current(cls) -> "Gazetteer":
        # Every kind counts: a mahalle is also found by its district's and province's names.
        version = tuple(Area.objects.aggregate(Count("pk"), Max("updated_at"), Max("pk")).values())
        kept = cls._kept
        if kept is not None and kept[0] == version:
            return kept[1]
        gazetteer = cls()
        with cls._lock:
            cls._kept = (version, gazetteer)
        return gazetteer

    def __init__(self):
        self.by_full_name: dict[tuple, int] = {}
        self.by_key: dict[tuple, int] = {}
        rows = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).values_list(
            "pk", "name", "display_name", "name_key", "parent__name_key", "parent__parent__name_key"
        )
        for pk, name, display_name, key, district_key, province_key in rows:
            for province in (province_key, ""):
                for full in {_fold(name), _fold(display_name)}:
                    self._add(self.by_full_name, (province, district_key, full), pk)
                self._add(self.by_key, (province, district_key, key), pk)

    def _add(self, table: dict, key: tuple, pk: int) -> None:
        found = table.get(key)
        table[key] = pk if found in (None, pk) else self.AMBIGUOUS

    def find(self, province: str, district: str, neighbourhood: str) -> int | None:
        """The Area pk of the mahalle the texts name; None when unknown or not unique."""
        if not (neighbourhood and district):
            return None
        province_key = area_key(province) if province else ""
        district_key = area_key(district)
        for table, name in (
            (self.by_full_name, _fold(neighbourhood)),
            (self.by_key, area_key(neighbourhood)),
        ):
            pk = table.get((province_key, district_key, name))
            if pk is not None:
                return None if pk == self.AMBIGUOUS else pk
        return None


def territory(user: User) -> QuerySet[Area]:
    """The mahalles of the user's institution: its district's, or its province's for a metropolitan one."""
    mahalles = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD)
    institution = user.institution if user.institution_id else None
    if institution is None or not institution.province:
        return mahalles.none()
    mahalles = mahalles.filter(parent__parent__name_key=area_key(institution.province))
    if institution.district:
        mahalles = mahalles.filter(parent__name_key=area_key(institution.district))
    return mahalles


def variants_of(cases: QuerySet, area: Area, gazetteer: Gazetteer | None = None) -> Q | None:
    """A filter for the cases of one mahalle, from the place texts the cases use for it (None: no case)."""
    gazetteer = gazetteer or Gazetteer.current()
    texts = cases.order_by().values_list("province", "district", "neighbourhood").distinct()
    found = Q()
    any_found = False
    for province, district, neighbourhood in texts:
        if gazetteer.find(province, district, neighbourhood) == area.pk:
            found |= Q(province=province, district=district, neighbourhood=neighbourhood)
            any_found = True
    return found if any_found else None


def cases_in(cases: QuerySet, area: Area) -> QuerySet:
    found = variants_of(cases, area)
    return cases.filter(found) if found is not None else cases.none()


# -- the mahalle layer ---------------------------------------------------------------------------------------


@dataclass
class MahalleFigures:
    area_id: int
    count: int = 0
    active: int = 0
    overdue: int = 0
    durations: list[float] = field(default_factory=list)  # seconds, of the resolved cases (when asked for)


class JoinedDurations(Aggregate):
    """The resolution times of a group's resolved cases, in whole seconds, as one comma-separated text.

    Neither database has a median both share, but both join a group's values into one text
    (GROUP_CONCAT, STRING_AGG): the median is then taken in Python from the numbers of the same grouped
    query that counts the cases, so a million cases cost one query and no row-by-row transfer.
    """

    output_field = TextField()
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"

    def __init__(self, **extra):
        super().__init__(Round(resolution_seconds()), filter=Q(resolved_at__isnull=False), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra)


def figures_by_mahalle(
    cases: QuerySet, now: dt.datetime, *, durations: bool, gazetteer: Gazetteer | None = None
) -> tuple[dict[int, MahalleFigures], int]:
    """Counts per mahalle (and the resolution times of its resolved cases when asked for), plus the
    number of cases in no known mahalle: one grouped query by the place texts, whatever the measure.

    A mahalle written in several ways ("Sarıyakup Mh.", "Sarıyakup Mahallesi") adds up its groups, and
    its resolution times are pooled, so its median is the median of all of them.
    """
    gazetteer = gazetteer or Gazetteer.current()
    figures_of = {
        "count": Count("pk"),
        "active": Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(now)),
    }
    if durations:
        figures_of["durations"] = JoinedDurations()
    rows = cases.order_by().values("province", "district", "neighbourhood").annotate(**figures_of)
    found: dict[int, MahalleFigures] = {}
    unmatched = 0
    for row in rows:
        pk = gazetteer.find(row["province"], row["district"], row["neighbourhood"])
        if pk is None:
            unmatched += row["count"]
            continue
        figures = found.setdefault(pk, MahalleFigures(pk))
        figures.count += row["count"]
        figures.active += row["active"]
        figures.overdue += row["overdue"]
        if row.get("durations"):
            figures.durations.extend(map(float, row["durations"].split(",")))
    return found, unmatched


def measure_value(measure: str, figures: MahalleFigures | None, population: int | None) -> float | None:
    """The number the mahalle is coloured by; None where it cannot be said (no residents known, no case)."""
    count = figures.count if figures else 0
    if measure == "count":
        return float(count)
    if measure == "per_1000":
        return 1000 * count / population if population else None
    if measure == "overdue_share":
        return 100 * figures.overdue / figures.active if figures and figures.active else None
    if measure == "median_days":
        return statistics.median(figures.durations) / 86400 if figures and figures.durations else None
    raise ValueError(measure)


def class_breaks(values: list[float], classes: int = CLASSES) -> list[float]:
    """Upper bounds of every class but the last: Jenks' natural breaks, found exactly (Fisher's method).

    The sorted values are cut into ``classes`` runs so that the values within each run differ least (the
    smallest total of squared deviations from the runs' means). Quantiles fail on what a map usually holds:
    when most mahalles share one value (no case yet), every quantile falls on it and a mahalle with 1 case
    is drawn like one with 17. Natural breaks keep the crowd of equal values in one class and spread the
    others. Zero ("no case", "none overdue") is a class of its own whenever the data has it, however few
    mahalles are in it. A break is always a value of the data, so equal values never straddle one; with
    no more distinct values than classes each value is its own class.
    """
    if not values:
        return []
    distinct, weights = numpy.unique(numpy.asarray(values, dtype=float), return_counts=True)
    if len(distinct) <= classes:
        return [float(value) for value in distinct[:-1]]
    if distinct[0] == 0 and classes > 2:
        return [0.0, *class_breaks([value for value in values if value != 0], classes - 1)]
    # Breaks may fall after any of at most MAX_RUNS runs of neighbouring distinct values (all of them for
    # any realistic number of mahalles); a run's sums are exact, so the costs below stay exact too.
    runs = numpy.array_split(numpy.arange(len(distinct)), min(len(distinct), MAX_RUNS))
    ends = numpy.array([run[-1] for run in runs])
    heads = [run[0] for run in runs]

    def running(numbers: numpy.ndarray) -> numpy.ndarray:
        return numpy.concatenate(([0.0], numpy.cumsum(numpy.add.reduceat(numbers, heads))))

    centred = distinct - distinct.mean()  # the deviations do not change; the sums stay small
    count = running(weights.astype(float))
    total = running(weights * centred)
    squares = running(weights * centred * centred)
    size = len(runs)

    def cost(first: numpy.ndarray, last: int) -> numpy.ndarray:
        """Squared deviations of the runs first…last (inclusive) from their mean, for each first."""
        n = count[last + 1] - count[first]
        s = total[last + 1] - total[first]
        return (squares[last + 1] - squares[first]) - s * s / n

    best = squares[1:] - total[1:] * total[1:] / count[1:]  # runs 0…last as one class
    starts = []  # starts[j][last]: where the last class begins in the best cut of runs 0…last in j+2 classes
    for j in range(1, classes):
        current = numpy.full(size, numpy.inf)
        start = numpy.zeros(size, dtype=int)
        for last in range(j, size):
            first = numpy.arange(j, last + 1)
            candidates = best[first - 1] + cost(first, last)
            pick = int(numpy.argmin(candidates))
            current[last], start[last] = candidates[pick], first[pick]
        best = current
        starts.append(start)
    breaks = []
    last = size - 1
    for start in reversed(starts):
        first = int(start[last])
        breaks.append(float(distinct[ends[first - 1]]))
        last = first - 1
    return sorted(breaks)


def class_of(value: float | None, breaks: list[float]) -> int | None:
    return None if value is None else bisect.bisect_left(breaks, value)


def format_value(measure: str, value: float | None) -> str:
    if value is None:
        return _("no data")
    if measure == "count":
        return formats.number_format(int(value), force_grouping=True)
    if measure == "per_1000":
        return formats.number_format(value, 1, force_grouping=True)
    if measure == "overdue_share":
        return _("%(value)s%%") % {"value": formats.number_format(value, 1)}
    return describe_days(value)


def describe_days(days: float | None) -> str:
    if days is None:
        return "—"
    if days < 1:
        return _("%(hours)s h") % {"hours": formats.number_format(days * 24, 1)}
    return _("%(days)s days") % {"days": formats.number_format(days, 1)}


def legend(measure: str, breaks: list[float], values: list[float]) -> list[dict]:
    """One entry per class, named by the smallest and largest value the map has in it ("1–3", "4–9"),
    then the entry of the mahalles without a value."""
    members: list[list[float]] = [[] for _ in range(len(breaks) + 1)]
    for value in values:
        members[class_of(value, breaks)].append(value)
    classes = len(members)
    entries = []
    for index, inside in enumerate(members):
        if not inside:
            continue
        low, high = format_value(measure, min(inside)), format_value(measure, max(inside))
        if low == high:
            label = low
        elif measure == "median_days":  # "5,0 sa – 2,0 gün": units on both sides, spaced
            label = _("%(low)s – %(high)s") % {"low": low, "high": high}
        else:
            label = f"{low}–{high}"
        entries.append({"class": index, "label": label, "colour": colour_of(index, classes)})
    entries.append({"class": None, "label": _("no data"), "colour": NO_DATA_COLOUR})
    return entries


def colour_of(index: int | None, classes: int) -> str:
    """Spread the palette over the classes there are (fewer when many mahalles share a value)."""
    if index is None:
        return NO_DATA_COLOUR
    if classes <= 1:
        return COLOURS[len(COLOURS) // 2]
    return COLOURS[round(index * (len(COLOURS) - 1) / (classes - 1))]


# -- simplified boundaries -----------------------------------------------------------------------------------


def tolerance_for(zoom: int) -> float:
    """About one screen pixel in degrees, so simplification cannot be seen."""
    zoom = max(6, min(16, zoom))
    return 360.0 / (256 * 2**zoom)


_boundaries: "OrderedDict[tuple, dict]" = OrderedDict()
_boundaries_lock = threading.Lock()
BOUNDARY_CACHE_SIZE = 20_000


def simplified_boundaries(areas: list[Area], zoom: int) -> dict[int, dict]:
    """GeoJSON geometry per area, simplified for the zoom. Kept in memory per (area, version, tolerance),
    so a boundary is read and simplified once per process until the area is re-imported."""
    tolerance = tolerance_for(zoom)
    wanted = {area.pk: (area.pk, area.updated_at, tolerance) for area in areas}
    result: dict[int, dict] = {}
    with _boundaries_lock:
        for pk, key in wanted.items():
            if key in _boundaries:
                _boundaries.move_to_end(key)
                result[pk] = _boundaries[key]
    missing = [pk for pk in wanted if pk not in result]
    if missing:
        texts = {}
        for chunk in chunks(missing):
            texts.update(Area.objects.filter(pk__in=chunk).values_list("pk", "geometry"))
        for pk in missing:
            geometry = shapely.from_geojson(texts[pk], on_invalid="ignore") if pk in texts else None
            if geometry is None:
                continue
            simple = shapely.set_precision(
                shapely.simplify(geometry, tolerance, preserve_topology=True), tolerance / 4
            )
            if simple.is_empty:
                simple = geometry.envelope
            result[pk] = json.loads(shapely.to_geojson(simple))
        with _boundaries_lock:
            for pk in missing:
                if pk in result:
                    _boundaries[wanted[pk]] = result[pk]
            while len(_boundaries) > BOUNDARY_CACHE_SIZE:
                _boundaries.popitem(last=False)
    return result


def layer_areas(user: User, figures: dict[int, MahalleFigures]) -> list[Area]:
    """The institution's mahalles and any other mahalle its visible cases lie in."""
    fields = ("pk", "display_name", "population", "updated_at", "centroid_lat", "centroid_lon")
    areas = {
        area.pk: area
        for area in territory(user).select_related("parent").only(*fields, "parent__display_name")
    }
    elsewhere = [pk for pk in figures if pk not in areas]
    for chunk in chunks(elsewhere):
        for area in (
            Area.objects.filter(pk__in=chunk).select_related("parent").only(*fields, "parent__display_name")
        ):
            areas[area.pk] = area
    return sorted(areas.values(), key=lambda area: (turkish.sort_key(area.display_name), area.pk))


def chunks(items: list, size: int = 500):
    """Lists short enough for an IN (…) on any database (SQLite's parameter limit included)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- one mahalle ---------------------------------------------------------------------------------------------


def percentile(ordered: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks of a sorted list (the median at share 0.5)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def resolution_times(cases: QuerySet) -> dict:
    """Median and 90th percentile of the resolution time (days), and the share resolved within standard."""
    resolved = cases.order_by().filter(resolved_at__isnull=False)
    seconds = sorted(s for s in resolved.values_list(resolution_seconds(), flat=True) if s is not None)
    measured = resolved.aggregate(
        measured=Count("pk", filter=Q(due_at__isnull=False)),
        within=Count("pk", filter=Q(due_at__isnull=False, resolved_at__lte=F("due_at"))),
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
    counts = {}
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
