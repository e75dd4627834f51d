"""Take personal data out of free text (provider errors, bounce reports) before staff lists show it."""

import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_NUMBER = re.compile(r"\+?\d[\d ()-]{5,}\d")


def _mask_number(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"{'*' * (len(digits) - 2)}{digits[-2:]}" if len(digits) >= 7 else match.group(0)


def redact(text: str) -> str:
    """ "<ayse.kaya@example.com>: 550 user unknown" → "<a***@example.com>: 550 user unknown"; long digit runs
    (phone numbers, TC kimlik numbers, WhatsApp/X ids) keep only their last two digits."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text or "")
    return _NUMBER.sub(_mask_number, text)
