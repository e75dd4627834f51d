"""Load administrative areas from GeoJSON of the tr-admin form (properties name, type, id, cityId, townId).

Safe to run again: areas are matched by (kind, code) and written only when something differs, so a
second run of the same file changes nothing. Features that cannot be used are skipped and reported
with the reason; a boundary that is not valid is repaired with shapely.make_valid when that gives an
area. One file is one transaction: it loads whole or not at all.
"""

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from django.utils import timezone
from shapely.geometry import GeometryCollection
from shapely.geometry.base import BaseGeometry

from kentmasa.lib import turkish
from kentmasa.places import address, geocode
from kentmasa.places.models import Area

KIND_OF_TYPE: dict[str, str] = {
    "city": Area.Kind.PROVINCE,
    "il": Area.Kind.PROVINCE,
    "province": Area.Kind.PROVINCE,
    "town": Area.Kind.DISTRICT,
    "ilce": Area.Kind.DISTRICT,
    "district": Area.Kind.DISTRICT,
    "quarter": Area.Kind.NEIGHBOURHOOD,
    "mahalle": Area.Kind.NEIGHBOURHOOD,
    "neighbourhood": Area.Kind.NEIGHBOURHOOD,
    "village": Area.Kind.NEIGHBOURHOOD,
}
PARENT_KIND: dict[str, str] = {
    Area.Kind.DISTRICT: Area.Kind.PROVINCE,
    Area.Kind.NEIGHBOURHOOD: Area.Kind.DISTRICT,
}
# A file may hold several kinds; parents are written before their children.
KIND_RANK: dict[str, int] = {Area.Kind.PROVINCE: 0, Area.Kind.DISTRICT: 1, Area.Kind.NEIGHBOURHOOD: 2}
FIELDS = [
    "name",
    "display_name",
    "name_key",
    "parent_id",
    "province_code",
    "geometry",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "centroid_lat",
    "centroid_lon",
    "population",
    "source",
]


class AreaFileError(Exception):
    """The file cannot be read at all (missing, not JSON, not a FeatureCollection)."""


@dataclass(frozen=True)
class Skipped:
    number: int  # the feature's position in the file, from 1
    name: str
    code: str
    reason: str  # one of REASONS
    detail: str = ""


REASONS = {
    "no-id": "kimlik (id) yok",
    "no-name": "ad (name) yok",
    "unknown-type": "tür (type) bilinmiyor",
    "other-kind": "istenen türden değil",
    "no-city": "il kodu (cityId) yok",
    "no-geometry": "sınır (geometry) yok",
    "not-an-area": "sınır bir alan değil",
    "bad-geometry": "sınır okunamadı",
    "invalid-geometry": "sınır geçersiz ve onarılamadı",
    "unknown-parent": "bağlı olduğu birim yüklenmemiş",
    "duplicate": "aynı kimlik dosyada ikinci kez geçiyor",
}


@dataclass
class ImportReport:
    path: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[str] = field(default_factory=list)  # names of areas whose boundary was made valid
    skipped: list[Skipped] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)  # areas read per kind
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _polygonal(geometry: BaseGeometry | None) -> BaseGeometry | None:
    """The area part of a geometry (make_valid may return a collection with stray lines or points)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if isinstance(geometry, GeometryCollection):
        parts = [part for part in geometry.geoms if part.geom_type in ("Polygon", "MultiPolygon")]
        if parts:
            return shapely.union_all(parts)
    return None


def _centre(given: Any, geometry: BaseGeometry) -> tuple[float, float]:
    """(lon, lat) of the source's centre point when it gives a usable one, else a point inside the area."""
    try:
        lon, lat = (float(value) for value in given)
        if math.isfinite(lon) and math.isfinite(lat):
            return lon, lat
    except (TypeError, ValueError):
        pass
    point = geometry.centroid if geometry.centroid.within(geometry) else geometry.point_on_surface()
    return point.x, point.y


