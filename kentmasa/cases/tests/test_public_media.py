"""Ayşe tells the municipality by voice and by video (seed 003: "sesli, görüntülü ve yazılı").

The voice message and the video are checked by what their bytes are (the container's magic bytes), never by
their name or declared type, and by size; a refused file leaves nothing behind. They play back on her
tracking page and on the staff case page, with Range support so a browser can seek, and nobody else can
fetch them: not another case's browser, not a KADES case.
"""

import io
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment, check_media, sniff_media
from kentmasa.cases.models import Attachment, Case, Channel, Citizen, Event, Kind
from kentmasa.cases.views.public import GRANTS_KEY
from kentmasa.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_PUBLIC_VOICE_MAX_BYTES = 1 * MB
    settings.KENTMASA_PUBLIC_VIDEO_MAX_BYTES = 2 * MB


def webm(size: int = 4000, doctype: bytes = b"webm") -> bytes:
    """The start of a WebM as Chrome's MediaRecorder writes it: the EBML header with its DocType, then a
    Segment; the rest stands for the Opus clusters."""
    header = (
        b"\x42\x86\x81\x01"  # EBMLVersion 1
        b"\x42\xf7\x81\x01"  # EBMLReadVersion 1
        b"\x42\xf2\x81\x04"  # EBMLMaxIDLength 4
        b"\x42\xf3\x81\x08"  # EBMLMaxSizeLength 8
        b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype + b"\x42\x87\x81\x04\x42\x85\x81\x02"
    )
    data = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x18\x53\x80\x67\x01\xff\xff\xff"
    return data + bytes(range(256)) * (size // 256 + 1)


def mp4(brand: bytes = b"iso5", size: int = 4000) -> bytes:
    """An MP4 as Safari's MediaRecorder or a phone's camera writes it: an ftyp box first."""
    ftyp = b"\x00\x00\x00\x1cftyp" + brand + b"\x00\x00\x02\x00" + brand + b"isommp41"
    return ftyp + b"\x00\x00\x00\x08free" + b"\x00\x00\x10\x00mdat" + bytes(range(256)) * (size // 256 + 1)


def ogg(size: int = 4000) -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + b"\x13OpusHead" + bytes(size)


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 4000


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def application(category, **files) -> dict:
    data = {
        "kind": Kind.COMPLAINT,
        "category": category.pk,
        "subject": "Gece gürültüsü",
        "text": "Her gece saat ikide iş makinesi çalışıyor, sesini kaydettim.",
        "province": "İstanbul",
        "district": "Esenler",
        "neighbourhood": "Menderes",
        "name": "Ayşe Kaya",
        "phone": "0532 123 45 67",
        "kvkk": "on",
        "website": "",
    }
    data.update(files)
    return data


def counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Citizen.objects.count(), Attachment.objects.count(), Event.objects.count()


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


# --- what the bytes are


@pytest.mark.parametrize(
    ("data", "container"),
    [
        (webm(), "webm"),
        (webm(doctype=b"matroska"), "matroska"),
        (mp4(b"iso5"), "mp4"),
        (mp4(b"M4A "), "mp4"),
        (mp4(b"qt  "), "quicktime"),
        (mp4(b"3gp4"), "3gpp"),
        (ogg(), "ogg"),
        (exe(), ""),
        (jpeg(), ""),
        (b"\x1a\x45\xdf\xa3\x80", ""),  # EBML without a DocType
        (b"\xff\xff\xff\xffftypiso5" + bytes(100), ""),  # an ftyp box of an impossible size
        (b"", ""),
    ],
)
def test_the_container_is_read_from_the_magic_bytes(data, container):
    assert sniff_media(data) == container


def test_a_voice_message_is_served_as_audio_and_a_video_as_video():
    assert check_media(webm(), Attachment.Kind.AUDIO) == "audio/webm"
    assert check_media(mp4(b"iso5"), Attachment.Kind.AUDIO) == "audio/mp4"
    assert check_media(ogg(), Attachment.Kind.AUDIO) == "audio/ogg"
    assert check_media(webm(), Attachment.Kind.VIDEO) == "video/webm"
    assert check_media(mp4(b"qt  "), Attachment.Kind.VIDEO) == "video/quicktime"


# --- the form


def test_ayse_sends_a_voice_message_from_chrome_and_a_video_from_her_phone(client, institution, category):
    voice = SimpleUploadedFile("sesli-mesaj.webm", webm(), content_type="audio/webm;codecs=opus")
    video = SimpleUploadedFile("VID_20260318.mp4", mp4(b"mp42", size=100_000), content_type="video/mp4")

    response = client.post(
        reverse("public:form", args=[institution.slug]), application(category, voice=voice, video=video)
    )

    assert response.status_code == 302
    case = Case.objects.get()
    stored = {a.kind: a for a in case.attachments.all()}
    assert set(stored) == {"audio", "video"}
    assert stored["audio"].content_type == "audio/webm" and stored["audio"].file.name.endswith(".weba")
    assert stored["audio"].file.read() == webm()
    assert stored["video"].content_type == "video/mp4" and stored["video"].original_name == "VID_20260318.mp4"
    opened = case.events.get(action="open")
    assert {a.event_id for a in stored.values()} == {opened.pk}
    assert all(a.public and a.uploaded_by is None for a in stored.values())


def test_safaris_mp4_voice_message_is_kept_as_audio(client, institution, category):
    voice = SimpleUploadedFile("sesli-mesaj.m4a", mp4(b"iso5"), content_type="audio/mp4")

    client.post(reverse("public:form", args=[institution.slug]), application(category, voice=voice))

    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.content_type) == ("audio", "audio/mp4")


@pytest.mark.parametrize(
    ("field", "name", "data", "declared"),
    [
        ("voice", "ses.webm", exe(), "audio/webm"),  # a program renamed
        ("voice", "ses.ogg", jpeg(), "audio/ogg"),  # a photo pretending to be audio
        ("video", "video.mp4", exe(), "video/mp4"),
        ("video", "video.mp4", b"%PDF-1.4\n" + bytes(2000), "video/mp4"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(
    client, institution, category, field, name, data, declared
):
    before = counts()

    response = client.post(
        reverse("public:form", args=[institution.slug]),
        application(category, **{field: SimpleUploadedFile(name, data, content_type=declared)}),
    )

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors and ("okunamadı" in errors[0] or "MP4, MOV ya da WebM" in errors[0]), errors
    assert counts() == before
    assert "Başvurunuz henüz gönderilmedi" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("voice", webm(size=MB + 1), "Sesli mesaj 1 MB'tan büyük. Lütfen daha kısa bir kayıt yapın."),
        (
            "video",
            mp4(b"mp42", size=2 * MB + 1),
            "Video 2 MB'tan büyük. Lütfen daha kısa bir video gönderin.",
        ),
    ],
)
def test_a_file_over_its_limit_is_refused_with_a_message_and_nothing_is_saved(
    client, institution, category, field, data, message
):
    before = counts()

    response = client.post(
        reverse("public:form", args=[institution.slug]),
        application(category, **{field: SimpleUploadedFile("x", data, content_type="audio/webm")}),
    )

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert counts() == before


def test_the_limit_is_said_in_english_too(client, institution, category):
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("public:form", args=[institution.slug]),
        application(category, voice=SimpleUploadedFile("x.webm", webm(size=MB + 1))),
    )

    assert field_errors(response, "voice") == [
        "The voice message is larger than 1 MB. Please record a shorter one."
    ]


def test_a_form_larger_than_its_cap_is_refused_before_it_is_read(client, institution, category, settings):
    settings.KENTMASA_PUBLIC_FORM_MAX_BYTES = 3 * MB
    before = counts()
    video = SimpleUploadedFile("v.mp4", mp4(b"mp42", size=3 * MB), content_type="video/mp4")

    response = client.post(
        reverse("public:form", args=[institution.slug]), application(category, video=video)
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "Başvurunuz toplam 3 MB&#x27;tan büyük olduğu için alınamadı" in page
    assert counts() == before


def test_the_form_still_checks_its_csrf_token(institution, category):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("public:form", args=[institution.slug]), application(category))
    assert response.status_code == 403
    assert Case.objects.count() == 0


# --- playing it back


@pytest.fixture
def ayses_case(client, institution, category):
    voice = SimpleUploadedFile("sesli-mesaj.webm", webm(size=10_000), content_type="audio/webm")
    video = SimpleUploadedFile("v.mp4", mp4(b"mp42", size=20_000), content_type="video/mp4")
    client.post(
        reverse("public:form", args=[institution.slug]), application(category, voice=voice, video=video)
    )
    return Case.objects.get()


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def media_url(case: Case, kind: str) -> str:
    attachment = case.attachments.get(kind=kind)
    return reverse("public:media", args=[case.tracking_number, attachment.pk])


def test_her_tracking_page_plays_the_voice_message_and_the_video(client, ayses_case):
    page = client.get(reverse("public:track_case", args=[ayses_case.tracking_number])).content.decode()

    assert f'<audio controls preload="metadata" src="{media_url(ayses_case, "audio")}"' in page
    assert f'src="{media_url(ayses_case, "video")}"' in page and "<video controls" in page

    response = client.get(media_url(ayses_case, "audio"))
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == ayses_case.attachments.get(kind="audio").file.read()


def test_a_range_is_answered_with_206_so_safari_can_seek(client, ayses_case):
    stored = ayses_case.attachments.get(kind="video").file.read()
    url = media_url(ayses_case, "video")

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(stored)}"
    assert part["Content-Length"] == "100" and part["Content-Type"] == "video/mp4"
    assert body(part) == stored[100:200]

    probe = client.get(url, HTTP_RANGE="bytes=0-1")  # Safari's first question
    assert body(probe) == stored[:2]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert body(tail) == stored[-10:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(stored)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(stored)}"
    garbage = client.get(url, HTTP_RANGE="bytes=abc")
    assert garbage.status_code == 200


