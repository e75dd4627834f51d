"""The numbered rows of a standards table: its title, the column header (wrapped or not), and each
service's name, documents and completion time, cell by cell, past page breaks and wrapped cells.

`TableReader` reads the whole text and hands the lines below the table to `places.PlacesReader`.
Pure Python: no Django import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from kentmasa.deadlines import CompletionTimeError, parse_completion_time
from kentmasa.directory.standards_table.places import PlacesReader
from kentmasa.directory.standards_table.result import (
    ApplicationPlaceBlock,
    Problem,
    ServiceRow,
    StandardsTable,
)
from kentmasa.directory.standards_table.text import fold, heading_key, numbered_lines, squeeze

# A row starts with its number in the first cell: "7<TAB>…", also written "7.<TAB>" or "7)<TAB>".
_ROW_START = re.compile(r"^ *(\d{1,4}) *[.)]? *\t")
# Page numbers left by a page break: "3", "- 3 -", "3/5", "Sayfa 3", "Sayfa 3 / 5".
_PAGE_NUMBER = re.compile(r"^(?:sayfa|page)?\s*-?\s*\d{1,3}\s*-?\s*(?:(?:/|of|\|)\s*\d{1,3})?$")
# The sentence every table ends with ("… ilk müracaat yerine ya da ikinci müracaat yerine
# başvurunuz.") and the application places themselves: the rows are over.
_TABLE_END = re.compile(r"muracaat\s+yeri")
# How many lines above the column header can make up the document's title.
_TITLE_LINES = 4


class _Columns(NamedTuple):
    """Where each cell sits on a row's line; the row number, which starts the line, is cell 0."""

    name: int
    documents: int | None
    time: int
    width: int  # how many cells a row has


def _is_header(line: str) -> bool:
    cells = [cell for cell in line.split("\t") if cell.strip()]
    if len(cells) < 3:
        return False
    folded = fold(line)
    return "hizmet" in folded and re.search(r"\b(?:tamamlanma|suresi?)\b", folded) is not None


def _columns(cells: list[str]) -> _Columns | None:
    """Which cell holds what, from the column header's words; None when the header cannot be understood."""
    folded = [fold(cell) for cell in cells]
    taken: set[int] = set()

    def find(pattern: str) -> int | None:
        for index, cell in enumerate(folded):
            if index not in taken and re.search(pattern, cell):
                taken.add(index)
                return index
        return None

    # The time first, by whole words: "İŞLEM SÜREÇLERİ VE İSTENEN BELGELER" is not the time.
    time = find(r"\btamamlanma\b|\bsuresi?\b")
    documents = find(r"belge")
    name = find(r"\badi\b|\bhizmet")
    number = find(r"\bsira\b|\bno\b|^s\.")
    if time is None or name is None:
        return None
    if number is None:
        number = next((index for index in range(len(cells)) if index not in taken), None)
        if number is None:
            return None
    # A row's line always starts with its number, whichever column the header names first.
    others = [index for index in range(len(cells)) if index != number]
    return _Columns(
        name=1 + others.index(name),
        documents=None if documents is None else 1 + others.index(documents),
        time=1 + others.index(time),
        width=len(cells),
    )


@dataclass
class _Record:
    """The lines of one numbered row before they are cut into cells."""

    line: int
    number: int
    parts: list[tuple[int, str]]
    closed: bool = False


