"""The working calendar of a Turkish public institution, and the deadlines it gives.

Working days are Monday to Friday, less the public holidays (the `holidays` package: national days, Ramazan
and Kurban Bayramı) and any extra `days_off` that are not working days even in law. The arife of both bayrams
and 28 Ekim are half days: still working days, but working hours end at `half_day_end` (13:00).

Administrative leave (idari izin, declared by the Presidency for a bridge day, or by an institution) is
different: it *closes* the office, but in law the day is still a working day. Such days are `closed`. A
`statutory` calendar — the clock of a law (4982, 3071, KVKK) — counts them as working days: the period runs
through them, and a last day that falls on one stays the deadline (that day's close), since the
administration's own leave cannot lengthen the period the law gives it. Any other calendar (an institution's
own service standard, unless it chooses otherwise) skips them like a holiday. Weekends and public holidays are
non-working on both.

Whether a deadline whose last day is a half day ends at `half_day_end` or at the normal close is not settled
in law: `half_day_deadline_early` (default True: 13:00) decides. Working time (pauses) always follows the real
half-day hours.

How a completion time becomes a due moment (`BusinessCalendar.due`):

- "N dakika", "N saat": round the clock, N minutes or hours after receipt;
- "N gün": the end of working hours on the Nth calendar day after the day of receipt, or, if that day is not a
  working day, at the end of the next working day;
- "N iş günü": the end of working hours of the Nth working day after the day of receipt (the day of receipt
  never counts, even when the application came in before opening).
"""

from __future__ import annotations

import copy
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
        *,
        closed: Iterable[date] = (),
        statutory: bool = False,
        half_day_deadline_early: bool = True,
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
        # Administrative leave: the office is shut; a working day in law (counted when `statutory`).
        self.closed = frozenset(closed)
        self.statutory = statutory
        self.half_day_deadline_early = half_day_deadline_early

    def with_statutory(self, statutory: bool = True) -> BusinessCalendar:
        """The same calendar on the other clock: `statutory` True counts closed days as working days."""
        if statutory == self.statutory:
            return self
        twin = copy.copy(self)
        twin.statutory = statutory
        return twin

    def with_closed(self, days: Iterable[date]) -> BusinessCalendar:
        """The same calendar with more closed days (administrative leave)."""
        twin = copy.copy(self)
        twin.closed = self.closed | frozenset(days)
        return twin

    def statutory_clock(self) -> BusinessCalendar:
        """The clock of a law (4982, 3071, KVKK): closed days (idari izin) are working days."""
        return self.with_statutory(True)

    # -- days -----------------------------------------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """The Turkish name of the public holiday on d ("Kurban Bayramı"); "İdari izin" for extra days off
        and, on a calendar that skips them, closed days; None otherwise (weekends and half days included)."""
        name = _public_holidays(d.year).get(d)
        if name is None and (d in self.days_off or (d in self.closed and not self.statutory)):
            return DAY_OFF_NAME
        return name

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday, not a public holiday, not a day off, and — unless the calendar is statutory — not
        a closed day (administrative leave). Half days are working days."""
        return (
            d.weekday() < 5
            and d not in _public_holidays(d.year)
            and d not in self.days_off
            and (self.statutory or d not in self.closed)
        )

    def is_closed(self, d: date) -> bool:
        """The office is closed on d by administrative leave (idari izin), whichever clock this is.

        Only a day that would otherwise be worked: leave declared on a Saturday or a holiday closes nothing.
        """
        return (
            d in self.closed
            and d.weekday() < 5
            and d not in _public_holidays(d.year)
            and d not in self.days_off
        )

    def is_office_open(self, d: date) -> bool:
        """A working day on which the office is open (not closed by administrative leave)."""
        return self.is_working_day(d) and not self.is_closed(d)

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
        """When a deadline whose last day is d ends: the day's close; on a half day, `half_day_end` unless
        the calendar lets such deadlines run to the normal close (`half_day_deadline_early` False)."""
        hours = self.working_hours(d)
        if hours is None:
            raise ValueError(f"{d} is not a working day")
        if not self.half_day_deadline_early and self.is_half_day(d):
            return datetime.combine(d, self.workday_end, self.tz)
        return hours[1]

    def _working_days_after(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: after start, up to and including end.

        Counted as the weekdays of the span less the holidays, days off and closed days that fall on them, not
        day by day: a page of cases due months ahead asks this once per case."""
        if end <= start:
            return 0
        first = start + ONE_DAY
        days = (end - first).days + 1
        weeks, rest = divmod(days, 7)
        weekdays = weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(rest))
        skipped = set(self.days_off)
        if not self.statutory:
            skipped |= self.closed
        for year in range(first.year, end.year + 1):
            skipped.update(_public_holidays(year))
        return weekdays - sum(1 for d in skipped if first <= d <= end and d.weekday() < 5)

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

    def after_pauses(
        self, due: datetime, pauses: Iterable[tuple[datetime, datetime]], unit: TimeUnit
    ) -> datetime:
        """The due moment after the clock was stopped during each of `pauses` (start, end), as `resume` does
        for one: overlapping or touching pauses are merged first, so no moment is paid for twice."""
        moved = _aware(due, "due")
        for start, end in merge_pauses(pauses):
            moved = self.resume(moved, start, end, unit)
        return self._local(moved)

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


def merge_pauses(pauses: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Pauses in time order with overlapping or touching ones joined. Each must be aware and end after it
    starts (ValueError otherwise)."""
    ordered = []
    for start, end in pauses:
        _aware(start, "pause start")
        _aware(end, "pause end")
        if end <= start:
            raise ValueError(f"a pause must end after it starts, got {start.isoformat()} / {end.isoformat()}")
        ordered.append((start, end))
    ordered.sort(key=lambda pause: pause[0])
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _by_the_clock(overdue: bool, gap: timedelta) -> Remaining:
    if gap >= 2 * ONE_DAY:  # "23 gün gecikti" reads better than "560 saat gecikti"
        return Remaining(overdue, gap // ONE_DAY, TimeUnit.DAYS)
    if gap >= ONE_HOUR:
        return Remaining(overdue, gap // ONE_HOUR, TimeUnit.HOURS)
    if gap == timedelta(0):
        return Remaining(overdue, 0, TimeUnit.MINUTES)
    return Remaining(overdue, max(gap // ONE_MINUTE, 1), TimeUnit.MINUTES)
