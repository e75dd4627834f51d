"""An index on the timeline's time for Open311's servicerequestupdates (kentmasa.channels.open311.updates).

FixMyStreet asks every few minutes for the updates in a window; the events are read in (at, id) order from
the window's start and the first 1000 that belong to Open311 requests are answered. The timeline's own index
(case, at) cannot find a window's events without reading every case. The index is created on the cases app's
table from here, the app that reads by it, outside the models' state (RunPython): on PostgreSQL concurrently,
so a large timeline is not locked while it is built.
"""

from django.db import migrations

INDEX = "channels_open311_event_at"


def create(apps, schema_editor):
    table = schema_editor.quote_name(apps.get_model("cases", "Event")._meta.db_table)
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON {table} (at, id)")


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("channels", "0005_answer_rule_kind_data_subject_request"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
