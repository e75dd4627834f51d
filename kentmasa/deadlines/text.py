"""Turkish-aware text folding for the recognisers in this package.

Python's ``str.lower()`` follows the Unicode default mapping, which is wrong for Turkish: ``"I".lower()`` is
``"i"`` (Turkish wants ``"ı"``) and ``"İ".lower()`` is ``"i̇"`` (an ``i`` with a combining dot). Standards tables
are often typed in capitals ("15 İŞ GÜNÜ"), so we map the two dotted/dotless capitals first.
"""

from __future__ import annotations

_TURKISH_CAPITALS = str.maketrans({"İ": "i", "I": "ı"})

# Tables are also typed on keyboards without Turkish letters ("15 IS GUNU", "10 DAKIKA"), so the recognisers
# compare text with the Turkish letters folded to their ASCII bases.
_TURKISH_LETTERS = str.maketrans("çğıöşüâîû", "cgiosuaiu")


def turkish_lower(text: str) -> str:
    """Lower-case ``text`` by Turkish rules ("İŞ GÜNÜ" -> "iş günü", "SAAT" -> "saat", "IŞIK" -> "ışık")."""
    return text.translate(_TURKISH_CAPITALS).lower()


def fold_letters(text: str) -> str:
    """Replace lower-case Turkish letters by their ASCII bases ("iş günü" -> "is gunu"); nothing else changes."""
    return text.translate(_TURKISH_LETTERS)


def turkish_fold(text: str) -> str:
    """Lower-case by Turkish rules, then fold the Turkish letters: "15 İŞ GÜNÜ" and "15 is gunu" compare equal."""
    return fold_letters(turkish_lower(text))
