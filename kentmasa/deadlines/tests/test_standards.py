"""Reading the completion times of the service standards tables we seed from (Eskişehir police 155, Esenler,
Kayseri), and refusing what cannot be read."""

from pathlib import Path

import pytest

from kentmasa.deadlines import (
    CompletionTime,
    CompletionTimeError,
    Duration,
    TimeUnit,
    parse_completion_time,
    parse_duration,
)

MIN, HOUR, DAY, BDAY = TimeUnit.MINUTES, TimeUnit.HOURS, TimeUnit.DAYS, TimeUnit.BUSINESS_DAYS

KGYS_CAMERA = (
    "Kamera kayıtlarında herhangi bir suç unsuruna rastlanmaması ya da bir soruşturma için talep edilmemesi "
    "durumunda sistem tarafından ortalama 10 gün içerisinde otomatik olarak silinmektedir."
)
KADES = (
    "KADES ile gelen ihbarlar anlık olarak Haber Merkezine bildirilmekte en kısa zamanda ve en yakın ekibin "
    "gönderilmesi sağlanmaktadır."
)
POLICE_155 = (
    "İhbarların 155 Polis imdat Hattına bildirilmesinden itibaren 10 dakika içinde ilgili yerlere ulaştırır."
)
POLICE_EMAIL = "Gönderilen e-posta değerlendirilmek üzere ilgili birime ulaştırılır."
POLICE_SMS = "Gönderilen SMS değerlendirilmek üzere ilgili birime ulaştırılır."
KAYSERI_INFORMATION = "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"

# Every distinct completion-time cell of seeds 000 (Eskişehir police), 001 (Esenler) and 002 (Kayseri), with
# what it must read as: (standard, extended, immediate, retention).
SEED_CELLS = {
    POLICE_155: (Duration(10, MIN), None, False, None),
    POLICE_EMAIL: (None, None, False, None),
    POLICE_SMS: (None, None, False, None),
    KADES: (None, None, True, None),
    KGYS_CAMERA: (None, None, False, Duration(10, DAY)),
    "30 Gün": (Duration(30, DAY), None, False, None),
    "15 Gün": (Duration(15, DAY), None, False, None),
    "15 GÜN": (Duration(15, DAY), None, False, None),
    "1 GÜN": (Duration(1, DAY), None, False, None),
    "10 D": (Duration(10, MIN), None, False, None),
    KAYSERI_INFORMATION: (Duration(15, BDAY), Duration(30, BDAY), False, None),
    "10 GÜN": (Duration(10, DAY), None, False, None),
}

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"


def seed_cells() -> set[str]:
    """The last column of every numbered row in the three standards tables."""
    cells = set()
    for prefix in ("000_", "001_", "002_"):
        (path,) = SEEDS.glob(f"{prefix}*.txt")
        for line in path.read_text(encoding="utf-8").splitlines():
            columns = line.split("\t")
            if len(columns) == 4 and columns[0].strip().isdigit():
                cells.add(columns[3].strip())
    return cells


def test_the_list_below_holds_every_completion_time_of_the_seed_tables():
    assert SEEDS.is_dir(), "../shared/seeds must sit beside the repository"
    assert seed_cells() == set(SEED_CELLS)


@pytest.mark.parametrize("text", list(SEED_CELLS))
def test_every_seed_completion_time_reads_as_expected(text):
    standard, extended, immediate, retention = SEED_CELLS[text]
    assert parse_completion_time(text) == CompletionTime(
        text=text, standard=standard, extended=extended, immediate=immediate, retention=retention
    )


def test_kayseri_information_requests_get_30_working_days_when_several_institutions_are_involved():
    completion = parse_completion_time(KAYSERI_INFORMATION)
    assert completion.has_deadline
    assert completion.applicable() == Duration(15, BDAY)
    assert completion.applicable(several_institutions=True) == Duration(30, BDAY)


def test_a_plain_time_is_the_same_whether_or_not_several_institutions_are_involved():
    assert parse_completion_time("30 Gün").applicable(several_institutions=True) == Duration(30, DAY)


def test_police_e_mail_states_no_time_so_has_no_deadline():
    completion = parse_completion_time(POLICE_EMAIL)
    assert not completion.has_deadline
    assert completion.applicable() is None


@pytest.mark.parametrize(
    "text",
    [
        "Başvurular en kısa sürede sonuçlandırılır.",
        "Dilekçe ilgili müdürlüğe iletilir.",
        "Talep ilgili birime yönlendirilir.",
    ],
)
def test_sentences_that_state_no_time_have_no_deadline(text):
    assert parse_completion_time(text) == CompletionTime(text=text, standard=None)


def test_kades_is_immediate_and_has_a_deadline_without_a_duration():
    completion = parse_completion_time(KADES)
    assert completion.has_deadline
    assert completion.applicable() is None


