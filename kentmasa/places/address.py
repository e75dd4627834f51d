"""Turkish postal addresses as people write them, split into their parts. Plain Python, no Django.

An address runs from the small to the large: mahalle, street, building number, door, then
"ilçe/il". Each part is announced by a type word that follows its name ("Cumhuriyet Mah.",
"Atatürk Cad.") or a label that precedes its value ("No:12", "D:3", "Kat:2"). People abbreviate
the type words, drop the dots and colons, and type without Turkish letters, so words are compared
by their folded form (kentmasa.lib.turkish.fold) and rewritten to the spelling the UAVT uses.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from kentmasa.lib import turkish

# The folded type word (dots and colons dropped) → the official suffix after a name, and after a number
# ("Gül Sokağı" but "1453. Sokak").
NEIGHBOURHOOD_WORDS = {
    "mah": "Mahallesi",
    "mh": "Mahallesi",
    "mahallesi": "Mahallesi",
    "mahalle": "Mahallesi",
}
VILLAGE_WORDS = {"koyu": "Köyü", "koy": "Köyü"}
STREET_WORDS = {
    "cad": ("Caddesi", "Cadde"),
    "cd": ("Caddesi", "Cadde"),
    "cadde": ("Caddesi", "Cadde"),
    "caddesi": ("Caddesi", "Cadde"),
    "sok": ("Sokağı", "Sokak"),
    "sk": ("Sokağı", "Sokak"),
    "sokak": ("Sokağı", "Sokak"),
    "sokagi": ("Sokağı", "Sokak"),
    "bulv": ("Bulvarı", "Bulvar"),
    "blv": ("Bulvarı", "Bulvar"),
    "bul": ("Bulvarı", "Bulvar"),
    "bulvar": ("Bulvarı", "Bulvar"),
    "bulvari": ("Bulvarı", "Bulvar"),
    "meydani": ("Meydanı", "Meydan"),
    "meydan": ("Meydanı", "Meydan"),
    "mey": ("Meydanı", "Meydan"),
    "cikmazi": ("Çıkmazı", "Çıkmaz"),
    "cikmaz": ("Çıkmazı", "Çıkmaz"),
}
BUILDING_WORDS = {
    "apt": "Apartmanı",
    "ap": "Apartmanı",
    "apartmani": "Apartmanı",
    "apartman": "Apartmanı",
    "sitesi": "Sitesi",
    "sit": "Sitesi",
    "site": "Sitesi",
    "plaza": "Plaza",
    "is hani": "İş Hanı",
    "hani": "Hanı",
}
BLOCK_WORDS = {"blok", "blk", "bl"}
BUILDING_NO_WORDS = {"no", "numara", "nu", "nolu"}
DOOR_WORDS = {"d", "daire", "dair", "da"}
FLOOR_WORDS = {"kat", "k"}

# All 81 provinces are one word each, which lets a trailing "Melikgazi Kayseri" be split without a slash.
PROVINCES = (
    "Adana Adıyaman Afyonkarahisar Ağrı Aksaray Amasya Ankara Antalya Ardahan Artvin Aydın Balıkesir "
    "Bartın Batman Bayburt Bilecik Bingöl Bitlis Bolu Burdur Bursa Çanakkale Çankırı Çorum Denizli "
    "Diyarbakır Düzce Edirne Elazığ Erzincan Erzurum Eskişehir Gaziantep Giresun Gümüşhane Hakkari "
    "Hatay Iğdır Isparta İstanbul İzmir Kahramanmaraş Karabük Karaman Kars Kastamonu Kayseri Kilis "
    "Kırıkkale Kırklareli Kırşehir Kocaeli Konya Kütahya Malatya Manisa Mardin Mersin Muğla Muş "
    "Nevşehir Niğde Ordu Osmaniye Rize Sakarya Samsun Siirt Sinop Sivas Şanlıurfa Şırnak Tekirdağ "
    "Tokat Trabzon Tunceli Uşak Van Yalova Yozgat Zonguldak"
).split()
_PROVINCE_BY_KEY = {turkish.fold(name): name for name in PROVINCES}
_PROVINCE_BY_KEY.update(
    {"afyon": "Afyonkarahisar", "maras": "Kahramanmaraş", "urfa": "Şanlıurfa", "icel": "Mersin"}
)

# Type words at the end of an area's official name ("Sarıyakup Mh.", "Gevhernesibe Mah.").
_AREA_SUFFIXES = {"mh": "Mahallesi", "mah": "Mahallesi", "mahallesi": "Mahallesi", "koyu": "Köyü"}

_NUMBER = re.compile(r"^\d+[A-Za-zÇĞİÖŞÜçğıöşü]?(?:[/-]\d*[A-Za-zÇĞİÖŞÜçğıöşü]?\d*)?\.?$")
# A label glued to its value: "No:12", "D.3", "Kat:2", "no12".
_LABEL_VALUE = re.compile(r"^(no|numara|d|daire|kat|k|blok)[:.]?(\d.*)$", re.IGNORECASE)
_TOKEN = re.compile(r"(?:[^\s,;/]|(?<=\d)/(?=\d))+|/|[,;]")


@dataclass(frozen=True)
class Address:
    """The parts of an address, each empty when the text did not say it."""

    neighbourhood: str = ""  # "Cumhuriyet Mahallesi"
    street: str = ""  # "Atatürk Caddesi"
    building_no: str = ""  # dış kapı no: "12", "12A"
    door_no: str = ""  # iç kapı no (daire): "3"
    floor: str = ""
    building: str = ""  # "Güneş Apartmanı"
    block: str = ""  # "A"
    district: str = ""
    province: str = ""
    rest: tuple[str, ...] = field(default=())  # words that fit no part, in order

    @property
    def neighbourhood_key(self) -> str:
        """The folded mahalle name without its type word, the form Area.name_key holds."""
        return area_key(self.neighbourhood)

    def __str__(self) -> str:
        parts = [self.neighbourhood, self.street]
        if self.building:
            parts.append(self.building + (f" {self.block} Blok" if self.block else ""))
        elif self.block:
            parts.append(f"{self.block} Blok")
        if self.building_no:
            parts.append(f"No:{self.building_no}")
        if self.floor:
            parts.append(f"Kat:{self.floor}")
        if self.door_no:
            parts.append(f"D:{self.door_no}")
        place = "/".join(part for part in (self.district, self.province) if part)
        return " ".join(part for part in [*parts, place] if part)


def _key(token: str) -> str:
    return turkish.fold(token).strip(".:")


def _tokens(text: str) -> list[str]:
    text = " ".join(text.split())
    tokens: list[str] = []
    for raw in _TOKEN.findall(text):
        glued = _LABEL_VALUE.match(raw)
        if glued and _key(glued.group(1)) in BUILDING_NO_WORDS | DOOR_WORDS | FLOOR_WORDS | BLOCK_WORDS:
            tokens.extend([glued.group(1), glued.group(2)])
        elif ":" in raw.strip(":") and not raw[0].isdigit():
            # "D:3", "Kat:2": a label and its value joined by the colon.
            label, _, value = raw.partition(":")
            tokens.extend([label, value])
        else:
            tokens.append(raw)
    return tokens


def _is_number(token: str) -> bool:
    return bool(_NUMBER.match(token))


def _number(token: str) -> str:
    return turkish.upper(token.rstrip(".:"))


def _name(words: list[str]) -> str:
    """Words as a title-cased name; dots and colons go, but not an ordinal's dot ("19." in "19. Sokak")."""
    cleaned = [word if word.endswith(".") and word[:-1].isdigit() else word.strip(".:") for word in words]
    return turkish.title(" ".join(cleaned))


