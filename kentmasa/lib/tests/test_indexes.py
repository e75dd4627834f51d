"""kentmasa.lib.indexes: an index built concurrently is built again when a failed build left it INVALID (which
``CREATE INDEX … IF NOT EXISTS`` would keep), and check_upgrade names such leftovers."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from kentmasa.lib.indexes import create_index, invalid_indexes

NAME = "test_cellfill_filled_to"
BODY = 'ON "reports_cellfill" (filled_to)'
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="INVALID indexes are PostgreSQL's"
)


def state() -> tuple[bool, bool] | None:
    """(valid, ready) of the test index, None when missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid, indisready FROM pg_index WHERE indexrelid = to_regclass(%s)", [NAME]
        )
        row = cursor.fetchone()
    return None if row is None else (bool(row[0]), bool(row[1]))


def break_it() -> None:
    """What a failed CREATE INDEX CONCURRENTLY leaves: the index, marked invalid."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(%s)", [NAME])


@pytest.fixture
def cleanup():
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {NAME}")


@on_postgresql
@pytest.mark.django_db(transaction=True)  # CONCURRENTLY runs only outside a transaction
def test_an_invalid_index_is_dropped_and_built_again_concurrently(cleanup):
    assert create_index(connection, NAME, BODY) is True
    assert state() == (True, True)
    assert create_index(connection, NAME, BODY) is False  # there and valid: nothing to do

    break_it()
    assert (NAME, "reports_cellfill") in invalid_indexes(connection)
    with connection.cursor() as cursor:  # what the migrations did before: IF NOT EXISTS keeps the leftover
        cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} {BODY}")
    assert state() == (False, True)
    out = io.StringIO()
    call_command("check_upgrade", stdout=out)
    assert f"INVALID INDEX {NAME} on reports_cellfill" in out.getvalue()

    assert create_index(connection, NAME, BODY) is True
    assert state() == (True, True)
    assert (NAME, "reports_cellfill") not in invalid_indexes(connection)
    out = io.StringIO()
    call_command("check_upgrade", stdout=out)
    assert "INVALID INDEX" not in out.getvalue()


@on_postgresql
@pytest.mark.django_db
def test_inside_a_transaction_it_builds_plainly(cleanup):
    assert connection.in_atomic_block
    create_index(connection, NAME, BODY)
    break_it()
    assert create_index(connection, NAME, BODY) is True
    assert state() == (True, True)


@pytest.mark.django_db
def test_sqlite_and_postgresql_build_it_once(cleanup):
    assert create_index(connection, NAME, BODY) is True
    assert create_index(connection, NAME, BODY) is False
    with connection.cursor() as cursor:
        assert NAME in connection.introspection.get_constraints(cursor, "reports_cellfill")


def test_only_names_of_our_own():
    with pytest.raises(ValueError):
        create_index(connection, "x; DROP TABLE cases_case", BODY)
