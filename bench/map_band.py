"""The task map's finest cell band (16, kentmasa.reports.cells) on a generated database: its size, what it
saves a map block at zooms 14-16, and what its trigger costs an intake.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench10m .venv/bin/python bench/map_band.py

The database is bench/generate.py's (not topped up here). Prints:

- rows per band in ``reports_mapcell`` and the table's size on disk;
- for the blocks a 1280 × 800 map over central Adana asks for (8 × 8 cells each, as map_blocks.js) at zooms
  13 to 16: each block's answer from the cells and from the live query (the same answer, checked), median
  and slowest block in milliseconds, for the institution's administrator with no filter and with
  "overdue only";
- one case inserted, timed in a transaction that is rolled back at the end (nothing is kept: savepoints
  per insert), with the cells' trigger function keeping bands 7/10/13/16, only 7/10/13, and nothing.

BENCH_LIVE_BLOCKS (6): how many of the densest blocks are also counted live; BENCH_MAP_BAND_BLOCKS=0 skips
the blocks.
"""

import importlib.util
import math
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_generate", Path(__file__).with_name("generate.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/generate.py cannot be loaded")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

from django.db import connection, transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases.models import Case  # noqa: E402
from kentmasa.directory.models import Institution, Unit, User  # noqa: E402
from kentmasa.reports import cells, maps  # noqa: E402

SCREEN = (1280, 800)
CENTRE = (35.3213, 37.0000)  # Adana, by the Taşköprü
BLOCK = 8
LIVE_BLOCKS = int(os.environ.get("BENCH_LIVE_BLOCKS", "6"))  # the live query is slow at 10M: the densest few


def blocks(zoom: int) -> list[maps.BBox]:
    per_pixel = 360.0 / (256 * 2**zoom)
    half_lon = SCREEN[0] / 2 * per_pixel
    half_lat = SCREEN[1] / 2 * per_pixel * math.cos(math.radians(CENTRE[1]))
    cell = maps.cell_size(zoom)
    size = cell * BLOCK
    return [
        maps.BBox(
            x * size + cell / 2, y * size + cell / 2, (x + 1) * size - cell / 2, (y + 1) * size - cell / 2
        )
        for x in range(
            math.floor((CENTRE[0] - half_lon) / size), math.floor((CENTRE[0] + half_lon) / size) + 1
        )
        for y in range(
            math.floor((CENTRE[1] - half_lat) / size), math.floor((CENTRE[1] + half_lat) / size) + 1
        )
    ]


def ms(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def sizes() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT zoom, COUNT(*) FROM "{cells.CELLS}" GROUP BY zoom ORDER BY zoom')  # noqa: S608
        rows = cursor.fetchall()
        total = ""
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [cells.CELLS])
            total = f", {cursor.fetchone()[0]} with its index"
    print(f"map cell rows per band ({'; '.join(f'{z}: {n:,}' for z, n in rows)}){total}")
    print(f"bands being filled: {sorted(cells.filling()) or 'none'}")


def block_times(user: User) -> None:
    now = timezone.now()
    print(
        f"\nmap blocks of a {SCREEN[0]}×{SCREEN[1]} map over central Adana, ms per block (live: the densest)"
    )
    print(
        f"{'zoom':>4} {'filter':<9} {'blocks':>6} {'cells med':>10} {'cells max':>10} "
        f"{'live med':>9} {'live max':>9}"
    )
    for zoom in (13, 14, 15, 16):
        for label, filters in (("none", {}), ("overdue", {"overdue": "on"})):
            data = QueryDict(mutable=True)
            data.update(filters)
            form = maps.MapFilterForm(data or None, user=user)
            form.is_valid()
            timed = []
            for box in blocks(zoom):
                took, answer = ms(partial(cells.clusters, user, form, box, zoom, now))
                timed.append((took, box, answer))
            if any(answer is None for _, _, answer in timed):
                print(f"{zoom:>4} {label:<9} the cells do not serve this zoom (band missing or being filled)")
                continue
            densest = sorted(timed, key=lambda t: -t[2]["total"])[:LIVE_BLOCKS]
            live = []
            for _, box, answer in densest:
                cases = maps.filtered_cases(user, form, now)
                took, result = ms(partial(maps.clusters, cases, box, zoom, now))
                if result != answer:
                    raise SystemExit(f"zoom {zoom} {label}: the cells and the live query differ for {box}")
                live.append(took)
            cell_ms = [t for t, _, _ in timed]
            print(
                f"{zoom:>4} {label:<9} {len(timed):>6} {statistics.median(cell_ms):10.1f} "
                f"{max(cell_ms):10.1f} {statistics.median(live):9.1f} {max(live):9.1f}"
            )


def intake_cost(institution: Institution) -> None:
    if connection.vendor != "postgresql":
        print("\n(trigger cost: PostgreSQL only here; bench/map.py measures it on SQLite)")
        return
    unit = Unit.objects.filter(institution=institution).order_by("pk").first()
    lat, lon = "37.000100", "35.321300"
    now = timezone.now()

    def per_insert(count: int = 200) -> float:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            with transaction.atomic():
                Case.objects.create(
                    institution=institution,
                    channel="phone",
                    subject="Ölçüm",
                    unit=unit,
                    received_at=now,
                    due_at=now,
                    verification_code="000000",
                    latitude=lat,
                    longitude=lon,
                    province="Adana",
                    district="Seyhan",
                    neighbourhood="Ölçüm Mh.",
                )
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    bands = cells.BANDS
    results = {}
    with transaction.atomic(), connection.cursor() as cursor:  # rolled back: nothing is kept
        results["7, 10, 13, 16"] = per_insert()
        cells.BANDS = tuple(b for b in bands if b != 16)
        try:
            cursor.execute(cells.function_sql("postgresql"))
        finally:
            cells.BANDS = bands
        results["7, 10, 13"] = per_insert()
        # A function that writes nothing (ALTER TABLE … DISABLE TRIGGER is refused with the inserts' deferred
        # foreign-key checks pending): the trigger's call left, its rows (cells and place rollups) gone.
        cursor.execute(
            "CREATE OR REPLACE FUNCTION reports_cells_case() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ "
            "LANGUAGE plpgsql"
        )
        results["nothing (empty function)"] = per_insert()
        transaction.set_rollback(True)
    print("\none located case inserted (median of 200, ms; rolled back)")
    for label, value in results.items():
        print(f"  cells' trigger keeping {label:<20} {value:7.2f}")
    print(f"  band 16 adds {results['7, 10, 13, 16'] - results['7, 10, 13']:+.2f} ms per intake")


def main() -> None:
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    print(f"map band benchmark on {connection.vendor}, cases up to key {top:,}")
    institution = Institution.objects.get(slug=generate.SLUG)
    user = User(institution=institution, role=User.Role.ADMINISTRATOR, username="bench-map-band")
    sizes()
    if os.environ.get("BENCH_MAP_BAND_BLOCKS", "1") == "1":
        block_times(user)
    intake_cost(institution)
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
