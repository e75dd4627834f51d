"""Substring search over Case.search_text that stays fast on millions of rows.

PostgreSQL: a pg_trgm GIN index, which serves LIKE '%…%'. SQLite: an FTS5 trigram index kept in
step by triggers (created in kentmasa.cases.search.ensure_sqlite_index, also after every migrate,
because SQLite rebuilds a table, and drops its triggers, whenever a later migration alters it).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (search_text gin_trgm_ops)"
            )
    elif connection.vendor == "sqlite":
        from kentmasa.cases.search import ensure_sqlite_index

        ensure_sqlite_index(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS case_search_trgm")
        elif connection.vendor == "sqlite":
            for trigger in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS cases_case_search_{trigger}")
            cursor.execute("DROP TABLE IF EXISTS cases_case_search")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
