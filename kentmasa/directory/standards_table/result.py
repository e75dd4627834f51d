"""What reading a standards table gives: its rows, its two application places and the problems found.

Pure Python: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from kentmasa.deadlines import CompletionTime


class Problem(NamedTuple):
    line: int
    message: str

    def __str__(self) -> str:
        return f"satır {self.line}: {self.message}"


@dataclass(frozen=True)
class ServiceRow:
    """One numbered row of the table. `line` is where the row starts in the text."""

    line: int
    number: int
    name: str
    documents: str
    completion_time: str
    standard: CompletionTime | None


@dataclass(frozen=True)
class ApplicationPlaceBlock:
    """The first or second application place as printed under the table. `line` is where the block starts."""

    line: int
    rank: int  # 1 for the first application place, 2 for the second
    office: str = ""
    person_name: str = ""
    title: str = ""
    address: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    # The line each field was read from, so a value the directory refuses can be pointed at.
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, self.line)


@dataclass(frozen=True)
class StandardsTable:
    title: str
    rows: tuple[ServiceRow, ...]
    first_place: ApplicationPlaceBlock | None
    second_place: ApplicationPlaceBlock | None
    problems: tuple[Problem, ...]

    @property
    def places(self) -> tuple[ApplicationPlaceBlock, ...]:
        return tuple(place for place in (self.first_place, self.second_place) if place is not None)
