"""python manage.py deadline --from 2026-03-18T10:00 "15 İŞ GÜNÜ" [--institution SLUG] [--several]

Prints when a service received at --from must be completed, e.g. 2026-04-09T17:30:00+03:00: the same
arithmetic cases use, for checking a standard or a calendar by hand.
"""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kentmasa.deadlines import BusinessCalendar, CompletionTimeError, parse_completion_time
from kentmasa.directory.models import Institution

# Bad input exits with 2, like a wrong command line; an unexpected failure stays 1.
USAGE_ERROR = 2
_TURKISH_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y")


class Command(BaseCommand):
    help = (
        'Print the deadline of a completion time such as "15 İŞ GÜNÜ" as ISO 8601. Times without an offset '
        "are Istanbul time."
    )
    # A calculator: it must answer even while a half-finished app elsewhere fails the system checks.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "completion_time", help='As the standard writes it, e.g. "15 İŞ GÜNÜ", "10 dakika".'
        )
        parser.add_argument(
            "--from",
            dest="received",
            metavar="TIME",
            help="When the application was received, e.g. 2026-03-18T10:00 (default: now).",
        )
        parser.add_argument(
            "--institution",
            metavar="SLUG",
            help="Use this institution's working hours and days off (default: 08:30-17:30).",
        )
        parser.add_argument(
            "--several",
            action="store_true",
            help="The application concerns several institutions: use the standard's extended time.",
        )

    def handle(
        self,
        *args: Any,
        completion_time: str,
        received: str | None,
        institution: str | None,
        several: bool,
        **options: Any,
    ) -> None:
        try:
            completion = parse_completion_time(completion_time)
        except CompletionTimeError as error:
            raise CommandError(error.message, returncode=USAGE_ERROR) from error

        calendar = self.calendar(institution)
        received_at = self.received_at(received, calendar)
        due = calendar.deadline(received_at, completion, several_institutions=several)
        if due is None:
            message = "Bu standartta süre belirtilmemiş"
            if completion.retention is not None:
                message += f" (yalnızca saklama süresi var: {completion.retention.describe_tr()})"
            self.stdout.write(f"{message}; son tarih yok.")
            return
        self.stdout.write(due.astimezone(calendar.tz).isoformat(timespec="seconds"))

    def calendar(self, slug: str | None) -> BusinessCalendar:
        if slug is None:
            return BusinessCalendar()
        institution = Institution.objects.filter(slug=slug).first()
        if institution is None:
            raise CommandError(f"“{slug}” kısa adlı bir kurum yok.", returncode=USAGE_ERROR)
        return institution.business_calendar()

    def received_at(self, value: str | None, calendar: BusinessCalendar) -> datetime:
        if value is None:
            return timezone.now()
        moment = None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            for pattern in _TURKISH_FORMATS:
                try:
                    moment = datetime.strptime(value.strip(), pattern).replace(tzinfo=calendar.tz)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise CommandError(
                f"--from zamanı okunamadı: “{value}”. Örnek: 2026-03-18T10:00 ya da 18.03.2026 10:00.",
                returncode=USAGE_ERROR,
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=calendar.tz)
        return moment
