"""Zeynep of the roads unit takes a case herself ("Üzerime al"); whoever answers a case nobody had becomes its
assignee; the assign lists offer the unit's own people and teams, and anyone else through a search."""

import re

import pytest

from kentmasa.cases import services
from kentmasa.cases.forms import FOUND_MAX, find_staff
from kentmasa.cases.models import Event, Status
from kentmasa.directory.models import Team, User

pytestmark = pytest.mark.django_db

TR = {"HTTP_ACCEPT_LANGUAGE": "tr"}


@pytest.fixture
def zeynep(client, road_staff):
    User.objects.filter(pk=road_staff.pk).update(first_name="Zeynep", last_name="Arslan")
    road_staff.refresh_from_db()
    client.force_login(road_staff)
    return road_staff


@pytest.fixture
def park_team(parks):
    return Team.objects.create(unit=parks, name="Park Bakım Ekibi")


def take_url(case) -> str:
    return f"/vaka/{case.tracking_number}/uzerime-al/"


def select(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)


# -- Üzerime al ---------------------------------------------------------------------------------------------


def test_zeynep_takes_a_case_from_its_page(client, zeynep, make_case):
    case = make_case()
    page = client.get(f"/vaka/{case.tracking_number}/", **TR).content.decode()
    assert 'id="take-case"' in page and "Üzerime al" in page

    response = client.post(take_url(case), follow=True, **TR)

    case.refresh_from_db()
    assert (case.status, case.assignee) == (Status.ASSIGNED, zeynep)
    assert Event.objects.filter(case=case, action="assign", actor=zeynep).count() == 1
    assert response.redirect_chain[-1][0] == f"/vaka/{case.tracking_number}/"
    assert 'id="take-case"' not in response.content.decode()


def test_zeynep_takes_a_case_from_her_queue(client, zeynep, make_case):
    mine, other = make_case(), make_case()

    page = client.get("/kuyruk/", **TR).content.decode()
    response = client.post(take_url(mine), {"next": "/kuyruk/?status=new"})

    assert f'id="take-{mine.tracking_number}"' in page
    assert f'formaction="/vaka/{mine.tracking_number}/uzerime-al/"' in page
    assert response["Location"] == "/kuyruk/?status=new"
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.assignee == zeynep and other.assignee is None


def test_who_cannot_take_a_case(client, zeynep, operator, park_staff, make_case):
    case = make_case()

    client.force_login(operator)  # works the intake, not the unit's cases
    assert 'id="take-case"' not in client.get(f"/vaka/{case.tracking_number}/").content.decode()
    client.post(take_url(case))
    client.force_login(park_staff)  # another unit: the case is not even visible
    assert client.post(take_url(case)).status_code == 404

    case.refresh_from_db()
    assert case.assignee is None


def test_of_two_who_take_the_same_case_the_second_is_told_who_has_it(client, zeynep, road_manager, make_case):
    case = make_case()
    seen_by_both = case  # both pages were opened before either pressed the button
    services.take(seen_by_both, actor=road_manager)

    with pytest.raises(services.TransitionError) as refused:
        services.take(seen_by_both, actor=zeynep)
    response = client.post(take_url(case), follow=True, **TR)

    assert refused.value.message == "Bu vakayı Unit Manager zaten üzerine aldı."
    case.refresh_from_db()
    assert case.assignee == road_manager
    assert "zaten üzerine aldı" in response.content.decode()


# -- resolving assigns the resolver ------------------------------------------------------------------------


def test_resolving_a_case_nobody_had_makes_the_resolver_its_assignee(zeynep, road_manager, make_case):
    nobodys = services.resolve(make_case(), actor=zeynep, resolution="Çukur kapatıldı.")
    managers = services.resolve(
        services.assign(make_case(), actor=road_manager, assignee=road_manager),
        actor=zeynep,
        resolution="Çukur kapatıldı.",
    )

    assert (nobodys.status, nobodys.assignee) == (Status.RESOLVED, zeynep)
    assert nobodys.events.get(action="resolve").data == {"assignee": zeynep.pk}
    assert (managers.status, managers.assignee) == (Status.RESOLVED, road_manager)


def test_an_answer_given_during_the_call_stays_as_it_is(operator, make_case):
    answered = services.resolve_on_the_spot(make_case(), actor=operator, resolution="Bilgi verildi.")

    assert (answered.status, answered.assignee) == (Status.RESOLVED, None)


# -- the assign lists ----------------------------------------------------------------------------------------


def test_the_assign_list_offers_the_units_own_people_and_teams(
    client, zeynep, road_manager, road_team, park_staff, park_team, operator, make_case
):
    case = make_case()
    client.force_login(road_manager)

    page = client.get(f"/vaka/{case.tracking_number}/", **TR).content.decode()
    people, teams = select(page, "assign-assignee"), select(page, "assign-team")

    assert f'value="{zeynep.pk}"' in people and f'value="{road_manager.pk}"' in people
    assert f'value="{park_staff.pk}"' not in people and f'value="{operator.pk}"' not in people
    assert f'value="{road_team.pk}"' in teams and f'value="{park_team.pk}"' not in teams


def test_anyone_else_of_the_institution_is_found_by_a_search(
    client, zeynep, road_manager, park_staff, park_team, operator, make_case
):
    User.objects.filter(pk=operator.pk).update(first_name="Ayşe", last_name="Işık")
    case = make_case()
    client.force_login(road_manager)

    page = client.get(f"/vaka/{case.tracking_number}/", {"atama": "isik"}, **TR).content.decode()
    people = select(page, "assign-assignee")
    found = re.search(r'<optgroup label="Aramada bulunanlar">.*?</optgroup>', people, re.S).group(0)
    assert f'value="{operator.pk}"' in found and f'value="{park_staff.pk}"' not in people
    assert '<details class="action" id="panel-assign" open>' in page

    response = client.post(f"/vaka/{case.tracking_number}/islem/assign/", {"assign-assignee": operator.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == operator
    teams = select(
        client.get(f"/vaka/{case.tracking_number}/", {"atama": "park"}).content.decode(), "assign-team"
    )
    assert f'value="{park_team.pk}"' in teams


def test_the_queues_assign_list_offers_the_users_units_and_searches_the_rest(
    client, zeynep, road_manager, road_team, park_staff, park_team, make_case
):
    make_case()
    client.force_login(road_manager)

    page = client.get("/kuyruk/", **TR).content.decode()
    searched = client.get("/kuyruk/", {"atama": "park", "status": "new"}, **TR).content.decode()

    assert f'value="{zeynep.pk}"' in select(page, "assignee")
    assert f'value="{park_staff.pk}"' not in select(page, "assignee")
    assert f'value="{road_team.pk}"' in select(page, "team")
    assert f'value="{park_team.pk}"' not in select(page, "team")
    assert f'value="{park_staff.pk}"' in select(searched, "assignee")
    assert f'value="{park_team.pk}"' in select(searched, "team")
    assert '<input type="hidden" name="status" value="new">' in searched  # the filters survive a search


def test_a_search_returns_a_bounded_list(institution, make_user):
    for i in range(FOUND_MAX + 10):
        user = make_user(User.Role.UNIT_STAFF, f"ahmet{i:02d}")
        User.objects.filter(pk=user.pk).update(first_name="Ahmet", last_name=f"Kaya{i:02d}")

    found = find_staff(institution, "ahmet")

    assert len(found) == FOUND_MAX
    assert [user.last_name for user in found] == [f"Kaya{i:02d}" for i in range(FOUND_MAX)]
