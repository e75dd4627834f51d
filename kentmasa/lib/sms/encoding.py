"""How much a text costs as an SMS, and how to write it so an SMS can carry it. Pure: no Django.

GSM 03.38 / 3GPP TS 23.038: the default 7-bit alphabet, its extension table and the Turkish national
language single shift table; anything else goes as UCS-2.
"""

from __future__ import annotations

import unicodedata

# --- how much a text costs (pure) -------------------------------------------------------------------

GSM7 = "gsm7"
TURKISH = "turkish"  # GSM 7-bit with the Turkish national language single shift table
UCS2 = "ucs2"

# GSM 03.38 / 3GPP TS 23.038 default alphabet in code order (0x1B, the escape to the extension table,
# is left out: it is not a character). It has Ç, Ö, Ü, ö, ü but not ç, ğ, ı, ş, Ğ, İ, Ş.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The default extension table: each of these is sent as escape + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# The Turkish single shift table (TS 23.038 A.2.1): the extension characters and the Turkish letters
# the default alphabet lacks, again two septets each. Announcing the table costs a 3-byte header
# element, so a part holds 155 septets alone or 149 in a concatenated message.
TURKISH_SHIFT = GSM7_EXTENSION | frozenset("ĞİŞçğış")

_LIMITS = {GSM7: (160, 153), TURKISH: (155, 149), UCS2: (70, 67)}


def _pack(costs: list[int], single: int, multi: int) -> int:
    """Parts needed when no character (an escape pair, a surrogate pair) may be split between parts."""
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts, used = parts + 1, 0
        used += cost
    return parts


def segments(text: str, *, turkish_shift: bool = True) -> tuple[str, int]:
    """(encoding, parts) an SMS with this text is sent in: ``gsm7``, ``turkish`` or ``ucs2``.

    GSM 7-bit holds 160 septets in one part and 153 in each part of a longer message (the rest carries
    the concatenation header); extension characters (€ { } [ ] ~ ^ | \\) count two. With the Turkish
    single shift table (``turkish_shift``, what providers call "Türkçe karakter") ç ğ ı İ ş Ş Ğ count two
    and a part holds 155 / 149. Anything else goes as UCS-2: 70 / 67 UTF-16 units, an emoji two.
    An empty text still costs one part.
    """
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, costs = GSM7, [1 if ch in GSM7_BASIC else 2 for ch in text]
    elif turkish_shift and all(ch in GSM7_BASIC or ch in TURKISH_SHIFT for ch in text):
        encoding, costs = TURKISH, [1 if ch in GSM7_BASIC else 2 for ch in text]
    else:
        encoding, costs = UCS2, [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return encoding, _pack(costs, *_LIMITS[encoding])


# What people paste from word processors, and the circumflexed vowels of Turkish (hâlâ, kâğıt),
# written the way an SMS can carry them.
_PLAIN = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",  # noqa: RUF001 -- the low quotation mark is what is being replaced
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "−": "-",
        "…": "...",
        "\t": " ",
        "\u00a0": " ",
        "\u202f": " ",
        "ı": "i",
    }
)


def gsm_text(text: str, *, turkish_shift: bool = True) -> str:
    """The text with every character the GSM alphabet (and the Turkish table) cannot carry replaced:
    typographic quotes and dashes by plain ones, accented letters by their base letter, the rest by "?"."""
    allowed = GSM7_BASIC | (TURKISH_SHIFT if turkish_shift else GSM7_EXTENSION)
    out = []
    for ch in text:
        if ch in allowed:
            out.append(ch)
            continue
        plain = ch.translate(_PLAIN)
        if plain == ch:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append("".join(c if c in allowed else "?" for c in plain) or "?")
    return "".join(out)
