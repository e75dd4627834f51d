"""Files citizens and staff attach to a case: type and size checked, images re-encoded.

The type is read from the file's own bytes (the `filetype` package), never from its name or the
browser's claim. Images are decoded and saved again as JPEG with Pillow, which drops EXIF (GPS
position, device serial), embedded thumbnails and anything appended after the image data.

A voice message or a video from the public form (``kind`` given to :func:`add_attachment`) is checked by
its container's magic bytes (:func:`sniff_media`): WebM (EBML ``1A 45 DF A3`` with doctype ``webm``),
MP4/MOV/3GP (an ``ftyp`` box first), Ogg (``OggS``, voice only). They are stored as they came: there is
no decoder here to re-encode them, and their metadata (a phone video's place) is kept for staff only, the
file being served to the citizen who sent it and to staff who may see the case.
"""

import hashlib
import io
from pathlib import PurePath

import filetype
from django.conf import settings
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


# What the citizen's voice message and video may be, by container, with the Content-Type they are served as.
MEDIA_TYPES: dict[str, dict[str, str]] = {
    Attachment.Kind.AUDIO: {"webm": "audio/webm", "mp4": "audio/mp4", "ogg": "audio/ogg"},
    Attachment.Kind.VIDEO: {
        "webm": "video/webm",
        "matroska": "video/x-matroska",
        "mp4": "video/mp4",
        "quicktime": "video/quicktime",
        "3gpp": "video/3gpp",
    },
}
MEDIA_EXTENSIONS = {
    "audio/webm": ".weba",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "video/webm": ".webm",
    "video/x-matroska": ".mkv",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
}


def sniff_media(data: bytes) -> str:
    """The audio/video container these bytes start with: "webm", "matroska", "mp4", "quicktime", "3gpp",
    "ogg", or "" for anything else (an .exe, a JPEG, text), whatever the file's name or declared type."""
    if data[:4] == b"\x1a\x45\xdf\xa3":
        # The EBML header's DocType element (ID 42 82) names the flavour of Matroska.
        head = data[:64]
        at = head.find(b"\x42\x82")
        if at >= 0 and at + 3 < len(head):
            size_byte = head[at + 2]
            length = size_byte & 0x7F if size_byte & 0x80 else 0
            doctype = head[at + 3 : at + 3 + length]
            if doctype == b"webm":
                return "webm"
            if doctype == b"matroska":
                return "matroska"
        return ""
    if data[4:8] == b"ftyp" and len(data) >= 12:
        box_size = int.from_bytes(data[:4], "big")
        if not 8 <= box_size <= 4096:
            return ""
        brand = data[8:12]
        if brand == b"qt  ":
            return "quicktime"
        if brand.startswith(b"3g"):
            return "3gpp"
        if all(32 <= byte < 127 for byte in brand):
            return "mp4"  # isom, iso5, mp41, mp42, M4A , M4V , avc1… (Safari's MediaRecorder: iso5)
        return ""
    if data[:4] == b"OggS" and len(data) > 5 and data[4] == 0:
        return "ogg"
    return ""


def media_limit(kind: str) -> int:
    """The public form's size limit for a voice message or a video, in bytes (settings)."""
    if kind == Attachment.Kind.AUDIO:
        return int(settings.KENTMASA_PUBLIC_VOICE_MAX_BYTES)
    return int(settings.KENTMASA_PUBLIC_VIDEO_MAX_BYTES)


def too_large_message(kind: str) -> str:
    limit_mb = max(1, media_limit(kind) // MB)
    if kind == Attachment.Kind.AUDIO:
        message = _("The voice message is larger than %(mb)d MB. Please record a shorter one.")
        return message % {"mb": limit_mb}
    return _("The video is larger than %(mb)d MB. Please send a shorter video.") % {"mb": limit_mb}


def wrong_type_message(kind: str) -> str:
    if kind == Attachment.Kind.AUDIO:
        return _(
            "The voice message could not be read. Please record it again, or send an audio file"
            " (WebM, MP4/M4A or Ogg)."
        )
    return _("Please send the video as an MP4, MOV or WebM file.")


def check_media(data: bytes, kind: str) -> str:
    """The Content-Type to store a voice message (``kind`` audio) or video under; raises ValidationError
    (codes ``empty``, ``file_size``, ``file_type``) for anything else."""
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if len(data) > media_limit(kind):
        raise ValidationError(too_large_message(kind), code="file_size")
    content_type = MEDIA_TYPES.get(kind, {}).get(sniff_media(data))
    if content_type is None:
        raise ValidationError(wrong_type_message(kind), code="file_type")
    return content_type


def add_attachment(
    case: Case,
    uploaded: bytes | bytearray | UploadedFile,
    *,
    actor: User | None = None,
    public: bool = True,
    event: Event | None = None,
    name: str = "",
    kind: str | None = None,
) -> Attachment:
    """Check and store one uploaded file (a Django UploadedFile or bytes) on a case.

    ``kind`` audio or video: a citizen's voice message or video, checked by :func:`check_media` against the
    public form's limits; otherwise the kind is what the bytes are (:func:`check_file`)."""
    if isinstance(uploaded, bytes | bytearray):
        data, original = bytes(uploaded), name
    else:
        largest = media_limit(kind) if kind else max(limit for _, limit in ACCEPTED.values())
        if uploaded.size is not None and uploaded.size > largest:
            raise ValidationError(_("The file is too large."), code="file_size")
        data, original = uploaded.read(), name or uploaded.name or ""
    if kind is not None and kind in MEDIA_TYPES:
        content_type, stored = check_media(data, kind), data
        extension = MEDIA_EXTENSIONS[content_type]
    else:
        kind, content_type, stored = check_file(data, original)
        extension = {"image/jpeg": ".jpg"}.get(content_type) or (f".{filetype.guess(stored).extension}")
    stem = PurePath(original).stem[:80] or kind
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
