"""Map band 16: the task map's cells for zooms 14 to 16 (kentmasa.reports.cells).

Safe on a large running installation (PostgreSQL, millions of cases); not in one transaction
(``atomic = False``):

1. one short transaction: band 16 marked as being filled and the cells' trigger function replaced, so
   every change from then on writes band 16's delta rows too. PostgreSQL: no lock on the case table
   (``CREATE OR REPLACE FUNCTION`` only; the triggers stay); the readers treat the band as missing;
2. the cases already there counted into band 16 by ``cells.fill``: batches of case keys, each in its own
   REPEATABLE READ transaction, taking no lock that intake or the screens wait for. Interrupted, it resumes
   where it stopped on the next ``migrate`` or ``manage.py rebuild_rollups --fill``.
"""

from django.db import migrations


def add_band(apps, schema_editor):
    from kentmasa.reports import cells

    connection = schema_editor.connection
    if not cells.filling(connection):  # a rerun after an interrupted fill resumes it
        cells.start_fill([16], connection)


def fill(apps, schema_editor):
    from kentmasa.reports import cells

    cells.fill(schema_editor.connection, say=print)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0004_cellfill"),
    ]

    operations = [
        migrations.RunPython(add_band, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
