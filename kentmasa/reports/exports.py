"""Spreadsheets of the reports, for the people who take the figures further in Excel or LibreOffice.

Headers are Turkish whatever the reader's language (the files go round the municipality); times are real
date-time cells in Turkish local time shown as dd.mm.yyyy hh:mm (weeks as dd.mm.yyyy), so they sort and
filter as dates. No citizen's name, phone or identity number is written: the export is of the cases, not of
the people.

Every text is written as a text cell, whatever it begins with: a subject such as ``=HYPERLINK(…)`` or
``+90 532…`` typed by a citizen must never become a formula in the reader's spreadsheet (OWASP's "CSV
injection"). Control characters XML cannot carry are left out rather than failing the whole file.
"""

import datetime as dt
import io
from typing import Any

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kentmasa.cases import clock
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views.queue import is_late
from kentmasa.places.models import Area

DATE_FORMAT = "dd.mm.yyyy"
DATE_TIME_FORMAT = "dd.mm.yyyy hh:mm"

CASE_COLUMNS = [
    ("Takip No", 14),
    ("Başvuru Tarihi", 14),
    ("Konu", 40),
    ("Kategori", 28),
    ("Birim", 28),
    ("Kanal", 14),
    ("Durum", 18),
    ("Son Tarih", 12),
    ("Çözüm Tarihi", 13),
    ("Çözüm Süresi (gün)", 12),
    ("Standart İçinde", 10),
    ("Gecikmiş", 10),
    ("Sokak", 28),
    ("Enlem", 11),
    ("Boylam", 11),
]


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """The moment as the wall clock in Turkey showed it (a spreadsheet cell has no time zone)."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return "Evet" if value else "Hayır"


def text_cell(sheet: Worksheet, value: str) -> Cell:
    """A cell that holds ``value`` as text: never a formula, whatever the first character."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; the type says otherwise
    return cell


def _row(sheet: Worksheet, values: list[Any]) -> list[Any]:
    """A row to append, each text as a text cell (cells already made are kept as they are)."""
    return [text_cell(sheet, value) if isinstance(value, str) else value for value in values]


def _header(sheet: Worksheet, titles: list[str]) -> list[Cell]:
    cells = []
    for title in titles:
        cell = text_cell(sheet, title)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _date(sheet: Worksheet, value: dt.date | None) -> Cell:
    # openpyxl writes a date as a date cell; its stubs name only datetime.
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    if value is not None:
        cell.number_format = DATE_FORMAT
    return cell


def _time(sheet: Worksheet, value: dt.datetime | None) -> Cell:
    cell = WriteOnlyCell(sheet, value=local_time(value))
    if value is not None:
        cell.number_format = DATE_TIME_FORMAT
    return cell


def mahalle_workbook(area: Area, report: dict) -> bytes:
    """The mahalle's cases, one row each, then the page's tables on their own sheets."""
    now = report["now"]
    book = Workbook(write_only=True)
    with translation.override("tr"):
        cases_sheet = book.create_sheet("Başvurular")
        for index, (_, width) in enumerate(CASE_COLUMNS):
            cases_sheet.column_dimensions[chr(ord("A") + index)].width = width
        cases_sheet.freeze_panes = "A2"
        cases_sheet.append(_header(cases_sheet, [title for title, _ in CASE_COLUMNS]))
        rows = (
            report["cases"]
            .select_related("category", "unit")
            .order_by("received_at", "pk")
            .iterator(chunk_size=2000)
        )
        for case in rows:
            days = (case.resolved_at - case.received_at).total_seconds() / 86400 if case.resolved_at else None
            within = clock.within_standard(case)
            cases_sheet.append(
                _row(
                    cases_sheet,
                    [
                        format_tracking_number(case.tracking_number),
                        _time(cases_sheet, case.received_at),
                        case.subject,
                        case.category.name if case.category_id else "",
                        case.unit.name if case.unit_id else "",
                        str(case.get_channel_display()),
                        str(case.get_status_display()),
                        _time(cases_sheet, case.due_at),
                        _time(cases_sheet, case.resolved_at),
                        round(days, 1) if days is not None else None,
                        yes_no(within),
                        yes_no(is_late(case, now)),
                        case.street,
                        float(case.latitude) if case.latitude is not None else None,
                        float(case.longitude) if case.longitude is not None else None,
                    ],
                )
            )

        categories = book.create_sheet("Kategoriler")
        categories.append(_header(categories, ["Kategori", "Başvuru", "Gecikmiş"]))
        for row in report["by_category"]:
            categories.append(
                _row(categories, [row["category__name"] or "Kategorisiz", row["count"], row["overdue"]])
            )

        weeks = book.create_sheet("Haftalar")
        weeks.append(_header(weeks, ["Hafta Başı", "Hafta Sonu", "Başvuru"]))
        for row in report["by_week"]:
            weeks.append([_date(weeks, row["week"]), _date(weeks, row["week_end"]), row["count"]])

        units = book.create_sheet("Birimler")
        units.append(
            _header(units, ["Birim", "Açık", "Gecikmiş", "Çözülen", "Standart İçinde", "Standart İçinde (%)"])
        )
        for row in report["by_unit"]:
            units.append(
                _row(
                    units,
                    [
                        row["name"] or "Birimi yok",
                        row["open"],
                        row["overdue"],
                        row["resolved"],
                        row["within"],
                        row["percent"],
                    ],
                )
            )

        spots = book.create_sheet("Tekrarlayan Yerler")
        spots.append(
            _header(
                spots, ["Enlem", "Boylam", "Başvuru", "Gecikmiş", "İlk Başvuru", "Son Başvuru", "Kategoriler"]
            )
        )
        for spot in report["hotspots"]:
            spots.append(
                _row(
                    spots,
                    [
                        round(spot["lat"], 6),
                        round(spot["lon"], 6),
                        spot["count"],
                        spot["overdue"],
                        _time(spots, spot["first"]),
                        _time(spots, spot["last"]),
                        ", ".join(spot["categories"]),
                    ],
                )
            )

        times = report["times"]
        summary = book.create_sheet("Özet")
        district = area.parent
        province = district.parent if district else None
        for label, value in [
            ("Mahalle", area.display_name),
            ("İlçe", district.display_name if district else ""),
            ("İl", province.display_name if province else ""),
            ("Nüfus", area.population),
            ("Başvuru", report["totals"]["count"]),
            ("Açık", report["totals"]["open"]),
            ("Gecikmiş", report["totals"]["overdue"]),
            ("Çözülen", times["resolved"]),
            ("Ortanca Çözüm Süresi (gün)", _round(times["median_days"])),
            ("90. Yüzdelik Çözüm Süresi (gün)", _round(times["p90_days"])),
            ("Standart İçinde Çözülen (%)", times["within_percent"]),
        ]:
            summary.append(_row(summary, [_header(summary, [label])[0], value]))
        summary.append([_header(summary, ["Hazırlanma Tarihi"])[0], _time(summary, now)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
