"""The table of map bands being filled (kentmasa.reports.cells, ``CellFill``): new and empty, on its own so
that 0005 (not in a transaction) can be run again after an interruption."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_map_cells"),
    ]

    operations = [
        migrations.CreateModel(
            name="CellFill",
            fields=[
                ("zoom", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("filled_to", models.BigIntegerField(default=0)),
            ],
        ),
    ]
