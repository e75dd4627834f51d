"""Turkish text for the router: what a citizen wrote, reduced to the words that say what it is about.

Plain Python, no Django. The steps, in the order that matters:

1. Turkish lower case (kentmasa.lib.turkish.lower): "IŞIK" → "ışık", "İSTANBUL" → "istanbul". Python's own
   lower() would turn "I" into "i" and "İ" into "i" + a combining dot, and the stemmer would miss both.
2. Addresses of the web (URLs, e-mail addresses) and numbers (door numbers, phone numbers, dates) go:
   they say where and when, never what.
3. Each word is stemmed with the Snowball Turkish stemmer, which needs the Turkish letters to find the
   suffixes ("çukurları" → "çukur", "lambası" → "lambas").
4. The stems are folded to plain letters (kentmasa.lib.turkish.fold), so a message typed on a phone without
   Turkish letters ("cop toplanmiyor") meets the one typed with them ("çöp toplanmıyor").
"""

import re
from functools import lru_cache

import snowballstemmer

from kentmasa.lib import turkish

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
# Words are runs of letters; an apostrophe inside a word ("Atatürk'ün") ends the stem part.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Words that never say what a complaint is about. Folded forms; kept short on purpose: "yok", "var",
# "değil" carry meaning in complaints ("su yok", "lamba yanmıyor değil mi") and stay.
STOPWORDS = frozenset(
    turkish.fold(word)
    for word in (
        "ve veya ile ama fakat ancak çünkü ki de da mi mı mu mü bir bu şu o bu şu bunlar onlar ben biz sen "
        "siz her çok daha en gibi için kadar olarak olan olduğu oldu olmuş olması artık hala hâlâ hep hiç "
        "bile sadece yine tekrar lütfen rica ederim ediyoruz ediyorum istiyorum istiyoruz merhaba iyi "
        "günler sayın ilgili yetkili yetkililer konu konusunda hakkında bey hanım teşekkürler saygılarımla"
    ).split()
)

_stemmer = snowballstemmer.stemmer("turkish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball Turkish stem of one Turkish-lower-cased word, folded to plain letters."""
    return turkish.fold(_stemmer.stemWord(word))


def clean(text: str) -> str:
    """Turkish-lower-cased text without URLs, e-mail addresses and numbers, spaces squeezed."""
    lowered = turkish.lower(text or "")
    lowered = _URL.sub(" ", lowered)
    lowered = _EMAIL.sub(" ", lowered)
    lowered = _NUMBER.sub(" ", lowered)
    return " ".join(lowered.split())


def words(text: str) -> list[str]:
    """The Turkish-lower-cased words of the text, numbers and addresses of the web left out."""
    return [match.group().replace("’", "'").split("'")[0] for match in _WORD.finditer(clean(text))]


def tokens(text: str) -> list[str]:
    """Folded stems of the meaningful words: "Çöpler TOPLANMIYOR!" → ["cop", "toplanmiyor"]."""
    result = []
    for word in words(text):
        if len(word) < 2:
            continue
        token = stem(word)
        if token and token not in STOPWORDS and turkish.fold(word) not in STOPWORDS:
            result.append(token)
    return result


def normalise(text: str) -> str:
    """The stemmed, folded text the word features are built from (tokens joined by spaces)."""
    return " ".join(tokens(text))


def folded(text: str) -> str:
    """The whole text folded, without numbers and addresses: what the character n-grams are built from.

    Character n-grams see inside words, so they still match where the stemmer cut a word differently
    or the citizen misspelt it ("konteynır", "kontenyer").
    """
    return turkish.fold(" ".join(words(text)))


def keyword_pattern(phrases: str) -> re.Pattern | None:
    """A pattern that finds any of the comma- or line-separated phrases in folded text.

    Each word of a phrase matches the start of a word, so Turkish suffixes do not hide it: "çukur" finds
    "çukurlar" and "çukuru", "su kesinti" finds "su kesintisi". None when there are no phrases.
    """
    alternatives = []
    for phrase in split_phrases(phrases):
        parts = [re.escape(word) for word in phrase.split()]
        if parts:
            alternatives.append(r"\b" + r"\w*\s+\b".join(parts))
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives))


def split_phrases(phrases: str) -> list[str]:
    """ "Çukur, bozuk yol\\nasfalt" → ["cukur", "bozuk yol", "asfalt"] (folded)."""
    return [turkish.fold(part) for part in re.split(r"[,;\n]+", phrases or "") if turkish.fold(part)]


def matches_keywords(text_folded: str, phrases: str) -> list[str]:
    """The phrases (folded) found in the folded text."""
    found = []
    for phrase in split_phrases(phrases):
        pattern = keyword_pattern(phrase)
        if pattern is not None and pattern.search(text_folded):
            found.append(phrase)
    return found


def similarity(a: str, b: str) -> float:
    """How much two texts say the same (0–1): the overlap of their stem sets (Jaccard), short texts kept fair.

    Used for duplicates, where two citizens describe one burst pipe in different words: the overlap of
    stems is divided by the smaller set when either text is short (a one-line SMS against a long e-mail).
    """
    first, second = set(tokens(a)), set(tokens(b))
    if not first or not second:
        return 0.0
    common = len(first & second)
    smaller = min(len(first), len(second))
    union = len(first | second)
    if smaller <= 4:
        return common / smaller if smaller else 0.0
    return max(common / union, common / smaller * 0.8)
