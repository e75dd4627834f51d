"""Before and after photos from Asfalt Ekibi 1's phones (POST /saha/api/foto/): the place and time from the
photo's own GPS data kept as data while the stored file carries no EXIF, else the phone's; a resend stores
one photo; anything but a photo refused; and the citizen's WhatsApp collage takes the team's "after" photo."""

import datetime as dt
import io
import uuid

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services as cases
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Attachment, Event
from kentmasa.channels.whatsapp import sender
from kentmasa.field import services
from kentmasa.field.models import FieldAction, WorkOrderPhoto
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action, gps_exif, jpeg

PHOTO = "/saha/api/foto/"
ISTANBUL = dt.timezone(dt.timedelta(hours=3))


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def phone(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def form(order, data: bytes, **more):
    fields = {
        "id": str(uuid.uuid4()),
        "work_order": str(order.pk),
        "phase": "after",
        "taken_at": timezone.localtime().isoformat(),
        "latitude": "41.010000",
        "longitude": "28.950000",
        "source": "phone",
        "file": upload(data),
    }
    fields.update(more)
    return fields


def test_the_photos_gps_is_kept_as_data_and_the_stored_file_has_no_exif(world):
    order = world.order()
    taken = dt.datetime(2026, 3, 18, 9, 41, 7, tzinfo=ISTANBUL)
    original = jpeg(exif=gps_exif(41.04321, 28.87654, taken))
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825)  # the photo came with its GPS data
    fields = form(order, original, phase="before")
    answer = phone(world.mehmet).post(PHOTO, fields)
    assert answer.status_code == 200
    result = answer.json()
    assert result["outcome"] == "applied" and result["message"] == "Fotoğraf kaydedildi."
    stored = Attachment.objects.get(pk=result["attachment"])
    assert (str(stored.latitude), str(stored.longitude), stored.position_source) == (
        "41.043210",
        "28.876540",
        "photo",
    )
    assert stored.taken_at == taken
    assert (stored.public, stored.uploaded_by, stored.kind) == (True, world.mehmet, Attachment.Kind.PHOTO)
    with stored.file.open("rb") as kept, Image.open(kept) as image:
        assert not image.getexif()  # no EXIF at all: no GPS, no camera
        assert image.info.get("exif") is None
    assert WorkOrderPhoto.objects.get(attachment=stored).phase == "before"
    event = Event.objects.get(case=order.case, action="work_order_photo")
    assert event.note == "Asfalt Ekibi 1: fotoğraf (önce)"
    assert stored.event == event


def test_without_gps_in_the_photo_the_phones_position_and_time_are_kept(world):
    order = world.order()
    taken = timezone.localtime().replace(microsecond=0) - dt.timedelta(minutes=5)
    fields = form(
        order, jpeg(), taken_at=taken.isoformat(), latitude="41.05", longitude="28.9", source="phone"
    )
    result = phone(world.mehmet).post(PHOTO, fields).json()
    stored = Attachment.objects.get(pk=result["attachment"])
    assert (str(stored.latitude), str(stored.longitude), stored.position_source) == (
        "41.050000",
        "28.900000",
        "phone",
    )
    assert stored.taken_at == taken
    no_place = phone(world.mehmet).post(PHOTO, form(order, jpeg(), latitude="", longitude="")).json()
    bare = Attachment.objects.get(pk=no_place["attachment"])
    assert (bare.latitude, bare.position_source) == (None, "")


def test_a_photo_sent_twice_is_stored_once(world):
    order = world.order()
    fields = form(order, jpeg())
    client = phone(world.mehmet)
    first = client.post(PHOTO, fields).json()
    fields["file"] = upload(jpeg())
    again = client.post(PHOTO, fields).json()
    assert first == again
    assert Attachment.objects.filter(case=order.case).count() == 1
    assert FieldAction.objects.get(kind="photo").outcome == "applied"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "file": upload(
                    b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "x.pdf", "application/pdf"
                )
            },
            "file_type",
        ),
        ({"file": upload(b"GIF89a" + b"\x00" * 20, "x.gif", "image/gif")}, "file_type"),
        ({"file": upload(b"\xff\xd8\xff\xe0 not really a jpeg")}, "image_unreadable"),
        ({"phase": "during"}, "phase"),
        ({"latitude": "95", "longitude": "28"}, "latitude"),
        ({"latitude": "41\x00", "longitude": "28"}, "latitude"),
        ({"work_order": str(2**63)}, "work_order"),
        ({"taken_at": "0001-13-45"}, "at"),
    ],
)
def test_anything_but_a_good_photo_is_refused_and_stores_nothing(world, change, code):
    order = world.order()
    result = phone(world.mehmet).post(PHOTO, form(order, jpeg(), **change))
    assert result.status_code == 200
    assert (result.json()["outcome"], result.json()["code"]) == ("refused", code)
    assert result.json()["message"]
    assert not Attachment.objects.exists()
    assert not WorkOrderPhoto.objects.exists()


