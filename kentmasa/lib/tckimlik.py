"""TC kimlik numarası (Turkish identity number): checked with python-stdnum's implementation.

Eleven digits, first not 0; d10 = ((d1+d3+d5+d7+d9)×7 − (d2+d4+d6+d8)) mod 10, d11 = (d1+…+d10) mod 10.
"""

from stdnum.tr import tckimlik as _tckimlik


def clean(value: str) -> str:
    """Strip the spaces, dots and dashes people type between digit groups."""
    return "".join(ch for ch in (value or "") if ch not in " -.")


def is_valid(number: str) -> bool:
    return _tckimlik.is_valid(clean(number))


def mask(number: str) -> str:
    """For lists: "10000000146" → "100******46"."""
    return f"{number[:3]}******{number[-2:]}" if len(number) == 11 else number
