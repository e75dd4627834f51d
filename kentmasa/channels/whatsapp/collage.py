"""The before/after picture Adana's WhatsApp line sends when a photographed problem is fixed.

The citizen's photo ("ÖNCE") and the team's photo ("SONRA") side by side, each cropped to the same
panel, a label on each and a caption band below (tracking number, date). Plain Pillow, no Django:
the WhatsApp sender decides when to make one and what the caption says.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Where the DejaVu fonts live on Debian and Ubuntu (package fonts-dejavu-core). Without them the
# collage is still made, with Pillow's built-in font.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
BOLD_FONT = "DejaVuSans-Bold.ttf"
REGULAR_FONT = "DejaVuSans.ttf"

MAX_PANEL_HEIGHT = 960  # WhatsApp shows images at phone width; more pixels only cost bytes
MIN_PANEL_HEIGHT = 240
MAX_IMAGE_PIXELS = 50_000_000

BACKGROUND = (255, 255, 255)
TEXT = (33, 37, 41)
LABEL_BACKGROUNDS = ((176, 42, 55), (25, 135, 84))  # before: red, after: green
LABEL_TEXT = (255, 255, 255)
ASCII_FALLBACK = str.maketrans("ÇĞİÖŞÜçğıöşüÂâÎîÛû", "CGIOSUcgiosuAaIiUu")


def make_collage(
    before: bytes, after: bytes, caption: str, *, labels: tuple[str, str] = ("ÖNCE", "SONRA")
) -> bytes:
    """A JPEG with ``before`` on the left and ``after`` on the right, labelled, ``caption`` underneath.

    Both photos are cropped around their centre to the same panel, so the halves line up whatever
    the phones' aspect ratios; the panel takes the shape of the citizen's photo (between 3:4 and
    4:3) and the height of the smaller photo, within MIN/MAX_PANEL_HEIGHT. Raises ValueError when
    either image cannot be read.
    """
    first, second = _load(before), _load(after)
    panel_height = max(MIN_PANEL_HEIGHT, min(MAX_PANEL_HEIGHT, first.height, second.height))
    aspect = min(4 / 3, max(3 / 4, first.width / first.height))
    panel = (round(panel_height * aspect), panel_height)

    gap = max(4, panel_height // 80)
    margin = gap
    label_font, found = _font(BOLD_FONT, max(14, panel_height // 14))
    caption_font, _found = _font(REGULAR_FONT, max(12, panel_height // 22))
    if not found:
        # Pillow's own font has no Turkish letters: "ÖNCE" would show a box where the Ö belongs.
        labels = (labels[0].translate(ASCII_FALLBACK), labels[1].translate(ASCII_FALLBACK))
        caption = caption.translate(ASCII_FALLBACK)
    width = 2 * panel[0] + gap + 2 * margin
    caption_lines = _wrap(caption.strip(), caption_font, width - 2 * margin, max_lines=2)
    line_height = _text_size(caption_font, "ÇĞİÖŞÜçğıöşüy")[1]
    caption_band = (len(caption_lines) * (line_height + gap) + 2 * margin) if caption_lines else margin
    height = margin + panel_height + caption_band

    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for index, (image, label) in enumerate(((first, labels[0]), (second, labels[1]))):
        left = margin + index * (panel[0] + gap)
        canvas.paste(ImageOps.fit(image, panel, Image.Resampling.LANCZOS), (left, margin))
        _label(draw, (left, margin), label, label_font, LABEL_BACKGROUNDS[index], pad=max(6, gap * 2))
    top = margin + panel_height + margin
    for line in caption_lines:
        line_width = _text_size(caption_font, line)[0]
        draw.text(((width - line_width) // 2, top), line, font=caption_font, fill=TEXT)
        top += line_height + gap

    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _load(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise ValueError("image too large")
        image.draft("RGB", (MAX_PANEL_HEIGHT * 2, MAX_PANEL_HEIGHT * 2))  # JPEG: decode at a smaller scale
        return ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"unreadable image: {error}") from error


def _font(name: str, size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The DejaVu font and True, or Pillow's built-in font and False."""
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            try:
                return ImageFont.truetype(str(path), size), True
            except OSError:
                continue
    try:
        return ImageFont.load_default(size=size), False  # scalable when Pillow has FreeType
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default(), False


def _text_size(font: Font, text: str) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return round(right - left), round(bottom - top)


def _wrap(text: str, font: Font, width: int, *, max_lines: int) -> list[str]:
    """Split ``text`` into lines that fit ``width``; the last line is cut with an ellipsis if needed."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if _text_size(font, candidate)[0] <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_fit(font, line, width) for line in lines]


def _fit(font: Font, line: str, width: int) -> str:
    if _text_size(font, line)[0] <= width:
        return line
    while line and _text_size(font, line + "…")[0] > width:
        line = line[:-1]
    return line.rstrip() + "…"


def _label(
    draw: ImageDraw.ImageDraw,
    corner: tuple[int, int],
    text: str,
    font: Font,
    background: tuple[int, int, int],
    *,
    pad: int,
) -> None:
    # Every label as high as capitals with Turkish marks above and below, so ÖNCE and SONRA line up.
    _left, reference_top, _right, reference_bottom = font.getbbox("ÖÇŞ")
    text_left, _top, text_right, _bottom = font.getbbox(text)
    left, top = corner[0] + pad, corner[1] + pad
    box = (
        left,
        top,
        left + text_right - text_left + 2 * pad,
        top + reference_bottom - reference_top + 2 * pad,
    )
    draw.rounded_rectangle(box, radius=pad, fill=background)
    draw.text((left + pad - text_left, top + pad - reference_top), text, font=font, fill=LABEL_TEXT)
