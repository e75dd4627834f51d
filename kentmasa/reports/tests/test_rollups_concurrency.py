"""Compaction against a slow writer on PostgreSQL, with real commits in connections of their own: a delta row
(id below the highest compaction saw) committed while compaction runs is never deleted unsummed.

A test-only trigger pauses compaction at the end of its INSERT (waiting for an advisory lock the test holds);
the writer commits in that pause. Before compaction summed and deleted in one statement, the DELETE that
followed saw the writer's row and removed it without its figures."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections
from django.db.models import Sum

from kentmasa.reports import rollups
from kentmasa.reports.models import CaseRollup

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers: nothing overlaps"
    ),
]

PAUSE = 7_310_099  # the advisory lock the test holds while compaction waits for it
COLUMNS = ", ".join(f'"{c}"' for c in rollups.COLUMNS)
ROW = f'INSERT INTO "{rollups.ROLLUP}" ({COLUMNS}) VALUES (%s, NULL, NULL, %s, 1, 1, 0, 0, 0, 0)'  # noqa: S608


@pytest.fixture
def pause_after_insert():
    """An AFTER INSERT statement trigger on the rollup table that waits for PAUSE, in sessions that set
    kentmasa.pause_compaction only (the writer's inserts do not wait)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION fixo_pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF current_setting('kentmasa.pause_compaction', true) = 'on' THEN "
            f"PERFORM pg_advisory_xact_lock_shared({PAUSE}); END IF; RETURN NULL; END $$"
        )
        cursor.execute(
            f'CREATE TRIGGER fixo_pause AFTER INSERT ON "{rollups.ROLLUP}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION fixo_pause()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TRIGGER IF EXISTS fixo_pause ON "{rollups.ROLLUP}"')
            cursor.execute("DROP FUNCTION IF EXISTS fixo_pause()")


def test_a_row_committed_while_compaction_runs_is_not_lost(institution, pause_after_insert):
    day = dt.date(2026, 12, 4)
    writer = connection.get_new_connection(connection.get_connection_params())
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        writer.autocommit = False
        with writer.cursor() as cursor:
            cursor.execute(ROW, [institution.pk, day])  # uncommitted: a slow writer's delta row
        with connection.cursor() as cursor:
            cursor.execute(ROW, [institution.pk, day])
            cursor.execute(ROW, [institution.pk, day])  # two committed rows of one key, above the writer's
        holder.autocommit = True
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [PAUSE])

        errors: list[BaseException] = []

        def compact() -> None:
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SET kentmasa.pause_compaction = 'on'")
                rollups.compact()
            except BaseException as error:  # noqa: BLE001 (reported by the test)
                errors.append(error)
            finally:
                connections["default"].close()

        thread = threading.Thread(target=compact)
        thread.start()
        with holder.cursor() as cursor:  # wait until compaction waits for PAUSE, in its first insert
            for _ in range(200):
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND objid = %s",
                    [PAUSE],
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("compaction never reached its insert")
        writer.commit()  # the slow writer commits in the middle of compaction
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PAUSE])
        thread.join(timeout=30)
        assert not thread.is_alive() and errors == []
    finally:
        writer.close()
        holder.close()

    assert CaseRollup.objects.aggregate(n=Sum("cases"))["n"] == 3
    rollups.compact()
    assert list(CaseRollup.objects.values_list("cases", flat=True)) == [3]


def test_a_rebuild_waits_for_a_running_compaction(institution):
    holder = connection.get_new_connection(connection.get_connection_params())
    holder.autocommit = True
    done = threading.Event()

    def rebuild() -> None:
        try:
            rollups.rebuild()
            done.set()
        finally:
            connections["default"].close()

    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [rollups.COMPACT_LOCK])  # a compaction running
        thread = threading.Thread(target=rebuild)
        thread.start()
        assert not done.wait(2), "a rebuild went ahead while a compaction held its lock"
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [rollups.COMPACT_LOCK])
        thread.join(timeout=30)
        assert done.is_set()
    finally:
        holder.close()
