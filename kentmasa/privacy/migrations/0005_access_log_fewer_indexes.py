"""The access log keeps no index of its own on ``institution`` and ``case``.

Every staff read writes one row per case it showed, so each index on the table is paid on every list. The
reports' indexes all start with the institution (``accesslog_*``), and nothing looks reads up by case.

The indexes Django made for the two foreign keys are dropped by name, not by AlterField: on SQLite AlterField
copies the whole table (twice), and the table grows without end. On PostgreSQL the drop is CONCURRENTLY (no lock
that stops the reads being written), so the migration runs outside a transaction.
"""

from django.db import migrations, models

FIELDS = ("case", "institution")


def drop(apps, schema_editor):
    model = apps.get_model("privacy", "AccessLog")
    table = model._meta.db_table
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in FIELDS:
        column = model._meta.get_field(name).column
        index = schema_editor._create_index_name(table, [column], suffix="")
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {schema_editor.quote_name(index)}")


def create(apps, schema_editor):
    model = apps.get_model("privacy", "AccessLog")
    for name in FIELDS:
        field = model._meta.get_field(name)
        for sql in schema_editor._field_indexes_sql(model, field):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("cases", "0013_search_words"),
        ("directory", "0009_closed_days_and_calendar_settings"),
        ("privacy", "0004_access_log_institution_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="accesslog",
                    name="case",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                migrations.AlterField(
                    model_name="accesslog",
                    name="institution",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="directory.institution",
                        verbose_name="institution",
                    ),
                ),
            ],
        ),
    ]
