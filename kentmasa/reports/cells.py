"""The task map's whole-city cells, the mahalle layer and the wall screens from rollups kept by triggers.

The same design as the overview's rollups (kentmasa.reports.rollups, read its docstring first): triggers on
the case table append delta rows (+1 for the new state of a case, −1 for the old one) in the writer's
transaction, ``rollups.compact`` sums them per key, ``rollups.rebuild`` (``manage.py rebuild_rollups``)
counts everything again under the same lock, and ``rollups.install`` puts the triggers back after every
migrate. The time-dependent part of "overdue" is handled the same way: the ``late`` part (marked by the
sweep, or paused after the deadline) follows from the row and is summed; the running cases whose deadline
passed since the sweep last looked are counted live through the partial index ``rollup_case_unswept_cover``
(``rollups.overdue_live``), grouped by the same key, and added.

Two tables, not more keys on CaseRollup, because the keys differ and would multiply each other's rows:

- ``MapCell``: per zoom band (:data:`BANDS`), grid cell, institution, unit, category and status group
  (open, late, other). A cell of a coarser zoom is exactly a square of 2^k × 2^k cells of a finer one
  (floor(lat / c) with c = 90° / 2^zoom: dividing by a power of two is exact in floating point), so a
  band serves its own zoom and the zooms down to the next band, summing at most 2^k × 2^k rows per cell.
  Above the highest band (16: a map block there is a few streets wide) cases are drawn one by one
  (maps.POINTS_FROM_ZOOM) from the live, bounded query. A band added later (16 was) is filled from the
  existing cases in batches without blocking intake (:func:`fill`, ``CellFill``); until it is complete the
  map reads it as missing.
  ``lat``/``lon`` are sums in millionths of a degree (exact integers; the live query computes the centre the
  same way, so both give the same centre), ``ids`` the sum of the cases' keys (a cell of one case: its key).
- ``PlaceRollup``: per institution, unit, category, channel and the place texts (province, district,
  mahalle) the mahalle layer groups by (each text matched to an Area in Python, as the live layer does).
  The wall screens read it too: the channel key leaves KADES cases out, the unit key gives the units' rows.
  No day key: received days would multiply the rows by the days (towards one row per case), and none of
  them needs it except the wall screen's "received today", which is counted live over today's cases only
  (the institution's ``case_institution_recent`` index: a day's intake, not the history); the screen's
  oldest waiting case is read through a partial index of the open cases (``rollup_case_open_received``).

What is served from these tables: requests whose filters are only the keyed dimensions (unit, category,
status "all" or "still owed an answer", overdue; for the mahalle layer also the channel) by a reader whose
scope the rollups can express (``rollups.scope_q``: the whole institution, a unit set, a superuser). Any
other filter (a period, one status, another channel on the map), the median measure (medians do not add
up), or a field team's scope goes to the live, bounded query, which gives the same answer.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Count, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Floor

from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case
from kentmasa.reports import maps
from kentmasa.reports.models import CellFill, MapCell, PlaceRollup
from kentmasa.reports.rollups import CASES, _in, late_sql, overdue_live, scope_q

CELLS = MapCell._meta.db_table
PLACES = PlaceRollup._meta.db_table
FILLS = CellFill._meta.db_table
# The zoom bands kept: a request at zoom z reads the smallest band >= z (zoom 11 reads band 13 in squares
# of 4 × 4 cells). Up to zoom 7 a screen shows a region, 10 a city, 13 a district, 16 a few streets (from
# 17 on the map draws single cases, live). Each band costs one delta row per located case and change, and
# (compacted) at most one row per cell, institution, unit, category and group: see the README's figures.
BANDS: tuple[int, ...] = (7, 10, 13, 16)
FILL_BATCH = 250_000  # case keys per transaction when a new band is filled (fill)
CELL_TRIGGERS = ("reports_cells_insert", "reports_cells_update", "reports_cells_delete")
OPEN_INDEX = "rollup_case_open_received"
CELL_KEYS = ("institution_id", "unit_id", "category_id", "group", "zoom", "cell_y", "cell_x")
CELL_FIGURES = ("cases", "lat", "lon", "ids")
PLACE_KEYS = ("institution_id", "unit_id", "category_id", "channel", "province", "district", "neighbourhood")
PLACE_FIGURES = ("cases", "open", "late")
# What these tables key or sum: an update that changes none of these adds no rows.
WATCHED = (
    "institution_id",
    "unit_id",
    "category_id",
    "channel",
    "province",
    "district",
    "neighbourhood",
    "status",
    "clock_stopped_at",
    "overdue_since",
    "due_at",
    "paused_at",
    "latitude",
    "longitude",
)
TABLES = (
    (CELLS, CELL_KEYS, CELL_FIGURES),
    (PLACES, PLACE_KEYS, PLACE_FIGURES),
)


# -- the SQL the triggers and the rebuild share -------------------------------------------------------------


def _cell_sql(column: str, zoom: int, vendor: str) -> str:
    """floor(coordinate / cell) as the live query computes it (maps.clusters: Floor(Cast(float) / cell))."""
    size = repr(maps.cell_size(zoom))
    if vendor == "postgresql":
        return f"CAST(FLOOR(({column})::double precision / {size}::double precision) AS integer)"
    return f"CAST(FLOOR(CAST({column} AS REAL) / {size}) AS INTEGER)"


def group_sql(r: str) -> str:
    return (
        f"CASE WHEN {late_sql(r)} THEN 'late' WHEN {r}.status IN {_in(ACTIVE_STATUSES)} THEN 'open' "
        "ELSE 'other' END"
    )


def _cell_select(r: str, sign: int, zoom: int, vendor: str) -> str:
    """The cell row of the case row ``r`` at the band ``zoom`` (sign ±1), none when it has no location."""
    s = "" if sign > 0 else "-"
    values = [
        f"{r}.institution_id",
        f"{r}.unit_id",
        f"{r}.category_id",
        group_sql(r),
        str(zoom),
        _cell_sql(f"{r}.latitude", zoom, vendor),
        _cell_sql(f"{r}.longitude", zoom, vendor),
        f"{s}1",
        f"{s}{maps.micro_sql(f'{r}.latitude', vendor)}",
        f"{s}{maps.micro_sql(f'{r}.longitude', vendor)}",
        f"{s}{r}.id",
    ]
    return f"SELECT {', '.join(values)} WHERE {r}.latitude IS NOT NULL AND {r}.longitude IS NOT NULL"


def _place_values(r: str, sign: int) -> str:
    s = "" if sign > 0 else "-"
    keys = [f"{r}.{key}" for key in PLACE_KEYS]
    figures = [
        f"{s}1",
        f"{s}(CASE WHEN {r}.status IN {_in(ACTIVE_STATUSES)} THEN 1 ELSE 0 END)",
        f"{s}(CASE WHEN {late_sql(r)} THEN 1 ELSE 0 END)",
    ]
    return "(" + ", ".join(keys + figures) + ")"


def _columns(keys: tuple[str, ...], figures: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in (*keys, *figures))


def function_sql(vendor: str) -> str:
    """PostgreSQL: the trigger function alone. Replacing it changes what the triggers write without
    touching the case table's triggers (no lock on cases_case)."""
    return trigger_sql(vendor)[0]


