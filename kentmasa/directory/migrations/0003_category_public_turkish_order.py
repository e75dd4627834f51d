"""Categories get a public flag (police-only topics never reach public forms); names sort the Turkish way.

The Turkish order is the collation "tr-x-icu" (kentmasa.directory.collation): PostgreSQL's ICU collation,
checked here so that a server without ICU fails at migrate with a clear message rather than on the first
list; SQLite's registers itself on every connection. The caller look-up's trigram indexes on the citizen
table (kentmasa.cases.search.ensure_citizen_index) are made here too, with the other collation and search
work of this change.
"""

import django.db.models.functions.comparison
from django.db import migrations, models

POLICE_ONLY = ("KADES yardım çağrısı", "KGYS kamera kaydı talebi")


def check_collation(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'tr-x-icu'")
        if cursor.fetchone() is None:
            raise RuntimeError(
                "PostgreSQL has no collation tr-x-icu: kentmasa needs a server built with ICU "
                "(Debian's and the official images are) to sort names in Turkish alphabetical order."
            )


def citizen_index(apps, schema_editor):
    from kentmasa.cases.search import ensure_citizen_index

    ensure_citizen_index(schema_editor.connection)


def drop_citizen_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS citizen_name_trgm")
            cursor.execute("DROP INDEX IF EXISTS citizen_phone_trgm")
        elif connection.vendor == "sqlite":
            for trigger in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS cases_citizen_search_{trigger}")
            cursor.execute("DROP TABLE IF EXISTS cases_citizen_search")


def police_only_topics(apps, schema_editor):
    """The demo's police topics that only staff record (KADES alerts, camera footage for investigators)."""
    Category = apps.get_model("directory", "Category")
    Category.objects.filter(institution__kind="police", name__in=POLICE_ONLY).update(public=False)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_apitoken'),
        ('cases', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(check_collation, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(citizen_index, drop_citizen_index, elidable=False),
        migrations.AlterModelOptions(
            name='category',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('name'), 'tr-x-icu'))], 'verbose_name': 'category', 'verbose_name_plural': 'categories'},
        ),
        migrations.AlterModelOptions(
            name='institution',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('name'), 'tr-x-icu'))], 'verbose_name': 'institution', 'verbose_name_plural': 'institutions'},
        ),
        migrations.AlterModelOptions(
            name='service',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('institution__name'), 'tr-x-icu')), 'number', models.OrderBy(django.db.models.functions.comparison.Collate(models.F('name'), 'tr-x-icu'))], 'verbose_name': 'service', 'verbose_name_plural': 'services'},
        ),
        migrations.AlterModelOptions(
            name='team',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('name'), 'tr-x-icu'))], 'verbose_name': 'team', 'verbose_name_plural': 'teams'},
        ),
        migrations.AlterModelOptions(
            name='unit',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('institution__name'), 'tr-x-icu')), models.OrderBy(django.db.models.functions.comparison.Collate(models.F('name'), 'tr-x-icu'))], 'verbose_name': 'unit', 'verbose_name_plural': 'units'},
        ),
        migrations.AlterModelOptions(
            name='user',
            options={'ordering': [models.OrderBy(django.db.models.functions.comparison.Collate(models.F('first_name'), 'tr-x-icu')), models.OrderBy(django.db.models.functions.comparison.Collate(models.F('last_name'), 'tr-x-icu')), 'username'], 'verbose_name': 'staff member', 'verbose_name_plural': 'staff'},
        ),
        migrations.AddField(
            model_name='category',
            name='public',
            field=models.BooleanField(default=True, help_text='Shown on the public application form and to Open311 apps. Untick for topics only staff record, such as KADES alerts or camera footage requests.', verbose_name='offered to the public'),
        ),
        migrations.RunPython(police_only_topics, migrations.RunPython.noop, elidable=True),
    ]
