"""Reading the completion times ("hizmetin tamamlanma süresi") of service standards tables.

Institutions write these cells freely: "15 İŞ GÜNÜ", "30 Gün", "10 D", "1 SAAT", a police sentence such as
"… bildirilmesinden itibaren 10 dakika içinde ilgili yerlere ulaştırır.", a deadline with a longer one for
applications that concern several institutions, a retention period ("ortalama 10 gün içerisinde …
silinmektedir"), "anlık" for emergencies, or no time at all ("… ilgili birime ulaştırılır.").
`parse_completion_time` reads each of these into a `CompletionTime` and refuses anything else with a
`CompletionTimeError`: a cell we cannot read must never become a zero or a missing deadline by accident.

`governs_forwarding` reads what the cell's time limits: most cells time the service's completion, but some
time only the forwarding of an application to the unit or place that handles it (the police 155 line: "…
10 dakika içinde ilgili yerlere ulaştırır"; its SMS and e-mail rows: "… ilgili birime ulaştırılır").

Everything is compared after `kentmasa.lib.turkish.fold`, so "15 İŞ GÜNÜ", "15 İş Günü" and "15 is gunu" are
the same text.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from kentmasa.lib.turkish import fold


class TimeUnit(enum.Enum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    BUSINESS_DAYS = "business_days"

    @property
    def elapsed(self) -> bool:
        """True for units that run round the clock (minutes, hours); day units follow the working calendar."""
        return self in (TimeUnit.MINUTES, TimeUnit.HOURS)


UNIT_NAMES_TR = {
    TimeUnit.MINUTES: "dakika",
    TimeUnit.HOURS: "saat",
    TimeUnit.DAYS: "gün",
    TimeUnit.BUSINESS_DAYS: "iş günü",
}

# The largest amount we accept: nothing in a standards table runs for years, and a typo such as "155 iş günü"
# for "15" is still allowed, while "20250101 gün" is not.
MAX_AMOUNT = 9999


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: TimeUnit

    def describe_tr(self) -> str:
        """In Turkish: "15 iş günü", "30 gün", "10 dakika", "2 saat" (no plural after a number)."""
        return f"{self.amount} {UNIT_NAMES_TR[self.unit]}"


@dataclass(frozen=True)
class CompletionTime:
    """One completion-time cell as read.

    `standard` is the time the service must be completed in; `extended` the longer time the table allows when
    the application concerns several institutions; `immediate` marks services done at once ("anlık"), which
    have a deadline equal to the moment of receipt; `retention` is how long something is kept (camera
    recordings), which is not a deadline. A cell that states no time at all has none of these, and no
    deadline.
    """

    text: str
    standard: Duration | None
    extended: Duration | None = None
    immediate: bool = False
    retention: Duration | None = None

    @property
    def has_deadline(self) -> bool:
        return self.standard is not None or self.immediate

    def applicable(self, several_institutions: bool = False) -> Duration | None:
        """The duration that applies: the extended one when the application concerns several institutions and
        the table gives one, otherwise the standard one (None when the cell states no time)."""
        if several_institutions and self.extended is not None:
            return self.extended
        return self.standard


class CompletionTimeError(ValueError):
    """A completion time that cannot be read; `message` says why in Turkish, `text` is the cell as given."""

    def __init__(self, text: str, message: str | None = None):
        self.text = text
        self.message = message or f'Tamamlanma süresi okunamadı: "{text}"'
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# Unit words after folding, with the case endings they take in sentences ("15 günde", "10 dakika içinde",
# "2 saatte", "15 iş gününde"). The lone "d" of "10 D" is an abbreviation only a whole cell may use: in a
# sentence it could be anything.
_UNIT_WORDS = (
    (r"is\s*gun(?:u|un|unu|une|unde|unden|luk)?", TimeUnit.BUSINESS_DAYS),
    (r"gun(?:u|e|de|den|luk)?", TimeUnit.DAYS),
    (r"saat(?:e|te|ten|lik)?", TimeUnit.HOURS),
    (r"(?:dakika(?:ya|da|dan|lik)?|dak|dk)", TimeUnit.MINUTES),
)
_UNIT_PATTERN = "|".join(f"(?P<u{i}>{pattern})" for i, (pattern, _) in enumerate(_UNIT_WORDS))
_BARE_UNIT_PATTERN = _UNIT_PATTERN + r"|(?P<d>d)"

# A number that is not part of a larger number, a decimal ("1,5 saat") or a range ("10-15 gün"); a minus sign
# right before it is captured so that "-3 gün" is refused instead of read as 3 days.
_AMOUNT = r"(?<![\w.,\-])(?P<minus>-\s*)?(?P<amount>\d+)\s*"
_BARE_DURATION = re.compile(rf"^{_AMOUNT}(?:{_BARE_UNIT_PATTERN})\.?$")
_DURATION_IN_TEXT = re.compile(rf"{_AMOUNT}(?:{_UNIT_PATTERN})\b\.?")

# "… BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ": the second time applies when other
# institutions are involved.
_SEVERAL_INSTITUTIONS = re.compile(r"birden fazla|kurum")
# Retention periods: recordings "silinir", documents "saklanır" or are "muhafaza edilir".
_RETENTION = re.compile(r"\b(?:silin\w*|saklan\w*|muhafaza)")
# Done at once: "anlık olarak", "anında", "derhal", "hemen".
_IMMEDIATE = re.compile(r"\b(?:anlik|aninda|derhal|hemen)\b")
# The cell states no time, only what happens: "ilgili birime ulaştırılır", "yönlendirilir", "en kısa sürede".
_NO_TIME = re.compile(
    r"\b(?:ulastirilir|iletilir|yonlendirilir|aktarilir|havale edilir|gonderilir)\b"
    r"|\ben kisa (?:surede|zamanda)\b"
)


def _unit_of(match: re.Match[str]) -> TimeUnit:
    if match.groupdict().get("d"):
        return TimeUnit.MINUTES
    for i, (_, unit) in enumerate(_UNIT_WORDS):
        if match.group(f"u{i}"):
            return unit
    raise AssertionError("a unit group always matches")  # pragma: no cover


def _duration_of(match: re.Match[str], text: str) -> Duration:
    amount = int(match.group("amount"))
    if match.group("minus") or amount == 0:
        raise CompletionTimeError(text, f'Tamamlanma süresi sıfırdan büyük olmalı: "{text}"')
    if amount > MAX_AMOUNT:
        raise CompletionTimeError(text, f'Tamamlanma süresi çok uzun: "{text}"')
    return Duration(amount, _unit_of(match))


def _folded(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CompletionTimeError(text if isinstance(text, str) else "", "Tamamlanma süresi boş.")
    return fold(text)


def parse_duration(text: str) -> Duration:
    """Read a single duration: "15 İŞ GÜNÜ", "30 Gün", "3 saat", "10 dakika", "10 D" (= 10 minutes).

    Raises CompletionTimeError for anything else, including zero, negative and sentences.
    """
    key = _folded(text)
    match = _BARE_DURATION.match(key)
    if match is None:
        raise CompletionTimeError(text)
    return _duration_of(match, text)


# Pure on its text and the answer is frozen: a service's cell is read once per process, not once per case a
# list shows (the API list and the queue work out each row's remaining time from it). A refusal is not kept.
@functools.lru_cache(maxsize=4096)
def parse_completion_time(text: str) -> CompletionTime:
    """Read one completion-time cell of a service standards table.

    - one duration, alone or in a sentence ("10 dakika içinde …") → `standard`;
    - a duration, then a clause about several institutions with a second, longer duration → `standard` and
      `extended`;
    - a sentence about deletion or keeping ("silinmektedir", "saklanır") with one duration → `retention` only;
    - no duration but "anlık", "anında", "derhal", "hemen" → `immediate`;
    - no duration but a forwarding sentence ("ilgili birime ulaştırılır") or "en kısa sürede" → no time stated
      (`has_deadline` is False);
    - anything else, an empty cell, a zero or negative amount, two unrelated durations → CompletionTimeError.
    """
    key = _folded(text)
    bare = _BARE_DURATION.match(key)
    if bare is not None:
        return CompletionTime(text=text, standard=_duration_of(bare, text))

    durations = [_duration_of(match, text) for match in _DURATION_IN_TEXT.finditer(key)]

    if _RETENTION.search(key):
        if len(durations) != 1:
            raise CompletionTimeError(text)
        return CompletionTime(text=text, standard=None, retention=durations[0])

    if len(durations) == 2:
        standard, extended = durations
        first_end = _DURATION_IN_TEXT.search(key).end()  # type: ignore[union-attr]
        if not _SEVERAL_INSTITUTIONS.search(key, first_end):
            raise CompletionTimeError(
                text, f'Tamamlanma süresinde iki süre var, hangisinin geçerli olduğu anlaşılamadı: "{text}"'
            )
        if standard.unit is extended.unit and extended.amount <= standard.amount:
            raise CompletionTimeError(text, f'Uzatılmış süre olağan süreden uzun olmalı: "{text}"')
        return CompletionTime(text=text, standard=standard, extended=extended)

    if len(durations) > 2:
        raise CompletionTimeError(
            text,
            f'Tamamlanma süresinde birden fazla süre var, hangisinin geçerli olduğu anlaşılamadı: "{text}"',
        )

    if len(durations) == 1:
        return CompletionTime(text=text, standard=durations[0])

    if _IMMEDIATE.search(key):
        return CompletionTime(text=text, standard=None, immediate=True)
    if _NO_TIME.search(key):
        return CompletionTime(text=text, standard=None)
    raise CompletionTimeError(text)


# What a forwarding cell says is done with the application: it is carried ("ilgili birime ulaştırılır",
# "ilgili yerlere ulaştırır"), passed on ("iletilir", "iletilmesi"), pointed ("yönlendirilir"), handed over
# ("havale edilir", "sevk edilir", "aktarılır") or reported onward ("Haber Merkezine bildirilmekte"). Only
# forms that say the institution does it: "bildirilmesinden itibaren" (the citizen reporting, in the 155
# cell) and "sonuca ulaştırır" (bringing to a result) are not forwarding.
_FORWARDING = re.compile(
    r"\b(?:birim|yer|kurum|kurulus|merkez|makam|merci|ekip|mudurluk|sube)\w*\s+(?:\w+\s+)?ulastir\w*"
    r"|\bileti(?:lir|lmesi|lmekte\w*|lecek\w*|lerek)\b"
    r"|\byonlendiril(?:ir|mesi|mekte\w*|ecek\w*|erek)\b"
    r"|\bhavale\b"
    r"|\bsevk edil\w*"
    r"|\baktaril(?:ir|masi|makta\w*)\b"
    r"|\bbildiril(?:ir|mekte\w*)\b"
)
# A cell that promises the answer itself times completion, whatever else it says.
_COMPLETION = re.compile(
    r"\b(?:sonuclandiril\w*|tamamlan(?:ir|makta\w*)|cevaplandiril\w*|yanitlan(?:ir|makta\w*)"
    r"|cozum(?:e|le) kavustur\w*|cozul(?:ur|mekte\w*))\b"
)


def governs_forwarding(text: object) -> bool:
    """Whether a completion-time cell times only the forwarding of the application to whoever handles it,
    not its completion.

    True for "… 10 dakika içinde ilgili yerlere ulaştırır", "Gönderilen SMS … ilgili birime ulaştırılır",
    "… anlık olarak Haber Merkezine bildirilmekte …", "… ilgili birime iletilir / yönlendirilir / havale
    edilir". False for plain times ("15 İŞ GÜNÜ"), for retention periods (camera recordings "silinmektedir":
    nothing is forwarded) and for a cell that promises the answer itself ("… içinde sonuçlandırılır").
    Never raises: an empty or unreadable cell is simply not a forwarding one.
    """
    if not isinstance(text, str) or not text.strip():
        return False
    key = fold(text)
    if _RETENTION.search(key) or _COMPLETION.search(key):
        return False
    return _FORWARDING.search(key) is not None
