"""Printed documents: the desk's receipt and the formal answer to a CİMER / Açık Kapı / BİMER referral.

Pure Python (fpdf2 and segno, no Django): the channel modules gather the facts from the case into a
:class:`Receipt` or :class:`Letter` and this module lays them out. Both documents are in Turkish whatever
language the member of staff reads the screens in: the receipt is the citizen's, and an answer letter is
official correspondence. Text is set in DejaVu Sans (vendored under ``fonts/``), a Unicode TrueType font, so
ç ğ ı İ ö ş ü print as themselves; the PDF core fonts only know Latin-1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
A5 = (148.0, 210.0)  # millimetres; given as a size because fpdf2's named A5 changed between releases
A4 = (210.0, 297.0)


class _Document(FPDF):
    def __init__(self, size: tuple[float, float], margin: float):
        super().__init__(orientation="P", unit="mm", format=size)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=margin)
        self.set_creator("kentmasa")
        self.set_font(FONT, size=9)
        self.add_page()

    def rule(self, gap: float = 2.5) -> None:
        self.ln(gap)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(gap)

    def paragraph(
        self, text: str, *, size: float = 9, style: str = "", height: float = 4.5, align: Align = Align.L
    ) -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pairs(self, rows: list[tuple[str, str]], *, label_width: float, size: float = 9) -> None:
        """Label and value side by side; a long value wraps under itself, not under the label."""
        for label, value in rows:
            top = self.get_y()
            self.set_font(FONT, "B", size)
            # With output="LINES" alone, multi_cell gives the lines (its annotation covers every output mix).
            label_lines = cast(
                list[str],
                self.multi_cell(label_width, 4.8, label, align=Align.L, dry_run=True, output="LINES"),
            )
            self.multi_cell(label_width, 4.8, label, align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FONT, "", size)
            self.multi_cell(0, 4.8, value or "–", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), top + 4.8 * len(label_lines)))

    def finish(self) -> bytes:
        return bytes(self.output())


def qr_png(text: str, scale: int = 6) -> io.BytesIO:
    """A QR code of ``text`` as a PNG in memory (error correction M survives a creased receipt)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return buffer


# -- the desk's receipt --------------------------------------------------------------------------------------


@dataclass
class Receipt:
    """What the citizen at the desk takes home: every value already formatted for print.

    The 2004/12 Prime Ministry circular on the right to petition asks for a receipt showing the date,
    registration number and subject of a petition, given free of charge; the tracking number is that
    registration number, and with the verification code it opens the public tracking page.
    """

    institution: str
    office: str  # "Beyaz Masa", or "Mobil Beyaz Masa – <stop>"
    tracking_number: str  # formatted: 26-0000123-4
    verification_code: str
    received: str  # dd.mm.yyyy HH:MM
    applicant: str
    subject: str
    category: str
    kind: str = ""
    unit: str = ""
    representative: str = ""  # "Ali Kaya (vekaletname)"
    due: str = ""  # dd.mm.yyyy (with HH:MM for a standard in minutes or hours), empty without a time
    standard: str = ""  # "15 iş günü"
    # Where to go if the standard is missed: "İlk müracaat yeri: Oğuz BAYHAN, …, Tel: …", and the second.
    places: list[str] = field(default_factory=list)
    standards_url: str = ""  # the institution's service standards page
    track_url: str = ""
    kvkk_url: str = ""
    kvkk_version: str = ""  # the privacy notice version given with the case (kentmasa.privacy)
    taken_by: str = ""
    attachments: list[str] = field(default_factory=list)  # "Dilekçe (PDF, 2 sayfa)"…


