"""check_upgrade: unapplied migrations, their operations in plain words, the tables' sizes, warnings."""

import io

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations import AddField, AddIndex, AlterField, RunPython
from django.db.migrations.executor import MigrationExecutor

from kentmasa.ops.upgrade import _warning, estimate_rows, pending

pytestmark = pytest.mark.django_db(transaction=True)


def run() -> str:
    out = io.StringIO()
    call_command("check_upgrade", stdout=out)
    return out.getvalue()


def test_nothing_to_do_when_everything_is_applied():
    assert "No unapplied migrations" in run()


def test_an_unapplied_migration_is_described(make_case):
    for _ in range(3):
        make_case()
    call_command("migrate", "ops", "0001", verbosity=0)
    try:
        output = run()
        plan = pending()
        call_command("migrate", "ops", "zero", verbosity=0)
        whole = run()
        small = io.StringIO()
        call_command("check_upgrade", "--large", "0", stdout=small)
    finally:
        call_command("migrate", "ops", verbosity=0)
    assert [item.name for item in plan] == ["ops.0002_task_result_finished_index"]
    assert "1 unapplied migration(s)" in output
    assert "ops.0002_task_result_finished_index  (not in a transaction: atomic = False)" in output
    assert "Raw Python operation" in output and "runs Python code over the data" in output
    assert "Create model TaskOrigin  [ops_taskorigin (new)]" in whole
    assert "Create model WorkerHeartbeat  [ops_workerheartbeat (new)]" in whole
    assert "2 unapplied migration(s)" in whole
    assert "No unapplied migrations" in run()


def test_row_counts_and_estimates(make_case):
    for _ in range(3):
        make_case()
    rows, how = estimate_rows("cases_case")
    assert (rows, how) == (3, "counted") or how == "estimate"
    assert estimate_rows("no_such_table") == (None, "")


def test_what_is_slow_on_a_large_table():
    state = MigrationExecutor(connection).loader.project_state()
    index = models.Index(fields=["subject"], name="case_subject")
    assert "without CONCURRENTLY" in _warning(AddIndex("case", index), "cases", state, connection)
    assert _warning(AddIndexConcurrently("case", index), "cases", state, connection) == ""
    retyped = AlterField("case", "subject", models.TextField())
    assert "rewrites the table" in _warning(retyped, "cases", state, connection)
    strict = AlterField("case", "due_at", models.DateTimeField())
    assert "NOT NULL" in _warning(strict, "cases", state, connection)
    nullable = AddField("case", "note", models.TextField(null=True, blank=True))
    assert _warning(nullable, "cases", state, connection) == ""
    defaulted = AddField("case", "flag", models.BooleanField(default=False))
    expected = "SQLite copies the whole table" if connection.vendor == "sqlite" else ""
    assert _warning(defaulted, "cases", state, connection) == expected  # PostgreSQL 11+: no rewrite
    linked = AddField("case", "other", models.ForeignKey("cases.case", null=True, on_delete=models.SET_NULL))
    assert "index" in _warning(linked, "cases", state, connection)
    assert "Python" in _warning(RunPython(RunPython.noop), "cases", state, connection)