def test_another_browser_or_another_cases_number_reads_nothing(client, ayses_case, make_case, institution):
    stranger = Client()
    assert stranger.get(media_url(ayses_case, "audio")).status_code == 404

    # Mallory may track his own case: its number with her attachment's id still finds nothing.
    his = make_case()
    session = stranger.session
    session[GRANTS_KEY] = [[his.pk, int(time.time())]]
    session.save()
    her_audio = ayses_case.attachments.get(kind="audio")
    assert stranger.get(reverse("public:media", args=[his.tracking_number, her_audio.pk])).status_code == 404
    assert (
        stranger.get(reverse("public:media", args=[ayses_case.tracking_number, her_audio.pk])).status_code
        == 404
    )


def test_staff_files_are_not_served_to_the_citizen(client, ayses_case, road_staff):
    staff_audio = add_attachment(ayses_case, webm(), actor=road_staff, kind=Attachment.Kind.AUDIO)
    url = reverse("public:media", args=[ayses_case.tracking_number, staff_audio.pk])
    assert client.get(url).status_code == 404


def test_a_case_set_to_kades_stops_playing_in_the_browser_that_had_it(client, ayses_case, road_staff):
    url = media_url(ayses_case, "audio")
    assert client.get(url).status_code == 200

    Case.objects.filter(pk=ayses_case.pk).update(channel=Channel.KADES)

    assert client.get(url).status_code == 404
    assert client.get(reverse("public:track_case", args=[ayses_case.tracking_number])).status_code == 302


