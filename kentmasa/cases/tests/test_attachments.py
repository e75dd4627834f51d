"""Attachments: the type is read from the bytes, the size is limited, images lose their hidden content."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kentmasa.cases.attachments import add_attachment, check_file
from kentmasa.cases.models import Attachment

pytestmark = pytest.mark.django_db


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraMarka"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 0.0, 0.0), 3: "E", 4: (35.0, 19.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue() + b"HIDDEN-TRAILING-DATA"


def test_photo_is_reencoded_without_exif(make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = photo_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()
    upload = SimpleUploadedFile("çukur.jpg", data, content_type="image/jpeg")
    attachment = add_attachment(make_case(), upload)
    assert attachment.kind == Attachment.Kind.PHOTO and attachment.content_type == "image/jpeg"
    stored = attachment.file.read()
    assert b"HIDDEN-TRAILING-DATA" not in stored and b"KameraMarka" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and image.size == (64, 48)
    assert attachment.original_name == "çukur.jpg" and attachment.size == len(stored)


def test_png_becomes_jpeg(make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, format="PNG")
    attachment = add_attachment(make_case(), out.getvalue(), name="ekran.png")
    assert attachment.file.name.endswith(".jpg")


def test_pdf_is_kept_as_it_is(make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment = add_attachment(make_case(), pdf, name="dilekce.pdf")
    assert (attachment.kind, attachment.file.read()) == (Attachment.Kind.DOCUMENT, pdf)


@pytest.mark.parametrize("data", [b"", b"just text pretending to be a photo", b"MZ\x90\x00" + b"\x00" * 100])
def test_other_content_is_refused(data):
    with pytest.raises(ValidationError):
        check_file(data, "photo.jpg")


def test_size_limit(monkeypatch):
    from kentmasa.cases import attachments

    monkeypatch.setitem(attachments.ACCEPTED, "application/pdf", (Attachment.Kind.DOCUMENT, 10))
    with pytest.raises(ValidationError) as error:
        check_file(b"%PDF-1.4 this is longer than ten bytes", "a.pdf")
    assert error.value.code == "file_size"


def test_a_broken_image_is_refused_and_nothing_is_stored(make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 50
    with pytest.raises(ValidationError):
        add_attachment(make_case(), broken, name="x.jpg")
    assert Attachment.objects.count() == 0
