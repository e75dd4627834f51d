"""mask_personal: what is personal leaves a public text (Open311 descriptions), every other number stays."""

import pytest

from kentmasa.lib.redact import mask_personal, redact


@pytest.mark.parametrize(
    "phone",
    [
        "0532 123 45 67",
        "05321234567",
        "0 532 123 45 67",
        "0532-123-45-67",
        "0532-123-4567",
        "+90 532 123 45 67",
        "+90 (532) 123-45-67",
        "+905321234567",
        "0090 532 123 45 67",
        "(0532) 123 45 67",
        "532 123 45 67",
        "5321234567",
        "0212 440 11 90",
        "(0212) 440 11 90",
        "0 (212) 440 11 90",
        "+90 212 440 11 90",
        "212 440 11 90",
    ],
)
def test_turkish_phone_numbers_are_hidden_however_written(phone):
    assert mask_personal(f"Beni {phone} numarasından arayın.") == "Beni *** numarasından arayın."


@pytest.mark.parametrize(
    "kept",
    [
        "18.03.2026 10:45",
        "2026-03-18 10:45:12",
        "2026-03-18T10:45:12+03:00",
        "20260318104512",
        "1733300000",  # a Unix time
        "1733300000123",  # in milliseconds
        "2600012347",  # a tracking number
        "2620012347",  # a tracking number that Kocaeli's 262 area code could be read into
        "26-0001234-7",
        "34 ABC 123",
        "06 AB 1234",
        "12345678901",  # eleven digits that are no TC kimlik no (the check digits disagree)
        "Kapı no 12/3, daire 5",
        "1.250,00 TL",
        "444 00 73",  # a company's shared-cost number, nobody's own
        "TR33 0006 1005 1978 6457 8413 26",
    ],
)
def test_other_numbers_stay(kept):
    assert mask_personal(f"Not: {kept}.") == f"Not: {kept}."


def test_valid_tc_kimlik_numbers_and_emails_are_hidden():
    assert mask_personal("TC 10000000146, e-posta ayse.kaya+153@example.com.tr") == "TC ***, e-posta ***"
    assert mask_personal("Kimlik: 10000000146.") == "Kimlik: ***."


def test_names_are_hidden_in_any_case_with_or_without_turkish_letters():
    names = ["Ayşe Kaya", "İsmail Işık"]
    text = "AYŞE KAYA, ayşe, Ayse'nin, AYSE, ismail ISIK, Ismail işik; Kayahan, Kayalar, Ayşegül, Işıklar."

    assert (
        mask_personal(text, names)
        == "*** ***, ***, ***'nin, ***, *** ***, *** ***; Kayahan, Kayalar, Ayşegül, Işıklar."
    )


def test_short_name_words_and_no_names_leave_words_alone():
    assert mask_personal("Su borusu patladı, Ay Sokak", ["Ay Su"]) == "Su borusu patladı, Ay Sokak"
    assert mask_personal("", ["Ayşe"]) == ""
    assert mask_personal("Ayşe geldi", []) == "Ayşe geldi"
    assert mask_personal("Ayşe geldi", ["", "  "]) == "Ayşe geldi"


def test_redact_keeps_its_own_behaviour():
    """redact() (staff lists of provider errors) is not mask_personal: it keeps a hint of each value."""
    assert redact("numara +90 532 123 45 67 geçersiz") == "numara **********67 geçersiz"
    assert redact("<ayse.kaya@example.com>: 550") == "<a***@example.com>: 550"
