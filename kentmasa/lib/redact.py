"""Take personal data out of free text (provider errors, bounce reports) before staff lists show it."""

import re

import phonenumbers

from kentmasa.lib import tckimlik

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


# -- precise masking of what is personal (public texts: Open311 descriptions) -----------------------------

HIDDEN = "***"
_PERSONAL_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# Eleven digits standing alone, the first not 0: a TC kimlik no when its check digits agree.
_ELEVEN_DIGITS = re.compile(r"(?<![\w.,])[1-9]\d{10}(?![\w]|[.,]\d)")
# Turkish letters and what people type for them on a keyboard without them: "Ayşe" is also "AYSE", "ayse".
_ASCII = {"ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u"}
_FOLD = str.maketrans({"İ": "i", "I": "ı"})
_SHORTEST_NAME = 3  # shorter words ("Su", "Ay") are too often ordinary words


def _turkish_lower(text: str) -> str:
    return text.translate(_FOLD).lower()


def _name_pattern(word: str) -> str:
    """A regex that finds ``word`` in any case, Turkish or not, and with or without Turkish letters."""
    parts = []
    for letter in _turkish_lower(word):
        if letter in "iı":
            variants = "iİıI"  # dotted or not: people without a Turkish keyboard write both
        else:
            variants = letter + letter.upper()
            if letter in _ASCII:
                variants += _ASCII[letter] + _ASCII[letter].upper()
        unique = "".join(dict.fromkeys(variants))
        parts.append(f"[{re.escape(unique)}]" if len(unique) > 1 else re.escape(unique))
    return "".join(parts)


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Where phone numbers are, as libphonenumber reads them in Turkish text (grouped as numbers are).

    Ten digits run together that do not start with 5 (a mobile) and carry no 0 or +90 in front are left
    alone: they are as likely a tracking number ("2620012347") as a landline.
    """
    if sum(ch.isdigit() for ch in text) < 7:
        return []
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "TR", leniency=phonenumbers.Leniency.STRICT_GROUPING):
        raw = match.raw_string
        if raw.isdigit() and len(raw) == 10 and not raw.startswith("5"):
            continue
        spans.append((match.start, match.end))
    return spans


def mask_personal(text: str, names: "tuple[str, ...] | list[str]" = (), hidden: str = HIDDEN) -> str:
    """Hide what is personal in a text shown to the public, and nothing else.

    Hidden: e-mail addresses; phone numbers however Turkish people write them ("0532 123 45 67",
    "+90 (532) 123-45-67", "05321234567", "0212 440 11 90"); TC kimlik numbers whose check digits agree;
    and each word (three letters or more) of the given ``names``, matched as whole words in any case and
    with or without Turkish letters ("Ayşe", "AYŞE", "Ayse", "Ayşe'nin" → "***'nin"). Kept: times, dates,
    tracking numbers, plates, house numbers, amounts and any 11 digits that are no TC kimlik no.
    """
    if not text:
        return text
    text = _PERSONAL_EMAIL.sub(hidden, text)
    spans = _phone_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + hidden + text[end:]
    text = _ELEVEN_DIGITS.sub(lambda m: hidden if tckimlik.is_valid(m.group(0)) else m.group(0), text)
    words = {
        word for name in names for word in re.split(r"[\s\-]+", name or "") if len(word) >= _SHORTEST_NAME
    }
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){_name_pattern(word)}(?!\w)", hidden, text)
    return text
