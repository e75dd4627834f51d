"""The count of working days between two dates (behind "3 iş günü kaldı") is arithmetic, not a walk over the
days; it must give what counting day by day with ``is_working_day`` gives, across weekends, bayrams, year
ends, days off and closed days on both clocks."""

from datetime import date, timedelta

import pytest

from kentmasa.deadlines import BusinessCalendar

CLOSED = [date(2026, 3, 18), date(2026, 5, 25), date(2026, 12, 31)]  # idari izin around the bayrams, New Year
DAYS_OFF = [date(2026, 6, 1), date(2027, 1, 4)]


def day_by_day(calendar: BusinessCalendar, start: date, end: date) -> int:
    return sum(calendar.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@pytest.mark.parametrize("statutory", [False, True])
def test_the_count_equals_counting_day_by_day(statutory):
    calendar = BusinessCalendar(closed=CLOSED, days_off=DAYS_OFF, statutory=statutory)
    starts = [date(2025, 12, 24) + timedelta(days=n) for n in range(0, 200, 3)]
    spans = [0, 1, 2, 4, 6, 7, 8, 13, 30, 61, 400]
    for start in starts:
        for span in spans:
            end = start + timedelta(days=span)
            assert calendar._working_days_after(start, end) == day_by_day(calendar, start, end), (start, end)


def test_known_counts():
    calendar = BusinessCalendar(closed=CLOSED)
    # Ramazan Bayramı 2026: arife Thu 19 Mar is a (half) working day, Fri 20 Mar a holiday, the weekend after.
    assert calendar._working_days_after(date(2026, 3, 17), date(2026, 3, 23)) == 2  # 18 closed, 19, 23
    assert calendar.with_statutory(True)._working_days_after(date(2026, 3, 17), date(2026, 3, 23)) == 3
    assert calendar._working_days_after(date(2026, 3, 23), date(2026, 3, 23)) == 0
    assert calendar._working_days_after(date(2026, 3, 24), date(2026, 3, 23)) == 0
