"""Due moments on the Turkish working calendar, hand-checked against 2025–2027.

The days that matter (from holidays.Turkey, public and half_day categories):
  2025: 1 Ocak Wed; Ramazan arife 29 Mar (Sat), bayram 30 Mar–1 Nis; Kurban arife 5 Haz (Thu), bayram 6–9 Haz;
        28 Ekim (Tue) half day, 29 Ekim (Wed).
  2026: 1 Ocak Thu; Ramazan arife 19 Mar (Thu), bayram 20–22 Mar; Kurban arife 26 May (Tue), bayram 27–30 May;
        28 Ekim (Wed) half day, 29 Ekim (Thu).
  2027: 1 Ocak Fri; Ramazan arife 8 Mar (Mon), bayram 9–11 Mar; Kurban arife 15 May (Sat), bayram 16–19 May
        (19 May is also Atatürk'ü Anma); 28 Ekim (Thu) half day, 29 Ekim (Fri).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kentmasa.deadlines import (
    BusinessCalendar,
    CompletionTime,
    Duration,
    Remaining,
    TimeUnit,
    parse_completion_time,
)

IST = ZoneInfo("Europe/Istanbul")
MIN, HOUR, DAY, BDAY = TimeUnit.MINUTES, TimeUnit.HOURS, TimeUnit.DAYS, TimeUnit.BUSINESS_DAYS


def at(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=IST)


@pytest.fixture
def calendar():
    return BusinessCalendar()


# -- the calendar itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working, half, name",
    [
        (date(2026, 3, 18), True, False, None),  # Wednesday before the Ramazan arife
        (date(2026, 3, 19), True, True, None),  # Ramazan arife: a half day is a working day
        (date(2026, 3, 20), False, False, "Ramazan Bayramı"),
        (date(2026, 3, 23), True, False, None),
        (date(2026, 5, 26), True, True, None),  # Kurban arife
        (date(2026, 5, 30), False, False, "Kurban Bayramı"),  # Saturday and bayram
        (date(2026, 10, 28), True, True, None),
        (date(2026, 10, 29), False, False, "Cumhuriyet Bayramı"),
        (date(2026, 1, 1), False, False, "Yılbaşı"),
        (date(2026, 4, 11), False, False, None),  # a plain Saturday is no holiday
        (date(2025, 3, 29), False, False, None),  # the 2025 Ramazan arife fell on a Saturday
        (date(2025, 6, 5), True, True, None),
        (date(2027, 5, 15), False, False, None),  # the 2027 Kurban arife falls on a Saturday
        (date(2027, 3, 8), True, True, None),  # a Monday arife
    ],
)
def test_working_days_half_days_and_holiday_names(calendar, day, working, half, name):
    assert calendar.is_working_day(day) is working
    assert calendar.is_half_day(day) is half
    assert calendar.holiday_name(day) == name


def test_working_hours_end_at_one_on_a_half_day(calendar):
    assert calendar.working_hours(date(2026, 10, 28)) == (at(2026, 10, 28, 8, 30), at(2026, 10, 28, 13))
    assert calendar.working_hours(date(2026, 10, 27)) == (at(2026, 10, 27, 8, 30), at(2026, 10, 27, 17, 30))
    assert calendar.working_hours(date(2026, 10, 29)) is None
    assert calendar.working_hours(date(2026, 10, 27))[0].tzinfo == IST


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 3, 18), date(2026, 3, 19)),
        (date(2026, 3, 19), date(2026, 3, 23)),  # over the Ramazan Bayramı and the weekend
        (date(2026, 4, 10), date(2026, 4, 13)),  # Friday to Monday
        (date(2026, 4, 11), date(2026, 4, 13)),  # from a Saturday
        (date(2025, 12, 31), date(2026, 1, 2)),  # over 1 Ocak
        (date(2027, 5, 14), date(2027, 5, 20)),  # over the Kurban Bayramı and 19 Mayıs
    ],
)
def test_next_working_day_is_strictly_after(calendar, day, expected):
    assert calendar.next_working_day(day) == expected


def test_an_institution_adds_a_bridge_day_off():
    bridge = BusinessCalendar(days_off=[date(2026, 10, 30)])
    assert not bridge.is_working_day(date(2026, 10, 30))
    assert bridge.holiday_name(date(2026, 10, 30)) == "İdari izin"
    assert bridge.holiday_name(date(2026, 10, 29)) == "Cumhuriyet Bayramı"
    assert bridge.next_working_day(date(2026, 10, 28)) == date(2026, 11, 2)
    assert BusinessCalendar().is_working_day(date(2026, 10, 30))


def test_an_arife_given_as_a_day_off_is_not_a_half_day():
    calendar = BusinessCalendar(days_off=[date(2026, 5, 26)])
    assert not calendar.is_half_day(date(2026, 5, 26))
    assert calendar.working_hours(date(2026, 5, 26)) is None


def test_working_hours_must_be_in_order():
    with pytest.raises(ValueError):
        BusinessCalendar(workday_start=time(13), half_day_end=time(12))


# -- due moments -------------------------------------------------------------------------------------------

DUE_VECTORS = [
    # the worked example of the product issue: the arife counts as a (half) working day, the bayram does not
    (at(2026, 3, 18, 10), "15 İŞ GÜNÜ", at(2026, 4, 9, 17, 30)),
    (at(2026, 3, 18, 10), "1 İŞ GÜNÜ", at(2026, 3, 19, 13)),
    (at(2026, 3, 19, 12), "1 iş günü", at(2026, 3, 23, 17, 30)),
    (at(2026, 3, 18, 10), "1 gün", at(2026, 3, 19, 13)),
    (at(2026, 3, 19, 14), "1 gün", at(2026, 3, 23, 17, 30)),  # received after the half day closed
    (at(2026, 3, 18, 10), "3 gün", at(2026, 3, 23, 17, 30)),  # 21 Mar is a Saturday and bayram
    # Kurban Bayramı 2026
    (at(2026, 5, 22, 16), "2 iş günü", at(2026, 5, 26, 13)),
    (at(2026, 5, 22, 16), "3 iş günü", at(2026, 6, 1, 17, 30)),
    (at(2026, 5, 22, 16), "5 gün", at(2026, 6, 1, 17, 30)),  # 27 May is bayram
    # 28 Ekim (half day) and 29 Ekim
    (at(2026, 10, 27, 9), "1 iş günü", at(2026, 10, 28, 13)),
    (at(2026, 10, 27, 9), "2 iş günü", at(2026, 10, 30, 17, 30)),
    (at(2026, 10, 26, 11), "2 gün", at(2026, 10, 28, 13)),
    (at(2026, 10, 26, 11), "3 gün", at(2026, 10, 30, 17, 30)),
    (at(2026, 10, 28, 12), "1 iş günü", at(2026, 10, 30, 17, 30)),  # received on the half day itself
    # weekends
    (at(2026, 4, 10, 16), "1 iş günü", at(2026, 4, 13, 17, 30)),
    (at(2026, 4, 11, 10), "1 iş günü", at(2026, 4, 13, 17, 30)),  # received on a Saturday
    (at(2026, 4, 13, 7), "1 iş günü", at(2026, 4, 14, 17, 30)),  # before opening: the receipt day is no day
    (at(2026, 4, 10, 16), "1 gün", at(2026, 4, 13, 17, 30)),
    (at(2026, 4, 10, 16), "30 Gün", at(2026, 5, 11, 17, 30)),  # 10 May is a Sunday
    # new year
    (at(2025, 12, 31, 15), "1 iş günü", at(2026, 1, 2, 17, 30)),
    (at(2025, 12, 2, 9), "30 Gün", at(2026, 1, 2, 17, 30)),  # the 30th day is 1 Ocak
    (at(2026, 12, 31, 15), "1 iş günü", at(2027, 1, 4, 17, 30)),
    # 2025: Ramazan arife on a Saturday, Kurban arife on a Thursday, 28 Ekim on a Tuesday
    (at(2025, 3, 28, 10), "1 iş günü", at(2025, 4, 2, 17, 30)),
    (at(2025, 6, 4, 12), "1 iş günü", at(2025, 6, 5, 13)),
    (at(2025, 6, 4, 12), "2 iş günü", at(2025, 6, 10, 17, 30)),
    (at(2025, 10, 27, 10), "1 iş günü", at(2025, 10, 28, 13)),
    (at(2025, 10, 27, 10), "2 iş günü", at(2025, 10, 30, 17, 30)),
    # 2027: Monday arife; Kurban on a weekend running into 19 Mayıs
    (at(2027, 3, 5, 10), "1 iş günü", at(2027, 3, 8, 13)),
    (at(2027, 3, 5, 10), "2 iş günü", at(2027, 3, 12, 17, 30)),
    (at(2027, 5, 14, 10), "1 iş günü", at(2027, 5, 20, 17, 30)),
    # minutes and hours run round the clock, whatever the calendar says
    (at(2026, 3, 19, 12, 55), "10 dakika", at(2026, 3, 19, 13, 5)),
    (at(2026, 3, 20, 23, 30), "2 saat", at(2026, 3, 21, 1, 30)),
    (at(2026, 4, 10, 17), "10 D", at(2026, 4, 10, 17, 10)),
    (datetime(2026, 3, 18, 7, tzinfo=UTC), "1 SAAT", at(2026, 3, 18, 11)),
]


@pytest.mark.parametrize("received, text, expected", DUE_VECTORS)
def test_due(calendar, received, text, expected):
    due = calendar.due(received, parse_completion_time(text).standard)
    assert due == expected
    assert due.tzinfo == IST
    assert due.utcoffset() == timedelta(hours=3)


def test_a_receipt_given_in_utc_counts_by_the_istanbul_date(calendar):
    # 22:30 UTC on Friday is 01:30 on Saturday in Istanbul: the day of receipt is the Saturday
    received = datetime(2026, 4, 10, 22, 30, tzinfo=UTC)
    assert calendar.due(received, Duration(1, DAY)) == at(2026, 4, 13, 17, 30)
    assert calendar.due(received, Duration(1, BDAY)) == at(2026, 4, 13, 17, 30)
    assert calendar.due(received - timedelta(hours=2), Duration(1, DAY)) == at(2026, 4, 13, 17, 30)
    assert calendar.due(received - timedelta(hours=2), Duration(2, BDAY)) == at(2026, 4, 14, 17, 30)


def test_a_bridge_day_off_moves_the_deadline():
    bridge = BusinessCalendar(days_off=[date(2026, 10, 30)])
    assert bridge.due(at(2026, 10, 27, 9), Duration(2, BDAY)) == at(2026, 11, 2, 17, 30)
    assert bridge.due(at(2026, 10, 26, 11), Duration(3, DAY)) == at(2026, 11, 2, 17, 30)


def test_an_institution_working_eight_to_five():
    calendar = BusinessCalendar(workday_start=time(8), workday_end=time(17), half_day_end=time(12, 30))
    assert calendar.due(at(2026, 3, 18, 10), Duration(15, BDAY)) == at(2026, 4, 9, 17)
    assert calendar.due(at(2026, 3, 18, 10), Duration(1, BDAY)) == at(2026, 3, 19, 12, 30)


def test_another_time_zone():
    calendar = BusinessCalendar(tz="Europe/Berlin")
    due = calendar.due(at(2026, 4, 9, 10), Duration(1, BDAY))
    assert due == datetime(2026, 4, 10, 17, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert due.utcoffset() == timedelta(hours=2)


def test_a_naive_receipt_is_refused(calendar):
    with pytest.raises(ValueError):
        calendar.due(datetime(2026, 3, 18, 10), Duration(1, DAY))  # noqa: DTZ001 - naive on purpose


def test_deadline_from_a_completion_time(calendar):
    received = at(2026, 3, 18, 10)
    kayseri = parse_completion_time(
        "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"
    )
    assert calendar.deadline(received, kayseri) == at(2026, 4, 9, 17, 30)
    # 30 working days: 15 to 9 Nisan, then 10, 13, 14, 15, 16, 17, 20, 21, 22, 24, 27, 28, 29, 30 Nisan and
    # 4 Mayıs (23 Nisan and 1 Mayıs are holidays)
    assert calendar.deadline(received, kayseri, several_institutions=True) == at(2026, 5, 4, 17, 30)


def test_immediate_services_are_due_on_receipt_and_untimed_ones_never(calendar):
    received = at(2026, 3, 18, 10)
    assert calendar.deadline(received, CompletionTime("anlık", None, immediate=True)) == received
    assert calendar.deadline(received, CompletionTime("ilgili birime ulaştırılır.", None)) is None
    retention = CompletionTime("ortalama 10 gün … silinmektedir", None, retention=Duration(10, DAY))
    assert calendar.deadline(received, retention) is None


# -- working time, pause and resume ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (at(2026, 4, 14, 9), at(2026, 4, 14, 11, 15), timedelta(hours=2, minutes=15)),
        (at(2026, 4, 14, 7), at(2026, 4, 14, 20), timedelta(hours=9)),
        (at(2026, 4, 10, 16), at(2026, 4, 13, 10), timedelta(hours=3)),  # over a weekend
        (at(2026, 3, 19, 8, 30), at(2026, 3, 23, 8, 30), timedelta(hours=4, minutes=30)),  # arife and bayram
        (at(2026, 10, 28, 12), at(2026, 10, 30, 9), timedelta(hours=1, minutes=30)),  # 28 Ekim, 29 Ekim
        (at(2026, 4, 13, 10), at(2026, 4, 10, 16), timedelta(0)),  # end before start
        (at(2026, 4, 11, 9), at(2026, 4, 12, 17), timedelta(0)),  # all weekend
    ],
)
def test_working_time_between(calendar, start, end, expected):
    assert calendar.working_time_between(start, end) == expected


@pytest.mark.parametrize(
    "start, amount, expected",
    [
        (at(2026, 4, 10, 16), timedelta(hours=3), at(2026, 4, 13, 10)),
        (at(2026, 4, 11, 12), timedelta(hours=1), at(2026, 4, 13, 9, 30)),  # from a Saturday
        (at(2026, 3, 19, 12), timedelta(hours=2), at(2026, 3, 23, 9, 30)),  # from the arife over the bayram
        (at(2026, 4, 14, 8, 30), timedelta(hours=9), at(2026, 4, 14, 17, 30)),  # exactly a day: its closing
        (at(2026, 4, 14, 17, 30), timedelta(hours=9), at(2026, 4, 15, 17, 30)),
        (at(2026, 4, 14, 12), timedelta(0), at(2026, 4, 14, 12)),
    ],
)
def test_add_working_time(calendar, start, amount, expected):
    assert calendar.add_working_time(start, amount) == expected


def test_a_pause_over_a_weekend_costs_only_its_working_hours(calendar):
    # Ayşe asks the citizen for a missing document on Friday at 16:00; it comes on Monday at 10:00.
    due = at(2026, 4, 15, 17, 30)
    paused, resumed = at(2026, 4, 10, 16), at(2026, 4, 13, 10)
    assert calendar.resume(due, paused, resumed, BDAY) == at(2026, 4, 16, 11, 30)
    assert calendar.resume(due, paused, resumed, DAY) == at(2026, 4, 16, 11, 30)


def test_a_pause_on_an_hours_deadline_counts_every_hour(calendar):
    due = at(2026, 4, 10, 18)
    assert calendar.resume(due, at(2026, 4, 10, 16), at(2026, 4, 13, 10), HOUR) == at(2026, 4, 13, 12)


def test_a_whole_working_day_paused_moves_the_deadline_a_whole_day(calendar):
    due = at(2026, 4, 9, 17, 30)
    assert calendar.resume(due, at(2026, 4, 6, 17, 30), at(2026, 4, 7, 17, 30), BDAY) == at(
        2026, 4, 10, 17, 30
    )


# -- remaining ---------------------------------------------------------------------------------------------

REMAINING_VECTORS = [
    # (now, due, unit, expected Turkish, expected English)
    (at(2026, 4, 6, 10), at(2026, 4, 9, 17, 30), BDAY, "3 iş günü kaldı", "3 working days left"),
    (at(2026, 4, 8, 17), at(2026, 4, 9, 17, 30), BDAY, "1 iş günü kaldı", "1 working day left"),
    (at(2026, 3, 18, 10), at(2026, 3, 23, 17, 30), BDAY, "2 iş günü kaldı", "2 working days left"),  # bayram
    (at(2026, 4, 11, 10), at(2026, 4, 13, 17, 30), BDAY, "1 iş günü kaldı", "1 working day left"),  # Saturday
    (at(2026, 4, 9, 14, 30), at(2026, 4, 9, 17, 30), BDAY, "3 saat kaldı", "3 hours left"),  # due today
    (at(2026, 4, 9, 16, 45), at(2026, 4, 9, 17, 30), BDAY, "45 dakika kaldı", "45 minutes left"),
    (at(2026, 4, 9, 17, 29, 30), at(2026, 4, 9, 17, 30), BDAY, "1 dakika kaldı", "1 minute left"),
    (at(2026, 4, 9, 17, 30), at(2026, 4, 9, 17, 30), BDAY, "0 dakika kaldı", "0 minutes left"),
    (at(2026, 4, 4, 12), at(2026, 4, 9, 17, 30), DAY, "5 gün kaldı", "5 days left"),
    (at(2026, 4, 9, 8), at(2026, 4, 9, 17, 30), DAY, "9 saat kaldı", "9 hours left"),
    (at(2026, 4, 9, 10), at(2026, 4, 9, 13, 5), MIN, "3 saat kaldı", "3 hours left"),
    (at(2026, 4, 9, 12, 20), at(2026, 4, 9, 13, 5), MIN, "45 dakika kaldı", "45 minutes left"),
    (at(2026, 4, 8, 12), at(2026, 4, 10, 12), HOUR, "2 gün kaldı", "2 days left"),
    # overdue
    (at(2026, 4, 9, 17, 50), at(2026, 4, 9, 17, 30), BDAY, "20 dakika gecikti", "20 minutes overdue"),
    (at(2026, 4, 9, 19, 30), at(2026, 4, 9, 17, 30), BDAY, "2 saat gecikti", "2 hours overdue"),
    (at(2026, 4, 10, 16, 30), at(2026, 4, 9, 17, 30), BDAY, "23 saat gecikti", "23 hours overdue"),
    (at(2026, 4, 10, 18), at(2026, 4, 9, 17, 30), BDAY, "1 iş günü gecikti", "1 working day overdue"),
    (at(2026, 4, 12, 12), at(2026, 4, 10, 17, 30), BDAY, "42 saat gecikti", "42 hours overdue"),  # Sunday
    (at(2026, 4, 13, 9), at(2026, 4, 10, 17, 30), BDAY, "1 iş günü gecikti", "1 working day overdue"),
    (at(2026, 4, 14, 12), at(2026, 4, 10, 17, 30), BDAY, "2 iş günü gecikti", "2 working days overdue"),
    (at(2026, 3, 23, 12), at(2026, 3, 19, 13), BDAY, "1 iş günü gecikti", "1 working day overdue"),  # bayram
    (at(2026, 4, 12, 18), at(2026, 4, 9, 17, 30), DAY, "3 gün gecikti", "3 days overdue"),
    (at(2026, 4, 10, 9), at(2026, 4, 9, 17, 30), DAY, "15 saat gecikti", "15 hours overdue"),
    (at(2026, 4, 11, 19, 30), at(2026, 4, 9, 17, 30), HOUR, "2 gün gecikti", "2 days overdue"),
    (at(2026, 4, 9, 13, 6), at(2026, 4, 9, 13, 5), MIN, "1 dakika gecikti", "1 minute overdue"),
    (at(2026, 4, 9, 14, 5), at(2026, 4, 9, 13, 5), MIN, "1 saat gecikti", "1 hour overdue"),
]


@pytest.mark.parametrize("now, due, unit, turkish, english", REMAINING_VECTORS)
def test_remaining(calendar, now, due, unit, turkish, english):
    remaining = calendar.remaining(now, due, unit)
    assert remaining.describe_tr() == turkish
    assert remaining.describe_en() == english


def test_remaining_keeps_the_unit_and_the_side(calendar):
    assert calendar.remaining(at(2026, 4, 6, 10), at(2026, 4, 9, 17, 30), BDAY) == Remaining(False, 3, BDAY)
    assert calendar.remaining(at(2026, 4, 9, 19, 30), at(2026, 4, 9, 17, 30), BDAY) == Remaining(
        True, 2, HOUR
    )


def test_remaining_from_utc_counts_istanbul_days(calendar):
    # 21:30 UTC on 8 Nisan is 00:30 on 9 Nisan in Istanbul: the deadline is today, 17 hours away
    now = datetime(2026, 4, 8, 21, 30, tzinfo=UTC)
    assert calendar.remaining(now, at(2026, 4, 9, 17, 30), BDAY) == Remaining(False, 17, HOUR)
