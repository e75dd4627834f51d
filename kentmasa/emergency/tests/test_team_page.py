"""A police team's phone page (kentmasa.emergency.team_views): Polis11 of Yunus Ekibi 1 sets the team's
status, sends the phone's position, sees the task the Haber Merkezi sent, accepts it and says the team
arrived. Only members of a police team open it, each only for their own team; a KADES task shows where to
go, never who pressed; bad positions and statuses are 400s."""

import pytest

from kentmasa.cases.models import Channel
from kentmasa.directory.models import Team, TeamPosition, User
from kentmasa.emergency import services
from kentmasa.emergency.models import Dispatch, Incident
from kentmasa.emergency.tests.core_world import INCIDENT, PERSON, police_world, user
from kentmasa.notify.models import LiveEvent

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
PAGE = "/ekip/"


@pytest.fixture
def world():
    return police_world()


@pytest.fixture
def team(world):
    return world.teams[0]


@pytest.fixture
def polis(client, world, team):
    member = world.members[team.pk][0]
    client.force_login(member)
    return member


def test_a_member_opens_the_page_of_the_team_and_the_navigation_links_it(client, polis, team):
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="team-panel"' in html and team.name in html
    assert 'id="nav-team"' in html and 'id="nav-board"' not in html
    assert 'id="kades-host"' not in html  # the operators' alarm is not the team's
    for status in Team.Status.values:
        assert f'id="status-{status}"' in html
    assert 'id="send-position"' in html and 'id="team-no-task"' in html
    assert "<script>" not in html


def test_nobody_but_the_members_of_a_police_team_opens_it(client, world, make_user, road_team, team):
    municipal = make_user(User.Role.FIELD_TEAM, "asfaltci", teams=[road_team])
    unattached = user("yedek", User.Role.FIELD_TEAM, world.police)
    for person in (world.operator, world.supervisor, municipal, unattached):
        client.force_login(person)
        assert client.get(PAGE).status_code == 403, person.username
        assert client.post("/ekip/durum/", {"status": "available"}, **JSON).status_code == 403
    client.logout()
    assert client.get(PAGE).url.startswith("/giris/")


def test_a_member_cannot_act_for_another_team(client, polis, world):
    other = world.teams[1]
    assert client.get(PAGE, {"team": other.pk}).status_code == 403
    assert client.post("/ekip/durum/", {"team": other.pk, "status": "off_duty"}, **JSON).status_code == 403
    incident = world.open_call().incident
    theirs = services.dispatch(incident, other, actor=world.operator)
    assert client.post(f"/ekip/gorev/{theirs.pk}/kabul/", **JSON).status_code == 403
    assert client.post(f"/ekip/gorev/{theirs.pk}/vardim/", **JSON).status_code == 403
    assert Dispatch.objects.get(pk=theirs.pk).status == "pending"
    for pk in (9876543, 2**70):
        assert client.post(f"/ekip/gorev/{pk}/kabul/", **JSON).status_code == 404


def test_the_status_buttons_set_the_status_and_tell_the_board(client, polis, team):
    answer = client.post("/ekip/durum/", {"team": team.pk, "status": "off_duty"}, **JSON)
    assert answer.status_code == 200 and answer.json()["ok"]
    team.refresh_from_db()
    assert team.status == "off_duty"
    assert LiveEvent.objects.filter(topic="team", change="status", team_id=team.pk).exists()
    html = client.get(PAGE).content.decode()
    pressed = html[html.index('id="status-off_duty"') :].split(">")[0]
    assert 'aria-pressed="true"' in pressed


@pytest.mark.parametrize("status", ["", "asleep", "available\x00", "x" * 300])
def test_an_unknown_status_is_a_400(client, polis, team, status):
    answer = client.post("/ekip/durum/", {"status": status}, **JSON)
    assert answer.status_code == 400 and answer.json()["error"] == "status"
    team.refresh_from_db()
    assert team.status == "available"