def _inserts(rows: list[tuple[str, int]], vendor: str) -> str:
    cells = " UNION ALL ".join(_cell_select(r, sign, zoom, vendor) for r, sign in rows for zoom in BANDS)
    places = ", ".join(_place_values(r, sign) for r, sign in rows)
    return (
        f'INSERT INTO "{CELLS}" ({_columns(CELL_KEYS, CELL_FIGURES)}) {cells}; '  # noqa: S608 (our names only)
        f'INSERT INTO "{PLACES}" ({_columns(PLACE_KEYS, PLACE_FIGURES)}) VALUES {places};'
    )


def _changed(vendor: str) -> str:
    operator = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {operator} NEW.{c}" for c in WATCHED)


def trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION reports_cells_case() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {_inserts([('NEW', 1)], vendor)} "
            f"ELSIF TG_OP = 'DELETE' THEN {_inserts([('OLD', -1)], vendor)} "
            f"ELSE {_inserts([('OLD', -1), ('NEW', 1)], vendor)} END IF; "
            "RETURN NULL; END $$ LANGUAGE plpgsql",
            *(f'DROP TRIGGER IF EXISTS {name} ON "{CASES}"' for name in CELL_TRIGGERS),
            f'CREATE TRIGGER reports_cells_insert AFTER INSERT ON "{CASES}" '
            "FOR EACH ROW EXECUTE FUNCTION reports_cells_case()",
            f'CREATE TRIGGER reports_cells_update AFTER UPDATE ON "{CASES}" '
            f"FOR EACH ROW WHEN ({_changed(vendor)}) EXECUTE FUNCTION reports_cells_case()",
            f'CREATE TRIGGER reports_cells_delete AFTER DELETE ON "{CASES}" '
            "FOR EACH ROW EXECUTE FUNCTION reports_cells_case()",
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in CELL_TRIGGERS),
        f'CREATE TRIGGER reports_cells_insert AFTER INSERT ON "{CASES}" '
        f"BEGIN {_inserts([('NEW', 1)], vendor)} END",
        f'CREATE TRIGGER reports_cells_update AFTER UPDATE ON "{CASES}" WHEN {_changed(vendor)} '
        f"BEGIN {_inserts([('OLD', -1), ('NEW', 1)], vendor)} END",
        f'CREATE TRIGGER reports_cells_delete AFTER DELETE ON "{CASES}" '
        f"BEGIN {_inserts([('OLD', -1)], vendor)} END",
    ]


