import pytest

from kentmasa.cases.tracking import (
    clean_tracking_number,
    format_tracking_number,
    make_tracking_number,
    make_verification_code,
)


def test_number_is_year_id_and_check_digit():
    number = make_tracking_number(2026, 1234)
    assert number[:9] == "260001234" and len(number) == 10
    assert clean_tracking_number(number) == number
    assert format_tracking_number(number) == f"26-0001234-{number[-1]}"
    assert clean_tracking_number(format_tracking_number(number)) == number
    assert clean_tracking_number("26 0001234 " + number[-1]) == number


@pytest.mark.parametrize("position", range(10))
def test_any_single_digit_mistake_is_caught(position):
    number = make_tracking_number(2026, 4321)
    for digit in "0123456789":
        typo = number[:position] + digit + number[position + 1 :]
        if typo != number:
            assert clean_tracking_number(typo) is None


def test_swapped_neighbours_are_caught():
    number = make_tracking_number(2027, 9876543)
    for i in range(len(number) - 1):
        swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        if swapped != number:
            assert clean_tracking_number(swapped) is None


def test_not_a_number():
    assert clean_tracking_number("26-000A234-7") is None
    assert clean_tracking_number("123") is None


def test_verification_codes_are_six_random_digits():
    codes = {make_verification_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190


# -- the one finder every channel uses ------------------------------------------------------------------

from kentmasa.cases.tracking import find_tracking_number, find_tracking_numbers  # noqa: E402


@pytest.mark.parametrize(
    "template",
    [
        "Başvuru no {d}",
        "başvurum {h} hakkında",
        "No: {s}. Hâlâ çözülmedi",
        "{d}",
        "RE: [{h}] Sokak lambası",
        "TN{d} ne oldu",
        "no {s} 12 tane",
        "@kentmasa {h} #çukur",
    ],
)
def test_finder_reads_every_way_a_number_is_written(template):
    number = make_tracking_number(2026, 1234)
    text = template.format(d=number, h=format_tracking_number(number), s=f"26 000 1234 {number[-1]}")
    assert find_tracking_numbers(text) == [number]
    assert find_tracking_number(text) == number


def test_finder_ignores_wrong_check_digits_and_numbers_glued_to_digits():
    number = make_tracking_number(2026, 1234)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert find_tracking_numbers(f"no {wrong}") == []
    assert find_tracking_numbers(f"1{number}") == []
    assert find_tracking_numbers(f"{number}5") == []
    assert find_tracking_number("telefonum 0532 123 45 67, adres yok") in (None, "05321234567")
    assert find_tracking_number("") is None


def test_finder_returns_several_in_order_once_each():
    first, second = make_tracking_number(2026, 1), make_tracking_number(2025, 7654321)
    text = f"{format_tracking_number(second)} ve {first}, yine {second}"
    assert find_tracking_numbers(text) == [second, first]


def test_finder_reads_ids_past_ten_million():
    number = make_tracking_number(2029, 12_345_678)
    assert len(number) == 11
    assert find_tracking_numbers(f"başvuru {number[:2]}-{number[2:-1]}-{number[-1]}") == [number]
