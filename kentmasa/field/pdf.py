"""The inspection report (tutanak / bilgi formu) as a PDF: pure Python (fpdf2, Pillow; no Django).

kentmasa.field.inspections gathers the facts into a :class:`Report` (every value already formatted) and this
module lays it out on A4: the institution, the title, the case, the place and time of the inspection, the
findings and the recommendation, the photos (each with its time and position when known), and the signer's
name and title with a line to sign on. The document is in Turkish whatever language the signer reads the
screens in: it is official correspondence to the responsible unit.

Text is set in DejaVu Sans, a Unicode TrueType font, so ç ğ ı İ ö ş ü print as themselves (the PDF core
fonts know Latin-1 only). The font is found like the WhatsApp collage finds it (Debian's fonts-dejavu-core),
else the copy vendored with the printed documents of kentmasa.channels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from PIL import Image, UnidentifiedImageError

FONT = "DejaVu"
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path(__file__).resolve().parent.parent / "channels" / "fonts",  # vendored for the receipts
]
A4 = (210.0, 297.0)
MARGIN = 16.0
PHOTOS_PER_ROW = 2
PHOTO_HEIGHT = 62.0  # millimetres; a photo is scaled to fit this height and its column
MAX_PHOTOS = 12


class FontMissing(RuntimeError):
    """No DejaVu font was found: a Turkish document cannot be printed."""


def font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / REGULAR).is_file() and (folder / BOLD).is_file():
            return folder
    raise FontMissing("DejaVuSans.ttf not found in " + ", ".join(str(folder) for folder in FONT_DIRS))


@dataclass
class Photo:
    data: bytes  # a JPEG (kentmasa.cases.attachments stores photos re-encoded)
    caption: str = ""  # "14.05.2026 10:42 · 37,001234, 35,321234 (fotoğrafın konumu)"


@dataclass
class Report:
    institution: str
    unit: str  # the responsible unit it is sent to
    tracking_number: str  # formatted
    subject: str
    category: str
    address: str
    inspected_at: str  # dd.mm.yyyy HH:MM
    place: str
    coordinates: str  # "37,001234, 35,321234" or ""
    findings: str
    recommendation: str
    signer_name: str
    signer_title: str
    signed_at: str
    team: str = ""
    number: str = ""  # the report's own number on the case ("1", "2"…)
    photos: list[Photo] = field(default_factory=list)


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format=A4)
        folder = font_dir()
        self.add_font(FONT, "", str(folder / REGULAR))
        self.add_font(FONT, "B", str(folder / BOLD))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_creator("kentmasa")
        self.set_font(FONT, size=10)
        self.add_page()

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def paragraph(self, text: str, *, size: float = 10, style: str = "", align: Align = Align.L) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 5, text or "–", align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pairs(self, rows: list[tuple[str, str]], label_width: float = 42) -> None:
        for label, value in rows:
            top = self.get_y()
            self.set_font(FONT, "B", 9.5)
            self.multi_cell(label_width, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            label_bottom = self.get_y()
            self.set_xy(self.l_margin + label_width, top)
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, 5, value or "–", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), label_bottom, top + 5))


def _fit(data: bytes, width: float, height: float) -> tuple[io.BytesIO, float, float] | None:
    """The photo as a JPEG stream with its size in millimetres inside ``width`` × ``height``; None when the
    bytes are not an image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            pixels = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    pixels.thumbnail((1200, 1200))  # enough for print at this size; keeps the PDF small
    out = io.BytesIO()
    pixels.save(out, format="JPEG", quality=80)
    out.seek(0)
    scale = min(width / pixels.width, height / pixels.height)
    return out, pixels.width * scale, pixels.height * scale


def report_pdf(report: Report) -> bytes:
    pdf = _Document()
    title = "TESPİT TUTANAĞI (BİLGİ FORMU)"
    pdf.set_title(f"{title} {report.tracking_number}")
    pdf.set_author(report.institution)
    pdf.paragraph(report.institution, size=13, style="B", align=Align.C)
    pdf.paragraph(title, size=12, style="B", align=Align.C)
    if report.number:
        pdf.paragraph(f"Başvuru {report.tracking_number} · Tutanak {report.number}", size=9, align=Align.C)
    pdf.ln(2)

    pdf.heading("Başvuru")
    pdf.pairs(
        [
            ("Takip numarası", report.tracking_number),
            ("Konu", report.subject),
            ("Kategori", report.category),
            ("Adres", report.address),
            ("Sorumlu birim", report.unit),
        ]
    )
    pdf.heading("İnceleme")
    rows = [("Tarih ve saat", report.inspected_at), ("Yer", report.place)]
    if report.coordinates:
        rows.append(("Konum", report.coordinates))
    if report.team:
        rows.append(("Ekip", report.team))
    pdf.pairs(rows)

    pdf.heading("Tespitler")
    pdf.paragraph(report.findings)
    if report.recommendation:
        pdf.heading("Öneri ve yapılması gerekenler")
        pdf.paragraph(report.recommendation)

    photos = report.photos[:MAX_PHOTOS]
    if photos:
        pdf.heading(f"Fotoğraflar ({len(photos)})")
        gap = 4.0
        column = (pdf.width - gap * (PHOTOS_PER_ROW - 1)) / PHOTOS_PER_ROW
        caption_height = 8.0
        for start in range(0, len(photos), PHOTOS_PER_ROW):
            row = photos[start : start + PHOTOS_PER_ROW]
            if pdf.get_y() + PHOTO_HEIGHT + caption_height > pdf.h - pdf.b_margin:
                pdf.add_page()
            top = pdf.get_y()
            for index, photo in enumerate(row):
                left = pdf.l_margin + index * (column + gap)
                fitted = _fit(photo.data, column, PHOTO_HEIGHT)
                if fitted is not None:
                    stream, width, height = fitted
                    pdf.image(stream, x=left + (column - width) / 2, y=top, w=width, h=height)
                pdf.set_xy(left, top + PHOTO_HEIGHT + 1)
                pdf.set_font(FONT, "", 7.5)
                label = f"{start + index + 1}. {photo.caption}".strip()
                pdf.multi_cell(column, 3.5, label, align=Align.C, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_xy(pdf.l_margin, top + PHOTO_HEIGHT + caption_height)

    if pdf.get_y() + 40 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.heading("Düzenleyen")
    pdf.pairs(
        [
            ("Adı soyadı", report.signer_name),
            ("Unvanı", report.signer_title),
            ("Tarih", report.signed_at),
        ]
    )
    pdf.ln(10)
    pdf.set_font(FONT, "", 9.5)
    pdf.cell(0, 5, "İmza: ______________________________", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.paragraph(
        "Bu tutanak kentmasa saha uygulamasında oturum açmış olan düzenleyen adına oluşturulmuş ve "
        "başvurunun dosyasına eklenmiştir.",
        size=7.5,
    )
    return bytes(pdf.output())