def receipt_pdf(receipt: Receipt) -> bytes:
    pdf = _Document(A5, margin=11)
    pdf.set_title(f"Başvuru alındı belgesi {receipt.tracking_number}")
    pdf.set_author(receipt.institution)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.paragraph(receipt.institution, size=12, style="B", align=Align.C, height=6)
    pdf.paragraph(f"{receipt.office} · Başvuru Alındı Belgesi", size=9.5, align=Align.C)
    pdf.rule()

    pdf.set_font(FONT, "", 9)
    pdf.cell(width / 2, 5, "Takip numarası", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(width / 2, 5, "Doğrulama kodu", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 17)
    pdf.cell(width / 2, 9, receipt.tracking_number, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(width / 2, 9, receipt.verification_code, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.paragraph(
        "Başvurunuzu izlemek için iki numarayı da saklayın; doğrulama kodunu kimseyle paylaşmayın.", size=7.5
    )
    pdf.rule()

    rows = [("Başvuru tarihi", receipt.received), ("Başvuru sahibi", receipt.applicant)]
    if receipt.representative:
        rows.append(("Başvuran temsilci", receipt.representative))
    if receipt.kind:
        rows.append(("Başvuru türü", receipt.kind))
    rows += [("Konu", receipt.subject), ("Kategori", receipt.category)]
    if receipt.unit:
        rows.append(("Sorumlu birim", receipt.unit))
    if receipt.due:
        due = receipt.due + (f" (hizmet standardı: {receipt.standard})" if receipt.standard else "")
    else:
        due = "Hizmet standardında süre belirtilmemiş; ilgili birim bildirecektir."
    rows.append(("Son cevap tarihi", due))
    if receipt.due and (receipt.places or receipt.standards_url):
        # The regulation's remedy: the first application place, then the second (their details on the
        # standards page).
        missed = list(receipt.places)
        if receipt.standards_url:
            missed.append(f"Hizmet standartları: {receipt.standards_url}")
        rows.append(("Süre aşılırsa", "\n".join(missed)))
    if receipt.attachments:
        rows.append(("Alınan belgeler", "; ".join(receipt.attachments)))
    if receipt.taken_by:
        rows.append(("Kaydı alan", receipt.taken_by))
    pdf.pairs(rows, label_width=36)
    pdf.rule()

    if receipt.track_url:
        top = pdf.get_y()
        size = 30
        if top + size > pdf.h - pdf.b_margin - 18:
            pdf.add_page()
            top = pdf.get_y()
        pdf.image(qr_png(receipt.track_url), x=pdf.l_margin, y=top, w=size, h=size)
        pdf.set_xy(pdf.l_margin + size + 4, top + 2)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(0, 4.5, "Başvurunuzu takip edin", align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(
            0,
            4.2,
            "Karekodu telefonunuzla okutun ya da aşağıdaki adrese gidin; takip numarası ve doğrulama "
            "kodu ile sorgulayın.",
            align=Align.L,
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(0, 4.2, receipt.track_url, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), top + size) + 1)
        pdf.rule(1.5)

    kvkk = (
        f"Kişisel verileriniz 6698 sayılı Kişisel Verilerin Korunması Kanunu uyarınca {receipt.institution} "
        "tarafından yalnızca başvurunuzun alınması, incelenmesi ve sonuçlandırılması amacıyla işlenir ve "
        "mevzuatın öngördüğü süre kadar saklanır."
    )
    if receipt.kvkk_url:
        version = f" (sürüm {receipt.kvkk_version})" if receipt.kvkk_version else ""
        kvkk += f" Aydınlatma metni{version}: {receipt.kvkk_url}"
    pdf.paragraph(kvkk, size=7, height=3.4)
    pdf.paragraph("Bu belge ücretsiz verilir.", size=7, height=3.4)
    return pdf.finish()


# -- the answer to a referral --------------------------------------------------------------------------------


@dataclass
class Letter:
    """A formal answer in the shape of Turkish official correspondence: the heading (T.C., the institution,
    the unit), "Sayı" and "Konu" on the left with the date on the right, the addressee, "İlgi", the text,
    and the signature block on the right."""

    institution: str  # already upper-cased the Turkish way
    unit: str
    number: str  # Sayı
    date: str  # dd.mm.yyyy
    subject: str  # Konu
    addressee: list[str]  # "Sayın Mehmet KAYA", then the address lines
    reference: str  # İlgi
    body: str
    signer_name: str = ""
    signer_title: str = ""
    closing: str = "Bilgilerinize rica ederim."
    footer: str = ""

    def as_text(self) -> str:
        """The same letter as plain text, for the answer box of the referring system."""
        lines = ["T.C.", self.institution]
        if self.unit:
            lines.append(self.unit)
        lines += [
            "",
            f"Sayı : {self.number}",
            f"Tarih: {self.date}",
            f"Konu : {self.subject}",
            "",
            *self.addressee,
            "",
            f"İlgi : {self.reference}",
            "",
            self.body.strip(),
            "",
            self.closing,
            "",
        ]
        if self.signer_name or self.signer_title:
            lines += [line for line in (self.signer_name, self.signer_title) if line]
        if self.footer:
            lines += ["", self.footer]
        return "\n".join(lines).rstrip() + "\n"


def letter_pdf(letter: Letter) -> bytes:
    pdf = _Document(A4, margin=20)
    pdf.set_left_margin(25)
    pdf.set_x(25)
    pdf.set_title(letter.subject)
    pdf.set_author(letter.institution)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.paragraph("T.C.", size=11, style="B", align=Align.C, height=5.5)
    pdf.paragraph(letter.institution, size=11, style="B", align=Align.C, height=5.5)
    if letter.unit:
        pdf.paragraph(letter.unit, size=11, style="B", align=Align.C, height=5.5)
    pdf.ln(8)

    pdf.set_font(FONT, "", 11)
    pdf.cell(18, 6, "Sayı", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(width - 18 - 35, 6, f": {letter.number}", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(35, 6, letter.date, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(18, 6, "Konu", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.multi_cell(
        width - 18 - 35, 6, f": {letter.subject}", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(12)

    for i, line in enumerate(letter.addressee):
        pdf.paragraph(line, size=11, style="B" if i == 0 else "", align=Align.C, height=6)
    pdf.ln(6)

    pdf.set_font(FONT, "", 11)
    pdf.cell(18, 6, "İlgi", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.multi_cell(0, 6, f": {letter.reference}", align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)

    indent = " " * 8
    for paragraph in [p.strip() for p in letter.body.strip().split("\n") if p.strip()]:
        pdf.paragraph(indent + paragraph, size=11, height=6, align=Align.J)
        pdf.ln(1.5)
    pdf.paragraph(indent + letter.closing, size=11, height=6)
    pdf.ln(16)

    block = 70
    for line, style in ((letter.signer_name, "B"), (letter.signer_title, "")):
        if line:
            pdf.set_x(pdf.w - pdf.r_margin - block)
            pdf.set_font(FONT, style, 11)
            pdf.multi_cell(block, 6, line, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if letter.footer:
        pdf.ln(14)
        pdf.paragraph(letter.footer, size=8, height=4)
    return pdf.finish()
