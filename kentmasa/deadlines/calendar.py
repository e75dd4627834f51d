"""The working calendar of a Turkish public institution, and the deadlines it gives.

Working days are Monday to Friday, less the public holidays (the `holidays` package: national days, Ramazan
and Kurban Bayramı) and the institution's own extra days off (idari izin). The arife of both bayrams and
28 Ekim are half days: still working days, but working hours end at `half_day_end` (13:00).

How a completion time becomes a due moment (`BusinessCalendar.due`):

- "N dakika", "N saat": round the clock, N minutes or hours after receipt;
- "N gün": the end of working hours on the Nth calendar day after the day of receipt, or, if that day is not a
  working day, at the end of the next working day;
- "N iş günü": the end of working hours of the Nth working day after the day of receipt (the day of receipt
  never counts, even when the application came in before opening).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from kentmasa.deadlines.standards import UNIT_NAMES_TR, CompletionTime, Duration, TimeUnit

ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)
ONE_MINUTE = timedelta(minutes=1)

# The name an institution's own extra day off goes by.
DAY_OFF_NAME = "İdari izin"

_UNIT_NAMES_EN = {
    TimeUnit.MINUTES: ("minute", "minutes"),
    TimeUnit.HOURS: ("hour", "hours"),
    TimeUnit.DAYS: ("day", "days"),
    TimeUnit.BUSINESS_DAYS: ("working day", "working days"),
}


@cache
def _public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.Turkey(years=year, language="tr"))


@cache
def _half_days(year: int) -> frozenset[date]:
    return frozenset(holidays.Turkey(years=year, categories=("half_day",)))


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value


@dataclass(frozen=True)
class Remaining:
    """How long until a due moment, or how late past it, in one whole unit.

    See `BusinessCalendar.remaining` for how the unit and the amount are chosen.
    """

    overdue: bool
    amount: int
    unit: TimeUnit

    def describe_tr(self) -> str:
        """In Turkish: "3 iş günü kaldı", "2 saat gecikti", "45 dakika kaldı", "5 gün kaldı"."""
        verb = "gecikti" if self.overdue else "kaldı"
        return f"{self.amount} {UNIT_NAMES_TR[self.unit]} {verb}"

    def describe_en(self) -> str:
        """In English: "3 working days left", "1 hour overdue"."""
        singular, plural = _UNIT_NAMES_EN[self.unit]
        status = "overdue" if self.overdue else "left"
        return f"{self.amount} {singular if self.amount == 1 else plural} {status}"


class BusinessCalendar:
    """One institution's working calendar.

    The holiday lists are built once per year and shared by all calendars.
    """

    def __init__(
        self,
        workday_start: time = time(8, 30),
        workday_end: time = time(17, 30),
        half_day_end: time = time(13, 0),
        days_off: Iterable[date] = (),
        tz: str = "Europe/Istanbul",
    ):
        if not workday_start < half_day_end <= workday_end:
            raise ValueError(
                f"working hours must satisfy start < half-day end <= end, got "
                f"{workday_start}, {half_day_end}, {workday_end}"
            )
        self.workday_start = workday_start
        self.workday_end = workday_end
        self.half_day_end = half_day_end
        self.days_off = frozenset(days_off)
        self.tz = ZoneInfo(tz)

    # -- days -----------------------------------------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """The Turkish name of the public holiday on d ("Kurban Bayramı"), "İdari izin" for the institution's
        own days off, None otherwise (weekends and half days included)."""
        name = _public_holidays(d.year).get(d)
        if name is None and d in self.days_off:
            return DAY_OFF_NAME
        return name

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday, not a public holiday, not a day off. Half days are working days."""
        return d.weekday() < 5 and d not in _public_holidays(d.year) and d not in self.days_off

    def is_half_day(self, d: date) -> bool:
        """True for a working day whose hours end at `half_day_end` (bayram arifes, 28 Ekim).

        An arife that falls on a weekend or on a day off is not a working day, so not a half day either.
        """
        return d in _half_days(d.year) and self.is_working_day(d)

    def working_hours(self, d: date) -> tuple[datetime, datetime] | None:
        """Opening and closing on d, aware, in the calendar's zone; None when d is not a working day."""
        if not self.is_working_day(d):
            return None
        end = self.half_day_end if self.is_half_day(d) else self.workday_end
        return datetime.combine(d, self.workday_start, self.tz), datetime.combine(d, end, self.tz)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        d += ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def _closing(self, d: date) -> datetime:
        hours = self.working_hours(d)
        if hours is None:
            raise ValueError(f"{d} is not a working day")
        return hours[1]

    def _working_days_after(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: after start, up to and including end."""
        count = 0
        d = start + ONE_DAY
        while d <= end:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count

    # -- deadlines ------------------------------------------------------------------------------------------

    def due(self, received: datetime, duration: Duration) -> datetime:
        """The moment a service received at `received` must be completed (rules in the module docstring)."""
        _aware(received, "received")
        if duration.unit.elapsed:
            step = ONE_MINUTE if duration.unit is TimeUnit.MINUTES else ONE_HOUR
            # Arithmetic in UTC: adding to a local time would go by the wall clock across a DST change.
            return self._local(received.astimezone(UTC) + duration.amount * step)
        day = self._local(received).date()
        if duration.unit is TimeUnit.DAYS:
            day += timedelta(days=duration.amount)
            if not self.is_working_day(day):
                day = self.next_working_day(day)
        else:
            for _ in range(duration.amount):
                day = self.next_working_day(day)
        return self._closing(day)

    def deadline(
        self, received: datetime, completion: CompletionTime, several_institutions: bool = False
    ) -> datetime | None:
        """The due moment for a completion time: the moment of receipt for immediate services, None when the
        completion time states no time (or only a retention period)."""
        _aware(received, "received")
        if completion.immediate:
            return self._local(received)
        duration = completion.applicable(several_institutions)
        if duration is None:
            return None
        return self.due(received, duration)

    # -- working time ---------------------------------------------------------------------------------------

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The time inside working hours between two instants (zero when end is not after start)."""
        start = self._local(_aware(start, "start"))
        end = self._local(_aware(end, "end"))
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            hours = self.working_hours(day)
            if hours is not None:
                opening, closing = max(hours[0], start), min(hours[1], end)
                if opening < closing:
                    total += closing.astimezone(UTC) - opening.astimezone(UTC)
            day += ONE_DAY
        return total

    def add_working_time(self, at: datetime, amount: timedelta) -> datetime:
        """The moment reached by spending `amount` of working time from `at`.

        Time outside working hours does not count: from a closing time, or from a Saturday, the count starts
        at the next opening. When the amount runs out exactly at a closing time, that closing time is the
        answer.
        """
        at = self._local(_aware(at, "at"))
        if amount <= timedelta(0):
            return at
        left = amount
        day = at.date()
        while True:
            hours = self.working_hours(day)
            if hours is not None:
                opening, closing = max(hours[0], at), hours[1]
                if opening < closing:
                    available = closing.astimezone(UTC) - opening.astimezone(UTC)
                    if left <= available:
                        return self._local(opening.astimezone(UTC) + left)
                    left -= available
            day += ONE_DAY

    def resume(self, due: datetime, paused_at: datetime, resumed_at: datetime, unit: TimeUnit) -> datetime:
        """The new due moment after the clock was stopped from `paused_at` to `resumed_at`.

        Elapsed units (minutes, hours) move the due moment by the whole pause; day units move it by the
        working time that fell inside the pause: a pause over a weekend costs only its working hours.
        """
        _aware(due, "due")
        if unit.elapsed:
            pause = _aware(resumed_at, "resumed_at") - _aware(paused_at, "paused_at")
            return self._local(due.astimezone(UTC) + max(pause, timedelta(0)))
        return self.add_working_time(due, self.working_time_between(paused_at, resumed_at))

    # -- remaining ------------------------------------------------------------------------------------------

    def remaining(self, now: datetime, due: datetime, unit: TimeUnit) -> Remaining:
        """What is left until `due`, or how late it is, for a deadline measured in `unit`.

        Before the due moment (and at it):
          - BUSINESS_DAYS: the working days after today up to and including the due date ("3 iş günü kaldı");
          - DAYS: the calendar days from today to the due date ("5 gün kaldı");
          - when the due moment is today, and always for MINUTES and HOURS: whole hours, or whole minutes when
            less than an hour is left ("2 saat kaldı", "45 dakika kaldı"); from two days on, whole days of
            24 hours ("3 gün kaldı").
        After it, the lateness:
          - less than an hour: whole minutes; less than 24 hours: whole hours;
          - from 24 hours on: MINUTES and HOURS in whole hours, from 48 hours on in whole days of 24 hours;
            DAYS in whole days of 24 hours
            ("2 gün gecikti"); BUSINESS_DAYS in the working days after the due date up to and including
            today, or in whole hours when there is none (a deadline missed on Friday at 17:30 is "42 saat"
            late on Sunday at 11:30 and "1 iş günü" late on Monday).
        Amounts are rounded down but never to zero while time is left or late (29 seconds left is "1 dakika");
        exactly at the due moment the answer is "0 dakika kaldı".
        """
        now = self._local(_aware(now, "now"))
        due = self._local(_aware(due, "due"))
        gap = due.astimezone(UTC) - now.astimezone(UTC)
        if gap >= timedelta(0):
            if unit is TimeUnit.BUSINESS_DAYS:
                days = self._working_days_after(now.date(), due.date())
                if days:
                    return Remaining(False, days, unit)
            elif unit is TimeUnit.DAYS:
                days = (due.date() - now.date()).days
                if days:
                    return Remaining(False, days, unit)
            return _by_the_clock(False, gap)

        late = -gap
        if late < ONE_DAY or unit.elapsed:
            return _by_the_clock(True, late)
        if unit is TimeUnit.DAYS:
            return Remaining(True, late // ONE_DAY, unit)
        days = self._working_days_after(due.date(), now.date())
        if days:
            return Remaining(True, days, unit)
        return _by_the_clock(True, late)


def _by_the_clock(overdue: bool, gap: timedelta) -> Remaining:
    if gap >= 2 * ONE_DAY:  # "23 gün gecikti" reads better than "560 saat gecikti"
        return Remaining(overdue, gap // ONE_DAY, TimeUnit.DAYS)
    if gap >= ONE_HOUR:
        return Remaining(overdue, gap // ONE_HOUR, TimeUnit.HOURS)
    if gap == timedelta(0):
        return Remaining(overdue, 0, TimeUnit.MINUTES)
    return Remaining(overdue, max(gap // ONE_MINUTE, 1), TimeUnit.MINUTES)