def test_the_phone_sends_its_position(client, polis, team):
    answer = client.post(
        "/ekip/konum/", {"latitude": "39.7801234", "longitude": "30.5", "accuracy": "17.6"}, **JSON
    )
    assert answer.status_code == 200, answer.content
    position = TeamPosition.objects.filter(team=team).latest("at")
    assert (float(position.latitude), float(position.longitude), position.accuracy_m) == (39.780123, 30.5, 18)
    team.refresh_from_db()
    assert float(team.latitude) == 39.780123
    assert LiveEvent.objects.filter(topic="team", change="position", team_id=team.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"latitude": "abc", "longitude": "30"},
        {"latitude": "91", "longitude": "30"},
        {"latitude": "39", "longitude": "-181"},
        {"latitude": "nan", "longitude": "30"},
        {"latitude": "inf", "longitude": "30"},
        {"latitude": "1e999", "longitude": "30"},
        {"latitude": "39\x00", "longitude": "30"},
        {"latitude": "39", "longitude": "30", "accuracy": "-5"},
        {"latitude": "39", "longitude": "30", "accuracy": "lots"},
        {"latitude": "39", "longitude": "30", "accuracy": "1e300"},
    ],
)
def test_a_position_that_is_no_place_is_a_400(client, polis, team, data):
    before = TeamPosition.objects.count()
    answer = client.post("/ekip/konum/", data, **JSON)
    assert answer.status_code == 400
    assert TeamPosition.objects.count() == before


def test_the_team_sees_its_task_accepts_it_and_arrives(
    client, polis, world, team, django_assert_max_num_queries
):
    place = {"latitude": INCIDENT[0], "longitude": INCIDENT[1], "address_text": "Adalar, Porsuk kenarı"}
    incident = world.open_call(location=place).incident
    sent = services.dispatch(incident, team, actor=world.operator)
    with django_assert_max_num_queries(12):
        html = client.get(PAGE).content.decode()
    assert f'id="task-{sent.pk}"' in html and 'data-status="pending"' in html
    assert f'data-due="{sent.ack_due_at.isoformat()}"' in html
    assert "Adalar&#x27;da kavga" in html and "Adalar, Porsuk kenarı" in html
    assert f"geo:{INCIDENT[0]:.6f},{INCIDENT[1]:.6f}" in html
    assert f"Gönderildiğinizde kuş uçuşu {sent.distance_m} m uzaktaydınız." in html

    answer = client.post(f"/ekip/gorev/{sent.pk}/kabul/", {"team": team.pk}, **JSON)
    assert answer.status_code == 200, answer.content
    sent.refresh_from_db()
    assert (sent.status, sent.acknowledged_by) == ("acknowledged", polis)
    assert Team.objects.get(pk=team.pk).status == "en_route"
    panel = client.get("/ekip/panel/").content.decode()
    assert f'id="task-arrived-{sent.pk}"' in panel and f'id="task-acknowledge-{sent.pk}"' not in panel

    assert client.post(f"/ekip/gorev/{sent.pk}/vardim/", **JSON).status_code == 200
    assert Team.objects.get(pk=team.pk).status == "on_scene"
    assert f'id="task-on-scene-{sent.pk}"' in client.get("/ekip/panel/").content.decode()

    services.close(incident, "resolved_on_scene", actor=world.operator)
    assert 'id="team-no-task"' in client.get("/ekip/panel/").content.decode()


def test_a_closed_incidents_dispatch_is_refused_in_turkish(client, polis, world, team):
    incident = world.open_call().incident
    sent = services.dispatch(incident, team, actor=world.operator)
    services.close(incident, "false_alarm", actor=world.operator)
    answer = client.post(f"/ekip/gorev/{sent.pk}/kabul/", **JSON)
    assert answer.status_code == 409
    assert answer.json()["message"] == "Bu sevk iptal edilmiş veya olay kapatılmış."


def test_a_kades_task_shows_where_to_go_and_never_who_pressed(client, polis, world, team):
    case = world.open_call(
        channel=Channel.KADES, category=world.kades_category, subject="KADES ihbarı", actor=None
    )
    incident = Incident.objects.get(case=case)
    Incident.objects.filter(pk=incident.pk).update(
        person_tc_kimlik=PERSON["tc_kimlik_no"], person_name=PERSON["name"], person_phone="+905329876543"
    )
    sent = services.dispatch(incident, team, actor=world.operator)
    html = client.get(PAGE).content.decode()
    assert f'id="task-{sent.pk}"' in html and "KADES" in html
    for private in (
        PERSON["tc_kimlik_no"],
        "100******46",
        "Elif",
        "Yıldız",
        "5329876543",
        "987 65 43",
        "*** ** 43",
    ):
        assert private not in html, private
