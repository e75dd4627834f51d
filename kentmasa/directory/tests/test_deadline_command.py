"""`manage.py deadline`: working out a standard's due moment by hand, as cases do."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line

from kentmasa.directory.models import ClosedDay

SEVERAL = "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"


def deadline(*args: str) -> str:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue()


def exit_of(capsys, *args: str) -> tuple[object, str]:
    """Run the command as the shell does; return its exit status and what it wrote to stderr."""
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "deadline", *args])
    return exited.value.code, capsys.readouterr().err


def test_fifteen_working_days_from_the_wednesday_before_ramazan_bayrami():
    # 19 March is the arife (a half day, still a working day); 20 March is the bayram.
    assert deadline("--from", "2026-03-18T10:00", "15 İŞ GÜNÜ") == "2026-04-09T17:30:00+03:00\n"


def test_several_institutions_get_the_extended_time():
    assert deadline("--from", "2026-03-18T10:00", SEVERAL) == "2026-04-09T17:30:00+03:00\n"
    # 23 April and 1 May are holidays on the way to the 30th working day.
    assert deadline("--from", "2026-03-18T10:00", "--several", SEVERAL) == "2026-05-04T17:30:00+03:00\n"


def test_minutes_run_round_the_clock_from_a_moment_given_with_its_offset():
    assert deadline("--from", "2026-03-21T07:55Z", "10 D") == "2026-03-21T11:05:00+03:00\n"


def test_a_turkish_date_is_understood():
    assert deadline("--from", "18.03.2026 10:00", "30 Gün") == "2026-04-17T17:30:00+03:00\n"


def test_an_immediate_service_is_due_when_received():
    text = "KADES ile gelen ihbarlar anlık olarak Haber Merkezine bildirilmekte"

    assert deadline("--from", "2026-03-18T10:00", text) == "2026-03-18T10:00:00+03:00\n"


def test_a_standard_without_a_time_says_so():
    output = deadline(
        "--from", "2026-03-18T10:00", "Gönderilen SMS değerlendirilmek üzere ilgili birime ulaştırılır."
    )

    assert output.startswith("Bu standartta süre belirtilmemiş")


def test_without_from_the_clock_starts_now():
    before = dt.datetime.now(dt.UTC)
    due = dt.datetime.fromisoformat(deadline("10 dakika").strip())
    after = dt.datetime.now(dt.UTC)

    assert due.utcoffset() == dt.timedelta(hours=3)
    assert before.replace(microsecond=0) + dt.timedelta(minutes=10) <= due <= after + dt.timedelta(minutes=10)


@pytest.mark.django_db
def test_an_institutions_day_off_moves_the_deadline(institution):
    assert deadline("--from", "2026-03-18T10:00", "--institution", "esenler", "15 İŞ GÜNÜ") == (
        "2026-04-09T17:30:00+03:00\n"
    )
    ClosedDay.objects.create(institution=institution, date=dt.date(2026, 3, 27), reason="İdari izin")

    assert deadline("--from", "2026-03-18T10:00", "--institution", "esenler", "15 İŞ GÜNÜ") == (
        "2026-04-10T17:30:00+03:00\n"
    )


@pytest.mark.django_db
def test_an_institutions_working_hours_set_the_closing_time(institution):
    institution.workday_end = dt.time(17, 0)
    institution.save()

    assert deadline("--from", "2026-03-18T10:00", "--institution", "esenler", "15 İŞ GÜNÜ") == (
        "2026-04-09T17:00:00+03:00\n"
    )


def test_an_unreadable_time_exits_with_2_and_says_why(capsys):
    status, err = exit_of(capsys, "--from", "2026-03-18T10:00", "yakında")

    assert status == 2
    assert 'Tamamlanma süresi okunamadı: "yakında"' in err


def test_an_unreadable_from_exits_with_2_and_gives_an_example(capsys):
    status, err = exit_of(capsys, "--from", "dün öğlen", "15 İŞ GÜNÜ")

    assert status == 2
    assert "--from zamanı okunamadı: “dün öğlen”. Örnek: 2026-03-18T10:00" in err


@pytest.mark.django_db
def test_an_unknown_institution_exits_with_2(capsys):
    status, err = exit_of(capsys, "--institution", "ankara", "15 İŞ GÜNÜ")

    assert status == 2
    assert "“ankara” kısa adlı bir kurum yok." in err


# -- the calendar as the law counts it: --statutory, --closed, --pause ------------------------------------


def test_a_closed_day_moves_an_own_standard_but_not_a_law_s_period():
    # Friday 27 March 2026 as administrative leave: the law counts it, the own standard skips it.
    assert deadline("--from", "2026-03-18T10:00", "--closed", "27.03.2026", "15 İŞ GÜNÜ") == (
        "2026-04-10T17:30:00+03:00\n"
    )
    assert deadline("--from", "2026-03-18T10:00", "--closed", "2026-03-27", "--statutory", "15 İŞ GÜNÜ") == (
        "2026-04-09T17:30:00+03:00\n"
    )


def test_closed_days_repeat():
    # The 2024 Ramazan leave (8 April, and the arife 9 April) on the way to a 15 iş günü from 3 April.
    args = ("--from", "03.04.2024 10:00", "--closed", "08.04.2024", "--closed", "2024-04-09", "15 iş günü")

    assert deadline(*args) == "2024-05-03T17:30:00+03:00\n"
    assert deadline(*args, "--statutory") == "2024-04-30T17:30:00+03:00\n"


def test_a_law_s_last_day_on_leave_stays_and_says_the_office_is_closed(capsys):
    out = StringIO()
    err = StringIO()
    call_command(
        "deadline",
        "--from",
        "2024-05-21T11:00",
        "--closed",
        "20.06.2024",
        "--statutory",
        "30 gün",
        stdout=out,
        stderr=err,
    )

    assert out.getvalue() == "2024-06-20T17:30:00+03:00\n"
    assert "son gün (20.06.2024) idari izin" in err.getvalue()


@pytest.mark.django_db
def test_an_institutions_closed_days_and_its_statutory_clock(institution):
    ClosedDay.objects.create(institution=None, date=dt.date(2026, 3, 27), reason="Cumhurbaşkanlığı genelgesi")
    base = ("--from", "2026-03-18T10:00", "--institution", "esenler", "15 İŞ GÜNÜ")

    assert deadline(*base) == "2026-04-10T17:30:00+03:00\n"
    assert deadline(*base, "--statutory") == "2026-04-09T17:30:00+03:00\n"
    # --closed adds to the institution's own days.
    assert deadline(*base, "--closed", "30.03.2026") == "2026-04-13T17:30:00+03:00\n"


@pytest.mark.django_db
def test_an_institutions_arife_setting(institution):
    base = ("--from", "2026-03-18T10:00", "--institution", "esenler", "1 iş günü")
    assert deadline(*base) == "2026-03-19T13:00:00+03:00\n"

    institution.half_day_deadline_early = False
    institution.save()

    assert deadline(*base) == "2026-03-19T17:30:00+03:00\n"


def test_one_pause_moves_the_deadline_by_the_working_time_paused():
    # 24 March 14:00 to 25 March 10:00: 5 working hours after 9 April 17:30.
    assert deadline(
        "--from", "2026-03-18T10:00", "--pause", "2026-03-24T14:00/2026-03-25T10:00", "15 İŞ GÜNÜ"
    ) == ("2026-04-10T13:30:00+03:00\n")


def test_several_and_overlapping_pauses_count_each_moment_once():
    args = ("--from", "2026-03-18T10:00", "15 İŞ GÜNÜ")
    two = ("--pause", "24.03.2026 09:30/24.03.2026 11:30", "--pause", "2026-04-01T15:00/2026-04-01T17:30")
    overlapping = (
        "--pause",
        "2026-03-24T09:30/2026-03-24T11:30",
        "--pause",
        "2026-03-24T10:30/2026-03-24T12:00",
    )

    assert deadline(*args, *two) == "2026-04-10T13:00:00+03:00\n"
    assert deadline(*args, *overlapping) == "2026-04-10T11:00:00+03:00\n"


def test_a_pause_over_a_weekend_costs_days_nothing_and_minutes_all_of_it():
    weekend = ("--pause", "2026-03-21T09:00/2026-03-22T09:00")

    assert deadline("--from", "2026-03-18T10:00", *weekend, "15 İŞ GÜNÜ") == "2026-04-09T17:30:00+03:00\n"
    assert deadline("--from", "2026-03-21T08:00", *weekend, "2 saat") == "2026-03-22T10:00:00+03:00\n"


@pytest.mark.parametrize(
    "args, turkish, english",
    [
        (("--closed", "31.02.2026"), "--closed günü okunamadı: “31.02.2026”", "Cannot read the --closed day"),
        (("--closed", "yarın"), "--closed günü okunamadı: “yarın”", "Example: 08.04.2024 or 2024-04-08"),
        (
            ("--pause", "2026-03-24T14:00"),
            "--pause okunamadı: “2026-03-24T14:00”",
            "Separate its start and end",
        ),
        (("--pause", "2026-03-24T14:00/sonra"), "--pause okunamadı", "Cannot read --pause"),
        (("--pause", "a/b/c"), "--pause okunamadı", "Cannot read --pause"),
        (
            ("--pause", "2026-03-25T10:00/2026-03-24T14:00"),
            "--pause bitişi başlangıcından sonra olmalı",
            "A --pause must end after it starts",
        ),
        (
            ("--pause", "2026-03-24T10:00/2026-03-24T10:00"),
            "--pause bitişi başlangıcından sonra olmalı",
            "must end after it starts",
        ),
        (
            ("--pause", "2026-03-17T10:00/2026-03-24T10:00"),
            "--pause başvurudan önce başlıyor",
            "starts before the application was received",
        ),
        (("--from", "9999-12-30T10:00"), "Son tarih takvimin dışına düşüyor", "falls outside the calendar"),
    ],
)
def test_bad_calendar_input_exits_with_2_and_says_why_in_turkish_and_english(capsys, args, turkish, english):
    if args[0] != "--from":
        args = ("--from", "2026-03-18T10:00", *args)
    status, err = exit_of(capsys, *args, "15 İŞ GÜNÜ")

    assert status == 2
    assert turkish in err and english in err
    assert "Traceback" not in err
