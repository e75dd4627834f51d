"""``manage.py rebuild_rollups [--institution slug] [--fill]``: count the rollups again from the cases.

Reinstalls the triggers first (after a change of TIME_ZONE, or if someone dropped them), then replaces the
rollup rows of the institution (or of all) with one row per key counted from the cases. Writers of cases
wait while it runs (a few seconds per million cases).

``--fill`` only finishes a map band being filled (a migration that adds a band fills it, and an
interrupted fill resumes here): batches of cases, without blocking writers (kentmasa.reports.cells.fill).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from kentmasa.directory.models import Institution
from kentmasa.reports import cells, rollups


class Command(BaseCommand):
    help = "Rebuild the overview's rollups from the cases (and reinstall their triggers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", help="only this institution (its slug)")
        parser.add_argument(
            "--fill", action="store_true", help="only finish filling new map bands (writers do not wait)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fill"]:
            rows = cells.fill(connection, say=self.stdout.write)
            self.stdout.write(f"{rows} map cell rows written; no band is being filled.")
            return
        institution_id = None
        if options["institution"]:
            slug = options["institution"][:100]
            institution = Institution.objects.filter(slug=slug).first()
            if institution is None:
                raise CommandError(f"No institution with the slug {slug!r}.")
            institution_id = institution.pk
        rollups.reinstall(connection)
        rows = rollups.rebuild(institution_id)
        self.stdout.write(f"{rows} rollup rows written.")
