"""The yearly report for the Bilgi Edinme Değerlendirme Kurulu (Law 4982 art. 30; Genelge 2005/3), read
from the YearlyTally rollup (one row per institution and year), never from the cases."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from kentmasa.directory.models import Institution
from kentmasa.foi.models import YearlyTally

# The circular's categories first, then what kentmasa counts beside them.
ROWS: tuple[tuple[str, str], ...] = (
    ("received", "Yapılan başvuru sayısı"),
    ("granted", "Olumlu cevaplanarak bilgi veya belgelere erişim sağlanan başvuru sayısı"),
    ("partly", "Gizli bölümler ayrılarak kısmen erişim sağlanan başvuru sayısı"),
    ("refused", "Reddedilen başvuru sayısı"),
    ("forwarded", "Başka kurum ve kuruluşlara yönlendirilen başvuru sayısı"),
    ("objected", "Kurula itiraz edilen veya yargıya taşınan başvuru sayısı"),
    ("silence", "30 gün içinde cevaplanmayarak reddedilmiş sayılan başvuru sayısı (İYUK m.10)"),
    ("withdrawn", "Ücret ödenmediğinden geri çekilmiş sayılan başvuru sayısı"),
    ("converted", "Bilgi edinme niteliğinde olmadığından dilekçe olarak işleme alınan başvuru sayısı"),
)


@dataclass
class Figures:
    institution: Institution
    year: int
    rows: list[tuple[str, str, int]]


def figures(institution: Institution, year: int) -> Figures:
    tally = YearlyTally.objects.filter(institution=institution, year=year).first()
    return Figures(
        institution,
        year,
        [(key, label, getattr(tally, key) if tally is not None else 0) for key, label in ROWS],
    )


def years(institution: Institution) -> list[int]:
    return list(
        YearlyTally.objects.filter(institution=institution)
        .order_by("-year")
        .values_list("year", flat=True)[:50]
    )


def xlsx(found: Figures) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has its first sheet
    sheet.title = f"Bilgi edinme {found.year}"
    sheet.append([f"{found.institution.name} – {found.year} yılı bilgi edinme başvuruları raporu"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["4982 sayılı Kanun m.30; Başbakanlık Genelgesi 2005/3"])
    sheet.append([])
    sheet.append(["Kategori", "Sayı"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for _key, label, count in found.rows:
        sheet.append([label, count])
    sheet.column_dimensions["A"].width = 90
    sheet.column_dimensions["B"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