def _typed(words: list[str], named: str, numbered: str) -> str:
    """A name followed by its normalised type word: "Atatürk" + Caddesi; "1453" + "Sokak" → "1453. Sokak"."""
    if len(words) == 1 and words[0].rstrip(".").isdigit():
        return f"{words[0].rstrip('.')}. {numbered}"
    return f"{_name(words)} {named}".strip()


def parse(text: str) -> Address:
    """Split Turkish address text into its parts.

    >>> parse("Cumhuriyet Mah. Atatürk Cad. No:12 D:3 Melikgazi/Kayseri").street
    'Atatürk Caddesi'
    """
    return _Parser(text or "").parse()


PART, COMMA = "part", ","


class _Parser:
    """One left-to-right pass: words wait in ``pending`` until a type word names them or a label ends them."""

    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.keys = [_key(token) for token in self.tokens]
        self.parts: dict[str, str] = {}
        self.pending: list[str] = []
        # What the pass left behind, in order: runs of words no part took, and PART / COMMA where runs ended.
        self.runs: list[list[str] | str] = []

    def end_run(self, marker: str) -> None:
        if self.pending:
            self.runs.append(self.pending)
            self.pending = []
        self.runs.append(marker)

    def take_pending(self) -> list[str]:
        words, self.pending = self.pending, []
        self.runs.append(PART)
        return words

    def value_at(self, index: int) -> str:
        """The value after a label ("No" "12"), or "" when no number follows."""
        if index < len(self.tokens) and _is_number(self.tokens[index]):
            return _number(self.tokens[index])
        return ""

    def set_building_no(self, value: str) -> None:
        building, _, door = value.partition("/")
        self.parts.setdefault("building_no", building)
        if door:
            self.parts.setdefault("door_no", door)

    def step(self, i: int) -> int:
        """Read the token at i; the index of the next unread token."""
        tokens, keys, parts = self.tokens, self.keys, self.parts
        token, key = tokens[i], keys[i]
        following = keys[i + 1] if i + 1 < len(keys) else ""
        if token in {",", ";"}:
            self.end_run(COMMA)
            return i + 1
        if key in ("ic", "dis") and following == "kapi":
            # "İç Kapı No:3" is the door; "Dış Kapı No:12" the building.
            at = i + 3 if i + 2 < len(keys) and keys[i + 2] in BUILDING_NO_WORDS else i + 2
            value = self.value_at(at)
            if value:
                self.end_run(PART)
                if key == "ic":
                    parts.setdefault("door_no", value)
                else:
                    self.set_building_no(value)
                return at + 1
        if (key in NEIGHBOURHOOD_WORDS or key in VILLAGE_WORDS) and self.pending:
            suffix = NEIGHBOURHOOD_WORDS.get(key) or VILLAGE_WORDS[key]
            words = self.strip_leading_province(self.take_pending())
            parts.setdefault("neighbourhood", _typed(words, suffix, suffix))
            return i + 1
        if key in STREET_WORDS and self.pending:
            named, numbered = STREET_WORDS[key]
            street = _typed(self.strip_leading_province(self.take_pending()), named, numbered)
            # "Atatürk Cad. Gül Sk.": the avenue, then the side street the door opens on.
            parts["street"] = f"{parts['street']} {street}" if "street" in parts else street
            return i + 1
        if key in BUILDING_WORDS and self.pending:
            parts.setdefault("building", f"{_name(self.take_pending())} {BUILDING_WORDS[key]}")
            return i + 1
        if key in BLOCK_WORDS:
            if self.pending and len(self.pending[-1]) <= 3:  # "A Blok"
                block = self.pending.pop()
                self.end_run(PART)
                parts.setdefault("block", turkish.upper(block.strip(".:")))
                return i + 1
            if i + 1 < len(tokens) and len(tokens[i + 1]) <= 3 and tokens[i + 1] not in {",", ";", "/"}:
                self.end_run(PART)  # "Blok A", "Blok:B2"
                parts.setdefault("block", turkish.upper(tokens[i + 1].strip(".:")))
                return i + 2
        if key in BUILDING_NO_WORDS and self.value_at(i + 1):
            self.end_run(PART)
            self.set_building_no(self.value_at(i + 1))
            return i + 2
        if key in DOOR_WORDS and self.value_at(i + 1):
            self.end_run(PART)
            parts.setdefault("door_no", self.value_at(i + 1))
            return i + 2
        if key in FLOOR_WORDS:
            if self.value_at(i + 1):
                self.end_run(PART)
                parts.setdefault("floor", self.value_at(i + 1))
                return i + 2
            if key == "kat" and self.pending:  # "2. Kat", "Zemin Kat"
                floor = self.pending.pop()
                self.end_run(PART)
                parts.setdefault("floor", _name([floor.rstrip(".")]))
                return i + 1
        if (
            _is_number(token)
            and not self.pending
            and "street" in parts
            and "building_no" not in parts
            and following not in STREET_WORDS
        ):
            # A bare number right after the street is its building number: "Atatürk Cad. 12/3".
            self.end_run(PART)
            self.set_building_no(_number(token))
            return i + 1
        self.pending.append(token)
        return i + 1

    def strip_leading_province(self, words: list[str]) -> list[str]:
        """ "Kayseri Cumhuriyet Mah.": a province before the first named part is the province."""
        if len(words) > 1 and _key(words[0]) in _PROVINCE_BY_KEY and "province" not in self.parts:
            self.parts["province"] = _PROVINCE_BY_KEY[_key(words[0])]
            return words[1:]
        return words

    def parse(self) -> Address:
        i = 0
        while i < len(self.tokens):
            i = self.step(i)
        self.end_run(COMMA)
        place = self.place_runs()
        for index in place:
            self.runs[index] = PART
        rest = [_name([word for word in run if word != "/"]) for run in self.runs if isinstance(run, list)]
        return Address(**self.parts, rest=tuple(words for words in rest if words))

    def place_runs(self) -> list[int]:
        """Find the ilçe and il among the leftover runs, record them, and return the runs they used."""
        runs = self.runs
        word_runs = {index: run for index, run in enumerate(runs) if isinstance(run, list)}
        slashed = [index for index, run in word_runs.items() if "/" in run]
        if slashed:
            self.set_place(*_district_and_province(word_runs[slashed[-1]]))
            return slashed[-1:]
        # "… No:12 Melikgazi Kayseri", "…, Seyhan, Adana": the runs after the last part.
        last_part = max((index for index, run in enumerate(runs) if run == PART), default=-1)
        trailing = [index for index in range(last_part + 1, len(runs)) if index in word_runs]
        if trailing:
            last = word_runs[trailing[-1]]
            if len(trailing) > 1 and len(last) == 1 and _key(last[0]) in _PROVINCE_BY_KEY:
                self.set_place(_name(word_runs[trailing[-2]]), _PROVINCE_BY_KEY[_key(last[0])])
                return trailing[-2:]
            self.set_place(*_district_and_province(last))
            return trailing[-1:]
        # "Kayseri Melikgazi, Hunat Mah. …": the il and ilçe written first.
        first_part = runs.index(PART) if PART in runs else len(runs)
        leading = [index for index in range(first_part) if isinstance(runs[index], list)]
        words = [word for index in leading for word in runs[index]]
        if words and _key(words[0]) in _PROVINCE_BY_KEY:
            self.set_place(_name(words[1:]), _PROVINCE_BY_KEY[_key(words[0])])
            return leading
        if words and _key(words[-1]) in _PROVINCE_BY_KEY:
            self.set_place(_name(words[:-1]), _PROVINCE_BY_KEY[_key(words[-1])])
            return leading
        return []

    def set_place(self, district: str, province: str) -> None:
        if district:
            self.parts.setdefault("district", district)
        if province:
            self.parts.setdefault("province", province)


