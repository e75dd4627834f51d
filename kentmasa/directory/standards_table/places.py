"""The first and second application places printed under a standards table, one block below the other
or both side by side, each field ("Adres :", "Tel :", …) read with the line it came from.

Pure Python: no Django import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kentmasa.directory.standards_table.result import ApplicationPlaceBlock
from kentmasa.directory.standards_table.text import fold, squeeze

if TYPE_CHECKING:
    from kentmasa.directory.standards_table.rows import TableReader

# The two blocks' headings: "İLK MÜRACAAT YERİ", "İkinci Müracaat Yeri : Belediye Başkan Yardımcısı",
# "1. Müracaat Yeri". "ilk müracaat yerine" in the closing sentence is not one.
_BLOCK = re.compile(r"(?<!\S)(?:(?P<first>ilk|1\.?)|(?P<second>ikinci|2\.?))\s+muracaat\s+yeri\b\s*:?")
_FIELDS = {
    "person_name": r"isim|isim\s+soyisim|adi\s*soyadi|ad\s*soyad|adi",
    "title": r"unvani?|gorevi?",
    "address": r"adresi?",
    "phone": r"tel(?:efon)?(?:\s+no)?|telefon\s+numarasi",
    "fax": r"faks|fax|belgegecer",
    "email": r"e\s*-?\s*posta(?:\s+adresi)?|e\s*-?\s*mail|elektronik\s+posta(?:\s+adresi)?",
}
_FIELD = re.compile(
    r"(?<!\S)(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _FIELDS.items()) + r")\s*:"
)
# A line that looks like "Something : value" with a label we do not know.
# "No:358" in a wrapped address is not one: a label is one to three words and a space follows its colon.
_UNKNOWN_LABEL = re.compile(r"^\s*([^\W\d][\w.-]*(?: [\w.-]+){0,2})\s*:(?:\s|$)")
# Fields a long value may wrap from onto the next line.
_WRAPPING_FIELDS = {"office", "person_name", "title", "address"}
FIELD_NAMES_TR = {
    "office": "birim",
    "person_name": "isim",
    "title": "unvan",
    "address": "adres",
    "phone": "telefon",
    "fax": "faks",
    "email": "e-posta",
}


@dataclass
class _Block:
    line: int
    rank: int
    values: dict[str, str]
    lines: dict[str, int]
    last: str = "office"

    def put(self, name: str, value: str, index: int) -> None:
        value = squeeze(value.strip().lstrip(":"))
        existing = self.values.get(name, "")
        # A field written twice ("Tel : …" on two lines) keeps both values.
        self.values[name] = f"{existing}, {value}" if existing and value else existing or value
        self.lines.setdefault(name, index)
        self.last = name


class PlacesReader:
    """The application places under the table, one block below the other or both side by side."""

    def __init__(self, table: TableReader, start: int):
        self.table = table
        self.start = start
        self.blocks: dict[int, _Block] = {}
        self.current: _Block | None = None
        # Side by side: the second block's cells start after this many tabs.
        self.split_at: int | None = None

    def read(self) -> tuple[ApplicationPlaceBlock | None, ApplicationPlaceBlock | None]:
        lines = self.table.lines
        for index in range(self.start, len(lines)):
            self.read_line(index, lines[index])
        last = max(len(lines) - 1, 0)
        for rank, label in ((1, "İlk"), (2, "İkinci")):
            if rank not in self.blocks:
                self.table.problem(last, f"{label} müracaat yeri bulunamadı.")
        return self.place(1), self.place(2)

    def read_line(self, index: int, line: str) -> None:
        folded = fold(line)
        matches = sorted(
            [(m.start(), m.end(), "first" if m.group("first") else "second") for m in _BLOCK.finditer(folded)]
            + [(m.start(), m.end(), m.lastgroup or "") for m in _FIELD.finditer(folded)]
        )
        if not matches:
            self.read_plain(index, line)
            return
        if line[: matches[0][0]].strip():
            # Something before the first label we know: "Web Adresi : …" ends in one, a sentence may hold
            # one ("… Tel : 153 numaralı hattan …").
            if self.current is not None:
                self.unreadable(index, line)
            return
        blocks = [match for match in matches if match[2] in ("first", "second")]
        if len(blocks) == 2 and blocks[0][2] == "first" and blocks[1][2] == "second":
            self.split_at = line[: blocks[1][0]].count("\t")
        elif blocks:
            self.split_at = None

        for position, (begin, end, kind) in enumerate(matches):
            value_end = matches[position + 1][0] if position + 1 < len(matches) else len(line)
            value = line[end:value_end]
            if kind in ("first", "second"):
                rank = 1 if kind == "first" else 2
                if rank in self.blocks:
                    label = "İlk" if rank == 1 else "İkinci"
                    self.table.problem(index, f"{label} müracaat yeri iki kez yazılmış.")
                    continue
                block = _Block(index, rank, {}, {})
                self.blocks[rank] = block
                self.current = block
                if value.strip(" \t:"):
                    block.put("office", value, index)
                continue
            target = self.block_for(line, begin)
            if target is None:
                return  # text before the first block (the closing sentence) is not ours to read
            target.put(kind, value, index)

    def block_for(self, line: str, begin: int) -> _Block | None:
        if self.split_at is not None and 2 in self.blocks:
            return self.blocks[2] if line[:begin].count("\t") >= self.split_at else self.blocks[1]
        return self.current

    def read_plain(self, index: int, line: str) -> None:
        if not line.strip() or self.current is None or self.table.is_noise(line, below_table=True):
            return
        block = self.current
        if self.split_at is None and block.last in _WRAPPING_FIELDS and not _UNKNOWN_LABEL.match(line):
            # A long address (or office, name, title) wrapped onto the next line.
            existing = block.values.get(block.last, "")
            block.values[block.last] = squeeze(f"{existing} {line}")
            block.lines.setdefault(block.last, index)
            return
        self.unreadable(index, line)

    def unreadable(self, index: int, line: str) -> None:
        label = _UNKNOWN_LABEL.match(line)
        if label:
            self.table.problem(index, f"Müracaat yeri alanı tanınmadı: “{squeeze(label.group(1))}”.")
        else:
            self.table.problem(index, "Müracaat yeri satırı anlaşılamadı.")

    def place(self, rank: int) -> ApplicationPlaceBlock | None:
        block = self.blocks.get(rank)
        if block is None:
            return None
        field_lines = {name: index + 1 for name, index in block.lines.items()}
        return ApplicationPlaceBlock(line=block.line + 1, rank=rank, field_lines=field_lines, **block.values)
