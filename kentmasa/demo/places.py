"""The real neighbourhoods the demo's cases lie in: the mahalles of an il from the tr-admin GeoJSON under
SHARED_DIR/data/tr-admin (places.toml names the files), each able to give a random point inside itself.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from shapely.geometry import Point, shape

from kentmasa.demo.tables import PLACES, DemoError


@dataclass
class Mahalle:
    province: str
    district: str
    name: str
    boundary: dict  # the GeoJSON geometry (Polygon or MultiPolygon)

    @functools.cached_property
    def geometry(self) -> Any:
        # Built on first use: the demo touches a few hundred of the il's mahalles, not all of them.
        return shape(self.boundary)

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """(latitude, longitude), six decimals as cases store them, strictly inside the boundary."""
        min_x, min_y, max_x, max_y = self.geometry.bounds
        for _ in range(500):
            lon = round(rng.uniform(min_x, max_x), 6)
            lat = round(rng.uniform(min_y, max_y), 6)
            if self.geometry.contains(Point(lon, lat)):
                return lat, lon
        inside = self.geometry.representative_point()
        return round(inside.y, 6), round(inside.x, 6)

    @property
    def spoken_name(self) -> str:
        """ "Sarıyakup Mh." → "Sarıyakup Mahallesi", for case texts."""
        for short in (" Mh.", " Mah."):
            if self.name.endswith(short):
                return self.name[: -len(short)] + " Mahallesi"
        return self.name


def data_dir() -> Path:
    """The tr-admin folder under SHARED_DIR."""
    return Path(settings.SHARED_DIR) / "data" / "tr-admin"


def _read_geojson(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            features: list[dict] = json.load(handle)["features"]
            return features
    except OSError as error:
        raise DemoError(f"{path} okunamadı: {error.strerror}") from error


@functools.cache
def _district_names() -> dict[tuple[int, int], str]:
    """(il plate code, ilçe id) → ilçe name; the mahalle features carry only the ids."""
    return {
        (feature["properties"].get("cityId"), feature["properties"]["id"]): feature["properties"]["name"]
        for feature in _read_geojson(data_dir() / PLACES["districts_file"])
    }


def load_mahalleler(key: str) -> tuple[list[Mahalle], list[Mahalle]]:
    """The mahalles of one il of places.toml ("adana"), split into central districts and the rest."""
    province = PLACES["province"][key]
    central, file_name = province["central"], province["file"]
    districts = _district_names()
    inner: list[Mahalle] = []
    outer: list[Mahalle] = []
    for feature in _read_geojson(data_dir() / file_name):
        props = feature["properties"]
        district = districts.get((province["city_id"], props.get("townId")), "")
        mahalle = Mahalle(province["name"], district, props["name"], feature["geometry"])
        (inner if district in central else outer).append(mahalle)
    if not inner:
        raise DemoError(f"{file_name}: {', '.join(central)} ilçelerinde mahalle bulunamadı")
    return inner, outer
