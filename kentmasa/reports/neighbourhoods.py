"""The analysis of the mahalles: which mahalle a case belongs to, the measures the map colours them by, and
the simplified boundaries it draws. How the values become colours is in `choropleth`; the figures of one
mahalle's page are in `mahalle_page`.

A case keeps its place as text (province, district, mahalle), written by intake's geocoder or typed by an
operator, so "Sarıyakup Mh." and "Sarıyakup Mahallesi" are the same mahalle. Cases are grouped by those
texts in the database (one GROUP BY), and each distinct text is matched to an Area once, in Python.
"""

import datetime as dt
import json
import statistics
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import shapely
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Count, F, FloatField, Func, Max, Q, QuerySet, TextField
from django.db.models.functions import Round
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy

from kentmasa.cases.models import ACTIVE_STATUSES
from kentmasa.cases.views.queue import overdue_q
from kentmasa.directory.models import User
from kentmasa.lib import turkish
from kentmasa.places.address import area_key
from kentmasa.places.models import Area

T = TypeVar("T")
SQL = tuple[str, tuple[Any, ...]]  # what as_sql gives: the text and its parameters

MEASURES = {
    "count": gettext_lazy("Cases"),
    "per_1000": gettext_lazy("Cases per 1,000 residents"),
    "overdue_share": gettext_lazy("Overdue share"),
    "median_days": gettext_lazy("Median resolution time"),
}
DEFAULT_MEASURE = "count"


class Seconds(Func):
    """Seconds from one timestamp to another, as a number, on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 2  # (start, end)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> SQL:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(end)s) - julianday(%(start)s)) * 86400.0)",
            **extra,
        )

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> SQL:
        start, end = (compiler.compile(expression) for expression in self.get_source_expressions())
        template = template or "EXTRACT(EPOCH FROM (%(end)s - %(start)s))"
        return template % {"start": start[0], "end": end[0]}, (*start[1], *end[1])


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

    def __init__(self) -> None:
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
    institution = user.institution if user.institution_id else None
    if institution is None:
        return Area.objects.none()
    return Area.objects.territory(institution.province, institution.district)


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

    def __init__(self, **extra: Any):
        super().__init__(Round(resolution_seconds()), filter=Q(resolved_at__isnull=False), **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> SQL:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> SQL:
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
    figures_of: dict[str, Aggregate] = {
        "count": Count("pk"),
        "active": Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(now)),
    }
    if durations:
        figures_of["durations"] = JoinedDurations()
    rows = cases.order_by().values("province", "district", "neighbourhood").annotate(**figures_of)
    return add_up(rows, gazetteer)


def add_up(rows: Iterable[dict[str, Any]], gazetteer: Gazetteer) -> tuple[dict[int, MahalleFigures], int]:
    """Rows per place texts (count, active, overdue, maybe durations) added up per mahalle, and the count
    in no known mahalle: the live layer's grouped query or the place rollups (kentmasa.reports.cells)."""
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


# -- simplified boundaries -----------------------------------------------------------------------------------


def tolerance_for(zoom: int) -> float:
    """About one screen pixel in degrees, so simplification cannot be seen."""
    zoom = max(6, min(16, zoom))
    return 360.0 / (256 * 2.0**zoom)


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
        texts: dict[int, str] = {}
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


def chunks(items: list[T], size: int = 500) -> Iterator[list[T]]:
    """Lists short enough for an IN (…) on any database (SQLite's parameter limit included)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