class _Importer:
    def __init__(self, kind: str | None, source: str, report: ImportReport):
        self.kind = kind
        self.source = source
        self.report = report
        self.codes: dict[tuple[str, str | None], int] = dict(
            ((kind_, code), pk) for pk, kind_, code in Area.objects.values_list("pk", "kind", "code")
        )
        self.province_codes: dict[int, str] = dict(Area.objects.values_list("pk", "province_code"))

    def skip(self, number: int, props: dict, reason: str, detail: str = "") -> None:
        self.report.skipped.append(
            Skipped(number, _text(props.get("name")), _text(props.get("id")), reason, detail)
        )

    def read(self, number: int, feature: dict) -> tuple[str, dict] | None:
        """The kind and field values of one feature, or None when it is skipped."""
        props = feature.get("properties") or {}
        kind = KIND_OF_TYPE.get(turkish.fold(_text(props.get("type"))))
        if self.kind:
            if kind is not None and kind != self.kind:
                self.skip(number, props, "other-kind", _text(props.get("type")))
                return None
            kind = self.kind
        if kind is None:
            self.skip(number, props, "unknown-type", _text(props.get("type")))
            return None
        code, name = _text(props.get("id")), _text(props.get("name"))
        if not code:
            self.skip(number, props, "no-id")
            return None
        if not name:
            self.skip(number, props, "no-name")
            return None
        city = _text(props.get("cityId")) or (code if kind == Area.Kind.PROVINCE else "")
        if not city.isdigit():
            self.skip(number, props, "no-city")
            return None
        raw = feature.get("geometry")
        if not raw:
            self.skip(number, props, "no-geometry")
            return None
        try:
            stored = json.dumps(raw, separators=(",", ":"))
            geometry = shapely.from_geojson(stored)
        except (shapely.errors.GEOSException, ValueError, TypeError) as error:
            self.skip(number, props, "bad-geometry", str(error)[:120])
            return None
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            self.skip(number, props, "not-an-area", geometry.geom_type)
            return None
        if not geometry.is_valid or _polygonal(geometry) is None:
            # "structure" rebuilds the rings as areas: on these boundaries it is five times faster than the
            # default "linework" and keeps the same area to a millionth.
            repaired = _polygonal(shapely.make_valid(geometry, method="structure", keep_collapsed=False))
            if repaired is None:
                repaired = _polygonal(shapely.make_valid(geometry))
            if repaired is None:
                self.skip(number, props, "invalid-geometry", shapely.is_valid_reason(geometry))
                return None
            self.report.repaired.append(name)
            geometry = repaired
            stored = shapely.to_geojson(geometry)
        centroid_lon, centroid_lat = _centre(props.get("centroid"), geometry)
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        population = props.get("population")
        return kind, {
            "code": code,
            "city": city,
            "town": _text(props.get("townId")),
            "name": name,
            "display_name": address.area_display_name(name),
            "name_key": address.area_key(name),
            "province_code": city.zfill(2),
            "geometry": stored,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "centroid_lat": centroid_lat,
            "centroid_lon": centroid_lon,
            "population": int(population)
            if isinstance(population, int | float) and population >= 0
            else None,
            "source": self.source,
        }

    def parent_code(self, kind: str, values: dict) -> str | None:
        if kind == Area.Kind.DISTRICT:
            return str(values["city"])
        if kind == Area.Kind.NEIGHBOURHOOD:
            return str(values["town"])
        return None

    def write(self, rows: list[tuple[int, str, dict]]) -> None:
        """Upsert one kind's rows (parents are in place: their kind was written first)."""
        if not rows:
            return
        kind = rows[0][1]
        existing = {
            area.code: area for area in Area.objects.filter(kind=kind, code__in=[v["code"] for *_, v in rows])
        }
        new, changed = [], []
        now = timezone.now()
        for number, _, values in rows:
            parent_id = None
            if kind in PARENT_KIND:
                parent_code = self.parent_code(kind, values)
                parent_id = self.codes.get((PARENT_KIND[kind], parent_code))
                if parent_id is None:
                    self.skip(
                        number,
                        {"name": values["name"], "id": values["code"]},
                        "unknown-parent",
                        f"{PARENT_KIND[kind]} {parent_code}",
                    )
                    continue
                if self.province_codes.get(parent_id, values["province_code"]) != values["province_code"]:
                    self.skip(
                        number,
                        {"name": values["name"], "id": values["code"]},
                        "unknown-parent",
                        f"{PARENT_KIND[kind]} {parent_code} başka ilde",
                    )
                    continue
            fields = {name: values[name] for name in FIELDS if name != "parent_id"}
            fields["parent_id"] = parent_id
            area = existing.get(values["code"])
            if area is None:
                new.append(Area(kind=kind, code=values["code"], **fields))
                continue
            differs = [name for name, value in fields.items() if getattr(area, name) != value]
            if differs:
                for name in differs:
                    setattr(area, name, fields[name])
                area.updated_at = now
                changed.append(area)
            else:
                self.report.unchanged += 1
        Area.objects.bulk_create(new, batch_size=200)
        Area.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=200)
        self.report.created += len(new)
        self.report.updated += len(changed)
        for pk, code, province_code in Area.objects.filter(kind=kind).values_list(
            "pk", "code", "province_code"
        ):
            self.codes[(kind, code)] = pk
            self.province_codes[pk] = province_code


