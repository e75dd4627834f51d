"""The calendar as the law counts it: administrative leave, the arife's last day, pauses.

Administrative leave (idari izin) closes the office but is a working day in law (DOMAIN.md, Calendar): the
period of a law (4982 m.11: 15 iş günü; 3071; KVKK) runs through it, an institution's own standard skips it.
The real days used: the Presidency's letters of 2024 gave 8 April (Monday, full day) and 9 April (the
Ramazan arife, Tuesday, its morning) and 20–21 June (after the Kurban Bayramı). 2026: Ramazan arife 19 March
(Thursday), bayram 20–22 March; 23 April and 1 May are holidays; 28 Ekim is a half day.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kentmasa.deadlines import BusinessCalendar, Duration, TimeUnit, merge_pauses

IST = ZoneInfo("Europe/Istanbul")
BDAY, DAY, HOUR, MIN = TimeUnit.BUSINESS_DAYS, TimeUnit.DAYS, TimeUnit.HOURS, TimeUnit.MINUTES
FOI = Duration(15, BDAY)  # Law 4982 m.11


def at(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=IST)


# -- closed days ---------------------------------------------------------------------------------------------


def test_a_4982_deadline_runs_through_administrative_leave_and_is_a_day_earlier_than_an_own_standard():
    own = BusinessCalendar(closed=[date(2026, 3, 27)])  # a Friday of idari izin
    law = own.statutory_clock()

    # 15 working days from Wednesday 18 March: the law counts Friday 27 March, the own standard does not.
    assert law.due(at(2026, 3, 18, 10), FOI) == at(2026, 4, 9, 17, 30)
    assert own.due(at(2026, 3, 18, 10), FOI) == at(2026, 4, 10, 17, 30)
    # Without the leave both agree with the law.
    assert BusinessCalendar().due(at(2026, 3, 18, 10), FOI) == at(2026, 4, 9, 17, 30)


def test_the_2024_ramazan_leave_moves_an_own_standard_two_working_days_but_not_the_law():
    own = BusinessCalendar(closed=[date(2024, 4, 8), date(2024, 4, 9)])
    law = own.statutory_clock()

    # From Wednesday 3 April 2024; the bayram is 10–12 April, 23 April and 1 May are holidays.
    assert law.due(at(2024, 4, 3, 10), FOI) == at(2024, 4, 30, 17, 30)
    assert own.due(at(2024, 4, 3, 10), FOI) == at(2024, 5, 3, 17, 30)


def test_a_closed_day_is_a_working_day_in_law_but_the_office_is_shut():
    own = BusinessCalendar(closed=[date(2024, 4, 8)])
    law = own.statutory_clock()
    monday = date(2024, 4, 8)

    assert law.is_working_day(monday) and not own.is_working_day(monday)
    assert law.is_closed(monday) and own.is_closed(monday)
    assert not law.is_office_open(monday) and not own.is_office_open(monday)
    assert law.working_hours(monday) == (at(2024, 4, 8, 8, 30), at(2024, 4, 8, 17, 30))
    assert own.working_hours(monday) is None
    assert own.holiday_name(monday) == "İdari izin"
    assert law.holiday_name(monday) is None  # not a holiday: a working day the office does not open
    assert law.next_working_day(date(2024, 4, 5)) == monday
    assert own.next_working_day(date(2024, 4, 5)) == date(2024, 4, 9)


def test_holidays_and_weekends_stay_non_working_on_the_law_s_clock():
    # Leave "declared" on a Saturday and on a bayram day closes nothing and makes neither a working day.
    law = BusinessCalendar(closed=[date(2026, 3, 21), date(2026, 3, 20)], statutory=True)

    assert not law.is_working_day(date(2026, 3, 21))
    assert not law.is_working_day(date(2026, 3, 20))
    assert not law.is_closed(date(2026, 3, 21))
    assert law.due(at(2026, 3, 18, 10), FOI) == at(2026, 4, 9, 17, 30)


def test_a_last_day_on_administrative_leave_stays_the_deadline_on_the_law_s_clock():
    # 30 gün (Law 3071) from 21 May 2024 ends on 20 June 2024, a day of leave: the law's period ends then,
    # the own standard's moves to the next day the office is open (24 June, past the weekend).
    own = BusinessCalendar(closed=[date(2024, 6, 20), date(2024, 6, 21)])
    law = own.statutory_clock()
    petition = Duration(30, DAY)

    assert law.due(at(2024, 5, 21, 11), petition) == at(2024, 6, 20, 17, 30)
    assert own.due(at(2024, 5, 21, 11), petition) == at(2024, 6, 24, 17, 30)


def test_a_closed_arife_is_still_a_half_day_in_law():
    law = BusinessCalendar(closed=[date(2024, 4, 9)], statutory=True)

    assert law.is_half_day(date(2024, 4, 9))
    # One working day from Monday 8 April 2024 is the arife, ending at 13:00.
    assert law.due(at(2024, 4, 8, 10), Duration(1, BDAY)) == at(2024, 4, 9, 13)


def test_the_other_clock_shares_the_days_and_settings():
    own = BusinessCalendar(
        workday_end=time(17),
        closed=[date(2026, 3, 27)],
        half_day_deadline_early=False,
        days_off=[date(2026, 4, 1)],
    )
    law = own.with_statutory(True)

    assert law is not own and law.statutory and not own.statutory
    assert own.with_statutory(False) is own
    assert (law.closed, law.days_off, law.workday_end, law.half_day_deadline_early) == (
        own.closed,
        own.days_off,
        time(17),
        False,
    )
    # An extra day off (days_off) is not a working day even in law.
    assert not law.is_working_day(date(2026, 4, 1))
    assert own.with_closed([date(2026, 3, 30)]).closed == {date(2026, 3, 27), date(2026, 3, 30)}
    assert own.closed == {date(2026, 3, 27)}


# -- the arife as last day ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "early, expected",
    [(True, at(2026, 3, 19, 13)), (False, at(2026, 3, 19, 17, 30))],
)
def test_a_last_day_on_the_ramazan_arife_ends_as_the_institution_chooses(early, expected):
    calendar = BusinessCalendar(half_day_deadline_early=early)

    assert calendar.due(at(2026, 3, 18, 10), Duration(1, BDAY)) == expected
    assert calendar.due(at(2026, 3, 18, 10), Duration(1, DAY)) == expected
    # A last day that is not a half day is unaffected, and the half day's own hours stay short.
    assert calendar.due(at(2026, 3, 17, 10), Duration(1, BDAY)) == at(2026, 3, 18, 17, 30)
    assert calendar.working_hours(date(2026, 3, 19)) == (at(2026, 3, 19, 8, 30), at(2026, 3, 19, 13))


def test_28_ekim_as_last_day_at_the_normal_close():
    calendar = BusinessCalendar(half_day_deadline_early=False, workday_end=time(17))

    assert calendar.due(at(2026, 10, 27, 9), Duration(1, BDAY)) == at(2026, 10, 28, 17)


def test_a_pause_from_a_late_arife_deadline_carries_on_next_working_day():
    # Due at 17:30 on the arife (the late setting); a pause of two working hours moves it past the bayram:
    # nothing of the arife's afternoon is working time.
    calendar = BusinessCalendar(half_day_deadline_early=False)
    due = calendar.due(at(2026, 3, 18, 10), Duration(1, BDAY))

    assert calendar.resume(due, at(2026, 3, 18, 14), at(2026, 3, 18, 16), BDAY) == at(2026, 3, 23, 10, 30)


# -- pauses ------------------------------------------------------------------------------------------------


def test_one_pause_moves_the_deadline_by_its_working_time():
    calendar = BusinessCalendar()
    due = calendar.due(at(2026, 3, 18, 10), FOI)  # 9 April 17:30

    # Tuesday 24 March 14:00 to Wednesday 25 March 10:00: 3.5 + 1.5 working hours.
    moved = calendar.after_pauses(due, [(at(2026, 3, 24, 14), at(2026, 3, 25, 10))], BDAY)

    assert moved == at(2026, 4, 10, 13, 30)
    assert moved == calendar.resume(due, at(2026, 3, 24, 14), at(2026, 3, 25, 10), BDAY)


def test_several_pauses_add_up():
    calendar = BusinessCalendar()
    due = calendar.due(at(2026, 3, 18, 10), FOI)
    pauses = [(at(2026, 3, 24, 9, 30), at(2026, 3, 24, 11, 30)), (at(2026, 4, 1, 15), at(2026, 4, 1, 17, 30))]

    # 2 h + 2.5 h = 4.5 working hours after 9 April 17:30: 10 April 13:00.
    assert calendar.after_pauses(due, pauses, BDAY) == at(2026, 4, 10, 13)
    assert calendar.after_pauses(due, reversed(pauses), BDAY) == at(2026, 4, 10, 13)


def test_overlapping_pauses_count_once():
    calendar = BusinessCalendar()
    due = calendar.due(at(2026, 3, 18, 10), FOI)
    overlapping = [
        (at(2026, 3, 24, 9, 30), at(2026, 3, 24, 11, 30)),
        (at(2026, 3, 24, 10, 30), at(2026, 3, 24, 12)),
    ]

    assert merge_pauses(overlapping) == [(at(2026, 3, 24, 9, 30), at(2026, 3, 24, 12))]
    assert calendar.after_pauses(due, overlapping, BDAY) == at(2026, 4, 10, 11)  # 2.5 h, not 3.5 h


def test_a_pause_over_a_weekend_costs_nothing_on_a_day_clock_and_all_of_it_on_an_hour_clock():
    calendar = BusinessCalendar()
    weekend = [(at(2026, 3, 28, 9), at(2026, 3, 29, 18))]
    due = calendar.due(at(2026, 3, 18, 10), FOI)

    assert calendar.after_pauses(due, weekend, BDAY) == due
    hours_due = at(2026, 3, 28, 10)
    assert calendar.after_pauses(hours_due, weekend, HOUR) == hours_due + timedelta(hours=33)


def test_a_pause_over_administrative_leave_counts_it_only_on_the_law_s_clock():
    own = BusinessCalendar(closed=[date(2026, 3, 27)])
    law = own.statutory_clock()
    pause = [(at(2026, 3, 27, 8, 30), at(2026, 3, 27, 17, 30))]  # the whole day of leave

    assert own.after_pauses(own.due(at(2026, 3, 18, 10), FOI), pause, BDAY) == at(2026, 4, 10, 17, 30)
    # The law's clock was running that day, so the pause gives it back: a whole working day later.
    assert law.after_pauses(law.due(at(2026, 3, 18, 10), FOI), pause, BDAY) == at(2026, 4, 10, 17, 30)


def test_no_pauses_change_nothing_and_a_backwards_pause_is_refused():
    calendar = BusinessCalendar()
    due = at(2026, 4, 9, 17, 30)

    assert calendar.after_pauses(due, [], BDAY) == due
    with pytest.raises(ValueError, match="must end after it starts"):
        calendar.after_pauses(due, [(at(2026, 3, 24, 12), at(2026, 3, 24, 11))], BDAY)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.after_pauses(due, [(datetime(2026, 3, 24, 9), at(2026, 3, 24, 11))], BDAY)  # noqa: DTZ001


def test_touching_pauses_join():
    assert merge_pauses(
        [(at(2026, 3, 24, 9), at(2026, 3, 24, 10)), (at(2026, 3, 24, 10), at(2026, 3, 24, 11))]
    ) == [(at(2026, 3, 24, 9), at(2026, 3, 24, 11))]