def test_camera_retention_is_not_a_deadline():
    completion = parse_completion_time(KGYS_CAMERA)
    assert not completion.has_deadline
    assert completion.retention == Duration(10, DAY)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15 İŞ GÜNÜ", Duration(15, BDAY)),
        ("15 İş Günü", Duration(15, BDAY)),
        ("15 iş günü", Duration(15, BDAY)),
        ("15 is gunu", Duration(15, BDAY)),
        ("15 IS GUNU", Duration(15, BDAY)),
        ("15 işgünü", Duration(15, BDAY)),
        ("30 Gün", Duration(30, DAY)),
        ("30 gun", Duration(30, DAY)),
        ("  7   GÜN ", Duration(7, DAY)),
        ("1 SAAT", Duration(1, HOUR)),
        ("3 saat", Duration(3, HOUR)),
        ("10 dakika", Duration(10, MIN)),
        ("10 DAKİKA", Duration(10, MIN)),
        ("10 D", Duration(10, MIN)),
        ("10 d", Duration(10, MIN)),
        ("10 dk.", Duration(10, MIN)),
        ("10D", Duration(10, MIN)),
    ],
)
def test_parse_duration_reads_a_single_duration_in_any_case_and_spelling(text, expected):
    assert parse_duration(text) == expected
    assert parse_completion_time(text).standard == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Başvurular 5 iş günü içinde sonuçlandırılır.", Duration(5, BDAY)),
        ("en geç 15 günde cevaplanır", Duration(15, DAY)),
        ("Arıza 2 saatte giderilir", Duration(2, HOUR)),
        ("Ekip 30 dakikada adrese ulaşır", Duration(30, MIN)),
        ("Derhal, en geç 1 saat içinde müdahale edilir", Duration(1, HOUR)),
    ],
)
def test_a_sentence_with_one_duration_gives_that_duration(text, expected):
    completion = parse_completion_time(text)
    assert completion.standard == expected
    assert not completion.immediate


def test_extended_time_reads_in_ascii_and_lower_case_too():
    completion = parse_completion_time("15 is gunu *birden fazla kurumu ilgilendiren basvurularda 30 is gunu")
    assert (completion.standard, completion.extended) == (Duration(15, BDAY), Duration(30, BDAY))


@pytest.mark.parametrize(
    "text, message",
    [
        ("yakında", 'Tamamlanma süresi okunamadı: "yakında"'),
        ("", "Tamamlanma süresi boş."),
        ("   ", "Tamamlanma süresi boş."),
        ("abc gün", 'Tamamlanma süresi okunamadı: "abc gün"'),
        ("gün", 'Tamamlanma süresi okunamadı: "gün"'),
        ("15", 'Tamamlanma süresi okunamadı: "15"'),
        ("-3 gün", 'Tamamlanma süresi sıfırdan büyük olmalı: "-3 gün"'),
        ("0 gün", 'Tamamlanma süresi sıfırdan büyük olmalı: "0 gün"'),
        ("0 İŞ GÜNÜ", 'Tamamlanma süresi sıfırdan büyük olmalı: "0 İŞ GÜNÜ"'),
        ("10-15 gün", 'Tamamlanma süresi okunamadı: "10-15 gün"'),
        ("1,5 saat", 'Tamamlanma süresi okunamadı: "1,5 saat"'),
        ("99999 gün", 'Tamamlanma süresi çok uzun: "99999 gün"'),
        (
            "365 gün 24 saat",
            'Tamamlanma süresinde iki süre var, hangisinin geçerli olduğu anlaşılamadı: "365 gün 24 saat"',
        ),
        (
            "30 İŞ GÜNÜ *BİRDEN FAZLA KURUMU İLGİLENDİREN BAŞVURULARDA 15 İŞ GÜNÜ",
            'Uzatılmış süre olağan süreden uzun olmalı: "30 İŞ GÜNÜ *BİRDEN FAZLA KURUMU İLGİLENDİREN '
            'BAŞVURULARDA 15 İŞ GÜNÜ"',
        ),
        (
            "Kayıtlar otomatik olarak silinir.",
            'Tamamlanma süresi okunamadı: "Kayıtlar otomatik olarak silinir."',
        ),
    ],
)
def test_unreadable_completion_times_are_refused_with_a_turkish_message(text, message):
    with pytest.raises(CompletionTimeError) as caught:
        parse_completion_time(text)
    assert caught.value.text == text
    assert caught.value.message == message
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "text", ["15 İŞ GÜNÜ *BİRDEN FAZLA … 30 İŞ GÜNÜ", "10 dakika içinde", "yakında", "0 saat"]
)
def test_parse_duration_refuses_anything_but_a_single_duration(text):
    with pytest.raises(CompletionTimeError):
        parse_duration(text)


def test_completion_time_error_is_a_value_error():
    assert issubclass(CompletionTimeError, ValueError)


@pytest.mark.parametrize(
    "duration, text",
    [
        (Duration(15, BDAY), "15 iş günü"),
        (Duration(30, DAY), "30 gün"),
        (Duration(10, MIN), "10 dakika"),
        (Duration(2, HOUR), "2 saat"),
        (Duration(1, DAY), "1 gün"),
    ],
)
def test_durations_describe_themselves_in_turkish(duration, text):
    assert duration.describe_tr() == text


def test_only_minutes_and_hours_run_round_the_clock():
    assert [unit for unit in TimeUnit if unit.elapsed] == [MIN, HOUR]
    assert [unit.value for unit in TimeUnit] == ["minutes", "hours", "days", "business_days"]


def test_a_cell_is_read_once_per_process_and_a_refusal_every_time():
    # The API list and the queue ask for each row's service standard; the answer for one text is kept.
    first = parse_completion_time("15 İş Günü")
    assert parse_completion_time("15 İş Günü") is first
    assert first.standard is not None and first.standard.amount == 15
    for _ in range(2):
        with pytest.raises(CompletionTimeError):
            parse_completion_time("bir ara bakılır")
