"""Benchmark of the task map: the server-side grid clusters and the mahalle layer over a million cases.

    .venv/bin/python bench/map.py                    # SQLite, var/bench.sqlite3 (1 000 000 cases)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench .venv/bin/python bench/map.py
    BENCH_MAP_INDEXES=0 .venv/bin/python bench/map.py  # without adding the suggested indexes

The cases are the ones bench/run.py generates (its populate() is reused and tops them up). Cases without a
location are given one here: a mahalle of Adana from the tr-admin GeoJSON (four in five in the four central
ilçes) and a random point inside its boundary, with the province, district and mahalle names intake would
have filled in. Prints, for a 1280 × 800 pixel screen over central Adana at zoom 10, 13 and 16, the median
milliseconds of the cluster query and the rows it returns, then the mahalle layer's measures; then the
whole-city map (zoom 10, 13 and 15), the mahalle layer and the wall screen counted live against read from the
rollups (kentmasa.reports.cells), uncompacted and compacted, and what the cells' triggers cost an intake.
"""

import datetime as dt
import importlib.util
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("BENCH_CASES", "1000000")
# bench/run.py sets up Django on the bench database and knows how to generate the cases.
_spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).with_name("run.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/run.py cannot be loaded")
bench_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_run)
# bench/generate.py places the generated cases: Adana's mahalles and random points inside them.
_spec = importlib.util.spec_from_file_location("bench_generate", Path(__file__).with_name("generate.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/generate.py cannot be loaded")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

from django.db import connection, models, transaction  # noqa: E402
from django.db.models import Count, F, Min, Q, QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Status  # noqa: E402
from kentmasa.cases.views.queue import overdue_q  # noqa: E402
from kentmasa.directory.models import Institution, Unit, User  # noqa: E402
from kentmasa.places.models import Area  # noqa: E402
from kentmasa.reports import cells, mahalle_page, maps, neighbourhoods, rollups, wallboard  # noqa: E402
from kentmasa.reports.models import MapCell, PlaceRollup  # noqa: E402

CENTRAL = {"Seyhan", "Yüreğir", "Çukurova", "Sarıçam"}
SCREEN = (1280, 800)  # pixels
CENTRE = (35.3213, 37.0000)  # lon, lat: Adana, by the Taşköprü
BATCH = 20_000
BLOCK = 8  # cells per side of the blocks the map asks for


def locate_cases() -> None:
    """Give every case without a location one in Adana, as intake's geocoder would have."""
    missing = list(Case.objects.filter(latitude__isnull=True).order_by("pk").values_list("pk", flat=True))
    if not missing:
        return
    print(f"  placing {len(missing):,} cases in Adana's mahalles", flush=True)
    rng = np.random.default_rng(len(missing))
    mahalles = generate.adana_mahalles()
    weights = np.array([4.0 if district in CENTRAL else 1.0 for district, _, _ in mahalles])
    # A few busy mahalles, as real cities have: some get ten times the share of the others.
    weights[rng.choice(len(mahalles), size=40, replace=False)] *= 10
    picks = rng.choice(len(mahalles), size=len(missing), p=weights / weights.sum())
    rows = []
    for index in np.unique(picks):
        district, name, geometry = mahalles[index]
        where = np.flatnonzero(picks == index)
        for position, (lon, lat) in zip(
            where, generate.points_inside(geometry, len(where), rng), strict=True
        ):
            rows.append((round(lat, 6), round(lon, 6), "Adana", district, name, missing[position]))
    rows.sort(key=lambda row: row[-1])
    table = Case._meta.db_table
    # S608: the table name is the model's own, the values are parameters.
    sql = (
        f"UPDATE {table} SET latitude = %s, longitude = %s, province = %s, district = %s, "  # noqa: S608
        "neighbourhood = %s WHERE id = %s"
    )
    started = time.perf_counter()
    # The cells' triggers off meanwhile (a million updates would each append their delta rows); the rollups
    # are counted again from the located cases afterwards.
    rollups.uninstall_cells()
    try:
        if connection.vendor == "postgresql":
            # One UPDATE … FROM a table COPY filled: row by row PostgreSQL places about a thousand a second.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMPORARY TABLE bench_places (latitude numeric(9, 6), longitude numeric(9, 6), "
                    "province text, district text, neighbourhood text, id bigint) ON COMMIT DROP"
                )
                with cursor.copy("COPY bench_places FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"UPDATE {table} c SET latitude = p.latitude, longitude = p.longitude, "  # noqa: S608
                    "province = p.province, district = p.district, neighbourhood = p.neighbourhood "
                    "FROM bench_places p WHERE c.id = p.id"
                )
            print(f"  located {len(rows):,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
        else:
            for start in range(0, len(rows), BATCH):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(sql, rows[start : start + BATCH])
                done = min(start + BATCH, len(rows))
                print(f"  located {done:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        rollups.reinstall()
        rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def screen_box(zoom: int) -> maps.BBox:
    """What a SCREEN-sized map centred on CENTRE shows at ``zoom`` (web Mercator, near enough)."""
    degrees_per_pixel = 360.0 / (256 * 2**zoom)
    half_lon = SCREEN[0] / 2 * degrees_per_pixel
    half_lat = SCREEN[1] / 2 * degrees_per_pixel * np.cos(np.radians(CENTRE[1]))
    return maps.BBox(CENTRE[0] - half_lon, CENTRE[1] - half_lat, CENTRE[0] + half_lon, CENTRE[1] + half_lat)


def screen_blocks(zoom: int) -> list[maps.BBox]:
    """The blocks of BLOCK × BLOCK cells the map asks for to cover the screen (see kentmasa/map.js)."""
    cell = maps.cell_size(zoom)
    size = cell * BLOCK
    box = screen_box(zoom)
    return [
        maps.BBox(
            x * size + cell / 2, y * size + cell / 2, (x + 1) * size - cell / 2, (y + 1) * size - cell / 2
        )
        for x in range(math.floor(box.min_lon / size), math.floor(box.max_lon / size) + 1)
        for y in range(math.floor(box.min_lat / size), math.floor(box.max_lat / size) + 1)
    ]


def resolve_cases() -> None:
    """Resolved and closed cases get an answer time, 0 to 30 days after receipt (most within days)."""
    missing = Case.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=True)
    if not missing.exists():
        return
    print("  giving the resolved cases their answer times", flush=True)
    table = Case._meta.db_table
    if connection.vendor == "postgresql":
        later = "received_at + random() * random() * interval '30 days'"
    else:
        seconds = "(abs(random()) % 2592000) * (abs(random()) % 1000) / 1000"
        later = f"datetime(received_at, '+' || ({seconds}) || ' seconds')"
    with transaction.atomic(), connection.cursor() as cursor:
        # S608: the table name is the model's own, the expression one of the two constants above.
        cursor.execute(
            f"UPDATE {table} SET resolved_at = {later} WHERE status IN ('resolved', 'closed') "  # noqa: S608
            "AND resolved_at IS NULL"
        )
        cursor.execute("ANALYZE")


def load_areas(institution: Institution) -> None:
    """Adana's il, ilçe and mahalle boundaries, and the bench institution made Adana's municipality."""
    if institution.province != "Adana":
        Institution.objects.filter(pk=institution.pk).update(province="Adana")
        institution.refresh_from_db()
    generate.load_adana_areas()


# The indexes suggested for kentmasa.cases.models.Case (see the README). Until a migration has them the
# bench adds them to its own database, under names of its own, so a later migration cannot collide.
SUGGESTED_INDEXES = {
    # The grid clusters: a box of latitude and longitude, and everything the counts read, in the index.
    "bench_case_map": [
        "institution",
        "latitude",
        "longitude",
        "unit",
        "status",
        "due_at",
        "overdue_since",
        "paused_at",
        "id",
    ],
    # The mahalle layer and page: grouped and found by the place texts; the counts and the resolution
    # times read from the index alone.
    "bench_case_mahalle": [
        "institution",
        "province",
        "district",
        "neighbourhood",
        "unit",
        "status",
        "due_at",
        "overdue_since",
        "paused_at",
        "received_at",
        "resolved_at",
    ],
}


def add_suggested_indexes() -> None:
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        have = {
            tuple(found["columns"])
            for found in connection.introspection.get_constraints(cursor, table).values()
            if found["index"]
        }
    for name, fields in SUGGESTED_INDEXES.items():
        columns = tuple(_column(field) for field in fields)
        if columns in have:
            continue
        print(f"  adding index {name} ({', '.join(columns)})", flush=True)
        with connection.schema_editor() as editor:
            editor.add_index(Case, models.Index(fields=fields, name=name))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _column(name: str) -> str:
    field = Case._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{name} is no column of Case")
    return field.column


def timed(function: Callable[[], T], repeat: int = 7) -> tuple[float, T]:
    runs, results = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        results.append(function())
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000, results[-1]


def cluster_figures(cases: QuerySet[Case], one_unit: QuerySet[Case]) -> None:
    print("grid clusters for a 1280 × 800 screen over central Adana; median of 7 runs, milliseconds")
    print(
        f"{'zoom':>4} {'scope':<12} {'one query':>10} {'rows':>5} {'blocks':>7} {'slowest':>8} {'all':>8} "
        f"{'cases in view':>14}"
    )
    for zoom in (10, 13, 16):
        box = screen_box(zoom)
        blocks = screen_blocks(zoom)
        for scope, queryset in (("institution", cases), ("one unit", one_unit)):
            whole, result = timed(partial(maps.clusters, queryset, box, zoom))
            per_block = [
                timed(partial(maps.clusters, queryset, block, zoom), repeat=3)[0] for block in blocks
            ]
            rows = len(result["clusters"]) + len(result["points"])
            print(
                f"{zoom:>4} {scope:<12} {whole:10.1f} {rows:>5} {len(blocks):>7} {max(per_block):8.1f} "
                f"{sum(per_block):8.1f} {result['total']:>14,}"
            )


def mahalle_figures(institution: Institution, cases: QuerySet[Case]) -> None:
    user = User(institution=institution, role=User.Role.ADMINISTRATOR)
    now = timezone.now()
    print("\nthe mahalle layer (833 mahalles) and the busiest mahalle's page; median of 5 runs, milliseconds")
    gazetteer_ms, gazetteer = timed(neighbourhoods.Gazetteer, repeat=5)
    print(f"  {'gazetteer (all mahalles, one query)':<52} {gazetteer_ms:9.1f}")
    figures: dict[int, neighbourhoods.MahalleFigures] = {}
    for measure in ("count", "median_days"):
        ms, (figures, unmatched) = timed(
            partial(
                neighbourhoods.figures_by_mahalle,
                cases,
                now,
                durations=measure == "median_days",
                gazetteer=gazetteer,
            ),
            repeat=5,
        )
        label = f"figures per mahalle, {measure}"
        print(f"  {label:<52} {ms:9.1f}   ({len(figures)} mahalles, {unmatched} unmatched)")
    areas = neighbourhoods.layer_areas(user, figures)
    neighbourhoods._boundaries.clear()
    cold, _ = timed(lambda: neighbourhoods.simplified_boundaries(areas, 12), repeat=1)
    warm, shapes = timed(lambda: neighbourhoods.simplified_boundaries(areas, 12), repeat=5)
    size = len(json.dumps(shapes)) / 1024
    print(f"  {'boundaries simplified for zoom 12, first time':<52} {cold:9.1f}   ({size:.0f} kB of GeoJSON)")
    print(f"  {'boundaries simplified for zoom 12, from memory':<52} {warm:9.1f}")
    busiest = max(figures.values(), key=lambda f: f.count)
    area = Area.objects.select_related("parent").get(pk=busiest.area_id)
    here = neighbourhoods.cases_in(cases, area)
    find_ms, _ = timed(lambda: neighbourhoods.cases_in(cases, area).count(), repeat=5)
    print(f"  {'cases of ' + area.display_name + ' (' + format(busiest.count, ',') + ')':<52} {find_ms:9.1f}")
    for name, function in (
        ("  by category", lambda: mahalle_page.by_category(here, now)),
        ("  by week", lambda: mahalle_page.by_week(here, None, None)),
        ("  resolution times", lambda: mahalle_page.resolution_times(here)),
        ("  repeat locations", lambda: mahalle_page.hotspots(here, area, now)),
    ):
        ms, _ = timed(function, repeat=5)
        print(f"  {name:<52} {ms:9.1f}")


def live_board(institution_id: int, now: dt.datetime) -> dict:
    """The wall screen's figures counted from the cases, as wallboard.count_figures did before the rollups
    (the same reference kentmasa/reports/tests/test_cells.py compares with)."""
    today = wallboard.day_start(now)
    active = Q(status__in=ACTIVE_STATUSES)
    measures = {
        "open": Count("pk", filter=active),
        "overdue": Count("pk", filter=overdue_q(now)),
        "today": Count("pk", filter=Q(received_at__gte=today)),
    }
    cases = wallboard.board_cases(institution_id, None).filter(active | Q(received_at__gte=today))
    totals = cases.aggregate(**measures, oldest=Min("received_at", filter=Q(status__in=OPEN_STATUSES)))
    rows = cases.values("unit_id", "unit__name").annotate(**measures)
    rows = rows.order_by("-overdue", "-open", "unit__name")
    return {**totals, "units": list(rows[: wallboard.UNIT_ROWS])}


def per_intake(institution: Institution, count: int = 200) -> float:
    """ms per case inserted in its own transaction (as an intake), located in central Adana."""
    now = timezone.now()
    unit = Unit.objects.filter(institution=institution).order_by("pk")[0]
    made: list[int] = []

    def insert() -> None:
        with transaction.atomic():
            case = Case.objects.create(
                institution=institution,
                channel="phone",
                subject="Ölçüm",
                unit=unit,
                received_at=now,
                due_at=now,
                verification_code="000000",
                latitude=Decimal("37.000123"),
                longitude=Decimal("35.321456"),
                province="Adana",
                district="Seyhan",
                neighbourhood="Ölçüm Mh.",
            )
        made.append(case.pk)

    ms, _ = timed(insert, repeat=count)
    Case.objects.filter(pk__in=made).delete()
    return ms


def rollup_figures(institution: Institution) -> None:
    """Live against the rollups: the whole-city map, the mahalle layer, the wall screen; the trigger cost."""
    user = User(institution=institution, role=User.Role.ADMINISTRATOR, is_active=True)
    now = timezone.now()
    form = maps.MapFilterForm(None, user=user)
    gazetteer = neighbourhoods.Gazetteer.current()
    # What the overdue sweep (every minute) would have done to the generated cases: mark the late ones, so
    # the live part of "overdue" is what it is in service, the cases late since the last sweep (as
    # bench/rollups.py does). The triggers are off meanwhile and the rollups rebuilt after.
    late = rollups.overdue_live(Case.objects.all(), now)
    if late.exists():
        rollups.uninstall_cells()
        with connection.cursor() as cursor:
            for name in rollups.TRIGGERS:
                on = f' ON "{rollups.CASES}"' if connection.vendor == "postgresql" else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        try:
            marked = late.update(overdue_since=F("due_at"))
            print(f"  {marked:,} late cases marked as the sweep would", flush=True)
        finally:
            rollups.install()  # the triggers were missing: reinstalls them and rebuilds
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The partial index of the unswept cases kept the entries of every case marked at once: the
                # sweep marks a few a minute and autovacuum clears them; here PostgreSQL would otherwise
                # not choose the bloated index and scan the table instead.
                cursor.execute(f"REINDEX INDEX {rollups.JUST_LATE_INDEX}")
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")
    print("live against the rollups (kentmasa.reports.cells); median of 5 runs, milliseconds")

    def same(rolled: object, live: object, what: str) -> None:
        if rolled != live:
            raise SystemExit(f"{what}: the rollups differ from the live count")

    def live_clusters(box: maps.BBox, zoom: int) -> dict:
        return maps.clusters(maps.filtered_cases(user, form, now), box, zoom, now)

    def live_areas() -> tuple:
        cases = maps.filtered_cases(user, form, now)
        return neighbourhoods.figures_by_mahalle(cases, now, durations=False, gazetteer=gazetteer)

    def rolled_areas() -> tuple:
        return neighbourhoods.add_up(cells.mahalle_rows(user, form, now) or [], gazetteer)

    def measures(label: str) -> list[tuple[str, float, float]]:
        out = []
        for zoom in (10, 13, 15):
            box = screen_box(zoom)
            live_ms, live = timed(partial(live_clusters, box, zoom), repeat=5)
            cell_ms, rolled = timed(partial(cells.clusters, user, form, box, zoom, now), repeat=5)
            same(rolled, live, f"task map at zoom {zoom}")
            out.append((f"task map, whole city, zoom {zoom} ({live['total']:,} cases)", live_ms, cell_ms))
        live_ms, live_result = timed(live_areas, repeat=5)
        cell_ms, rolled_result = timed(rolled_areas, repeat=5)
        same(rolled_result, live_result, "mahalle layer")
        out.append(("mahalle layer, count per mahalle", live_ms, cell_ms))
        live_ms, reference = timed(partial(live_board, institution.pk, now), repeat=5)
        cell_ms, board = timed(partial(wallboard.count_figures, institution.pk, None, now), repeat=5)
        same(
            [board[k] for k in ("open", "overdue", "today")],
            [reference[k] for k in ("open", "overdue", "today")],
            "wall screen",
        )
        out.append(("wall screen, whole institution", live_ms, cell_ms))
        print(f"  {label}: {MapCell.objects.count():,} cell rows, {PlaceRollup.objects.count():,} place rows")
        return out

    # Delta rows as many as the triggers leave before a compaction: a rebuild leaves one row per key, so
    # make the table as long as one delta row per case and band would (rows of zeros, as bench/rollups.py).
    with connection.cursor() as cursor:
        for zoom in cells.BANDS:
            cursor.execute(
                f'INSERT INTO "{cells.CELLS}" (institution_id, unit_id, category_id, "group", zoom, cell_y, '  # noqa: S608
                f"cell_x, cases, lat, lon, ids) SELECT c.institution_id, c.unit_id, c.category_id, "
                f"'other', {zoom}, 0, 0, 0, 0, 0, 0 FROM {rollups.CASES} c"
            )
        cursor.execute(
            f'INSERT INTO "{cells.PLACES}" (institution_id, unit_id, category_id, channel, province, '  # noqa: S608
            "district, neighbourhood, cases, open, late) SELECT c.institution_id, c.unit_id, c.category_id, "
            f'c.channel, c.province, c.district, c.neighbourhood, 0, 0, 0 FROM "{rollups.CASES}" c'
        )
        cursor.execute("ANALYZE")
    rows = measures("uncompacted (one delta row per case and band)")
    compact_ms, _ = timed(rollups.compact, repeat=1)
    rows += [(f"{name} [compacted]", live, rolled) for name, live, rolled in measures("compacted")]
    print(f"  {'measure':<60} {'live':>9} {'rollups':>9}")
    for name, live, rolled in rows:
        print(f"  {name:<60} {live:9.1f} {rolled:9.1f}")
    print(f"  {'compaction (all rollups)':<60} {compact_ms:9.1f}")
    rebuild_ms, _ = timed(rollups.rebuild, repeat=1)
    print(f"  {'rebuild_rollups (all rollups)':<60} {rebuild_ms:9.1f}")

    if connection.vendor == "postgresql":  # bench/run.py inserts its own keys: move the sequence past them
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{rollups.CASES}', 'id'), "  # noqa: S608
                f'(SELECT MAX(id) FROM "{rollups.CASES}"))'
            )
    with_all = per_intake(institution)
    rollups.uninstall_cells()
    try:
        without_cells = per_intake(institution)
    finally:
        rollups.reinstall()
    print(f"  {'insert one case, all triggers':<60} {with_all:9.2f}")
    print(f"  {'insert one case, without the cells triggers':<60} {without_cells:9.2f}")
    print(f"  the cells' triggers add {with_all - without_cells:+.2f} ms per intake")
    rollups.rebuild()


def main() -> None:
    print(f"kentmasa map benchmark on {connection.vendor}, {bench_run.N:,} cases")
    bench_run.populate()
    locate_cases()
    live_sections = os.environ.get("BENCH_MAP_LIVE", "1") == "1"
    if live_sections:  # the answer times only matter to the median measure there
        resolve_cases()
    institution = Institution.objects.get(slug="bench")
    load_areas(institution)
    if os.environ.get("BENCH_MAP_INDEXES", "1") == "1":
        add_suggested_indexes()
    cases = Case.objects.filter(institution=institution)
    one_unit = cases.filter(unit_id__in=[Unit.objects.filter(institution=institution).order_by("pk")[0].pk])
    located = cases.filter(latitude__isnull=False).count()
    print(f"{located:,} located cases\n")
    if live_sections:
        cluster_figures(cases, one_unit)
        mahalle_figures(institution, cases)
    rollup_figures(institution)


if __name__ == "__main__":
    main()
