"""The overview's figures from rollups: delta rows kept by database triggers, compacted by a periodic job.

Why triggers: every change of a case that moves a figure must reach the rollups in the same transaction —
the domain functions (kentmasa.cases.services), but also the overdue sweep's bulk ``update()``, bulk
assignment, the demo loader's and the benchmark's ``bulk_create``, merges and deletions. A trigger on the
case table sees each of them, costs one small insert in the writer's transaction, and cannot be forgotten by
a new code path. It appends (``CaseRollup`` rows of +1/−1) and never updates a shared counter row, so
concurrent intakes do not queue on one row; ``compact`` sums them per key now and then.

What a case contributes (the same definitions as the live count, ``kentmasa.reports.views.measures``):
``open`` (an active status), ``resolved``, ``measured`` and ``within`` (kentmasa.cases.clock), and ``late``,
the part of "overdue" (``kentmasa.cases.views.queue.overdue_q``) that follows from the case's own row: a
running case the sweep marked late (``overdue_since``), or one paused after its deadline. The rest of
"overdue" — running cases whose deadline passed since the sweep last looked — depends on the clock, not on
any write, so the overview counts it live (``overdue_live``) through a partial index that holds only
running, unmarked cases (covering what the count reads): with the sweep running every minute that is a
minute's worth of cases, and without it the answer is still exact, only slower.

The received day is the institution's local day (``settings.TIME_ZONE``), as the overview's period filter
is; on SQLite the triggers call Django's own ``django_datetime_cast_date`` (registered on every connection
Django opens), so a case must be written through Django, not the ``sqlite3`` shell. After changing
``TIME_ZONE`` run ``manage.py rebuild_rollups`` (it reinstalls the triggers). ``install`` runs after every
``migrate`` (SQLite drops a table's triggers when a migration rebuilds the table) and rebuilds when the
triggers were missing.
"""

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Status
from kentmasa.directory.collation import alphabetical
from kentmasa.reports.models import CaseRollup, CellFill, MapCell, PlaceRollup

CASES = Case._meta.db_table
ROLLUP = CaseRollup._meta.db_table
FIGURES = ("cases", "open", "late", "resolved", "measured", "within")
COLUMNS = ("institution_id", "unit_id", "service_id", "day", *FIGURES)
TRIGGERS = ("reports_rollup_insert", "reports_rollup_update", "reports_rollup_delete")
# Covering (SQLite's planner prefers it to case_institution_queue only then); the first name it had, dropped.
JUST_LATE_INDEX = "rollup_case_unswept_cover"
# The names it had before, dropped by install(): the first; then one without the map's and the mahalle
# layer's columns, for which PostgreSQL, misjudging how many running cases are late, read the whole table
# (2.2 s at 10M).
OLD_INDEXES = ("rollup_case_just_late", "rollup_case_unswept")
# The columns whose change may move a figure or a key; an update that touches none of them adds no rows.
WATCHED = (
    "institution_id",
    "unit_id",
    "service_id",
    "received_at",
    "status",
    "clock",
    "clock_stopped_at",
    "overdue_since",
    "due_at",
    "paused_at",
    "resolved_at",
)
COMPACT_LOCK = 7_310_018  # pg_advisory_xact_lock key: one compaction at a time


