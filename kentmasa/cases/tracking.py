"""Tracking numbers people can read out on the phone, and the short code that unlocks public look-up.

A tracking number is the two-digit year, the case's row id padded to seven digits and a Damm check
digit: ``26 0001234 7``. Ten digits are easy to say in groups and the check digit catches every
single-digit mistake and every swap of neighbouring digits, so a mistyped number finds nothing
instead of somebody else's case.
"""

import secrets

from stdnum import damm


def make_tracking_number(year: int, row_id: int) -> str:
    body = f"{year % 100:02d}{row_id:07d}"
    return body + damm.calc_check_digit(body)


def clean_tracking_number(text: str) -> str | None:
    """The digits of what somebody typed ("26-0001234-7", "26 000 1234 7"), or None if it cannot be one."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    if len(digits) < 10 or len(digits) != len((text or "").replace(" ", "").replace("-", "")):
        return None
    return digits if damm.is_valid(digits) else None


def format_tracking_number(number: str) -> str:
    """For reading out and printing: "2600012347" → "26-0001234-7"."""
    return f"{number[:2]}-{number[2:-1]}-{number[-1]}" if number and len(number) >= 10 else number or ""


def make_verification_code() -> str:
    """Six random digits, given to the citizen with the tracking number."""
    return f"{secrets.randbelow(10**6):06d}"
