"""Indexes on large tables built without blocking writes, and safe to retry.

PostgreSQL's ``CREATE INDEX CONCURRENTLY`` lets intake go on while the index is built, but when it fails
(a lock timeout, a cancelled deploy, a unique violation, the server restarting) it leaves an INVALID index
of that name behind: never used by a query, still updated by every write, and skipped by a later
``CREATE INDEX … IF NOT EXISTS``, so a retried migration "succeeds" without the index. ``create_index``
drops such a leftover first (``pg_index.indisvalid``) and builds the index again, concurrently when it is
not inside a transaction. On SQLite it is a plain ``CREATE INDEX IF NOT EXISTS`` (SQLite has no invalid
indexes; the database is locked while it builds).

``invalid_indexes`` lists the leftovers for ``manage.py check_upgrade``.
"""

import re

from django.db.backends.base.base import BaseDatabaseWrapper

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class IndexBeingBuilt(RuntimeError):
    """Another session is building this index right now (its INVALID state is not a leftover)."""


def invalid_indexes(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """(index, table) of the INVALID indexes in the current schema (PostgreSQL; SQLite has none), not
    counting indexes being built right now."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, t.relname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE NOT x.indisvalid AND i.relnamespace = current_schema()::regnamespace "
            "AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p "
            "WHERE p.index_relid = x.indexrelid) "
            "ORDER BY 1"
        )
        return [(str(index), str(table)) for index, table in cursor.fetchall()]


def _state(connection: BaseDatabaseWrapper, name: str) -> str:
    """'missing', 'valid', 'invalid' or 'building' (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.indisvalid, EXISTS (SELECT 1 FROM pg_stat_progress_create_index p "
            "WHERE p.index_relid = x.indexrelid) FROM pg_index x WHERE x.indexrelid = to_regclass(%s)",
            [name],
        )
        row = cursor.fetchone()
    if row is None:
        return "missing"
    valid, building = row
    return "building" if building else "valid" if valid else "invalid"


def create_index(connection: BaseDatabaseWrapper, name: str, body: str) -> bool:
    """``CREATE INDEX <name> <body>`` (``body``: "ON table (…) [WHERE …]", our own SQL) unless a valid index
    of that name is there; an INVALID one (a failed concurrent build) is dropped first. On PostgreSQL
    outside a transaction both run CONCURRENTLY (writes go on); inside one (tests, an atomic migration) they
    run plainly. Returns True when it built the index."""
    if not _NAME.match(name):
        raise ValueError(f"not an index name of ours: {name!r}")
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {body}")
        return True
    state = _state(connection, name)
    if state == "valid":
        return False
    if state == "building":
        raise IndexBeingBuilt(f"index {name} is being built by another session; try again when it is done")
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    with connection.cursor() as cursor:
        if state == "invalid":
            cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")
        cursor.execute(f"CREATE INDEX{concurrently} IF NOT EXISTS {name} {body}")
    return True