def _in(statuses: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _zone() -> str:
    name = str(settings.TIME_ZONE or "UTC")
    zoneinfo.ZoneInfo(name)  # a real zone name, not something to paste into SQL
    return name.replace("'", "")


def _day(row: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"(({row}.received_at AT TIME ZONE '{_zone()}')::date)"
    return f"django_datetime_cast_date({row}.received_at, '{_zone()}', 'UTC')"


def late_sql(r: str) -> str:
    """SQL: the case row ``r`` is late by its own state (the ``late`` figure)."""
    return (
        f"{r}.clock_stopped_at IS NULL AND (({r}.status IN {_in(OPEN_STATUSES)} "
        f"AND {r}.overdue_since IS NOT NULL) "
        f"OR ({r}.status = '{Status.WAITING_CITIZEN}' AND {r}.due_at < {r}.paused_at))"
    )


def _figures(r: str) -> list[str]:
    """SQL for what the case row ``r`` contributes to each of FIGURES (0 or 1)."""
    active = _in(ACTIVE_STATUSES)
    late = late_sql(r)
    measured = (
        f"{r}.due_at IS NOT NULL AND (({r}.clock = 'completion' AND {r}.resolved_at IS NOT NULL)"
        f" OR ({r}.clock = 'forwarding' AND {r}.clock_stopped_at IS NOT NULL))"
    )
    within = (
        f"{r}.due_at IS NOT NULL AND (({r}.clock = 'completion' AND {r}.resolved_at <= {r}.due_at)"
        f" OR ({r}.clock = 'forwarding' AND {r}.clock_stopped_at <= {r}.due_at))"
    )
    return [
        "1",
        f"CASE WHEN {r}.status IN {active} THEN 1 ELSE 0 END",
        f"CASE WHEN {late} THEN 1 ELSE 0 END",
        f"CASE WHEN {r}.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
        f"CASE WHEN {measured} THEN 1 ELSE 0 END",
        f"CASE WHEN {within} THEN 1 ELSE 0 END",
    ]


def _values(row: str, sign: int, vendor: str) -> str:
    keys = [f"{row}.institution_id", f"{row}.unit_id", f"{row}.service_id", _day(row, vendor)]
    figures = [f if sign > 0 else f"-({f})" for f in _figures(row)]
    return "(" + ", ".join(keys + figures) + ")"


def _insert(rows: list[tuple[str, int]], vendor: str) -> str:
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    values = ", ".join(_values(row, sign, vendor) for row, sign in rows)
    return f'INSERT INTO "{ROLLUP}" ({columns}) VALUES {values};'  # noqa: S608 (our table and column names only)


def _changed(vendor: str) -> str:
    """The update trigger's condition: a watched column changed (NULL-safe)."""
    operator = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {operator} NEW.{c}" for c in WATCHED)


def index_body() -> str:
    """``CREATE INDEX JUST_LATE_INDEX`` + this (kentmasa.lib.indexes.create_index)."""
    return (
        f'ON "{CASES}" (institution_id, due_at, unit_id, '
        "service_id, status, overdue_since, clock_stopped_at, category_id, channel, latitude, longitude, "
        "province, district, neighbourhood, id) "
        f"WHERE status IN {_in(OPEN_STATUSES)} AND overdue_since IS NULL AND clock_stopped_at IS NULL"
    )


def trigger_sql(vendor: str) -> list[str]:
    """The statements that (re)create the triggers, for this database."""
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION reports_rollup_case() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {_insert([('NEW', 1)], vendor)} "
            f"ELSIF TG_OP = 'DELETE' THEN {_insert([('OLD', -1)], vendor)} "
            f"ELSE {_insert([('OLD', -1), ('NEW', 1)], vendor)} END IF; "
            "RETURN NULL; END $$ LANGUAGE plpgsql",
            *(f'DROP TRIGGER IF EXISTS {name} ON "{CASES}"' for name in TRIGGERS),
            f'CREATE TRIGGER reports_rollup_insert AFTER INSERT ON "{CASES}" '
            "FOR EACH ROW EXECUTE FUNCTION reports_rollup_case()",
            f'CREATE TRIGGER reports_rollup_update AFTER UPDATE ON "{CASES}" '
            f"FOR EACH ROW WHEN ({_changed(vendor)}) EXECUTE FUNCTION reports_rollup_case()",
            f'CREATE TRIGGER reports_rollup_delete AFTER DELETE ON "{CASES}" '
            "FOR EACH ROW EXECUTE FUNCTION reports_rollup_case()",
        ]
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        f'CREATE TRIGGER reports_rollup_insert AFTER INSERT ON "{CASES}" '
        f"BEGIN {_insert([('NEW', 1)], vendor)} END",
        f'CREATE TRIGGER reports_rollup_update AFTER UPDATE ON "{CASES}" WHEN {_changed(vendor)} '
        f"BEGIN {_insert([('OLD', -1), ('NEW', 1)], vendor)} END",
        f'CREATE TRIGGER reports_rollup_delete AFTER DELETE ON "{CASES}" '
        f"BEGIN {_insert([('OLD', -1)], vendor)} END",
    ]


