"""`manage.py deadline`: working out a standard's due moment by hand, as cases do."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line

from kentmasa.directory.models import DayOff

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
    DayOff.objects.create(institution=institution, date=dt.date(2026, 3, 27), reason="İdari izin")

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
