"""The unit's review screen (/saha/birim/): reports waiting for review oldest finished first, and reviewed
ones newest first, keyset-paged (kentmasa.field.office_views.unit_reports), each along a partial index.

The table grows without end on a running installation: on PostgreSQL the index is built CONCURRENTLY (writes
go on meanwhile; such a migration cannot run in a transaction: ``atomic = False``), on SQLite with a plain
CREATE INDEX; the models' state learns of it through SeparateDatabaseAndState (as cases 0012).
"""

from django.db import migrations, models

INDEXES = [
    models.Index(
        fields=["institution", "finished_at", "id"],
        name="workorder_review_waiting",
        condition=models.Q(status__in=["done", "failed", "other_team"], reviewed_at__isnull=True),
    ),
    models.Index(
        fields=["institution", "reviewed_at", "id"],
        name="workorder_reviewed",
        condition=models.Q(reviewed_at__isnull=False),
    ),
]


def create(apps, schema_editor):
    from kentmasa.lib.indexes import create_index

    model = apps.get_model("field", "WorkOrder")
    for index in INDEXES:
        sql = str(index.create_sql(model, schema_editor))
        create_index(schema_editor.connection, index.name, sql[sql.index(" ON ") + 1 :])


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {index.name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("field", "0003_derman_loop"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
            state_operations=[migrations.AddIndex("workorder", index) for index in INDEXES],
        ),
    ]
