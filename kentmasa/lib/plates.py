"""Vehicle plates as cameras read them and as people type them, made comparable (pure: no Django).

``normalize(raw)`` gives a :class:`Plate`: the ``key`` two reads of the same plate share (what the hotlist is
matched on), its ``kind`` and how it is shown.

* **Turkish** (Karayolları Trafik Yönetmeliği): the il code 01–81, then one to three letters, then digits,
  in the shapes ``99 X 9999``, ``99 X 99999`` (police), ``99 XX 999``, ``99 XX 9999``, ``99 XXX 99`` and
  ``99 XXX 999``. The letters are the Turkish alphabet's without Ç, Ğ, İ, Ö, Ş, Ü (and Q, W, X, which it
  has not): A B C D E F G H I J K L M N O P R S T U V Y Z. Key ``34ABC123``, shown ``34 ABC 123``.
* **Diplomatic**: the il code, then CC, CD, CG or CM (missions and consulates), then three or four digits:
  ``06 CD 1234``; keyed and shown as a Turkish plate.
* **Foreign** (or a Turkish-looking plate in no legal shape): anything else made of letters and digits, at
  most 16 of them; the key is those letters and digits in upper case, accents dropped.
* **Unreadable**: nothing, "?", a partial read with a mark in it ("34 AB? 12"), symbols, or more than 16
  letters and digits; its key is "" and it matches nothing.

Spaces, dashes, dots, slashes and underscores between the parts are ignored; lower case is read as upper
case and the Turkish dotted and dotless i (i, ı, İ) are all the plate's I.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

TURKISH = "turkish"
DIPLOMATIC = "diplomatic"
FOREIGN = "foreign"
UNREADABLE = "unreadable"

KEY_LIMIT = 16  # the longest key kept (PlateRead.plate, HotlistEntry.plate)
RAW_LIMIT = 32  # the longest text looked at (PlateRead.plate_raw)
# What normalize reads of a text (after NUL is dropped and the ends are stripped), and so the longest key of
# its cache: a megabyte of input is cut here before it is remembered, never kept whole.
TEXT_LIMIT = RAW_LIMIT * 2
CACHE_SIZE = 65536
LETTERS = frozenset("ABCDEFGHIJKLMNOPRSTUVYZ")
DIPLOMATIC_SERIES = frozenset({"CC", "CD", "CG", "CM"})
# digits allowed after one, two or three letters
DIGITS_AFTER = {1: (4, 5), 2: (3, 4), 3: (2, 3)}

_SEPARATORS = frozenset(" \t\r\n-._/·\u00a0")
_FOLD_I = str.maketrans({"i": "I", "ı": "I", "İ": "I"})
_SHAPE = re.compile(r"(0[1-9]|[1-7][0-9]|8[01])([A-Z]{1,3})([0-9]{2,5})")


@dataclass(frozen=True, slots=True)
class Plate:
    key: str  # "34ABC123"; "" for an unreadable plate
    kind: str  # TURKISH, DIPLOMATIC, FOREIGN or UNREADABLE
    display: str  # "34 ABC 123"; the text as read (tidied) for other kinds

    @property
    def readable(self) -> bool:
        return bool(self.key)


def _ascii_fold(text: str) -> str:
    """Accents dropped (Ş → S, Ö → O, É → E); letters of other scripts are kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _turkish(compact: str) -> Plate | None:
    match = _SHAPE.fullmatch(compact)
    if match is None:
        return None
    il, letters, digits = match.groups()
    if len(letters) == 2 and letters in DIPLOMATIC_SERIES and len(digits) in (3, 4):
        return Plate(compact, DIPLOMATIC, f"{il} {letters} {digits}")
    if not LETTERS.issuperset(letters) or len(digits) not in DIGITS_AFTER[len(letters)]:
        return None
    return Plate(compact, TURKISH, f"{il} {letters} {digits}")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalize(cut: str) -> Plate:
    """``cut``: the text as normalize cut it (at most TEXT_LIMIT characters, which bounds the cache)."""
    text = cut.translate(_FOLD_I).upper()
    chars = []
    for ch in text:
        if ch.isalnum():
            chars.append(ch)
        elif ch not in _SEPARATORS:
            return Plate("", UNREADABLE, _tidy(text))  # "?", "*", a partial read, symbols
    compact = "".join(chars)
    if not compact:
        return Plate("", UNREADABLE, _tidy(text))
    if compact.isascii():
        found = _turkish(compact)
        if found is not None:
            return found
    key = "".join(ch for ch in _ascii_fold(compact) if ch.isalnum()).upper()
    if not key or len(key) > KEY_LIMIT:
        return Plate("", UNREADABLE, _tidy(text))
    return Plate(key, FOREIGN, _tidy(text))


def _tidy(text: str) -> str:
    return " ".join(text.split())[:RAW_LIMIT]


def normalize(raw: object) -> Plate:
    """The plate a camera read or a person typed (see the module's description); never raises."""
    if not isinstance(raw, str):
        return Plate("", UNREADABLE, "")
    # Cut before the cached call: its key is this text, so no caller can make it keep more than TEXT_LIMIT
    # characters an entry however long the input.
    return _normalize(raw.replace("\x00", "").strip()[:TEXT_LIMIT])