def drop_sql(vendor: str) -> list[str]:
    on = f' ON "{CASES}"' if vendor == "postgresql" else ""
    statements = [f"DROP TRIGGER IF EXISTS {name}{on}" for name in CELL_TRIGGERS]
    if vendor == "postgresql":
        statements.append("DROP FUNCTION IF EXISTS reports_cells_case()")
    return [*statements, f"DROP INDEX IF EXISTS {OPEN_INDEX}"]


def index_body() -> str:
    """The open cases by age (the wall screen's oldest waiting case): a partial index, small. ``CREATE
    INDEX name`` + this, through kentmasa.lib.indexes.create_index."""
    return (
        f'ON "{CASES}" (institution_id, received_at, unit_id, channel) WHERE status IN {_in(OPEN_STATUSES)}'
    )


def tables_exist(connection: BaseDatabaseWrapper) -> bool:
    names = connection.introspection.table_names()
    return CELLS in names and PLACES in names


def _band_sql(vendor: str, zoom: int, where: str) -> str:
    """INSERT … SELECT counting one band's cells from the cases (``where``: on ``c``)."""
    keys = [
        "c.institution_id",
        "c.unit_id",
        "c.category_id",
        group_sql("c"),
        str(zoom),
        _cell_sql("c.latitude", zoom, vendor),
        _cell_sql("c.longitude", zoom, vendor),
    ]
    located = "c.latitude IS NOT NULL AND c.longitude IS NOT NULL"
    lat, lon = maps.micro_sql("c.latitude", vendor), maps.micro_sql("c.longitude", vendor)
    return (
        f'INSERT INTO "{CELLS}" ({_columns(CELL_KEYS, CELL_FIGURES)}) '  # noqa: S608 (our names only)
        f"SELECT {', '.join(keys)}, COUNT(*), SUM({lat}), SUM({lon}), SUM(c.id) "
        f'FROM "{CASES}" c WHERE {located}{" AND " + where if where else ""} '
        f"GROUP BY {', '.join(keys[:3] + keys[5:])}, {keys[3]}"
    )


def rebuild_sql(vendor: str, where: str) -> list[str]:
    """INSERT … SELECT statements counting both tables again from the cases (``where``: on ``c``)."""
    statements = [_band_sql(vendor, zoom, where) for zoom in BANDS]
    keys = [f"c.{key}" for key in PLACE_KEYS]
    statements.append(
        f'INSERT INTO "{PLACES}" ({_columns(PLACE_KEYS, PLACE_FIGURES)}) SELECT {", ".join(keys)}, COUNT(*), '  # noqa: S608
        f"SUM(CASE WHEN c.status IN {_in(ACTIVE_STATUSES)} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {late_sql('c')} THEN 1 ELSE 0 END) "
        f'FROM "{CASES}" c {"WHERE " + where if where else ""} GROUP BY {", ".join(keys)}'
    )
    return statements


