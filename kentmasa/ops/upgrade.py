"""``manage.py check_upgrade``: what ``migrate`` is about to do, in plain words, before it does it.

For each unapplied migration: its operations (Django's own description of each), the table each touches
with its size (PostgreSQL: the planner's estimate from ``pg_class.reltuples``, free; SQLite: a count that
stops at a few million), and a warning on the operations that hold a lock or rewrite a table long enough
to matter on a large one. The rules, for PostgreSQL 11 and later with Django 5.2:

- adding a column is cheap, with or without a default (a constant default, or a callable's value computed
  once, is stored in the catalogue: no rewrite); an index or foreign key that comes with it is not;
- changing a column's type rewrites the table under an exclusive lock; ``NOT NULL`` scans it under one;
- ``AddIndex``, a unique constraint or ``unique_together`` build an index that blocks writes meanwhile:
  write such migrations with ``AddIndexConcurrently`` and ``atomic = False`` (README "Upgrades");
- ``RunPython`` / ``RunSQL`` do whatever their code does: read it; their time grows with the rows.

On SQLite most changes to an existing table copy it whole (Django remakes the table), with the database
locked meanwhile: a few seconds per million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import connections
from django.db.migrations import operations as ops
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.db.models.fields import NOT_PROVIDED

COUNT_LIMIT = 5_000_000


@dataclass
class Step:
    description: str
    table: str | None
    warning: str = ""


@dataclass
class Pending:
    name: str
    atomic: bool
    steps: list[Step] = field(default_factory=list)


def _table(state: ProjectState, app_label: str, model_name: str | None) -> str | None:
    if not model_name:
        return None
    try:
        return str(state.apps.get_model(app_label, model_name)._meta.db_table)
    except LookupError:
        return None


def _column_type(
    state: ProjectState, app_label: str, model_name: str, name: str, connection: Any
) -> str | None:
    try:
        old = state.apps.get_model(app_label, model_name)._meta.get_field(name)
    except LookupError:
        return None
    return str(old.db_parameters(connection)["type"])


def _warning(operation: Any, app_label: str, state: ProjectState, connection: Any) -> str:
    if isinstance(operation, AddIndexConcurrently | RemoveIndexConcurrently):
        return ""
    if isinstance(operation, ops.AddField):
        new = operation.field
        if new.unique or getattr(new, "db_index", False) or new.is_relation:
            return "builds an index (and checks a foreign key) while blocking writes to the table"
        if connection.vendor == "sqlite" and not new.null and new.db_default is NOT_PROVIDED:
            return "SQLite copies the whole table"
        return ""
    if isinstance(operation, ops.AlterField):
        old_type = _column_type(state, app_label, operation.model_name, operation.name, connection)
        new_type = operation.field.db_parameters(connection)["type"]
        if old_type != new_type:
            change = f"changes the column type ({old_type} → {new_type})"
            return f"{change}: rewrites the table under an exclusive lock"
        try:
            old = state.apps.get_model(app_label, operation.model_name)._meta.get_field(operation.name)
        except LookupError:
            old = None
        if old is not None and getattr(old, "null", False) and not operation.field.null:
            return "makes the column NOT NULL: scans the table under an exclusive lock"
        if getattr(operation.field, "db_index", False) or operation.field.unique:
            return "may build an index while blocking writes to the table"
        return "SQLite copies the whole table" if connection.vendor == "sqlite" else ""
    if isinstance(operation, ops.AddIndex | ops.AddConstraint | ops.AlterUniqueTogether):
        return "builds an index without CONCURRENTLY: writes to the table wait until it is built"
    if isinstance(operation, ops.RunPython):
        return "runs Python code over the data: its time grows with the rows it reads (read the migration)"
    if isinstance(operation, ops.RunSQL):
        return "runs SQL of its own: read it"
    if isinstance(operation, ops.RemoveField) and connection.vendor == "sqlite":
        return "SQLite copies the whole table"
    return ""


def _model_name(operation: Any) -> str | None:
    if isinstance(operation, ops.models.ModelOperation):  # CreateModel, AlterUniqueTogether, …: ``name``
        return str(operation.name)
    name = getattr(operation, "model_name", None)  # field and index operations
    return str(name) if name else None


def pending(alias: str = "default") -> list[Pending]:
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    result = []
    for migration, backwards in plan:
        if backwards:
            continue
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        item = Pending(f"{migration.app_label}.{migration.name}", migration.atomic)
        for operation in migration.operations:
            table = _table(state, migration.app_label, _model_name(operation))
            if table is None and isinstance(operation, ops.CreateModel):
                table = f"{migration.app_label}_{operation.name.lower()} (new)"
            item.steps.append(
                Step(operation.describe(), table, _warning(operation, migration.app_label, state, connection))
            )
            state = state.clone()
            operation.state_forwards(migration.app_label, state)
        result.append(item)
    return result


def estimate_rows(table: str, alias: str = "default") -> tuple[int | None, str]:
    """(rows, how we know) of an existing table; (None, "") when it does not exist yet."""
    connection = connections[alias]
    if table not in connection.introspection.table_names():
        return None, ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
            if row and row[0] is not None and row[0] >= 0:
                return int(row[0]), "estimate"
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT {COUNT_LIMIT + 1}) AS t")  # noqa: S608
        count = int(cursor.fetchone()[0])
        return count, "at least" if count > COUNT_LIMIT else "counted"