def triggers_installed(connection: BaseDatabaseWrapper = default_connection) -> bool:
    """The overview's triggers are there, and the cells' once their tables exist (kentmasa.reports.cells)."""
    from kentmasa.reports import cells

    names = [*TRIGGERS, *(cells.CELL_TRIGGERS if cells.tables_exist(connection) else ())]
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND tgrelid = %s::regclass",
                [names, CASES],
            )
        else:
            cursor.execute(
                f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # noqa: S608
                names,
            )
        return bool(cursor.fetchone()[0] == len(names))


def reinstall(connection: BaseDatabaseWrapper = default_connection) -> None:
    """(Re)create the triggers in one short transaction, then the partial indexes unless they are there and
    valid: CONCURRENTLY on PostgreSQL when not inside a transaction (kentmasa.lib.indexes), so a migrate on a
    large database does not hold writers while an index is built."""
    from kentmasa.lib.indexes import create_index
    from kentmasa.reports import cells

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in trigger_sql(connection.vendor):
            cursor.execute(statement)
        if cells.tables_exist(connection):
            for statement in cells.trigger_sql(connection.vendor):
                cursor.execute(statement)
        indexes = connection.introspection.get_constraints(cursor, CASES)
    # Outside a transaction on PostgreSQL, CONCURRENTLY: a plain DROP INDEX waits for, and then blocks, every
    # read and write of the case table.
    concurrently = (
        " CONCURRENTLY" if connection.vendor == "postgresql" and not connection.in_atomic_block else ""
    )
    for old in OLD_INDEXES:
        if old in indexes:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {old}")
    create_index(connection, JUST_LATE_INDEX, index_body())
    create_index(connection, cells.OPEN_INDEX, cells.index_body())