# -- a band added to a running installation ------------------------------------------------------------------
#
# The triggers keep a new band from the moment its trigger function is replaced; the cases already there are
# counted by ``fill`` in batches of keys, each in one transaction that sees one snapshot (PostgreSQL:
# REPEATABLE READ): it deletes the band's delta rows of the batch's cases visible in that snapshot and counts
# the cases' state in it, so a change committed before the snapshot is counted once (in the state), and one
# committed after it keeps its delta rows, which start from the state counted. Until the band is complete
# compaction leaves its rows alone, so each delta row is still one case's (``cases`` ±1, ``ids`` ±its key)
# and can be told apart from the counted rows (a counted row of one case has its key in an earlier batch).
# The batches take no lock that intake waits for; the readers treat the band as missing meanwhile.


def filling(connection: BaseDatabaseWrapper = default_connection) -> frozenset[int]:
    """The bands still being filled (CellFill rows)."""
    return frozenset(CellFill.objects.using(connection.alias).values_list("zoom", flat=True))


def _fill_table_exists(connection: BaseDatabaseWrapper) -> bool:
    return FILLS in connection.introspection.table_names()


def lock_fills(cursor: Any, connection: BaseDatabaseWrapper) -> None:
    """PostgreSQL: serialise with fill batches, compaction, rebuild and start_fill (readers go on). First in
    a REPEATABLE READ transaction: LOCK takes no snapshot, so the batch's snapshot follows the wait."""
    if connection.vendor == "postgresql":
        cursor.execute(f'LOCK TABLE "{FILLS}" IN EXCLUSIVE MODE')


def start_fill(zooms: Iterable[int], connection: BaseDatabaseWrapper = default_connection) -> None:
    """Have the triggers keep the bands ``zooms`` (in BANDS) from now on and mark them as being filled, in one
    short transaction. PostgreSQL: only the trigger function is replaced, no lock on the case table; SQLite:
    the triggers are made again (a moment under the write lock). Rows the bands may already have (a rebuild
    by code that knew them) go: ``fill`` counts every case."""
    zooms = sorted(set(zooms))
    if not zooms or not tables_exist(connection):
        return
    unknown = set(zooms) - set(BANDS)
    if unknown:
        raise ValueError(f"not bands of cells.BANDS: {sorted(unknown)}")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        lock_fills(cursor, connection)
        marks = ", ".join(["%s"] * len(zooms))
        cursor.execute(f'DELETE FROM "{CELLS}" WHERE zoom IN ({marks})', zooms)  # noqa: S608 (our names)
        for zoom in zooms:
            CellFill.objects.using(connection.alias).update_or_create(zoom=zoom, defaults={"filled_to": 0})
        if connection.vendor == "postgresql":
            cursor.execute(function_sql(connection.vendor))
        else:
            for statement in trigger_sql(connection.vendor):
                cursor.execute(statement)


def _wait_for_older_writers(connection: BaseDatabaseWrapper, say: Callable[[str], None]) -> None:
    """PostgreSQL: wait until every transaction writing the case table now has ended (one may have written
    a case through the trigger function before it was replaced, and commit later). As CREATE INDEX
    CONCURRENTLY waits: for the holders of a write lock on the table at this moment, not for newer ones,
    nor for transactions elsewhere in the cluster."""
    holders = (
        "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND relation = to_regclass(%s) AND mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', "
        "'ExclusiveLock', 'AccessExclusiveLock') AND pid <> pg_backend_pid()"
    )
    with connection.cursor() as cursor:
        cursor.execute(holders, [CASES])
        waiting = {row[0] for row in cursor.fetchall()}
        waited = 0.0
        while waiting:
            cursor.execute(
                "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE virtualtransaction = ANY(%s)",
                [sorted(waiting)],
            )
            waiting = {row[0] for row in cursor.fetchall()}
            if not waiting:
                return
            if waited % 30 < 0.5:
                say(f"  waiting for {len(waiting)} transaction(s) writing {CASES} ({waited:.0f} s)")
            time.sleep(0.5)
            waited += 0.5