def test_the_staff_case_page_plays_them_with_ranges(client, ayses_case, road_staff):
    services.assign(ayses_case, actor=None, assignee=road_staff)
    staff = Client()
    staff.login(username=road_staff.username, password=PASSWORD)
    audio = ayses_case.attachments.get(kind="audio")
    url = reverse("cases:attachment", args=[ayses_case.tracking_number, audio.pk])

    page = staff.get(reverse("cases:detail", args=[ayses_case.tracking_number])).content.decode()
    assert f'<audio controls preload="metadata" class="attachment-player" src="{url}"' in page
    assert "<video controls" in page

    part = staff.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and part["Content-Type"] == "audio/webm"
    assert body(part) == audio.file.read()[:10]
    assert Client().get(url).status_code == 302  # signed out: to the log-in page


def test_a_range_of_thousands_of_digits_is_ignored_not_a_500(client, ayses_case, road_staff):
    """int() refuses more than 4300 digits; a position has at most 19 ASCII digits, anything else is a
    header we do not understand: the whole file (RFC 9110), never a server error."""
    stored = ayses_case.attachments.get(kind="video").file.read()
    url = media_url(ayses_case, "video")
    huge = "9" * 5000
    for header in (f"bytes={huge}-", f"bytes=0-{huge}", f"bytes=-{huge}", "bytes=²-", "bytes=0-٣"):
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 200, header
        assert body(response) == stored
    nineteen = client.get(url, HTTP_RANGE=f"bytes=0-{'9' * 19}")
    assert nineteen.status_code == 206 and body(nineteen) == stored

    services.assign(ayses_case, actor=None, assignee=road_staff)
    staff = Client()
    staff.login(username=road_staff.username, password=PASSWORD)
    audio = ayses_case.attachments.get(kind="audio")
    staff_url = reverse("cases:attachment", args=[ayses_case.tracking_number, audio.pk])
    response = staff.get(staff_url, HTTP_RANGE=f"bytes={huge}-{huge}")
    assert response.status_code == 200 and body(response) == audio.file.read()


def test_a_part_of_a_download_is_still_a_download_under_its_name(rf):
    """A 206 keeps the whole file's Content-Disposition: a document stays an attachment with its name."""
    from kentmasa.lib.ranges import ranged_response

    data = b"%PDF-" + bytes(range(256)) * 4

    def fetch(header: str, **kwargs: Any) -> Any:
        request = rf.get("/", HTTP_RANGE=header) if header else rf.get("/")
        return ranged_response(
            request, io.BytesIO(data), size=len(data), content_type="application/zip", **kwargs
        )

    whole = fetch("", as_attachment=True, filename="dilekçe eki.zip")
    part = fetch("bytes=10-19", as_attachment=True, filename="dilekçe eki.zip")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[10:20]
    assert part["Content-Disposition"] == whole["Content-Disposition"]
    assert (
        part["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''dilek" in part["Content-Disposition"]
    )
    inline = fetch("bytes=0-9", filename="foto.jpg")
    assert inline["Content-Disposition"] == 'inline; filename="foto.jpg"'
    assert "Content-Disposition" not in fetch("bytes=0-9")
