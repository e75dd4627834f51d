"""manage.py check_upgrade: the unapplied migrations, what each does, and which are slow on large tables."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from kentmasa.lib.indexes import invalid_indexes
from kentmasa.ops.upgrade import estimate_rows, pending
from kentmasa.reports import cells


class Command(BaseCommand):
    help = "List the migrations `migrate` would apply, their operations in plain words and the tables' sizes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--large", type=int, default=100_000, help="rows from which a table counts as large (100 000)"
        )

    def leftovers(self) -> None:
        """What an interrupted upgrade left (kentmasa.lib.indexes, kentmasa.reports.cells): cheap catalogue
        and small-table reads."""
        for index, table in invalid_indexes(connection):
            self.stdout.write(
                f"INVALID INDEX {index} on {table}: a CREATE INDEX CONCURRENTLY failed. Queries do not "
                "use it, writes still update it. Drop it (DROP INDEX CONCURRENTLY "
                f"{index}) and build it again (its migration; the rollups' indexes: any `migrate`)."
            )
        bands = cells.filling(connection) if cells.FILLS in connection.introspection.table_names() else ()
        if bands:
            self.stdout.write(
                f"Map bands still being filled: {', '.join(map(str, sorted(bands)))} (the map counts live "
                "at their zooms meanwhile): `manage.py rebuild_rollups --fill` finishes them; writers do "
                "not wait."
            )

    def handle(self, *args: Any, large: int, **options: Any) -> None:
        self.leftovers()
        plan = pending()
        if not plan:
            self.stdout.write("No unapplied migrations: `migrate` has nothing to do.")
            return
        sizes: dict[str, tuple[int | None, str]] = {}
        slow = 0
        self.stdout.write(f"{len(plan)} unapplied migration(s), in the order `migrate` applies them:")
        for item in plan:
            note = "" if item.atomic else "  (not in a transaction: atomic = False)"
            self.stdout.write(f"\n{item.name}{note}")
            for step in item.steps:
                line = f"  - {step.description}"
                if step.table:
                    table = step.table.split(" ")[0]
                    if table not in sizes:
                        sizes[table] = estimate_rows(table)
                    rows, how = sizes[table]
                    line += f"  [{step.table}" + (f", {how} {rows:,} rows" if rows is not None else "") + "]"
                self.stdout.write(line)
                if step.warning:
                    rows = sizes.get((step.table or "").split(" ")[0], (None, ""))[0]
                    big = (rows is None and not step.table) or (rows is not None and rows >= large)
                    label = "SLOW ON THIS DATABASE" if big and step.table else "WARNING"
                    slow += label != "WARNING"
                    self.stdout.write(f"      {label}: {step.warning}")
        self.stdout.write(
            f"\n{slow} step(s) touch a large table with a lock or a rewrite."
            if slow
            else "\nNo step rewrites or locks a large table."
        )
        self.stdout.write("Before `migrate`: `manage.py backup` (SQLite) or pg_dump (PostgreSQL).")