def fill(
    connection: BaseDatabaseWrapper = default_connection,
    batch: int = FILL_BATCH,
    say: Callable[[str], None] = lambda message: None,
) -> int:
    """Count the bands being filled (``start_fill``) from the cases, ``batch`` keys per transaction, and mark
    each complete. Resumes where an interrupted run stopped (``filled_to``). Intake goes on meanwhile.
    Inside a transaction (tests) it runs in that one. Returns the cell rows written."""
    if not tables_exist(connection) or not _fill_table_exists(connection):
        return 0
    zooms = sorted(filling(connection))
    if not zooms:
        return 0
    alias, vendor = connection.alias, connection.vendor
    outside = not connection.in_atomic_block
    if vendor == "postgresql" and outside:
        _wait_for_older_writers(connection, say)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX(id) FROM "{CASES}"')  # noqa: S608 (our names only)
        top = int(cursor.fetchone()[0] or 0)
    written = 0
    started = time.monotonic()
    for zoom in zooms:
        while True:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                if vendor == "postgresql" and outside:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                lock_fills(cursor, connection)
                row = CellFill.objects.using(alias).filter(zoom=zoom).first()
                if row is None:  # a rebuild counted everything meanwhile
                    break
                low = row.filled_to + 1
                high = low + batch  # this batch: keys low <= id < high
                cursor.execute(
                    f'DELETE FROM "{CELLS}" WHERE zoom = %s AND cases IN (1, -1) '  # noqa: S608 (our names only)
                    "AND ABS(ids) >= %s AND ABS(ids) < %s",
                    [zoom, low, high],
                )
                cursor.execute(_band_sql(vendor, zoom, "c.id >= %s AND c.id < %s"), [low, high])
                written += int(cursor.rowcount)
                if high - 1 >= top:
                    row.delete()
                else:
                    CellFill.objects.using(alias).filter(zoom=zoom).update(filled_to=high - 1)
            seconds = time.monotonic() - started
            say(f"  band {zoom}: cases to {min(high - 1, top):,} of {top:,} ({seconds:.0f} s)")
            if high - 1 >= top:
                break
    return written


# -- reading -------------------------------------------------------------------------------------------------


def _served(form: maps.MapFilterForm, extra: Iterable[str] = ()) -> dict[str, Any] | None:
    """The form's filters when the rollups can serve them (only keyed dimensions), else None."""
    if not form.is_bound:
        return {"status": "", "category": None, "unit": None, "channel": "", "overdue": False}
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if data["received_from"] or data["received_to"] or data["status"] not in ("", maps.ACTIVE):
        return None
    if data["channel"] and "channel" not in extra:
        return None
    return data


def _keyed(rows: QuerySet, data: dict[str, Any], scope: Q) -> QuerySet:
    rows = rows.filter(scope)
    if data["unit"]:
        rows = rows.filter(unit_id=data["unit"].pk)
    if data["category"]:
        rows = rows.filter(category_id=data["category"].pk)
    if data.get("channel"):
        rows = rows.filter(channel=data["channel"])
    return rows


def band_of(zoom: int, missing: Iterable[int] = ()) -> int | None:
    """The band a request at ``zoom`` reads: the smallest complete one at or above it."""
    return next((band for band in BANDS if band >= zoom and band not in missing), None)


