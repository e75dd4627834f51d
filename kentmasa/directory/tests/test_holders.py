"""Who is told: the administrator links application places to staff (the standards importer proposes the
link when a name matches), names team leaders, records staff mobiles for SMS, and sets a service's
idle-warning share."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from kentmasa.directory.models import ApplicationPlace, Service, Team, Unit, User

from . import ESENLER, KAYSERI, seed_path

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_standards", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def staff(institution, username, first, last, role=User.Role.UNIT_MANAGER, units=()):
    user = User.objects.create_user(
        username=username, role=role, institution=institution, first_name=first, last_name=last
    )
    user.units.set(units)
    return user


def holders(institution, person_name):
    place = ApplicationPlace.objects.get(institution=institution, person_name=person_name)
    return sorted(place.holders.values_list("username", flat=True))


# -- the importer proposes -----------------------------------------------------------------------------------


def test_the_importer_links_the_user_whose_name_the_place_gives(institution, other_institution):
    staff(institution, "ercan", "Ercan", "Zengin")
    staff(other_institution, "ercan.k", "Ercan", "Zengin")  # another institution's namesake is no match

    out = run(str(seed_path(ESENLER)), "--institution", "esenler")

    assert holders(institution, "Ercan ZENGİN") == ["ercan"]
    assert holders(institution, "Aydın POLAT") == []  # nobody of that name or office
    assert [line for line in out.splitlines() if line.startswith("Önerildi:")] == [
        "Önerildi: İlk müracaat yeri “Ercan ZENGİN – Halkla İlişkiler Müdürü” için Ercan Zengin (ercan) "
        "sahibi olarak bağlandı (adı eşleşti); yönetim panelinden denetleyin."
    ]


def test_without_a_name_match_the_manager_of_the_unit_the_title_names_is_proposed(other_institution):
    public_relations = Unit.objects.create(institution=other_institution, name="Halkla İlişkiler Müdürlüğü")
    staff(other_institution, "fatma", "Fatma", "Demir", units=[public_relations])
    roads = Unit.objects.create(institution=other_institution, name="Fen İşleri Müdürlüğü")
    staff(other_institution, "ali", "Ali", "Kurt", units=[roads])
    staff(other_institution, "oya", "Oya", "Er", role=User.Role.UNIT_STAFF, units=[public_relations])

    out = run(str(seed_path(KAYSERI)), "--institution", "kayseri")

    # Office "Halkla İlişkiler Müdürlüğü" and title "Halkla İlişkiler Şube Müdürü" name that unit's manager.
    assert holders(other_institution, "Oğuz BAYHAN") == ["fatma"]
    assert holders(other_institution, "Fatih ÇAĞAN") == ["fatma"]
    assert "(unvanı yönettiği birimle eşleşti)" in out and out.count("Önerildi:") == 2


def test_two_users_of_the_same_name_are_left_to_the_administrator(institution):
    staff(institution, "ercan1", "Ercan", "Zengin")
    staff(institution, "ercan2", "ERCAN", "ZENGİN")

    out = run(str(seed_path(ESENLER)), "--institution", "esenler")

    assert holders(institution, "Ercan ZENGİN") == []
    assert "Önerildi" not in out


def test_what_the_administrator_set_is_never_changed(institution):
    run(str(seed_path(ESENLER)), "--institution", "esenler")
    deputy = staff(institution, "vekil", "Seda", "Kaya")
    ApplicationPlace.objects.get(person_name="Ercan ZENGİN").holders.set([deputy])
    staff(institution, "ercan", "Ercan", "Zengin")

    out = run(str(seed_path(ESENLER)), "--institution", "esenler")

    assert holders(institution, "Ercan ZENGİN") == ["vekil"]
    assert "Önerildi" not in out


def test_a_dry_run_links_nobody_and_says_what_it_would_do(institution):
    staff(institution, "ercan", "Ercan", "Zengin")

    out = run(str(seed_path(ESENLER)), "--institution", "esenler", "--dry-run")

    assert "sahibi olarak bağlanacaktı (adı eşleşti)" in out
    assert not ApplicationPlace.objects.filter(holders__isnull=False).exists()


# -- the admin -----------------------------------------------------------------------------------------------


def test_an_application_place_picks_its_holders_among_its_institutions_staff(
    admin_client, places, road_manager, make_user, other_institution
):
    stranger = make_user(User.Role.UNIT_MANAGER, "stranger", institution_=other_institution)
    first = places[0]
    url = reverse("admin:directory_applicationplace_change", args=[first.pk])

    page = admin_client.get(url).text
    assert 'class="selectfilter"' in page  # the two-box picker
    assert f'<option value="{road_manager.pk}">' in page
    assert f'<option value="{stranger.pk}">' not in page

    data = {"institution": first.institution_id, "person_name": first.person_name, "title": first.title}
    refused = admin_client.post(url, {**data, "holders": [stranger.pk]})
    assert refused.status_code == 200 and list(first.holders.all()) == []

    saved = admin_client.post(url, {**data, "holders": [road_manager.pk]})
    assert saved.status_code == 302
    assert list(first.holders.all()) == [road_manager]
    listing = admin_client.get(reverse("admin:directory_applicationplace_changelist")).text
    assert '<td class="field-holder_names">Unit Manager</td>' in listing


def test_a_team_leader_works_for_the_teams_institution(
    admin_client, road_team, road_staff, make_user, other_institution
):
    stranger = make_user(User.Role.FIELD_TEAM, "stranger", institution_=other_institution)
    url = reverse("admin:directory_team_change", args=[road_team.pk])
    data = {"unit": road_team.unit_id, "name": road_team.name, "kind": road_team.kind, "active": "on"}

    refused = admin_client.post(url, {**data, "leader": stranger.pk})
    assert refused.status_code == 200
    assert "Ekip lideri, ekibin kurumunda çalışmalı." in refused.text
    assert Team.objects.get(pk=road_team.pk).leader is None

    assert admin_client.post(url, {**data, "leader": road_staff.pk}).status_code == 302
    assert Team.objects.get(pk=road_team.pk).leader == road_staff


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "institution": user.institution_id,
        "units": [unit.pk for unit in user.units.all()],
        "phone_extension": "",
        "mobile": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    return {**data, **changes}


def test_a_staff_mobile_is_kept_in_e164_and_only_a_turkish_mobile_is_taken(admin_client, road_staff):
    url = reverse("admin:directory_user_change", args=[road_staff.pk])

    refused = admin_client.post(url, user_form(road_staff, mobile="0212 440 11 90"))
    assert refused.status_code == 200
    assert "Türkiye&#x27;de kullanılan bir cep telefonu numarası girin" in refused.text

    saved = admin_client.post(url, user_form(road_staff, mobile="0532 123 45 67"))
    assert saved.status_code == 302, saved.text
    assert User.objects.get(pk=road_staff.pk).mobile == "+905321234567"


def test_the_model_checks_the_mobile_too(road_staff):
    road_staff.mobile = "532-765-4321"
    road_staff.full_clean()
    assert road_staff.mobile == "+905327654321"

    road_staff.mobile = "444 00 73"
    with pytest.raises(ValidationError) as error:
        road_staff.full_clean()
    assert list(error.value.message_dict) == ["mobile"]


def test_a_service_sets_its_idle_warning_share(admin_client, service):
    url = reverse("admin:directory_service_change", args=[service.pk])
    page = admin_client.get(url).text
    assert 'name="idle_warning_percent"' in page

    data = {
        "institution": service.institution_id,
        "unit": service.unit_id,
        "number": service.number,
        "name": service.name,
        "completion_time": service.completion_time,
        "clock": service.clock,
        "first_application_place": service.first_application_place_id,
        "second_application_place": service.second_application_place_id,
    }
    assert admin_client.post(url, {**data, "idle_warning_percent": "150"}).status_code == 200
    assert admin_client.post(url, {**data, "idle_warning_percent": "30"}).status_code == 302
    assert Service.objects.get(pk=service.pk).idle_warning_percent == 30
