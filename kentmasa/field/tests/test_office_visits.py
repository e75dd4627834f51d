"""Esenler's house visits and stands (/saha/ziyaret/): Selin and Mehmet record a stand in Menderes, where
forty people came and two asked for things; each request raised there becomes a case on the field channel,
linked to the visit, once however often the form is sent. The parks unit does not see the roads unit's
visits; Kayseri sees none of Esenler's."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Case, Channel
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Unit, User
from kentmasa.field.models import Visit
from kentmasa.field.tests import api_world

VISITS = reverse("field:office_visits")
NEW = reverse("field:office_visit_new")


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def visit_form(world, **more):
    start = timezone.localtime() - dt.timedelta(hours=3)
    data = {
        "kind": "stand",
        "place": "Menderes Mah. Meydanı",
        "mahalle": "Menderes",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "staff": [world.clerk.pk, world.mehmet.pk],
        "people": "40",
        "asked": "Yol bakımı, park aydınlatması, çöp konteyneri istendi.",
        "unit": world.roads.pk,
        "latitude": "41.04321",
        "longitude": "28.87765",
    }
    data.update(more)
    return data


def raise_form(category, **more):
    data = {
        "client_id": str(uuid.uuid4()),
        "category": category.pk,
        "description": "Meydanın kuzeyinde yol çökmüş.",
        "citizen_name": "Fatma Şahin",
        "citizen_phone": "0533 765 43 21",
        "address_text": "",
    }
    data.update(more)
    return data


def test_selin_records_a_stand_and_raises_a_request_there(client, world, category):
    signed_in(client, world.clerk)
    page = client.get(NEW)
    assert page.status_code == 200 and "Ziyaret kaydet" in page.content.decode()
    response = client.post(NEW, visit_form(world))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert response["Location"] == reverse("field:office_visit", args=[visit.pk])
    assert (visit.kind, visit.place, visit.mahalle, visit.people) == (
        "stand",
        "Menderes Mah. Meydanı",
        "Menderes",
        40,
    )
    assert set(visit.staff.all()) == {world.clerk, world.mehmet}
    assert (
        visit.unit == world.roads
        and visit.created_by == world.clerk
        and visit.institution == world.roads.institution
    )
    detail = client.get(response["Location"]).content.decode()
    assert "Stant çalışması" in detail and "Selin Kara" in detail and "Mehmet Demir" in detail

    form = raise_form(category)
    raised = client.post(reverse("field:office_visit_raise", args=[visit.pk]), form)
    assert raised.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.FIELD and case.unit == world.roads
    assert list(visit.cases.all()) == [case]
    assert case.address_text == "Menderes Mah. Meydanı" and case.neighbourhood == "Menderes"
    assert str(case.latitude) == "41.043210"
    assert case.citizen.name == "Fatma Şahin" and not case.citizen.phone_verified
    # Sent again: still one case.
    client.post(reverse("field:office_visit_raise", args=[visit.pk]), form)
    assert Case.objects.count() == 1 and visit.cases.count() == 1
    shown = client.get(reverse("field:office_visit", args=[visit.pk])).content.decode()
    assert case.tracking_display in shown and reverse("cases:detail", args=[case.tracking_number]) in shown
    listing = client.get(VISITS).content.decode()
    assert (
        f'id="visit-{visit.pk}"' in listing and "40 kişiyle görüşüldü" in listing and "1 başvuru" in listing
    )


def test_nobody_named_means_the_writer_went(client, world):
    signed_in(client, world.mehmet).post(NEW, visit_form(world, staff=[], unit="", kind="house"))
    visit = Visit.objects.get()
    assert list(visit.staff.all()) == [world.mehmet] and visit.unit is None and visit.kind == "house"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "party"}, "kind"),
        ({"place": ""}, "place"),
        ({"place": "x\x00"}, "place"),
        ({"started_at": "dün"}, "started_at"),
        ({"started_at": "1999-01-01T10:00"}, "started_at"),
        ({"started_at": "2999-01-01T10:00"}, "started_at"),
        ({"ended_at": "2000-01-01T10:00"}, "ended_at"),
        ({"people": "-1"}, "people"),
        ({"people": "1e9"}, "people"),
        ({"staff": ["999999"]}, "staff"),
        ({"staff": [str(2**70)]}, "staff"),
        ({"unit": "999999"}, "unit"),
        ({"latitude": "100"}, "latitude"),
    ],
)
def test_bad_visits_are_a_400_and_nothing_is_written(client, world, change, field):
    response = signed_in(client, world.clerk).post(NEW, visit_form(world, **change))
    assert response.status_code == 400
    assert f'id="field-{field}"' in response.content.decode()
    assert not Visit.objects.exists()


def test_staff_and_units_of_another_institution_cannot_be_named(client, world, make_user, other_institution):
    unit = Unit.objects.create(institution=other_institution, name="Kayseri Halkla İlişkiler")
    stranger = make_user(User.Role.UNIT_STAFF, "kayseri_staff", units=[unit], institution_=other_institution)
    response = signed_in(client, world.clerk).post(NEW, visit_form(world, staff=[stranger.pk], unit=unit.pk))
    assert response.status_code == 400 and not Visit.objects.exists()


def test_who_sees_which_visit(client, world, make_user, other_institution, category):
    signed_in(client, world.clerk).post(NEW, visit_form(world, staff=[world.clerk.pk]))
    visit = Visit.objects.get()
    park_staff = make_user(User.Role.UNIT_STAFF, "park_clerk", units=[world.parks])
    signed_in(client, park_staff)
    assert f'id="visit-{visit.pk}"' not in client.get(VISITS).content.decode()
    assert client.get(reverse("field:office_visit", args=[visit.pk])).status_code == 404
    assert (
        client.post(reverse("field:office_visit_raise", args=[visit.pk]), raise_form(category)).status_code
        == 404
    )
    # The roads manager sees the unit's visits; the operator the institution's.
    assert (
        signed_in(client, world.manager).get(reverse("field:office_visit", args=[visit.pk])).status_code
        == 200
    )
    operator = make_user(User.Role.OPERATOR, "beyazmasa")
    assert signed_in(client, operator).get(reverse("field:office_visit", args=[visit.pk])).status_code == 200
    # Mehmet did not go on it.
    assert (
        signed_in(client, world.mehmet).get(reverse("field:office_visit", args=[visit.pk])).status_code == 404
    )
    unit = Unit.objects.create(institution=other_institution, name="Kayseri Halkla İlişkiler")
    stranger = make_user(
        User.Role.ADMINISTRATOR, "kayseri_admin", units=[unit], institution_=other_institution
    )
    signed_in(client, stranger)
    assert client.get(reverse("field:office_visit", args=[visit.pk])).status_code == 404
    assert f'id="visit-{visit.pk}"' not in client.get(VISITS).content.decode()
    police = make_user(User.Role.POLICE_OPERATOR, "police")
    signed_in(client, police)
    assert client.get(VISITS).status_code == 403 and client.get(NEW).status_code == 403
    for pk in (0, 2**63, 2**80):
        assert client.get(reverse("field:office_visit", args=[pk])).status_code == 404
    assert not Case.objects.exists()


def test_a_bad_request_at_a_visit_opens_nothing(client, world, category):
    signed_in(client, world.clerk).post(NEW, visit_form(world))
    visit = Visit.objects.get()
    url = reverse("field:office_visit_raise", args=[visit.pk])
    for change in (
        {"description": ""},
        {"citizen_phone": "abc"},
        {"client_id": "x"},
        {"category": str(2**70)},
    ):
        response = client.post(url, {**raise_form(category), **change})
        assert response.status_code == 400
        assert 'id="raise-panel" open' in response.content.decode()
    assert not Case.objects.exists() and visit.cases.count() == 0
