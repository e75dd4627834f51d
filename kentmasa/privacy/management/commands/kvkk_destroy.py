"""manage.py kvkk_destroy: the KVKK destruction run by hand, or (--dry-run) what it would destroy."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kentmasa.directory.models import Institution, User
from kentmasa.privacy import retention


class Command(BaseCommand):
    help = (
        "Run the KVKK destruction run now for every institution (or --institution SLUG); --dry-run shows per "
        "category what would be destroyed and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show what would go; change nothing.")
        parser.add_argument("--institution", metavar="SLUG", help="Only this institution.")
        parser.add_argument("--user", metavar="USERNAME", help="Recorded as who performed the run.")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        institutions = Institution.objects.order_by("pk")
        if options["institution"]:
            institutions = institutions.filter(slug=options["institution"][:100])
            if not institutions.exists():
                raise CommandError(f"No institution with the slug {options['institution'][:100]!r}.")
        by = None
        if options["user"]:
            by = User.objects.filter(username=options["user"][:150]).first()
            if by is None:
                raise CommandError(f"No user {options['user'][:150]!r}.")
        for institution in institutions:
            self.stdout.write(f"== {institution.name} ({institution.slug})")
            if options["dry_run"]:
                for row in retention.plan(institution):
                    oldest = f"{row.oldest:%d.%m.%Y}" if row.oldest else "-"
                    newest = f"{row.newest:%d.%m.%Y}" if row.newest else "-"
                    days = "" if row.days is None else f" ({row.days} gün)"
                    self.stdout.write(
                        f"  {row.label}{days}: {row.count} (en eski {oldest}, en yeni {newest}), "
                        f"tutulan {row.kept}, {row.bytes} bayt {row.note}".rstrip()
                    )
                continue
            done = retention.run(institution, by=by, force=True)
            if done is None:
                self.stdout.write("  başka bir işçi şu anda çalıştırıyor")
                continue
            for record in done.records:
                self.stdout.write(
                    f"  {record.get_category_display()}: {record.item_count} öğe, "
                    f"{len(record.kept)} tutulan, {record.get_outcome_display()} "
                    f"(/imha-tutanaklari/{record.pk}/)"
                )