def uninstall(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Drop the triggers (and the index): before the rollup table itself goes, or the triggers would fail."""
    uninstall_cells(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name in TRIGGERS:
            on = f' ON "{CASES}"' if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS reports_rollup_case()")
        cursor.execute(f"DROP INDEX IF EXISTS {JUST_LATE_INDEX}")
        for old in OLD_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {old}")


def uninstall_cells(connection: BaseDatabaseWrapper = default_connection) -> None:
    """Drop the cells' triggers and index (before their tables go: migration reports 0003 backwards)."""
    from kentmasa.reports import cells

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in cells.drop_sql(connection.vendor):
            cursor.execute(statement)


def install(connection: BaseDatabaseWrapper = default_connection) -> None:
    """(Re)create the triggers and the index; rebuild the rollups if the triggers were missing (a new
    installation, or SQLite rebuilt the case table in a migration), since changes may have gone uncounted."""
    tables = connection.introspection.table_names()
    if ROLLUP not in tables or CASES not in tables:
        return
    missing = not triggers_installed(connection)
    reinstall(connection)
    if missing:
        rebuild(connection=connection)


def rebuild(institution_id: int | None = None, connection: BaseDatabaseWrapper = default_connection) -> int:
    """Count everything again from the cases (of one institution, or all): one row per key. Writers of
    cases wait meanwhile (PostgreSQL: a SHARE lock on the case table; SQLite: the write lock), so no change
    falls between the count and the swap. Returns the number of rows written."""
    from kentmasa.reports import cells

    vendor = connection.vendor
    where, params = ("WHERE c.institution_id = %s", [institution_id]) if institution_id else ("", [])
    day = _day("c", vendor)
    sums = ", ".join(f"SUM({f})" for f in _figures("c"))
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cells_too = cells.tables_exist(connection)
        fills = cells_too and cells._fill_table_exists(connection)
        if vendor == "postgresql":
            # Compaction's lock first: a compaction overlapping the swap would fold rows this deletes.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK])
            cursor.execute(f'LOCK TABLE "{CASES}" IN SHARE MODE')
            if fills:  # and no band's fill batch meanwhile (cells.fill)
                cells.lock_fills(cursor, connection)
        rows = CaseRollup.objects.using(connection.alias)
        (rows.filter(institution_id=institution_id) if institution_id else rows).delete()
        cursor.execute(
            f'INSERT INTO "{ROLLUP}" ({columns}) SELECT c.institution_id, c.unit_id, c.service_id, {day}, '  # noqa: S608 (our table and column names only)
            f'{sums} FROM "{CASES}" c {where} GROUP BY c.institution_id, c.unit_id, c.service_id, {day}',
            params,
        )
        written = int(cursor.rowcount)
        if cells_too:
            for model in (MapCell, PlaceRollup):
                kept = model.objects.using(connection.alias)
                (kept.filter(institution_id=institution_id) if institution_id else kept).delete()
            for statement in cells.rebuild_sql(vendor, where[6:]):
                cursor.execute(statement, params)
                written += int(cursor.rowcount)
            if fills and not institution_id:  # every band counted whole: none is being filled any more
                CellFill.objects.using(connection.alias).all().delete()
            elif fills and CellFill.objects.using(connection.alias).exists():
                # One institution counted whole, the others' bands half filled: the fill starts again (its
                # batches tell only one-case delta rows apart), from the triggers' rows alone.
                pending = list(CellFill.objects.using(connection.alias).values_list("zoom", flat=True))
                MapCell.objects.using(connection.alias).filter(zoom__in=pending).delete()
                CellFill.objects.using(connection.alias).update(filled_to=0)
        return written


def compact(connection: BaseDatabaseWrapper = default_connection) -> int:
    """Sum each key's delta rows into one row (and drop keys that sum to nothing), in the overview's rollups
    and the cells' tables (kentmasa.reports.cells). Idempotent; one at a time (PostgreSQL: an advisory
    lock; SQLite: the write lock its IMMEDIATE transactions take), so two workers never sum the same rows
    twice. Rows added meanwhile (above the highest id seen) wait for the next run. Returns how many rows
    were folded."""
    from kentmasa.reports import cells

    cells_too = cells.tables_exist(connection)
    fills = cells_too and cells._fill_table_exists(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK])
        folded = _compact(cursor, connection.vendor, ROLLUP, COLUMNS[:4], FIGURES)
        if cells_too:
            if fills:
                cells.lock_fills(cursor, connection)
            # A band being filled keeps its delta rows one per case (cells.fill tells them apart so).
            filling = sorted(cells.filling(connection)) if fills else []
            skip = f"zoom NOT IN ({', '.join(str(int(z)) for z in filling)})" if filling else ""
            folded += _compact(cursor, connection.vendor, *cells.TABLES[0], where=skip)
            folded += _compact(cursor, connection.vendor, *cells.TABLES[1])
        return folded


def _compact(
    cursor: Any,
    vendor: str,
    table: str,
    key_columns: tuple[str, ...],
    figures: tuple[str, ...],
    where: str = "",
) -> int:
    sums = ", ".join(f'SUM("{f}")' for f in figures)
    nonzero = " OR ".join(f'SUM("{f}") <> 0' for f in figures)
    columns = ", ".join(f'"{c}"' for c in (*key_columns, *figures))
    keys = ", ".join(f'"{c}"' for c in key_columns)
    only = f" AND {where}" if where else ""
    cursor.execute(f'SELECT MAX(id), COUNT(*) FROM "{table}"{" WHERE " + where if where else ""}')  # noqa: S608 (our table and column names only)
    top, count = cursor.fetchone()
    if not top:
        return 0
    cursor.execute(
        f'SELECT COUNT(*) FROM (SELECT 1 FROM "{table}" WHERE id <= %s{only} GROUP BY {keys}) k',  # noqa: S608
        [top],
    )
    if cursor.fetchone()[0] == count:
        return 0  # already one row per key
    if vendor == "postgresql":
        # One statement: it sums exactly the rows it deletes. Apart, under READ COMMITTED, a delta row
        # (id <= top) committed by a slow writer between the sum and the delete would go unsummed.
        cursor.execute(
            f'WITH gone AS (DELETE FROM "{table}" WHERE id <= %s{only} RETURNING {columns}) '  # noqa: S608 (our table and column names only)
            f'INSERT INTO "{table}" ({columns}) SELECT {keys}, {sums} FROM gone '
            f"GROUP BY {keys} HAVING {nonzero}",
            [top],
        )
        return int(count)
    cursor.execute(
        f'INSERT INTO "{table}" ({columns}) SELECT {keys}, {sums} FROM "{table}" WHERE id <= %s{only} '  # noqa: S608 (our table and column names only)
        f"GROUP BY {keys} HAVING {nonzero}",
        [top],
    )
    cursor.execute(f'DELETE FROM "{table}" WHERE id <= %s{only}', [top])  # noqa: S608 (our table and column names only)
    return int(count)


