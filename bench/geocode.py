"""Reverse geocoding speed on the real boundaries: how many look-ups a second one process answers.

    .venv/bin/python bench/geocode.py                 # SQLite in var/bench-places.sqlite3
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench .venv/bin/python bench/geocode.py

Loads the il and ilçe of the five demo cities and Adana's 833 mahalles (timing the import and a
second, unchanged import), builds the in-memory index, then times locate() one point at a time and
locate_many() in batches. Half the points are inside a random mahalle, half anywhere in Adana's
bounding box (some in ilçe without mahalle data, some at sea), as intake sees them. Each figure is
the median of several runs.
"""

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-places.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from kentmasa.places import geocode  # noqa: E402
from kentmasa.places.importer import import_tr_admin  # noqa: E402
from kentmasa.places.models import Area  # noqa: E402

POINTS = int(os.environ.get("BENCH_POINTS", "20000"))
RUNS = 5
CITIES = (1, 26, 34, 38, 46)


def load() -> None:
    data = Path(settings.SHARED_DIR) / "data" / "tr-admin"
    for kind in (Area.Kind.NEIGHBOURHOOD, Area.Kind.DISTRICT, Area.Kind.PROVINCE):
        Area.objects.filter(kind=kind).delete()
    for label in ("import", "re-import"):
        started = time.perf_counter()
        reports = import_tr_admin(data, cities=CITIES, mahalle_files=["mahalleler-adana.geojson"])
        seconds = time.perf_counter() - started
        counts = ", ".join(
            f"{Path(r.path).name} {r.created}+{r.updated}~{r.unchanged} ({r.seconds:.2f} s)" for r in reports
        )
        print(f"{label:<10} {seconds:6.2f} s   new+updated~unchanged: {counts}")


def sample_points(rng: random.Random) -> list[tuple[float, float]]:
    mahalles = [
        shapely.from_geojson(text)
        for text in Area.objects.neighbourhoods()
        .filter(province_code="01")
        .order_by("code")
        .values_list("geometry", flat=True)
    ]
    adana = Area.objects.get(kind=Area.Kind.PROVINCE, province_code="01")
    points: list[tuple[float, float]] = []
    while len(points) < POINTS:
        if len(points) % 2:
            points.append(
                (rng.uniform(adana.min_lat, adana.max_lat), rng.uniform(adana.min_lon, adana.max_lon))
            )
            continue
        shape = rng.choice(mahalles)
        west, south, east, north = shape.bounds
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        if shape.contains(shapely.Point(lon, lat)):
            points.append((lat, lon))
    return points


def timed(run: Callable[[], object]) -> float:
    figures = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        figures.append(time.perf_counter() - started)
    return statistics.median(figures)


def main() -> None:
    call_command("migrate", verbosity=0)
    load()
    geocode.invalidate()
    started = time.perf_counter()
    index = geocode.get_index()
    print(f"index      {time.perf_counter() - started:6.2f} s   {len(index)} areas in memory")

    points = sample_points(random.Random(153))
    found = geocode.locate_many(points)
    with_mahalle = sum(1 for location in found if location and location.neighbourhood)
    nowhere = sum(1 for location in found if location is None)
    print(f"points     {len(points)}: {with_mahalle} in a mahalle, {nowhere} outside every loaded area")

    def one_by_one() -> None:
        for lat, lon in points:
            geocode.locate(lat, lon)

    single = timed(one_by_one)
    batch = timed(lambda: geocode.locate_many(points))
    print(
        f"locate      {len(points) / single:>10,.0f} look-ups/s   ({single / len(points) * 1e6:.1f} µs each)"
    )
    print(f"locate_many {len(points) / batch:>10,.0f} look-ups/s   ({batch / len(points) * 1e6:.1f} µs each)")


if __name__ == "__main__":
    main()
