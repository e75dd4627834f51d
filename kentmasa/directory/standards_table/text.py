"""Text helpers shared by the readers of a standards table: folding, squeezing and cutting into lines.

Pure Python: no Django import.
"""

from __future__ import annotations

import re
import unicodedata

from kentmasa.lib import turkish

_ASCII = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Turkish lower case with the Turkish letters made plain, keeping every character in its place.

    The text is NFC already (see `numbered_lines`), so the result has the same length as its input and a
    match found in the folded text can be cut out of the original.
    """
    return turkish.lower(text).translate(_ASCII)


def squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def heading_key(text: str) -> str:
    """What two lines are compared by when we look for a repeated heading."""
    return squeeze(fold(text))


def numbered_lines(text: str) -> list[str]:
    """The text's lines, numbered from 1 by their index + 1, the way an editor numbers them."""
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A form feed is a page break, a no-break space is a space; both come with text copied out of a PDF.
    # Trailing tabs stay: they end a cell whose text continues on the next line.
    return [line.replace("\f", "").replace("\xa0", " ").rstrip(" ") for line in text.split("\n")]
