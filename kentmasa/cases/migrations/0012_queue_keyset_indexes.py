"""Two partial indexes for the queue's keyset pages: the active cases of an institution's unit, and of the
whole institution, in (due_at, id) order (kentmasa.cases.queries.keyset_page).

The case table holds millions of rows on a running installation: on PostgreSQL the indexes are built
CONCURRENTLY (writes go on meanwhile; such a migration cannot run in a transaction: ``atomic = False``), on
SQLite with a plain CREATE INDEX; the models' state learns of them through SeparateDatabaseAndState.
"""

from django.db import migrations, models

ACTIVE = ["new", "assigned", "in_progress", "waiting_citizen"]
INDEXES = [
    models.Index(
        fields=["institution", "unit", "due_at", "id", "status"],
        name="case_unit_active",
        condition=models.Q(status__in=ACTIVE),
    ),
    models.Index(
        fields=["institution", "due_at", "id"],
        name="case_institution_active",
        condition=models.Q(status__in=ACTIVE),
    ),
]


def create(apps, schema_editor):
    from kentmasa.lib.indexes import create_index

    case = apps.get_model("cases", "Case")
    for index in INDEXES:
        sql = str(index.create_sql(case, schema_editor))
        # CREATE INDEX "name" ON "cases_case" (…) WHERE …: the helper builds it concurrently on PostgreSQL,
        # after dropping an invalid one a failed build left (IF NOT EXISTS would keep that).
        create_index(schema_editor.connection, index.name, sql[sql.index(" ON ") + 1 :])


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {index.name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("cases", "0011_case_kind_data_subject_request"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
            state_operations=[migrations.AddIndex("case", index) for index in INDEXES],
        ),
    ]