@pytest.mark.parametrize("bad_id", ["", "nope", "\x00", "1" * 400])
def test_a_photo_without_a_usable_id_is_refused(world, bad_id):
    order = world.order()
    result = phone(world.mehmet).post(PHOTO, form(order, jpeg(), id=bad_id)).json()
    assert (result["outcome"], result["code"]) == ("refused", "id")
    assert not Attachment.objects.exists() and not FieldAction.objects.exists()


def test_no_file_or_no_form_is_refused(world):
    order = world.order()
    fields = form(order, jpeg())
    del fields["file"]
    assert phone(world.mehmet).post(PHOTO, fields).json()["code"] == "file"
    garbled = phone(world.mehmet).post(
        PHOTO, b"--x\r\nContent-Disposition: form-data", content_type="multipart/form-data; boundary=x"
    )
    assert garbled.status_code in (200, 400)
    assert not Attachment.objects.exists()


def test_a_year_one_photo_time_is_replaced_by_the_receipt_time(world):
    order = world.order()
    before = timezone.now()
    result = phone(world.mehmet).post(PHOTO, form(order, jpeg(), taken_at="0001-01-01T00:00:00")).json()
    stored = Attachment.objects.get(pk=result["attachment"])
    assert stored.taken_at is not None and before <= stored.taken_at <= timezone.now()


def test_photos_still_reach_a_reported_work_order_but_not_a_transferred_case(world):
    order = world.order()
    services.apply(world.mehmet, action("done", order))
    assert phone(world.mehmet).post(PHOTO, form(order, jpeg())).json()["outcome"] == "applied"
    moved_case = world.case()
    moved = world.order(moved_case)
    cases.transfer(moved_case, actor=world.manager, unit=world.parks)
    result = phone(world.mehmet).post(PHOTO, form(moved, jpeg())).json()
    assert (result["outcome"], result["code"]) == ("conflict", "transferred")
    assert not Attachment.objects.filter(case=moved_case).exists()


def test_a_photo_is_sent_with_the_device_key(world):
    order = world.order()
    _device, raw = services.issue_device(world.mehmet, "telefon")
    result = Client().post(PHOTO, form(order, jpeg()), HTTP_AUTHORIZATION=f"Device {raw}")
    assert result.status_code == 200 and result.json()["outcome"] == "applied"


# -- the citizen's collage -----------------------------------------------------------------------------------


def test_the_collage_takes_the_teams_after_photo_over_a_later_staff_photo(world):
    case = world.case()
    citizens = add_attachment(case, jpeg((200, 30, 30)), public=True)
    order = world.order(case)
    client = phone(world.mehmet)
    before = client.post(PHOTO, form(order, jpeg((90, 90, 90)), phase="before")).json()["attachment"]
    assert sender.before_and_after(case) is None  # the team's "before" photo is no "after"
    after = client.post(PHOTO, form(order, jpeg((30, 160, 60)), phase="after")).json()["attachment"]
    add_attachment(case, jpeg((0, 0, 200)), actor=world.clerk, public=True)  # a later office photo
    pair = sender.before_and_after(case)
    assert pair is not None
    assert (pair[0].pk, pair[1].pk) == (citizens.pk, after)
    assert before != after


def test_without_a_citizens_photo_the_teams_before_photo_opens_the_collage(world):
    case = world.case()
    order = world.order(case)
    client = phone(world.mehmet)
    before = client.post(PHOTO, form(order, jpeg((90, 90, 90)), phase="before")).json()["attachment"]
    after = client.post(PHOTO, form(order, jpeg((30, 160, 60)), phase="after")).json()["attachment"]
    pair = sender.before_and_after(case)
    assert pair is not None and (pair[0].pk, pair[1].pk) == (before, after)
