"""python manage.py import_standards FILE --institution SLUG [--dry-run]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import Institution


class Command(BaseCommand):
    help = (
        "Import an institution's service standards table (tab-separated UTF-8 text): add or update its "
        "services and first / second application places. Every line that cannot be read is reported with "
        "its number, and then nothing is saved. Each row's clock (completion or forwarding) is read from its "
        "completion time and its channels proposed from its name, for a new service; an existing one keeps "
        "its own and the report says what the table would give it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The table as a UTF-8 text file.")
        parser.add_argument("--institution", required=True, help="The institution's slug, e.g. esenler.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; save nothing.")

    def handle(self, *args: Any, file: Path, institution: str, dry_run: bool, **options: Any) -> None:
        target = Institution.objects.filter(slug=institution).first()
        if target is None:
            known = ", ".join(Institution.objects.order_by("slug").values_list("slug", flat=True)[:20])
            raise CommandError(
                f"“{institution}” kısa adlı bir kurum yok. Kurumu önce yönetim panelinden ekleyin"
                + (f"; kayıtlı kurumlar: {known}." if known else "; henüz hiç kurum kayıtlı değil.")
            )
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{file} UTF-8 değil (bayt {error.start}); dosyayı UTF-8 olarak kaydedip yeniden deneyin."
            ) from error
        except OSError as error:
            raise CommandError(f"{file} okunamadı: {error.strerror}.") from error

        result = import_standards(target, text, dry_run=dry_run)
        for problem in result.problems:
            self.stderr.write(str(problem))
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(f"{target.name}: {result.summary()}"))
        # Each row's clock and proposed channels, then the holders proposed for the application places.
        for line in result.report_lines():
            self.stdout.write(line)
