"""Turkish text rules that str.lower() and str.casefold() get wrong.

Python lowers "I" to "i" and "İ" to "i̇" (i + combining dot); Turkish lowers "I" to "ı" and
"İ" to "i". Search folds a step further, to what people type on a phone without Turkish
letters: "Kadıköy", "KADIKÖY" and "kadikoy" all find each other. And Python sorts by code point, which
puts "Çelik" after "Zeki" and "İnce" after everything: ``sort_key`` is the Turkish alphabetical order.
"""

import re
import unicodedata
from functools import lru_cache

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


# -- alphabetical order --------------------------------------------------------------------------------------

ALPHABET = "abcçdefgğhıijklmnoöpqrsştuüvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# The order Unicode's default collation (CLDR root, which Turkish inherits) gives punctuation and symbols.
_PUNCTUATION = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_PUNCTUATION_RANK = {mark: rank for rank, mark in enumerate(_PUNCTUATION)}
_SPACE, _MARK, _SYMBOL, _DIGIT, _LETTER, _OTHER = range(6)


def _weights(char: str) -> tuple[tuple[int, int], int, int]:
    """One character's (primary, secondary, tertiary) weights: letter, accent, case."""
    lowered = char.translate(_UPPER_TO_LOWER).lower()[:1] or char
    case = 0 if lowered == char else 1  # lower case first, as ICU does
    if lowered in _LETTER_RANK:
        return (_LETTER, _LETTER_RANK[lowered]), 0, case
    decomposed = unicodedata.normalize("NFD", lowered)
    base, accents = decomposed[0], decomposed[1:]
    if base in _LETTER_RANK:  # "â", "î", "é": the letter, then the accent at the second level
        return (_LETTER, _LETTER_RANK[base]), ord(accents[0]) if accents else 0, case
    if char.isspace():
        return (_SPACE, 0), 0, 0
    if char in _PUNCTUATION_RANK:
        return (_MARK, _PUNCTUATION_RANK[char]), 0, 0
    if char.isdigit():
        return (_DIGIT, unicodedata.digit(char, 0)), 0, 0
    if not char.isalpha():
        return (_SYMBOL, ord(char)), 0, 0
    return (_OTHER, ord(lowered)), 0, case


@lru_cache(maxsize=8192)
def sort_key(text: str) -> tuple:
    """The Turkish alphabetical order, as PostgreSQL's ICU collation "tr-x-icu" sorts:

    a b c ç d e f g ğ h ı i j k l m n o ö p r s ş t u ü v y z ("Cem" < "Çelik" < "Ilgaz" < "Işık" < "İnce").
    Letters decide first, then accents ("il" < "îl"), then case (lower case first), like ICU's three levels;
    spaces and punctuation come before digits, digits before letters, and digits compare one by one
    ("10. Yıl" < "2. Yol"). The text itself breaks the last ties, so the order is total.

    ``sorted(names, key=turkish.sort_key)`` in Python; in SQL, kentmasa.directory.collation.
    """
    weights = [_weights(char) for char in unicodedata.normalize("NFC", text or "")]
    return (
        tuple(primary for primary, _, _ in weights),
        tuple(secondary for _, secondary, _ in weights),
        tuple(tertiary for _, _, tertiary in weights),
        text,
    )


def compare(first: str | None, second: str | None) -> int:
    """-1, 0 or 1 in the order of ``sort_key``: the comparison SQLite's registered collation calls."""
    a, b = sort_key(first or ""), sort_key(second or "")
    return (a > b) - (a < b)


# -- a thank-you is not a new complaint ----------------------------------------------------------------------

# Words of the short messages citizens send back after an answer ("Teşekkürler, elinize sağlık 🙏", "tamam
# sağ olun", "tşk"), folded. A message made only of these says thanks; any other word makes it one to act on.
_THANKS_WORDS = frozenset(
    """
    tesekkur tesekkurler tesekkurller tesekur tesekkurlerimle tesekkurederim tsk tskler tesk tsklr
    ederim ederiz ediyorum ediyoruz cok cokk gercekten
    sagol sagolun sagolunuz saol saolun sag olun olsun eyvallah
    allah razi olsun elinize elinizze emeginize emegi gecen emekleriniz saglik
    kolay gelsin hayirli gunler iyi calismalar aksamlar tamam tamamdir ok okey peki anladim
    memnun kaldim kaldik ilginiz icin ilgi alakaniz alaka
    thanks thank you
    """.split()
)
_THANKS_WORD = re.compile(r"\w+")
_THANKS_SIGNS = frozenset("👍🙏❤😊🙂👏✅💐🌹🤗♥")
_THANKS_MAX_WORDS = 10


def is_only_thanks(text: str) -> bool:
    """Whether a message only thanks or acknowledges ("Teşekkürler 🙏", "Tamam, sağ olun.", "tşk").

    Punctuation and emoji do not count; up to ten words, all from the vocabulary above. An empty
    message is not a thank-you.
    """
    words = _THANKS_WORD.findall(fold(text or ""))
    if not words:  # emoji alone: thanks only when every sign is a thankful one
        signs = [ch for ch in (text or "") if not ch.isspace() and unicodedata.category(ch)[0] == "S"]
        return bool(signs) and all(ch in _THANKS_SIGNS for ch in signs)
    return len(words) <= _THANKS_MAX_WORDS and all(word in _THANKS_WORDS for word in words)
