"""Reverse geocoding (a point → il, ilçe, mahalle) and matching typed addresses to known mahalles.

Every intake asks where a point lies, so look-ups never go to the database: the boundaries are
loaded once per process into one shapely STRtree per kind of area and kept until the areas change.
The same code runs on SQLite and PostgreSQL; PostGIS is not needed.

Staleness: the index remembers the version of the area table it was built from — the number of
areas and the latest ``updated_at`` — which every insert, edit or delete changes, including the
importer's. Outside a transaction the version is re-read at most every PLACES_INDEX_RECHECK_SECONDS
(other processes see an import within seconds); inside a transaction it is re-read on every call,
because rows this connection has written, or rolled back, are not what other connections see.
"""

import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, QuerySet

from kentmasa.places import address as addresses
from kentmasa.places.models import Area

KIND_ORDER = (Area.Kind.NEIGHBOURHOOD, Area.Kind.DISTRICT, Area.Kind.PROVINCE)


@dataclass(frozen=True)
class Location:
    """Where a point lies. Names are display names ("Sarıyakup Mahallesi"); ids are Area primary keys."""

    province: str = ""
    district: str = ""
    neighbourhood: str = ""
    province_id: int | None = None
    district_id: int | None = None
    neighbourhood_id: int | None = None

    def case_fields(self) -> dict[str, str]:
        """The text fields a case keeps."""
        return {"province": self.province, "district": self.district, "neighbourhood": self.neighbourhood}

    def missing_fields(
        self, province: str = "", district: str = "", neighbourhood: str = ""
    ) -> dict[str, str]:
        """What this location adds to the parts a person gave: their empty fields, and only when every
        part they did give names the same place (a typed "Seyhan" for a point in Yüreğir is left for a
        person to sort out, not half-overwritten)."""
        given = {"province": province, "district": district, "neighbourhood": neighbourhood}
        located = self.case_fields()
        for field, value in given.items():
            if value and located[field] and addresses.area_key(value) != addresses.area_key(located[field]):
                return {}
        return {field: located[field] for field, value in given.items() if not value and located[field]}


def code_order(code: str) -> tuple[int, int, str]:
    """Numeric codes by value, others after them by text; the first wins a point on a shared border."""
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


class _KindIndex:
    """The boundaries of one kind of area, in code order so that the lowest index is the lowest code."""

    def __init__(self, pks: Sequence[int], geometries: Sequence[shapely.Geometry]):
        self.pks = np.asarray(pks, dtype=np.int64)
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)

    def find(self, point: shapely.Point) -> int | None:
        hits = self.tree.query(point, predicate="covered_by")
        if len(hits) == 0:
            return None
        return int(self.pks[hits.min()])

    def find_many(self, points: np.ndarray) -> np.ndarray:
        """For each point the pk of the first area covering it, or -1."""
        found = np.full(len(points), -1, dtype=np.int64)
        point_index, tree_index = self.tree.query(points, predicate="covered_by")
        if len(point_index):
            # Lowest tree index per point: sort by (point, tree) and keep each point's first row.
            order = np.lexsort((tree_index, point_index))
            point_index, tree_index = point_index[order], tree_index[order]
            first = np.ones(len(point_index), dtype=bool)
            first[1:] = point_index[1:] != point_index[:-1]
            found[point_index[first]] = self.pks[tree_index[first]]
        return found


