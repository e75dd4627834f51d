"""Files citizens and staff attach to a case: type and size checked, images re-encoded.

The type is read from the file's own bytes (the `filetype` package), never from its name or the
browser's claim. Images are decoded and saved again as JPEG with Pillow, which drops EXIF (GPS
position, device serial), embedded thumbnails and anything appended after the image data.
"""

import hashlib
import io
from pathlib import PurePath

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kentmasa.cases.models import Attachment, Case, Event
from kentmasa.directory.models import User

MB = 1024 * 1024
# Accepted types by what the bytes are, with the kind of attachment and its size limit.
ACCEPTED = {
    "image/jpeg": (Attachment.Kind.PHOTO, 15 * MB),
    "image/png": (Attachment.Kind.PHOTO, 15 * MB),
    "image/webp": (Attachment.Kind.PHOTO, 15 * MB),
    "video/mp4": (Attachment.Kind.VIDEO, 100 * MB),
    "video/quicktime": (Attachment.Kind.VIDEO, 100 * MB),
    "video/3gpp": (Attachment.Kind.VIDEO, 100 * MB),
    "video/webm": (Attachment.Kind.VIDEO, 100 * MB),
    "audio/mpeg": (Attachment.Kind.AUDIO, 20 * MB),
    "audio/ogg": (Attachment.Kind.AUDIO, 20 * MB),
    "audio/mp4": (Attachment.Kind.AUDIO, 20 * MB),
    "audio/x-m4a": (Attachment.Kind.AUDIO, 20 * MB),
    "audio/amr": (Attachment.Kind.AUDIO, 20 * MB),
    "audio/x-wav": (Attachment.Kind.AUDIO, 20 * MB),
    "application/pdf": (Attachment.Kind.DOCUMENT, 20 * MB),
}
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding
MAX_EDGE = 4096  # photos larger than this are scaled down


def _reencode_image(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("This image is too large."), code="image_too_large")
            upright = ImageOps.exif_transpose(image).convert("RGB")
            upright.thumbnail((MAX_EDGE, MAX_EDGE))
            out = io.BytesIO()
            upright.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This image could not be read."), code="image_unreadable") from error
    return out.getvalue()


def check_file(data: bytes, name: str = "") -> tuple[str, str, bytes]:
    """Return (kind, content type, bytes to store) or raise ValidationError. Images come back re-encoded."""
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    guessed = filetype.guess(data)
    mime = guessed.mime if guessed else ""
    if mime not in ACCEPTED:
        raise ValidationError(
            _("This file type is not accepted. Send a photo (JPEG, PNG), a video (MP4), audio or a PDF."),
            code="file_type",
        )
    kind, limit = ACCEPTED[mime]
    if len(data) > limit:
        raise ValidationError(
            _("The file is larger than %(limit)d MB.") % {"limit": limit // MB}, code="file_size"
        )
    if kind == Attachment.Kind.PHOTO:
        return kind, "image/jpeg", _reencode_image(data)
    return kind, mime, data


def add_attachment(
    case: Case,
    uploaded: bytes | bytearray | UploadedFile,
    *,
    actor: User | None = None,
    public: bool = True,
    event: Event | None = None,
    name: str = "",
) -> Attachment:
    """Check and store one uploaded file (a Django UploadedFile or bytes) on a case."""
    if isinstance(uploaded, bytes | bytearray):
        data, original = bytes(uploaded), name
    else:
        if uploaded.size is not None and uploaded.size > max(limit for _, limit in ACCEPTED.values()):
            raise ValidationError(_("The file is too large."), code="file_size")
        data, original = uploaded.read(), name or uploaded.name or ""
    kind, content_type, stored = check_file(data, original)
    stem = PurePath(original).stem[:80] or kind
    extension = {"image/jpeg": ".jpg"}.get(content_type) or (f".{filetype.guess(stored).extension}")
    digest = hashlib.sha256(stored).hexdigest()
    with transaction.atomic():
        attachment = Attachment(
            case=case,
            event=event,
            kind=kind,
            content_type=content_type,
            size=len(stored),
            original_name=original[:255],
            sha256=digest,
            public=public,
            uploaded_by=actor,
        )
        attachment.file.save(f"{digest[:16]}-{stem}{extension}", ContentFile(stored), save=False)
        attachment.save()
    return attachment
