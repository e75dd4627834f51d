"""Turkish text rules that str.lower() and str.casefold() get wrong.

Python lowers "I" to "i" and "İ" to "i̇" (i + combining dot); Turkish lowers "I" to "ı" and
"İ" to "i". Search folds a step further, to what people type on a phone without Turkish
letters: "Kadıköy", "KADIKÖY" and "kadikoy" all find each other.
"""

import re
import unicodedata

_UPPER_TO_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_LOWER_TO_UPPER = str.maketrans({"i": "İ", "ı": "I"})
_ASCII_FOLD = str.maketrans(
    {"ı": "i", "ğ": "g", "ü": "u", "ş": "s", "ö": "o", "ç": "c", "â": "a", "î": "i", "û": "u"}
)
_SPACES = re.compile(r"\s+")


def lower(text: str) -> str:
    """Lower-case Turkish text: "ISPARTA" → "ısparta", "İSTANBUL" → "istanbul"."""
    return unicodedata.normalize("NFC", text).translate(_UPPER_TO_LOWER).lower()


def upper(text: str) -> str:
    """Upper-case Turkish text: "istanbul" → "İSTANBUL", "ısparta" → "ISPARTA"."""
    return unicodedata.normalize("NFC", text).translate(_LOWER_TO_UPPER).upper()


def title(text: str) -> str:
    """Title-case each word the Turkish way: "İSMAİL IŞIK" → "İsmail Işık"."""
    return " ".join(upper(word[:1]) + lower(word[1:]) for word in _SPACES.split(text.strip()) if word)


def fold(text: str) -> str:
    """The search key: Turkish lower case, Turkish letters to their plain forms, spaces squeezed.

    Folding after Turkish lowering keeps "ISPARTA" (→ ısparta → isparta) and "Isparta" together,
    and lets a citizen who types "sisli" find "Şişli".
    """
    lowered = lower(text).translate(_ASCII_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip()