class AreaIndex:
    """All areas of the database in memory: a tree per kind, and each area's name and parent."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int | None, str]]):
        by_kind: dict[str, list[tuple[tuple, int, str]]] = {kind: [] for kind in KIND_ORDER}
        self.names: dict[int, str] = {}
        self.kinds: dict[int, str] = {}
        self.parents: dict[int, int | None] = {}
        for pk, kind, code, display_name, parent_id, geometry in rows:
            self.names[pk] = display_name
            self.kinds[pk] = kind
            self.parents[pk] = parent_id
            by_kind.setdefault(kind, []).append((code_order(code), pk, geometry))
        self.kinds_index: dict[str, _KindIndex] = {}
        for kind, entries in by_kind.items():
            if not entries:
                continue
            entries.sort()
            geometries = shapely.from_geojson([geometry for _, _, geometry in entries], on_invalid="ignore")
            keep = [
                i for i, geometry in enumerate(geometries) if geometry is not None and not geometry.is_empty
            ]
            self.kinds_index[kind] = _KindIndex([entries[i][1] for i in keep], [geometries[i] for i in keep])

    def __len__(self) -> int:
        return len(self.names)

    def locate(self, lat: float, lon: float) -> Location | None:
        point = shapely.Point(lon, lat)
        for kind in KIND_ORDER:
            kind_index = self.kinds_index.get(kind)
            if kind_index is None:
                continue
            pk = kind_index.find(point)
            if pk is not None:
                return self._location(pk)
        return None

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[Location | None]:
        coords = np.asarray(points, dtype=float).reshape(-1, 2)
        geometries = np.asarray(shapely.points(coords[:, 1], coords[:, 0]))
        found = np.full(len(coords), -1, dtype=np.int64)
        for kind in KIND_ORDER:
            kind_index = self.kinds_index.get(kind)
            missing = np.flatnonzero(found < 0)
            if kind_index is None or len(missing) == 0:
                continue
            found[missing] = kind_index.find_many(geometries[missing])
        cache: dict[int, Location] = {}
        result: list[Location | None] = []
        for pk in found.tolist():
            if pk < 0:
                result.append(None)
            else:
                if pk not in cache:
                    cache[pk] = self._location(pk)
                result.append(cache[pk])
        return result

    def _location(self, pk: int) -> Location:
        ids: dict[str, int] = {}
        current: int | None = pk
        while current is not None and current in self.kinds:
            ids.setdefault(self.kinds[current], current)
            current = self.parents[current]
        province_id = ids.get(Area.Kind.PROVINCE)
        district_id = ids.get(Area.Kind.DISTRICT)
        neighbourhood_id = ids.get(Area.Kind.NEIGHBOURHOOD)
        return Location(
            province=self.names.get(province_id, "") if province_id else "",
            district=self.names.get(district_id, "") if district_id else "",
            neighbourhood=self.names.get(neighbourhood_id, "") if neighbourhood_id else "",
            province_id=province_id,
            district_id=district_id,
            neighbourhood_id=neighbourhood_id,
        )


# -- the process-wide index -------------------------------------------------------------------------

_lock = threading.Lock()
_index: AreaIndex | None = None
_index_version: tuple | None = None
_checked_at = 0.0


def index_version() -> tuple:
    """Changes whenever an area is added, edited or deleted (the importer included)."""
    row = Area.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return (connection.alias, row["count"], row["latest"])


def invalidate() -> None:
    """Forget the index; the next look-up rebuilds it from the database."""
    global _index, _index_version
    with _lock:
        _index = None
        _index_version = None


def on_area_changed(**kwargs: Any) -> None:
    invalidate()


def build_index() -> AreaIndex:
    rows = Area.objects.order_by().values_list("pk", "kind", "code", "display_name", "parent_id", "geometry")
    return AreaIndex(rows.iterator(chunk_size=200))


def get_index() -> AreaIndex:
    global _index, _index_version, _checked_at
    recheck = getattr(settings, "PLACES_INDEX_RECHECK_SECONDS", 5.0)
    now = time.monotonic()
    index = _index
    if index is not None and not connection.in_atomic_block and now - _checked_at < recheck:
        return index
    version = index_version()
    with _lock:
        _checked_at = now
        if _index is None or _index_version != version:
            _index = build_index()
            _index_version = version
        return _index


def locate(lat: float, lon: float) -> Location | None:
    """The mahalle, ilçe and il at a point (WGS 84 degrees); None outside every loaded area.

    Where no mahalle is loaded the ilçe (or il) alone is given. A point on the border of two areas
    belongs to the one with the lowest code, so the answer never depends on load order.
    """
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return get_index().locate(lat, lon)


def locate_many(points: Sequence[tuple[float, float]]) -> list[Location | None]:
    """locate() for many (lat, lon) pairs at once, much faster per point (for imports and reports)."""
    if len(points) == 0:
        return []
    return get_index().locate_many(points)


# -- typed addresses --------------------------------------------------------------------------------


def _unique(queryset: QuerySet[Area]) -> Area | None:
    found = list(queryset[:2])
    return found[0] if len(found) == 1 else None


def _find_mahalle(key: str, district: Area | None, province: Area | None) -> Area | None:
    candidates = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD, name_key=key).select_related(
        "parent__parent"
    )
    if district is not None:
        candidates = candidates.filter(parent=district)
    elif province is not None:
        candidates = candidates.filter(parent__parent=province)
    return _unique(candidates)


def _district(key: str, province: Area | None) -> Area | None:
    districts = Area.objects.filter(kind=Area.Kind.DISTRICT, name_key=key)
    return _unique(districts.filter(parent=province) if province is not None else districts)


def match_address(text: str, province: "str | Area | None" = None) -> tuple[addresses.Address, Area | None]:
    """Parse address text and find its mahalle among the known areas.

    The mahalle is looked for in the ilçe the text names, else in the il (the one given, say the
    institution's, else the one the text names), else anywhere. A name that fits no mahalle, or
    several, gives None, as does a mahalle outside the il or ilçe named. "Melikgazi Hunat Mah."
    (ilçe and mahalle run together) is tried as mahalle "Hunat" in ilçe "Melikgazi" too. A found
    mahalle fills in the official names of the mahalle, ilçe and il.
    """
    parsed = addresses.parse(text)
    words = parsed.neighbourhood_key.split()
    if not words:
        return parsed, None
    province_area = province if isinstance(province, Area) else None
    province_name = province if isinstance(province, str) and province else parsed.province
    if province_area is None and province_name:
        province_area = _unique(
            Area.objects.filter(kind=Area.Kind.PROVINCE, name_key=addresses.area_key(province_name))
        )
        if province_area is None:
            return parsed, None  # an il we have no boundaries for
    # A typed ilçe we do not know (or a misread one) narrows nothing; one we know must hold the mahalle.
    district_area = _district(addresses.area_key(parsed.district), province_area) if parsed.district else None
    area = _find_mahalle(" ".join(words), district_area, province_area)
    for split in range(1, len(words)):
        if area is not None or parsed.district:
            break
        district_area = _district(" ".join(words[:split]), province_area)
        if district_area is not None:
            area = _find_mahalle(" ".join(words[split:]), district_area, province_area)
    if area is None:
        return parsed, None
    district = area.parent
    il = district.parent if district is not None else None
    return replace(
        parsed,
        neighbourhood=area.display_name,
        district=district.display_name if district else parsed.district,
        province=il.display_name if il else parsed.province,
    ), area
