"""The demo's wall screens: Adana's Alo 153 board for the whole institution and the Fen İşleri department's
board (its road and lighting şubeler below it), with the links `make run` prints.

A board's token is kept only as a hash, so the links cannot be shown again: every load issues new ones for
the same two boards (the links printed last time stop working), which is what an administrator does with
"Issue a new link".
"""

from __future__ import annotations

from dataclasses import dataclass

from kentmasa.demo.notifications import APPROVAL_DEPARTMENT
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution, Unit
from kentmasa.reports.models import Wallboard

INSTITUTION_BOARD = "Tanıtım: Alo 153 salonu"
UNIT_BOARD = "Tanıtım: Fen İşleri koridoru"


@dataclass(frozen=True)
class Shown:
    name: str
    where: str  # the institution or unit the board shows
    link: str


def issue() -> list[Shown]:
    """(Re)issue the links of the demo's two boards; none when the demo is not loaded."""
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None:
        return []
    department = Unit.objects.filter(institution=adana, name=APPROVAL_DEPARTMENT).first()
    boards: list[tuple[str, Unit | None]] = [(INSTITUTION_BOARD, None)]
    if department is not None:
        boards.append((UNIT_BOARD, department))
    shown = []
    for name, unit in boards:
        board = Wallboard.objects.filter(institution=adana, name=name, created_by=None).first()
        if board is None:
            board, raw = Wallboard.issue(adana, name, unit=unit)
        else:
            raw = board.reissue()
        shown.append(Shown(name, unit.name if unit is not None else adana.name, Wallboard.link_for(raw)))
    return shown
