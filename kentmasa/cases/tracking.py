"""Tracking numbers people can read out on the phone, and the short code that unlocks public look-up.

A tracking number is the two-digit year, the case's row id padded to seven digits and a Damm check
digit: ``26 0001234 7``. Ten digits are easy to say in groups and the check digit catches every
single-digit mistake and every swap of neighbouring digits, so a mistyped number finds nothing
instead of somebody else's case.
"""

import re
import secrets

from stdnum import damm

# Digits in groups separated by one space or hyphen: "26-0001234-7", "26 000 1234 7", "2600012347".
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ \-]\d+)*(?!\d)")
# Two year digits, the row id (seven digits, more once a year has ten million cases) and the check digit.
_SHORTEST, _LONGEST = 10, 13


def make_tracking_number(year: int, row_id: int) -> str:
    body = f"{year % 100:02d}{row_id:07d}"
    return body + damm.calc_check_digit(body)


def clean_tracking_number(text: str) -> str | None:
    """The digits of what somebody typed ("26-0001234-7", "26 000 1234 7"), or None if it cannot be one."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    if len(digits) < 10 or len(digits) != len((text or "").replace(" ", "").replace("-", "")):
        return None
    return digits if damm.is_valid(digits) else None


def find_tracking_numbers(text: str) -> list[str]:
    """Every valid tracking number written anywhere in a message, in the order they appear.

    The one finder every channel uses, so the same text threads the same way by SMS, e-mail, WhatsApp and
    X. A number may be written with spaces or hyphens between any groups; within a run of digit groups
    ("no 26 0001234 7 12") every stretch of neighbouring groups is tried, longest first, so a number
    beside other figures is still found. A group is never split, and digits glued to more digits never
    count: "12600012347" holds no number. Only 10–13 digits with a valid Damm check digit are numbers.
    """
    found: list[str] = []
    for run in _DIGIT_RUN.finditer(text or ""):
        groups = re.split(r"[ \-]", run.group())
        used = [False] * len(groups)  # a group belongs to one number at most
        in_run: list[tuple[int, str]] = []
        for size in range(len(groups), 0, -1):
            for start in range(len(groups) - size + 1):
                if any(used[start : start + size]):
                    continue
                digits = "".join(groups[start : start + size])
                if _SHORTEST <= len(digits) <= _LONGEST and damm.is_valid(digits):
                    used[start : start + size] = [True] * size
                    in_run.append((start, digits))
        for _start, digits in sorted(in_run):
            if digits not in found:
                found.append(digits)
    return found


def find_tracking_number(text: str) -> str | None:
    """The first tracking number written in the text, or None."""
    numbers = find_tracking_numbers(text)
    return numbers[0] if numbers else None


def format_tracking_number(number: str | None) -> str:
    """For reading out and printing: "2600012347" → "26-0001234-7"."""
    return f"{number[:2]}-{number[2:-1]}-{number[-1]}" if number and len(number) >= 10 else number or ""


def make_verification_code() -> str:
    """Six random digits, given to the citizen with the tracking number."""
    return f"{secrets.randbelow(10**6):06d}"