def read_features(path: Path) -> list[dict]:
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise AreaFileError(f"{path}: {error.strerror}") from error
    except ValueError as error:
        raise AreaFileError(f"{path}: JSON değil ({error})") from error
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise AreaFileError(f"{path}: GeoJSON FeatureCollection değil")
    features: list[dict[str, Any]] = data["features"]
    return features


def import_features(
    features: Iterable[dict],
    *,
    kind: str | None = None,
    source: str = "",
    path: str = "",
    keep: Callable[[dict], bool] | None = None,
) -> ImportReport:
    """Upsert the features in one transaction. ``keep`` filters on the properties (e.g. one il only)."""
    if kind is not None and kind not in Area.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    started = time.perf_counter()
    report = ImportReport(path=path)
    with transaction.atomic():
        importer = _Importer(kind, source, report)
        rows: list[tuple[int, str, dict]] = []
        seen: set[tuple[str, str]] = set()
        for number, feature in enumerate(features, start=1):
            if keep is not None and not keep(feature.get("properties") or {}):
                continue
            read = importer.read(number, feature)
            if read is None:
                continue
            area_kind, values = read
            if (area_kind, values["code"]) in seen:
                importer.skip(number, {"name": values["name"], "id": values["code"]}, "duplicate")
                continue
            seen.add((area_kind, values["code"]))
            report.by_kind[area_kind] = report.by_kind.get(area_kind, 0) + 1
            rows.append((number, area_kind, values))
        for area_kind in sorted(KIND_RANK, key=KIND_RANK.__getitem__):
            importer.write([row for row in rows if row[1] == area_kind])
    report.skipped.sort(key=lambda skipped: skipped.number)
    # The index notices the new version by itself; dropping it here spares this process the check.
    geocode.invalidate()
    report.seconds = time.perf_counter() - started
    return report


def import_file(
    path: Path | str, *, kind: str | None = None, source: str = "", keep: Callable[[dict], bool] | None = None
) -> ImportReport:
    path = Path(path)
    started = time.perf_counter()
    features = read_features(path)
    report = import_features(features, kind=kind, source=source or path.name, path=str(path), keep=keep)
    report.seconds = time.perf_counter() - started  # reading a large file is much of the time
    return report


FIVE_CITIES = {"1", "26", "34", "38", "46"}  # the cities of ilceler-5-il.geojson


def import_tr_admin(
    data_dir: Path | str, *, cities: Iterable[int], mahalle_files: Iterable[str] = ()
) -> list[ImportReport]:
    """The il and ilçe of the given plate codes and the named mahalle files, from a tr-admin folder."""
    data_dir = Path(data_dir)
    wanted = {str(city) for city in cities}

    def keep(props: dict) -> bool:
        return _text(props.get("cityId")) in wanted

    # The five-city extract reads in a fraction of the time of the whole country's file.
    district_file = data_dir / "ilceler-5-il.geojson"
    if not wanted <= FIVE_CITIES or not district_file.exists():
        district_file = data_dir / "ilceler.geojson"
    reports = [
        import_file(data_dir / "iller.geojson", kind=Area.Kind.PROVINCE, keep=keep),
        import_file(district_file, kind=Area.Kind.DISTRICT, keep=keep),
    ]
    reports.extend(import_file(data_dir / name, kind=Area.Kind.NEIGHBOURHOOD) for name in mahalle_files)
    return reports