def _unquote(text: str) -> str:
    """A spreadsheet saving a multi-line cell as tab-separated text puts it in double quotes."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        return stripped[1:-1].replace('""', '"')
    return text


# A numbered item inside a cell: "1- …", "2. …", "3) …", "1-Korumalı…", but not "6-8", "2-3 gün" or "No:358".
_ITEM = re.compile(r"(?<!\S)(\d{1,2})\s?[-.)](?=\s|[^\W\d_])")


def _documents(lines: list[str]) -> str:
    """The documents cell with each numbered item ("1- …", "2. …") on its own line.

    Only the items numbered 1, 2, 3… in order start a line, so numbers in the text ("155 Polis İmdat Hattı",
    "444 00 73") stay where they are.
    """
    text = "\n".join(squeeze(line) for line in lines if line.strip())
    pieces, last, expected = [], 0, 1
    for match in _ITEM.finditer(text):
        if int(match.group(1)) != expected:
            continue
        expected += 1
        if match.start() > 0 and text[match.start() - 1] != "\n":
            pieces.append(text[last : match.start()].rstrip())
            last = match.start()
    pieces.append(text[last:])
    return "\n".join(piece for piece in pieces if piece)


class TableReader:
    def __init__(self, text: str):
        self.lines = numbered_lines(text)
        self.problems: list[Problem] = []
        # The keys of the lines that make up the document's title and the column header, which a page
        # break prints again; below the table only the whole title and the header count, since a line of
        # the title alone ("FEN İŞLERİ MÜDÜRLÜĞÜ") may well be an application place's office.
        self.headings: set[str] = set()
        self.page_headings: set[str] = set()

    def problem(self, index: int, message: str) -> None:
        self.problems.append(Problem(index + 1, message))

    def is_noise(self, line: str, below_table: bool = False) -> bool:
        """A page break's leftovers: a page number, or the title or column header printed again.

        A repeated heading must match whole lines of the original, so a wrapped cell that merely mentions the
        unit's name is never taken for one.
        """
        key = heading_key(line)
        if "\t" not in line and _PAGE_NUMBER.match(key):
            return True
        return key in (self.page_headings if below_table else self.headings)

    def read(self) -> StandardsTable:
        header = next((i for i, line in enumerate(self.lines) if _is_header(line)), None)
        if header is None:
            self.problem(
                0,
                "Tablo başlığı bulunamadı: sütunları sekmeyle ayrılmış, “HİZMETİN ADI” ve "
                "“HİZMETİN TAMAMLANMA SÜRESİ” sütunlarını içeren bir satır olmalı.",
            )
            return StandardsTable("", (), None, None, tuple(self.problems))

        title = self.read_title(header)
        rows, end = self.read_rows(header)
        first, second = self.read_places(end)
        problems = tuple(sorted(self.problems, key=lambda problem: problem.line))
        return StandardsTable(title, tuple(rows), first, second, problems)

    def read_title(self, header: int) -> str:
        title: list[str] = []
        index = header - 1
        while index >= 0 and not self.lines[index].strip():
            index -= 1
        while index >= 0 and len(title) < _TITLE_LINES and self.lines[index].strip():
            title.insert(0, squeeze(self.lines[index]))
            index -= 1
        # The title comes back at a page break as it was, or with its lines run together into one.
        for first in range(len(title)):
            for last in range(first + 1, len(title) + 1):
                self.headings.add(heading_key(" ".join(title[first:last])))
        self.page_headings.add(heading_key(" ".join(title)))
        return " ".join(title)

    # -- rows --------------------------------------------------------------------------------------

    def read_rows(self, header: int) -> tuple[list[ServiceRow], int]:
        """The numbered rows below the header, and the index of the first line after the table."""
        header_cells = self.lines[header].split("\t")
        self.headings.add(heading_key(self.lines[header]))
        self.page_headings.add(heading_key(self.lines[header]))
        index = header + 1
        # A header wrapped onto more lines ("HİZMETİN TAMAMLANMA" / "SÜRESİ (EN GEÇ)"): everything up to the
        # first numbered row belongs to it.
        while index < len(self.lines) and not _ROW_START.match(self.lines[index]):
            line = self.lines[index]
            if _TABLE_END.search(fold(line)):
                break
            if line.strip() and not self.is_noise(line):
                self.headings.add(heading_key(line))
                self.page_headings.add(heading_key(line))
                pieces = line.split("\t")
                if len(pieces) == 1:
                    header_cells[-1] += " " + line
                else:
                    for position, piece in enumerate(pieces[: len(header_cells)]):
                        header_cells[position] += " " + piece
            index += 1

        columns = _columns(header_cells)
        if columns is None:
            self.problem(
                header,
                "Tablo sütunları anlaşılamadı: sıra no, hizmetin adı ve tamamlanma süresi "
                "sütunları bulunmalı.",
            )
            return [], len(self.lines)

        records: list[_Record] = []
        while index < len(self.lines):
            line = self.lines[index]
            start = _ROW_START.match(line)
            if start is None and _TABLE_END.search(fold(line)):
                break
            current = records[-1] if records else None
            expected = current.number + 1 if current else 1
            following = self.next_text_line(index)
            if (
                start is None
                and line.strip() == str(expected)
                and following is not None
                and self.lines[following].startswith("\t")
            ):
                # The row number alone, the rest of the row on the next line ("7" / "<TAB>Beyaz Masa<TAB>…"):
                # not a page number, or row 7 would be glued to row 6.
                records.append(_Record(index, expected, [(following, self.lines[following][1:])]))
                index = following + 1
                continue
            if start is not None:
                number = int(start.group(1))
                if number != expected:
                    self.problem(
                        index,
                        f"Sıra numarası {expected} bekleniyordu, {number} bulundu; aradaki "
                        "satırlar okunamamış olabilir.",
                    )
                records.append(_Record(index, number, [(index, line[start.end() :])]))
            elif not line.strip():
                # A blank line ends a row once all its cells are there; inside an unfinished cell it is kept.
                if current is not None and self.cell_count(current) >= columns.width:
                    current.closed = True
            elif self.is_noise(line):
                pass
            elif current is None:  # pragma: no cover - the header took every line up to the first row
                raise AssertionError("a line before the first row outside the header")
            elif current.closed:
                self.problem(
                    index,
                    "Bu metin tablo satırlarının arasında kalmış, hiçbir hizmete ait değil; "
                    "bir hücrenin devamıysa üstündeki boş satırı silin.",
                )
            else:
                current.parts.append((index, line))
            index += 1

        if not records:
            self.problem(
                header, "Tablo başlığının altında sıra numarasıyla başlayan hiçbir satır bulunamadı."
            )
        rows = [row for row in (self.row(record, columns) for record in records) if row is not None]
        # A service is known by its name within the institution, so a name may appear only once.
        seen: dict[str, ServiceRow] = {}
        for row in rows:
            if row.name in seen:
                self.problem(
                    row.line - 1, f"“{row.name}” adlı hizmet {seen[row.name].number} numaralı satırda da var."
                )
            seen.setdefault(row.name, row)
        return rows, index

    def next_text_line(self, index: int) -> int | None:
        for following in range(index + 1, len(self.lines)):
            if self.lines[following].strip():
                return following
        return None

    @staticmethod
    def cell_count(record: _Record) -> int:
        # The row number's cell is already cut off, hence the 1.
        return 1 + 1 + sum(text.count("\t") for _, text in record.parts)

    def row(self, record: _Record, columns: _Columns) -> ServiceRow | None:
        # cells[i] is (line index where cell i starts, its lines); cell 0 is the row number.
        cells: list[tuple[int, list[str]]] = [(record.line, [str(record.number)])]
        for part_index, (line_index, text) in enumerate(record.parts):
            pieces = text.split("\t")
            if part_index == 0:
                cells.extend((line_index, [piece]) for piece in pieces)
            elif len(cells) >= columns.width and len(pieces) > 1:
                # The whole row is there and this line is tab-separated too: a row printed over several lines
                # column by column, each piece continuing the cell above it.
                for position, piece in enumerate(pieces):
                    if piece.strip():
                        cells[min(position, len(cells) - 1)][1].append(piece)
            else:
                # A cell wrapped onto this line; a tab in it starts the next cell.
                cells[-1][1].append(pieces[0])
                cells.extend((line_index, [piece]) for piece in pieces[1:])

        while len(cells) > columns.width and not "".join(cells[-1][1]).strip():
            cells.pop()
        if len(cells) != columns.width:
            what = "eksik" if len(cells) < columns.width else "fazla"
            self.problem(
                record.line,
                f"{record.number} numaralı satırda {len(cells)} sütun var, başlıkta "
                f"{columns.width}: sütun {what}. Hücreler sekmeyle ayrılmış olmalı.",
            )
            return None

        def lines_of(position: int) -> list[str]:
            return _unquote("\n".join(cells[position][1])).split("\n")

        name = squeeze(" ".join(lines_of(columns.name)))
        documents = _documents(lines_of(columns.documents)) if columns.documents is not None else ""
        completion_time = squeeze(" ".join(lines_of(columns.time)))
        time_line = cells[columns.time][0]

        if not name:
            self.problem(record.line, f"{record.number} numaralı satırda hizmetin adı boş.")
            return None
        try:
            standard = parse_completion_time(completion_time)
        except CompletionTimeError as error:
            self.problem(time_line, f"{record.number} numaralı satır ({name}): {error.message}")
            return None
        return ServiceRow(record.line + 1, record.number, name, documents, completion_time, standard)

    # -- application places ------------------------------------------------------------------------

    def read_places(self, start: int) -> tuple[ApplicationPlaceBlock | None, ApplicationPlaceBlock | None]:
        reader = PlacesReader(self, start)
        return reader.read()
