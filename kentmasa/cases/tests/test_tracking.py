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
