"""Mehmet of Asfalt Ekibi 1 opens a case on the spot (/saha/yeni/): category, what he saw, photos, the phone's
position, and the citizen who stopped him. The case comes in on the field channel, is routed like any other,
is opened once however often the form is sent, and the citizen's phone (said in the street, not proven) never
joins Ayşe Kaya's record that holds the same number proven."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kentmasa.cases.models import Attachment, Case, Channel, Citizen, Event
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.field.models import FieldAction
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import gps_exif, jpeg
from kentmasa.routing.models import RoutingFlag, RoutingRule

NEW = reverse("field:office_new_case")


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def photo(name="cukur.jpg", data=None):
    return SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")


def form(category=None, **more):
    data = {
        "client_id": str(uuid.uuid4()),
        "category": category.pk if category else "",
        "subject": "",
        "description": "Menderes Mahallesi 1203. Sokak başında derin çukur, araçlar zorlanıyor.",
        "latitude": "41,043210",
        "longitude": "28.877654",
        "neighbourhood": "Menderes",
        "address_text": "1203. Sokak başı",
        "citizen_name": "Hasan Demir",
        "citizen_phone": "0532 123 45 67",
    }
    data.update(more)
    return data


def test_mehmet_opens_a_case_with_photos_and_his_position(
    client, world, category, django_capture_on_commit_callbacks
):
    signed_in(client, world.mehmet)
    page = client.get(NEW)
    assert page.status_code == 200 and "Sahadan yeni başvuru" in page.content.decode()
    assert 'name="client_id"' in page.content.decode() and "Konumumu kullan" in page.content.decode()
    data = form(
        category, photos=[photo("once.jpg", jpeg(exif=gps_exif(41.0441, 28.8781))), photo("yakın.jpg")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.category, case.unit) == (Channel.FIELD, category, world.roads)
    assert case.subject == "Yol çökmesi / çukur" and case.created_by == world.mehmet
    assert (str(case.latitude), str(case.longitude)) == ("41.043210", "28.877654")
    assert case.neighbourhood == "Menderes" and case.address_text == "1203. Sokak başı"
    opened = Event.objects.get(case=case, action="open")
    assert opened.data["channel"] == "field"
    files = {a.original_name: a for a in Attachment.objects.filter(case=case)}
    assert set(files) == {"once.jpg", "yakın.jpg"}
    assert all(not a.public for a in files.values())
    from_photo = files["once.jpg"]
    assert from_photo.position_source == "photo"
    assert float(from_photo.latitude or 0) == pytest.approx(41.0441, abs=1e-5)
    assert files["yakın.jpg"].position_source == "phone" and str(files["yakın.jpg"].latitude) == "41.043210"
    assert all(a.taken_at is not None for a in files.values())
    # He cannot open the case page (his team does not work it), so the form comes back with its number.
    assert response["Location"] == NEW
    shown = client.get(NEW).content.decode()
    assert f"{case.tracking_display} numaralı başvuru açıldı; Fen İşleri Müdürlüğü birimine gidiyor." in shown
    ledger = FieldAction.objects.get(user=world.mehmet)
    assert (ledger.kind, ledger.case, str(ledger.client_id)) == ("open_case", case, data["client_id"])


def test_the_same_form_sent_twice_opens_one_case(client, world, category):
    signed_in(client, world.mehmet)
    data = form(category)
    assert client.post(NEW, data).status_code == 302
    again = client.post(NEW, data, follow=True)
    case = Case.objects.get()
    assert f"Bu form zaten gönderildi: {case.tracking_display} numaralı başvuru" in again.content.decode()
    assert Case.objects.count() == 1 and Citizen.objects.filter(name="Hasan Demir").count() == 1
    assert client.post(NEW, form(category)).status_code == 302  # a new form is a new case
    assert Case.objects.count() == 2


def test_the_citizen_s_phone_never_joins_an_existing_record(client, world, category):
    world.citizen.phone_verified = True
    world.citizen.save()
    signed_in(client, world.mehmet).post(
        NEW, form(category, citizen_phone="0532 123 45 67", citizen_name="Ayşe")
    )
    case = Case.objects.get()
    assert case.citizen != world.citizen
    assert case.citizen.phone == "+905321234567" and not case.citizen.phone_verified
    world.citizen.refresh_from_db()
    assert world.citizen.name == "Ayşe Kaya" and world.citizen.phone_verified


def test_a_case_without_a_category_is_routed_like_any_other(
    client, world, category, django_capture_on_commit_callbacks
):
    signed_in(client, world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, form(None, subject="Kaldırımda çukur"))
    case = Case.objects.get()
    assert response["Location"] == NEW  # no unit yet: not in Selin's queue
    assert case.category is None and case.subject == "Kaldırımda çukur"
    assert RoutingFlag.objects.filter(case=case, kind=RoutingFlag.Kind.CATEGORY).exists()


def test_the_unit_s_routing_rules_apply(client, world, category, django_capture_on_commit_callbacks):
    RoutingRule.objects.create(
        institution=world.roads.institution, category=category, keywords="park", unit=world.parks
    )
    signed_in(client, world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, form(category, description="Park girişinde çukur var."))
    case = Case.objects.get()
    assert case.unit == world.parks
    assert Event.objects.filter(case=case, action="transfer").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": ""}, "description"),
        ({"description": "çukur\x00"}, "description"),
        ({"citizen_phone": "12"}, "citizen_phone"),
        ({"latitude": "91"}, "latitude"),
        ({"latitude": "abc"}, "latitude"),
        ({"longitude": ""}, None),  # latitude without longitude
        ({"category": str(2**70)}, "category"),
        ({"category": "99999"}, "category"),
        ({"client_id": "not-a-uuid"}, None),
        ({"client_id": ""}, None),
        ({"subject": "ş" * 201}, "subject"),
    ],
)
def test_bad_input_is_a_400_and_opens_nothing(client, world, category, change, field):
    response = signed_in(client, world.mehmet).post(NEW, {**form(category), **change})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'class="error"' in text
    if field:
        assert f'id="field-{field}"' in text
    if "client_id" in change:
        assert "Bu form bozulmuş; sayfayı yeniden açın." in text
    assert not Case.objects.exists() and not FieldAction.objects.exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("not.jpg", b"hello, not a photo", content_type="image/jpeg"),
            "Bu dosya türü kabul edilmiyor",
        ),
        (SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), ""),
        (
            SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
            "buraya fotoğraf gönderin",
        ),
    ],
)
def test_a_bad_photo_opens_nothing(client, world, category, upload, message):
    response = signed_in(client, world.mehmet).post(NEW, form(category, photos=[photo(), upload]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_eleven_photos_are_too_many(client, world, category):
    response = signed_in(client, world.mehmet).post(
        NEW, form(category, photos=[photo(f"{i}.jpg") for i in range(11)])
    )
    assert response.status_code == 400
    assert "Bir seferde en çok 10 fotoğraf gönderin." in response.content.decode()
    assert not Case.objects.exists()


def test_who_may_open_a_case_in_the_field(client, world, category, make_user):
    for role in (User.Role.POLICE_OPERATOR, User.Role.FEEDBACK_OPERATOR):
        user = make_user(role, role)
        signed_in(client, user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, form(category)).status_code == 403
    client.logout()
    assert client.get(NEW).status_code == 302  # to the sign-in page
    assert not Case.objects.exists()
    # Selin, who works the roads unit, lands on the case page.
    response = signed_in(client, world.clerk).post(NEW, form(category))
    assert response["Location"] == reverse("cases:detail", args=[Case.objects.get().tracking_number])
