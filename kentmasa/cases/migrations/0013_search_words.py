"""The word index for short words and numbers ("no 17", "D:3"), beside the trigram index (see
kentmasa.cases.search).

PostgreSQL: a GIN index on kentmasa_search_words(search_text), which PostgreSQL keeps in step with every
write, so existing rows need no backfill of their own: the index is built from them, CONCURRENTLY, so
intake and edits go on while it is built (this migration is not atomic for that; at 10 million cases the
build reads the table once and sorts the keys, minutes, not a row-by-row fill). SQLite: an FTS5 table of
words with prefix indexes, kept by triggers and filled by FTS5's own 'rebuild' (one pass over the table).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from kentmasa.cases.search import WORDS_FUNCTION, WORDS_INDEX, ensure_word_index
    from kentmasa.lib.indexes import create_index

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(WORDS_FUNCTION)
        # Concurrently outside a transaction, after dropping an invalid one a failed build left.
        body = WORDS_INDEX.format(concurrently="")
        create_index(connection, "case_search_words", body[body.index(" ON ") + 1 :])
    else:
        ensure_word_index(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS case_search_words")
            cursor.execute("DROP FUNCTION IF EXISTS kentmasa_search_words(text)")
        elif connection.vendor == "sqlite":
            for trigger in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS cases_case_words_{trigger}")
            cursor.execute("DROP TABLE IF EXISTS cases_case_words")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0012_queue_keyset_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