# -- reading: the overview ---------------------------------------------------------------------------------


def _sums() -> dict[str, Any]:
    return {f"n_{f}": Coalesce(Sum(f), 0) for f in FIGURES}


def overdue_live(cases: QuerySet[Case], now: dt.datetime) -> QuerySet[Case]:
    """The running cases that became late since the sweep last marked them: the part of ``overdue_q`` that
    no write announces (through the partial index ``rollup_case_unswept_cover``)."""
    # The index's condition as literal SQL: SQLite matches a partial index only against constants, not
    # against the bound parameters the ORM would write for status__in.
    unswept = RawSQL(  # noqa: S611 (constants of ours)
        f'"{CASES}".status IN {_in(OPEN_STATUSES)} AND "{CASES}".overdue_since IS NULL '
        f'AND "{CASES}".clock_stopped_at IS NULL',
        [],
        output_field=BooleanField(),
    )
    return cases.filter(unswept, due_at__lt=now)


def figures(
    rows: QuerySet[CaseRollup],
    cases: QuerySet[Case],
    now: dt.datetime,
) -> dict[str, Any]:
    """The overview's by_unit, by_service and totals, from ``rows`` (the reader's rollup rows, already
    narrowed to the period's days) and ``cases`` (the same scope and period, for the live overdue part)."""
    late: dict[str, dict[int | None, int]] = {"unit_id": {}, "service_id": {}}
    pairs = overdue_live(cases, now).values_list("unit_id", "service_id").annotate(n=Count("pk")).order_by()
    for unit_id, service_id, n in pairs:
        late["unit_id"][unit_id] = late["unit_id"].get(unit_id, 0) + n
        late["service_id"][service_id] = late["service_id"].get(service_id, 0) + n

    def row(sums: dict[str, Any], overdue: int) -> dict[str, Any]:
        out = {k: v for k, v in sums.items() if not k.startswith("n_")}
        out.update(
            open=sums["n_open"],
            overdue=sums["n_late"] + overdue,
            resolved=sums["n_resolved"],
            measured=sums["n_measured"],
            within=sums["n_within"],
        )
        return out

    def grouped(key: str, name: str) -> list[dict[str, Any]]:
        return [
            row(sums, late[key].get(sums[key], 0))
            for sums in rows.values(key, name)
            .annotate(**_sums())
            .filter(n_cases__gt=0)
            .order_by(*alphabetical(name))
        ]

    return {
        "by_unit": grouped("unit_id", "unit__name"),
        "by_service": grouped("service_id", "service__name"),
        "totals": row(rows.aggregate(**_sums()), sum(late["unit_id"].values())),
    }


def scope_q(user: Any) -> Q | None:
    """The reader's rollup rows as a filter, or None when the rollups cannot say which cases they see (then
    the overview counts live). Must agree with ``kentmasa.cases.access.visible_cases`` for overview roles."""
    from kentmasa.cases import access
    from kentmasa.directory.models import User

    if user.is_superuser:
        return Q()
    if user.institution_id is None:
        return Q(pk__in=[])
    institution = Q(institution_id=user.institution_id)
    if user.role in access.INSTITUTION_WIDE:
        return institution
    if user.role in User.UNIT_ROLES:
        return institution & Q(unit_id__in=user.scoped_unit_ids)
    return None