def clusters(
    user: Any, form: maps.MapFilterForm, bbox: maps.BBox, zoom: int, now: dt.datetime
) -> dict | None:
    """maps.clusters' answer from the cells, or None when the cells cannot serve this request."""
    zoom = max(maps.MIN_ZOOM, min(maps.MAX_ZOOM, zoom))
    scope = scope_q(user)
    data = _served(form)
    if zoom >= maps.POINTS_FROM_ZOOM or scope is None or data is None:
        return None
    band = band_of(zoom, filling())
    if band is None:
        return None
    cell = maps.cell_size(zoom)
    box = bbox.snapped(cell)
    y0, y1 = round(box.min_lat / cell), round(box.max_lat / cell)
    x0, x1 = round(box.min_lon / cell), round(box.max_lon / cell)
    k = 2 ** (band - zoom)
    groups = ["late"] if data["overdue"] else ["late", "open"] if data["status"] == maps.ACTIVE else None
    rows = _keyed(MapCell.objects.filter(zoom=band), data, scope).filter(
        cell_y__gte=y0 * k, cell_y__lt=y1 * k, cell_x__gte=x0 * k, cell_x__lt=x1 * k
    )
    if groups:
        rows = rows.filter(group__in=groups)
    summed = (
        rows.annotate(y=Floor(F("cell_y") / float(k)), x=Floor(F("cell_x") / float(k)))
        .values("y", "x")
        .annotate(
            count=Sum("cases"),
            late=Sum("cases", filter=Q(group="late")),
            lat=Sum("lat"),
            lon=Sum("lon"),
            ids=Sum("ids"),
        )
        .order_by()
    )
    found: dict[tuple[int, int], dict[str, int]] = {}
    for row in summed:
        y, x = int(row["y"]), int(row["x"])
        found[(y, x)] = {
            "y": y,
            "x": x,
            "count": int(row["count"]),
            "overdue": int(row["late"] or 0),
            "lat": int(row["lat"]),
            "lon": int(row["lon"]),
            "ids": int(row["ids"]),
        }
    cases = maps.filtered_cases(user, form, now)
    for live in maps.cell_figures(box.filter(overdue_live(cases, now)), cell):
        into = found.setdefault(
            (live["y"], live["x"]),
            {"y": live["y"], "x": live["x"], "count": 0, "overdue": 0, "lat": 0, "lon": 0, "ids": 0},
        )
        into["overdue"] += live["count"]
        if data["overdue"]:  # the cell holds only the overdue cases: these are some of them
            for figure in ("count", "lat", "lon", "ids"):
                into[figure] += live[figure]
    return maps.assemble(cases, zoom, cell, [row for row in found.values() if row["count"] > 0], now)


def mahalle_rows(user: Any, form: maps.MapFilterForm, now: dt.datetime) -> list[dict[str, Any]] | None:
    """The mahalle layer's grouped rows (province, district, neighbourhood, count, active, overdue) from
    the place rollups, or None when they cannot serve the request (neighbourhoods.figures_by_mahalle)."""
    scope = scope_q(user)
    data = _served(form, extra=("channel",))
    if scope is None or data is None:
        return None
    texts = ("province", "district", "neighbourhood")
    rows = _keyed(PlaceRollup.objects.all(), data, scope)
    summed = rows.values(*texts).annotate(cases=Sum("cases"), open=Sum("open"), late=Sum("late")).order_by()
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in summed:
        key = (row["province"], row["district"], row["neighbourhood"])
        found[key] = {"cases": row["cases"], "open": row["open"], "late": row["late"]}
    cases = maps.filtered_cases(user, form, now)
    for row in overdue_live(cases, now).values(*texts).annotate(n=Count("pk")).order_by():
        key = (row["province"], row["district"], row["neighbourhood"])
        found.setdefault(key, {"cases": 0, "open": 0, "late": 0})["late"] += row["n"]
    out = []
    for (province, district, neighbourhood), sums in found.items():
        if data["overdue"]:
            count = active = overdue = sums["late"]
        else:
            count = sums["open"] if data["status"] == maps.ACTIVE else sums["cases"]
            active, overdue = sums["open"], sums["late"]
        if count > 0:
            out.append(
                {
                    "province": province,
                    "district": district,
                    "neighbourhood": neighbourhood,
                    "count": count,
                    "active": active,
                    "overdue": overdue,
                }
            )
    return out


def open_since(cases: QuerySet[Case]) -> dt.datetime | None:
    """The oldest waiting (running) case's received time, through the partial index of the open cases."""
    running = RawSQL(  # noqa: S611 (constants of ours; SQLite matches partial indexes against constants only)
        f'"{CASES}".status IN {_in(OPEN_STATUSES)}', [], output_field=BooleanField()
    )
    value: dt.datetime | None = (
        cases.filter(running).order_by("received_at").values_list("received_at", flat=True).first()
    )
    return value
