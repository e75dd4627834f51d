"""An index on django_tasks_db's finished_at, for the housekeeping's deletion of old task results.

The task table is not ours (django_tasks_db's model declares no such index), so the index is made in SQL.
On PostgreSQL it is built CONCURRENTLY (no lock on the table's writes while it builds; a migration that
does so cannot run in a transaction: ``atomic = False``): the pattern README "Upgrades" shows for any future
index on a large table.
"""

from django.db import migrations

INDEX = "ops_taskresult_finished"
TABLE = "django_tasks_database_dbtaskresult"


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON {TABLE} (finished_at)")


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ops", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
