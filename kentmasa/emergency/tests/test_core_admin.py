"""The police side's admin: dispatch settings checked against their institution, incidents and dispatches for
reading, and a KADES person's data and protection orders for superusers and administrators only."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from kentmasa.directory.models import Institution, Unit, User
from kentmasa.emergency import kades
from kentmasa.emergency.admin import DispatchSettingsForm
from kentmasa.emergency.models import DispatchSettings, Incident, ProtectionOrder
from kentmasa.emergency.tests.core_world import PASSWORD, PERSON, police_world, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.KENTMASA_KADES_INSTITUTION = "eskisehir-emniyet"
    world = police_world()
    incident, _ = kades.receive_alert(
        {"alert_id": "K-9", "latitude": 39.7766, "longitude": 30.515, "person": dict(PERSON)}
    )
    ProtectionOrder.objects.create(
        institution=world.police,
        person_tc_kimlik="10000000146",
        person_name="Elif Yıldız",
        decision_no="2026/118",
        decided_on=dt.date(2026, 9, 1),
    )
    world.incident = incident  # type: ignore[attr-defined]
    return world


def signed_in(person: User) -> Client:
    client = Client()
    assert client.login(username=person.username, password=PASSWORD)
    return client


@pytest.fixture
def superuser(world):
    return User.objects.create_superuser("kok", "kok@example.com", PASSWORD)


@pytest.fixture
def operator_staff(world):
    """A police operator let into the admin to read incidents, but no administrator."""
    person = user("haber-staff", User.Role.POLICE_OPERATOR, world.police)
    person.is_staff = True
    person.save()
    person.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="emergency",
            codename__in=["view_incident", "view_dispatch", "view_protectionorder", "change_protectionorder"],
        )
    )
    return person


def test_the_admin_pages_open_for_a_superuser_with_her_data(world, superuser):
    client = signed_in(superuser)
    for name in ("incident", "dispatch", "dispatchsettings", "protectionorder"):
        assert client.get(f"/admin/emergency/{name}/").status_code == 200, name
    page = client.get(f"/admin/emergency/incident/{world.incident.pk}/change/").content.decode()
    assert "Elif Yıldız" in page and "10000000146" in page
    orders = client.get("/admin/emergency/protectionorder/").content.decode()
    assert "100******46" in orders and "10000000146" not in orders
    assert client.get("/admin/emergency/incident/?q=10000000146").status_code == 200


def test_others_see_incidents_without_her_and_no_protection_orders(world, operator_staff):
    client = signed_in(operator_staff)
    page = client.get(f"/admin/emergency/incident/{world.incident.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Elif" not in text and "10000000146" not in text and "39,7766" not in text
    assert client.get("/admin/emergency/protectionorder/").status_code == 403
    assert client.get("/admin/emergency/incident/add/").status_code == 403
    assert Incident.objects.count() == 1


def test_dispatch_settings_must_stay_within_their_institution(world):
    other = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    stranger_unit = Unit.objects.create(institution=other, name="Haber Merkezi")
    stranger = user("ankara-amir", User.Role.UNIT_MANAGER, other)
    form = DispatchSettingsForm(
        data={
            "institution": other.pk,
            "haber_merkezi": world.haber_merkezi.pk,
            "kades_category": world.kades_category.pk,
            "kades_destination": DispatchSettings.KadesDestination.EXTERNAL,
            "kades_external_body": "",
            "supervisors": [world.supervisor.pk],
            "team_ack_seconds": 60,
            "alarm_ack_seconds": 30,
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"haber_merkezi", "kades_category", "supervisors", "kades_external_body"}
    good = DispatchSettingsForm(
        data={
            "institution": other.pk,
            "haber_merkezi": stranger_unit.pk,
            "kades_destination": DispatchSettings.KadesDestination.HABER_MERKEZI,
            "kades_external_body": "112",
            "supervisors": [stranger.pk],
            "team_ack_seconds": 60,
            "alarm_ack_seconds": 30,
        }
    )
    assert good.is_valid(), good.errors
    assert not DispatchSettingsForm(
        data={
            "institution": other.pk,
            "kades_destination": "haber_merkezi",
            "team_ack_seconds": 5,
            "alarm_ack_seconds": 30,
        }
    ).is_valid()  # 10 s at least


def test_a_protection_order_needs_a_valid_tc_kimlik_no(world, superuser):
    client = signed_in(superuser)
    response = client.post(
        "/admin/emergency/protectionorder/add/",
        {
            "institution": world.police.pk,
            "person_tc_kimlik": "12345678901",
            "decided_on": "2026-09-01",
            "valid_until": "2026-08-01",
        },
    )
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"person_tc_kimlik", "valid_until"}
    assert ProtectionOrder.objects.count() == 1
