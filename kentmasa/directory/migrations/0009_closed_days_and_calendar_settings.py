"""Administrative leave becomes a closed day (a working day in law), not a day off; the calendar's settings.

DayOff is renamed ClosedDay (its rows, all idari izin by its own description, are kept), may have no
institution (nationwide leave declared by the Presidency), and is reached as ``institution.closed_days``.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_apitoken_scope"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="dayoff", name="uniq_day_off"),
        migrations.RenameModel(old_name="DayOff", new_name="ClosedDay"),
        migrations.AlterModelOptions(
            name="closedday",
            options={
                "ordering": ["date"],
                "verbose_name": "closed day (administrative leave)",
                "verbose_name_plural": "closed days (administrative leave)",
            },
        ),
        migrations.AlterField(
            model_name="closedday",
            name="institution",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: nationwide administrative leave declared by the Presidency.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="closed_days",
                to="directory.institution",
                verbose_name="institution",
            ),
        ),
        migrations.AddConstraint(
            model_name="closedday",
            constraint=models.UniqueConstraint(fields=("institution", "date"), name="uniq_closed_day"),
        ),
        migrations.AddConstraint(
            model_name="closedday",
            constraint=models.UniqueConstraint(
                condition=models.Q(("institution__isnull", True)),
                fields=("date",),
                name="uniq_closed_day_nationwide",
            ),
        ),
        migrations.AddField(
            model_name="institution",
            name="half_day_deadline_early",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "When the last day of a period is the eve of a bayram or 28 October: ticked, the deadline "
                    "is the half day's end (13:00); unticked, the normal close. The law does not settle this."
                ),
                verbose_name="a deadline on a half day ends when the half day does",
            ),
        ),
        migrations.AddField(
            model_name="institution",
            name="closed_days_count",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Periods set by law (information requests, petitions, KVKK) always count administrative-"
                    "leave days as working days. Unticked, the institution's own service standards skip them, "
                    "as the office is closed; a service may choose otherwise."
                ),
                verbose_name="own service standards count administrative leave as working days",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="counts_closed_days",
            field=models.BooleanField(
                blank=True,
                choices=[
                    (None, "As the institution says"),
                    (True, "Yes: the period runs through them"),
                    (False, "No: they are skipped"),
                ],
                help_text=(
                    "Whether this standard's period runs through days the office is closed by administrative "
                    "leave. Empty: the institution's setting."
                ),
                null=True,
                verbose_name="counts administrative leave as working days",
            ),
        ),
    ]