def _district_and_province(words: list[str]) -> tuple[str, str]:
    if "/" in words:
        at = words.index("/")
        before, after = words[:at], [word for word in words[at + 1 :] if word != "/"]
        return _name(before), _province_name(after)
    if words and _key(words[-1]) in _PROVINCE_BY_KEY:
        return _name(words[:-1]), _PROVINCE_BY_KEY[_key(words[-1])]
    return _name(words), ""


def _province_name(words: list[str]) -> str:
    name = _name(words)
    return _PROVINCE_BY_KEY.get(turkish.fold(name), name)


# -- area names -------------------------------------------------------------------------------------


def area_display_name(name: str) -> str:
    """The official name with its type word written out: "Sarıyakup Mh." → "Sarıyakup Mahallesi"."""
    words = name.split()
    if len(words) > 1 and _key(words[-1]) in _AREA_SUFFIXES:
        return " ".join([*words[:-1], _AREA_SUFFIXES[_key(words[-1])]])
    return " ".join(words)


def area_key(name: str) -> str:
    """The folded name without its type word: "Sarıyakup Mh.", "SARIYAKUP MAHALLESİ" → "sariyakup"."""
    words = name.split()
    if len(words) > 1 and _key(words[-1]) in _AREA_SUFFIXES:
        words = words[:-1]
    return turkish.fold(" ".join(words)).replace(".", "").strip()


class AreaLike(Protocol):
    name_key: str


AreaT = TypeVar("AreaT", bound=AreaLike)


def match(address: Address, areas: Iterable[AreaT]) -> AreaT | None:
    """The area whose name the address's mahalle names, or None when none or several fit.

    ``areas`` are the candidates, already narrowed to the district or province when those are known.
    """
    wanted = address.neighbourhood_key
    if not wanted:
        return None
    found = [area for area in areas if area.name_key == wanted]
    if len(found) == 1:
        return found[0]
    return None
