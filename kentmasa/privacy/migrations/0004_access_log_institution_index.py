"""The access log's unfiltered report (/kvkk/erisim/): an institution's reads newest first, keyset-paged
(kentmasa.privacy.access_reports) along (institution, at, id).

The table grows without end on a running installation: on PostgreSQL the index is built CONCURRENTLY (writes
go on meanwhile; such a migration cannot run in a transaction: ``atomic = False``), on SQLite with a plain
CREATE INDEX; the models' state learns of it through SeparateDatabaseAndState (as cases 0012).
"""

from django.db import migrations, models

INDEXES = [
    models.Index(fields=["institution", "-at", "-id"], name="accesslog_institution"),
]


def create(apps, schema_editor):
    from kentmasa.lib.indexes import create_index

    model = apps.get_model("privacy", "AccessLog")
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
        ("privacy", "0003_retention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
            state_operations=[migrations.AddIndex("accesslog", index) for index in INDEXES],
        ),
    ]
