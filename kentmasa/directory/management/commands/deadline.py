"""python manage.py deadline --from 2026-03-18T10:00 "15 İŞ GÜNÜ" [--institution SLUG] [--several]
[--statutory] [--closed DATE ...] [--pause START/END ...]

Prints when a service received at --from must be completed, e.g. 2026-04-09T17:30:00+03:00: the same
arithmetic cases use, for checking a standard or a calendar by hand.

--closed adds a day of administrative leave (idari izin: the office is closed, a working day in law) to the
calendar; --statutory counts on the clock of a law (4982, 3071, KVKK), on which closed days are working days
(without it, the institution's own standards' choice, by default skipping them); --pause stops the clock
between two moments, as while a fee or the citizen is awaited (several pauses: overlaps count once).
"""

from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kentmasa.deadlines import BusinessCalendar, CompletionTimeError, parse_completion_time
from kentmasa.directory.models import Institution

# Bad input exits with 2, like a wrong command line; an unexpected failure stays 1.
USAGE_ERROR = 2
_TURKISH_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y")
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
_MOMENT_EXAMPLE = "2026-03-18T10:00 / 18.03.2026 10:00"


def usage_error(turkish: str, english: str) -> CommandError:
    return CommandError(f"{turkish} / {english}", returncode=USAGE_ERROR)


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
            help="Use this institution's working hours, closed days and settings (default: 08:30-17:30).",
        )
        parser.add_argument(
            "--several",
            action="store_true",
            help="The application concerns several institutions: use the standard's extended time.",
        )
        parser.add_argument(
            "--statutory",
            action="store_true",
            help="The period of a law (4982, 3071, KVKK): administrative-leave days count as working days.",
        )
        parser.add_argument(
            "--closed",
            action="append",
            default=[],
            metavar="DATE",
            help="A day of administrative leave (idari izin), e.g. 08.04.2024 or 2024-04-08. Repeatable.",
        )
        parser.add_argument(
            "--pause",
            action="append",
            default=[],
            metavar="START/END",
            help="The clock stops between these two moments, e.g. 2026-03-20T09:00/2026-03-23T12:00. "
            "Repeatable.",
        )

    def handle(
        self,
        *args: Any,
        completion_time: str,
        received: str | None,
        institution: str | None,
        several: bool,
        statutory: bool = False,
        closed: list[str] | None = None,
        pause: list[str] | None = None,
        **options: Any,
    ) -> None:
        try:
            completion = parse_completion_time(completion_time)
        except CompletionTimeError as error:
            raise CommandError(error.message, returncode=USAGE_ERROR) from error

        calendar = self.calendar(institution, statutory)
        closed_days = [self.closed_day(value) for value in closed or ()]
        if closed_days:
            calendar = calendar.with_closed(closed_days)
        received_at = self.received_at(received, calendar)
        pauses = [self.pause(value, calendar, received_at) for value in pause or ()]
        try:
            due = calendar.deadline(received_at, completion, several_institutions=several)
            duration = completion.applicable(several)
            if due is not None and pauses and duration is not None:
                due = calendar.after_pauses(due, pauses, duration.unit)
        except OverflowError as error:
            raise usage_error(
                "Son tarih takvimin dışına düşüyor; daha yakın bir tarih verin.",
                "The deadline falls outside the calendar; give a nearer date.",
            ) from error
        if due is None:
            message = "Bu standartta süre belirtilmemiş"
            if completion.retention is not None:
                message += f" (yalnızca saklama süresi var: {completion.retention.describe_tr()})"
            self.stdout.write(f"{message}; son tarih yok.")
            return
        if pauses and duration is None:
            # An "anlık" service is due when received, as a case on it is: a pause does not move it.
            self.stderr.write(
                "Anlık hizmette duraklama son tarihi değiştirmez. / "
                "A pause does not move an immediate service."
            )
        due = due.astimezone(calendar.tz)
        if duration is not None and not duration.unit.elapsed and calendar.is_closed(due.date()):
            self.stderr.write(
                f"Not: son gün ({due:%d.%m.%Y}) idari izin; büro kapalı, ama yasal süre o gün biter. / "
                "Note: the last day is administrative leave; the office is closed, but the law's period "
                "ends that day."
            )
        self.stdout.write(due.isoformat(timespec="seconds"))

    def calendar(self, slug: str | None, statutory: bool) -> BusinessCalendar:
        if slug is None:
            return BusinessCalendar(statutory=statutory)
        institution = Institution.objects.filter(slug=slug).first()
        if institution is None:
            raise usage_error(
                f"“{slug}” kısa adlı bir kurum yok.", f"No institution has the short name “{slug}”."
            )
        return institution.business_calendar(statutory=statutory)

    def closed_day(self, value: str) -> date:
        text = value.strip()
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=UTC).date()
            except ValueError:
                continue
        raise usage_error(
            f"--closed günü okunamadı: “{value}”. Örnek: 08.04.2024 ya da 2024-04-08.",
            f"Cannot read the --closed day “{value}”. Example: 08.04.2024 or 2024-04-08.",
        )

    def moment(self, value: str, calendar: BusinessCalendar) -> datetime | None:
        """An ISO 8601 or Turkish (18.03.2026 10:00) moment, Istanbul time without an offset; None if
        unreadable."""
        text = value.strip()
        moment = None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for pattern in _TURKISH_FORMATS:
                try:
                    moment = datetime.strptime(text, pattern).replace(tzinfo=calendar.tz)
                    break
                except ValueError:
                    continue
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=calendar.tz)
        return moment

    def received_at(self, value: str | None, calendar: BusinessCalendar) -> datetime:
        if value is None:
            return timezone.now()
        moment = self.moment(value, calendar)
        if moment is None:
            raise usage_error(
                f"--from zamanı okunamadı: “{value}”. Örnek: 2026-03-18T10:00 ya da 18.03.2026 10:00.",
                f"Cannot read the --from time “{value}”. Example: {_MOMENT_EXAMPLE}.",
            )
        return moment

    def pause(
        self, value: str, calendar: BusinessCalendar, received_at: datetime
    ) -> tuple[datetime, datetime]:
        parts = value.split("/")
        moments = [self.moment(part, calendar) for part in parts] if len(parts) == 2 else []
        start, end = (moments[0], moments[1]) if len(moments) == 2 else (None, None)
        if start is None or end is None:
            raise usage_error(
                f"--pause okunamadı: “{value}”. Başlangıç ve bitişi / ile ayırın, örnek: "
                "2026-03-20T09:00/2026-03-23T12:00 ya da 20.03.2026 09:00/23.03.2026 12:00.",
                f"Cannot read --pause “{value}”. Separate its start and end with /, e.g. "
                "2026-03-20T09:00/2026-03-23T12:00.",
            )
        if end <= start:
            raise usage_error(
                f"--pause bitişi başlangıcından sonra olmalı: “{value}”.",
                f"A --pause must end after it starts: “{value}”.",
            )
        if start < received_at:
            raise usage_error(
                f"--pause başvurudan önce başlıyor: “{value}” (başvuru {received_at:%d.%m.%Y %H:%M}).",
                f"The --pause starts before the application was received: “{value}”.",
            )
        return start, end
