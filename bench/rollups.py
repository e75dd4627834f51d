"""The manager overview counted live against read from the rollups, and what the rollups cost a write.

    make bench-rollups                     # SQLite, 100 000 cases in var/bench-rollups.sqlite3
    BENCH_CASES=1000000 make bench-rollups
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench make bench-rollups

The cases are bench/run.py's (generated with ``bulk_create``, so the triggers write one delta row per case).
Measured, median of several runs: the overview's figures (``kentmasa.reports.views``) for an administrator
(the whole institution) and for one unit's manager, counted from the cases and summed from the rollups
(before and after ``compact``; the late cases marked first, as the overdue sweep does); the compaction and
a full rebuild; and one case inserted and one status changed, each in its own transaction, with the
triggers and without them (the difference is the rollups' cost per write). The triggers are put back and
the rollups rebuilt at the end.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-rollups.sqlite3'}")
os.environ.setdefault("BENCH_CASES", "100000")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (sets Django up on BENCH_DATABASE_URL)
from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases.models import Case, Status  # noqa: E402
from kentmasa.directory.models import Institution, Unit  # noqa: E402
from kentmasa.reports import rollups, views  # noqa: E402
from kentmasa.reports.models import CaseRollup  # noqa: E402


def timed(function: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def once(function: Callable[[], object]) -> float:
    return timed(function, repeat=1)


def per_write(institution: Institution, unit: Unit, count: int = 100) -> tuple[float, float]:
    """ms per insert and per status change, each in its own transaction (as an intake and a transition)."""
    now = timezone.now()
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
            )
        made.append(case.pk)

    inserting = timed(insert, repeat=count)

    def change() -> None:
        with transaction.atomic():
            Case.objects.filter(pk=made[len(made) // 2]).update(status=Status.IN_PROGRESS)
            Case.objects.filter(pk=made[len(made) // 2]).update(status=Status.NEW)

    changing = timed(change, repeat=count) / 2
    Case.objects.filter(pk__in=made).delete()
    return inserting, changing


def drop_triggers() -> None:
    with connection.cursor() as cursor:
        for name in rollups.TRIGGERS:
            suffix = f' ON "{rollups.CASES}"' if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{suffix}")


def main() -> None:
    print(f"rollups benchmark on {connection.vendor}, {run.N:,} cases")
    run.populate()
    rollups.install()  # a database generated before the rollups existed: triggers and a rebuild
    institution = Institution.objects.get(slug="bench")
    unit = Unit.objects.filter(institution=institution).order_by("pk")[0]
    now = timezone.now()
    # What the overdue sweep (every minute) would have done to the generated cases: mark the late ones, so
    # the live part of "overdue" is what it is in service, the cases late since the last sweep.
    marked = rollups.overdue_live(Case.objects.all(), now).update(overdue_since=F("due_at"))
    print(f"  {marked:,} late cases marked as the sweep would")
    everything = Case.objects.filter(institution=institution).order_by()
    one_unit = everything.filter(unit_id__in=[unit.pk])
    whole, unit_scope = (
        Q(institution_id=institution.pk),
        Q(institution_id=institution.pk, unit_id__in=[unit.pk]),
    )
    rows: list[tuple[str, float]] = []
    if CaseRollup.objects.count() < Case.objects.count() // 2:
        # Compacted by an earlier run: one row of zeros per case makes the table as long as uncompacted.
        day = rollups._day("c", connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{rollups.ROLLUP}" (institution_id, unit_id, service_id, day, cases, "open", '  # noqa: S608
                f'late, resolved, measured, "within") SELECT c.institution_id, c.unit_id, c.service_id, '
                f'{day}, 0, 0, 0, 0, 0, 0 FROM "{rollups.CASES}" c'
            )
    delta_rows = CaseRollup.objects.count()
    rows.append(
        ("administrator, live count", timed(lambda: views._count_figures(everything, everything, now), 3))
    )
    rows.append(
        (
            f"administrator, rollups ({delta_rows:,} delta rows)",
            timed(lambda: views._rollup_figures(whole, everything, everything, None, None, now)),
        )
    )
    rows.append(("compact", once(rollups.compact)))
    compacted = CaseRollup.objects.count()
    rows.append(
        (
            f"administrator, rollups ({compacted:,} rows compacted)",
            timed(lambda: views._rollup_figures(whole, everything, everything, None, None, now)),
        )
    )
    rows.append(("unit manager, live count", timed(lambda: views._count_figures(one_unit, one_unit, now), 3)))
    rows.append(
        (
            "unit manager, rollups (compacted)",
            timed(lambda: views._rollup_figures(unit_scope, one_unit, one_unit, None, None, now)),
        )
    )
    rows.append(("rebuild_rollups (all)", once(rollups.rebuild)))
    if connection.vendor == "postgresql":  # bench/run.py inserts its own keys: move the sequence past them
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{rollups.CASES}', 'id'), "  # noqa: S608
                f'(SELECT MAX(id) FROM "{rollups.CASES}"))'
            )
    with_insert, with_change = per_write(institution, unit)
    drop_triggers()
    try:
        bare_insert, bare_change = per_write(institution, unit)
    finally:
        rollups.install()
    rows.append(("insert one case, with the triggers", with_insert))
    rows.append(("insert one case, without", bare_insert))
    rows.append(("change a status, with the triggers", with_change))
    rows.append(("change a status, without", bare_change))
    print(f"\n{'measure (median)':52} {'ms':>10}")
    for name, ms in rows:
        print(f"{name:52} {ms:10.2f}")
    print(
        f"\nper intake the rollups add {with_insert - bare_insert:+.2f} ms, per status change "
        f"{with_change - bare_change:+.2f} ms"
    )


if __name__ == "__main__":
    main()
