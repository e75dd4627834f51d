"""The Haber Merkezi's screens (kentmasa.emergency.views): Seda, a police operator of Eskişehir, opens the
board; she sees the open incidents (most urgent, then oldest, first) with their teams, acknowledges, sends the
nearest team, records its arrival and closes with a code. Nobody else opens any of it: not a municipality's
operator, not a police unit manager, not a team member, not an operator of another directorate for this
directorate's incidents, not anybody signed out. Bad input is a 400 with a message, a refusal by the domain a
409 with its Turkish message; the pages cost the same few queries for 3 incidents or 40."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Channel, Priority
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import services
from kentmasa.emergency.models import ConsolePresence, Dispatch, Incident, IncidentPosition, ProtectionOrder
from kentmasa.emergency.tests.core_world import INCIDENT, PERSON, place, police_world, user
from kentmasa.emergency.views import SUGGEST_INLINE
from kentmasa.notify.models import LiveEvent

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
BOARD = "/haber-merkezi/"


@pytest.fixture
def world():
    return police_world()


@pytest.fixture
def seda(client, world):
    client.force_login(world.operator)
    return world.operator


def kades_incident(world, *, tc=PERSON["tc_kimlik_no"], positions=((INCIDENT[0], INCIDENT[1], 25),)):
    """A KADES alert as the gateway's intake leaves it: a case without a citizen, the person on the incident,
    her positions."""
    case = world.open_call(
        channel=Channel.KADES, category=world.kades_category, subject="KADES ihbarı", actor=None
    )
    incident = Incident.objects.get(case=case)
    assert incident.source == Incident.Source.KADES
    incident.person_tc_kimlik, incident.person_name, incident.person_phone = (
        tc,
        PERSON["name"],
        "+905329876543",
    )
    incident.alert_id = f"alert-{incident.pk}"
    incident.save()
    for lat, lon, accuracy in positions:
        IncidentPosition.objects.create(
            incident=incident,
            at=timezone.now(),
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lon:.6f}"),
            accuracy_m=accuracy,
        )
    return incident


def card(html: str, incident: Incident) -> str:
    """One incident's card on the board, up to the next card or the end of the list."""
    rest = html[html.index(f'id="incident-{incident.pk}"') :]
    ends = [i for i in (rest.find('<li id="incident-', 1), rest.find('id="board-points"')) if i > 0]
    return rest[: min(ends)]


def json_block(html: str, element_id: str):
    """The data of a json_script block."""
    return json.loads(html.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


def other_directorate():
    bilecik = Institution.objects.create(
        slug="bilecik-emniyet", name="Bilecik Emniyet", kind=Institution.Kind.POLICE
    )
    return user("bilecik155", User.Role.POLICE_OPERATOR, bilecik), bilecik


# -- who may -------------------------------------------------------------------------------------------------


def test_seda_opens_the_board_and_the_navigation_links_it(client, seda):
    page = client.get(BOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="dispatch-board"' in html
    assert 'id="nav-board"' in html
    assert 'id="kades-host"' in html  # the KADES alarm is on her every page
    assert "kentmasa/alarm.js" in html
    # No inline script: the page's data travel in a JSON block.
    assert "<script>" not in html


def test_an_administrator_of_the_directorate_opens_it_too(client, world):
    admin = user("emniyet-admin", User.Role.ADMINISTRATOR, world.police)
    client.force_login(admin)
    assert client.get(BOARD).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        BOARD,
        "/haber-merkezi/olaylar/",
        "/haber-merkezi/ekipler/",
        "/haber-merkezi/alarmlar/",
        "/haber-merkezi/kapanis-kodlari/",
    ],
)
def test_nobody_else_opens_the_police_screens(client, world, make_user, url):
    municipal_operator = make_user(User.Role.OPERATOR, "alo153")
    municipal_admin = make_user(User.Role.ADMINISTRATOR, "belediye-admin")
    member = world.members[world.teams[0].pk][0]
    for person in (municipal_operator, municipal_admin, world.supervisor, member):
        client.force_login(person)
        assert client.get(url).status_code == 403, (person.username, url)
    client.logout()
    answer = client.get(url)  # a citizen, or anybody signed out
    assert answer.status_code == 302 and answer.url.startswith("/giris/")


def test_municipal_pages_carry_no_alarm_and_no_board_link(client, make_user):
    client.force_login(make_user(User.Role.OPERATOR, "alo153"))
    html = client.get("/konsol/").content.decode()
    assert 'id="kades-host"' not in html and 'id="nav-board"' not in html


def test_the_alarm_is_on_the_police_console_and_queue_too(client, seda):
    for url in ("/konsol/", "/kuyruk/"):
        html = client.get(url).content.decode()
        assert 'id="kades-host"' in html and 'role="alertdialog"' in html, url
        assert 'id="shift-start"' in html


def test_an_operator_of_another_directorate_sees_and_touches_none_of_these_incidents(client, world):
    incident = world.open_call().incident
    stranger, _bilecik = other_directorate()
    client.force_login(stranger)
    board = client.get(BOARD).content.decode()
    assert f"incident-{incident.pk}" not in board and incident.case.tracking_display not in board
    team = world.teams[0]
    for url, data in [
        (f"/haber-merkezi/olay/{incident.pk}/onayla/", {}),
        (f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": team.pk}),
        (f"/haber-merkezi/olay/{incident.pk}/kapat/", {"code": "false_alarm"}),
    ]:
        assert client.post(url, data, **JSON).status_code == 403, url
    for url in (
        f"/haber-merkezi/olay/{incident.pk}/alarm/",
        f"/haber-merkezi/olay/{incident.pk}/ekip-onerileri/",
    ):
        assert client.get(url).status_code == 403, url
    dispatch = services.dispatch(incident, team, actor=world.operator)
    assert client.post(f"/haber-merkezi/sevk/{dispatch.pk}/vardi/", **JSON).status_code == 403
    incident.refresh_from_db()
    assert incident.acknowledged_at is None and incident.closed_at is None
    assert Dispatch.objects.get(pk=dispatch.pk).arrived_at is None
    # Nor does her teams map show Eskişehir's teams.
    assert client.get("/haber-merkezi/ekipler/").json()["teams"] == []


# -- the board -----------------------------------------------------------------------------------------------


def test_the_board_lists_open_incidents_most_urgent_then_oldest_with_the_nearest_teams(client, seda, world):
    now = timezone.now()
    older_normal = world.open_call(
        subject="Gürültü", priority=Priority.NORMAL, received_at=now - dt.timedelta(minutes=9)
    )
    newer_urgent = world.open_call(subject="Silah sesi", received_at=now - dt.timedelta(minutes=1))
    older_urgent = world.open_call(subject="Kavga", received_at=now - dt.timedelta(minutes=5))
    closed = world.open_call(subject="Kapanmış olay")
    services.close(closed.incident, "resolved_on_scene", actor=world.operator)

    html = client.get(BOARD).content.decode()
    order = [
        html.index(f'id="incident-{case.incident.pk}"') for case in (older_urgent, newer_urgent, older_normal)
    ]
    assert order == sorted(order)
    assert f'id="incident-{closed.incident.pk}"' not in html
    # Each waits for a team: the three nearest available, nearest first, in a straight line.
    first = card(html, older_urgent.incident)
    names = [team.name for team in world.teams]
    positions = [first.index(f">{name}<") for name in names]
    assert positions == sorted(positions)
    assert "kuş uçuşu" in first and "Mesafeler yol boyunca değil, kuş uçuşu ölçülür." in first
    assert f'id="send-{older_urgent.incident.pk}-{world.teams[0].pk}"' in html
    # The map's points travel as JSON.
    points = json_block(html, "board-points")
    assert {point["id"] for point in points} == {
        c.incident.pk for c in (older_normal, newer_urgent, older_urgent)
    }


def test_a_pending_dispatch_shows_its_countdown_and_a_timed_out_one_the_alarm(client, seda, world):
    incident = world.open_call().incident
    sent = services.dispatch(incident, world.teams[0], actor=world.operator)
    html = client.get("/haber-merkezi/olaylar/").content.decode()
    assert f'id="countdown-{sent.pk}"' in html
    assert f'data-due="{sent.ack_due_at.isoformat()}"' in html
    assert 'data-state="pending"' in html
    assert f'id="offers-{incident.pk}"' not in html  # a team is on it: no offers

    Dispatch.objects.filter(pk=sent.pk).update(ack_due_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.time_out_dispatch(sent.pk) == "timed_out"
    html = client.get("/haber-merkezi/olaylar/").content.decode()
    assert 'data-state="timeout"' in html and f'id="timeout-{incident.pk}"' in html
    # The next suggestion leaves out the team that let it time out.
    assert f'id="send-{incident.pk}-{world.teams[1].pk}"' in html
    assert f'id="send-{incident.pk}-{world.teams[0].pk}"' not in html


def test_the_board_costs_the_same_few_queries_for_six_incidents_or_forty(
    client, seda, world, django_assert_max_num_queries
):
    """The incidents, their dispatches and teams are two queries whatever their number; the nearest teams
    are worked out for SUGGEST_INLINE waiting incidents at most, a query each."""

    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(SUGGEST_INLINE + 1):
        world.open_call()
    few = {url: cost(url) for url in (BOARD, "/haber-merkezi/olaylar/")}
    for number in range(34):
        case = world.open_call(subject=f"Olay {number}")
        if number % 4 == 0:
            kades_incident(world, tc=f"1000000{number:04d}")
        if number == 1:
            services.dispatch(case.incident, world.teams[2], actor=world.operator)
    assert Incident.objects.filter(closed_at__isnull=True).count() >= 40
    for url, before in few.items():
        with django_assert_max_num_queries(before):
            client.get(url)
    with django_assert_max_num_queries(7 + SUGGEST_INLINE):
        client.get("/haber-merkezi/olaylar/")


def test_the_teams_json_has_every_police_team_with_status_and_position(client, seda, world):
    place(world.teams[2], 39.77, 30.52, status=Team.Status.EN_ROUTE)
    body = client.get("/haber-merkezi/ekipler/").json()
    by_name = {team["name"]: team for team in body["teams"]}
    assert set(by_name) == {team.name for team in world.teams}
    assert by_name["Yunus Ekibi 3"]["status"] == "en_route"
    assert by_name["Yunus Ekibi 3"]["latitude"] == pytest.approx(39.77)
    assert by_name["Yunus Ekibi 1"]["position_at"]


# -- actions -------------------------------------------------------------------------------------------------


def test_seda_acknowledges_and_her_name_stays_on_it(client, seda, world):
    incident = world.open_call().incident
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/onayla/", **JSON)
    assert answer.status_code == 200 and answer.json()["ok"]
    assert "Seda Aksoy" in answer.json()["message"]
    incident.refresh_from_db()
    assert incident.acknowledged_by == seda
    assert LiveEvent.objects.filter(topic="alarm", change="acknowledged", data__incident=incident.pk).exists()
    html = client.get("/haber-merkezi/olaylar/").content.decode()
    assert f'id="acknowledged-{incident.pk}"' in html and "Seda Aksoy" in html
    assert f'id="acknowledge-{incident.pk}"' not in html


def test_a_form_sent_without_the_script_comes_back_to_the_board_with_a_message(client, seda, world):
    incident = world.open_call().incident
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/onayla/", follow=True)
    assert answer.redirect_chain[-1][0] == BOARD
    assert "Seda Aksoy" in answer.content.decode()


def test_seda_sends_the_nearest_team_and_records_its_arrival(client, seda, world):
    incident = world.open_call().incident
    team = world.teams[0]
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": team.pk}, **JSON)
    assert answer.status_code == 200, answer.content
    sent = Dispatch.objects.get(incident=incident)
    assert (sent.team, sent.status, sent.dispatched_by) == (team, "pending", seda)
    assert sent.distance_m is not None and 0 < sent.distance_m < 400
    # Sending it again is refused, in Turkish, without a server error.
    again = client.post(f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": team.pk}, **JSON)
    assert again.status_code == 409
    assert again.json()["message"] == f"{team.name} bu olaya zaten gönderildi."
    assert again.json()["error"] == "team"

    arrived = client.post(f"/haber-merkezi/sevk/{sent.pk}/vardi/", **JSON)
    assert arrived.status_code == 200
    sent.refresh_from_db()
    incident.refresh_from_db()
    assert sent.arrived_at is not None and incident.arrived_at is not None
    assert Team.objects.get(pk=team.pk).status == Team.Status.ON_SCENE


def test_sending_from_the_kades_alarm_acknowledges_it_too(client, seda, world):
    incident = kades_incident(world)
    answer = client.post(
        f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": world.teams[0].pk, "acknowledge": "1"}, **JSON
    )
    assert answer.status_code == 200
    incident.refresh_from_db()
    assert incident.acknowledged_by == seda and incident.dispatches.count() == 1


@pytest.mark.parametrize("team", ["", "abc", "0", "-3", "99999999999999999999999", "1\x00", "🙂"])
def test_a_bad_team_is_a_400_that_names_it(client, seda, world, team):
    incident = world.open_call().incident
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": team}, **JSON)
    assert answer.status_code == 400
    assert answer.json()["error"] == "team"
    assert not Dispatch.objects.exists()


def test_another_directorates_team_or_a_municipal_team_cannot_be_sent(client, seda, world, road_team):
    _stranger, bilecik = other_directorate()
    from kentmasa.directory.models import Unit

    theirs = Team.objects.create(
        unit=Unit.objects.create(institution=bilecik, name="Asayiş"), name="Bilecik 1", kind="police"
    )
    incident = world.open_call().incident
    for team in (theirs, road_team):
        answer = client.post(f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": team.pk}, **JSON)
        assert answer.status_code == 400
    assert not Dispatch.objects.exists()


def test_an_unavailable_team_is_refused_with_the_reason(client, seda, world):
    incident = world.open_call().incident
    place(world.teams[0], *INCIDENT, status=Team.Status.OFF_DUTY)
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": world.teams[0].pk}, **JSON)
    assert answer.status_code == 409
    assert world.teams[0].name in answer.json()["message"]


def test_seda_closes_with_a_code_and_the_incident_leaves_the_board(client, seda, world):
    incident = world.open_call().incident
    answer = client.post(
        f"/haber-merkezi/olay/{incident.pk}/kapat/", {"code": "no_one_found", "note": "Adres boş"}, **JSON
    )
    assert answer.status_code == 200, answer.content
    incident.refresh_from_db()
    assert (incident.closing_code, incident.closed_by) == ("no_one_found", seda)
    assert f'id="incident-{incident.pk}"' not in client.get(BOARD).content.decode()
    again = client.post(f"/haber-merkezi/olay/{incident.pk}/kapat/", {"code": "no_one_found"}, **JSON)
    assert again.status_code == 409 and again.json()["message"]


@pytest.mark.parametrize(
    "data", [{}, {"code": ""}, {"code": "nonsense"}, {"code": "false_alarm\x00"}, {"code": "x" * 300}]
)
def test_a_close_without_a_known_code_is_a_400(client, seda, world, data):
    incident = world.open_call().incident
    answer = client.post(f"/haber-merkezi/olay/{incident.pk}/kapat/", data, **JSON)
    assert answer.status_code == 400 and answer.json()["error"] == "code"
    incident.refresh_from_db()
    assert incident.closed_at is None


@pytest.mark.parametrize("note", ["x" * 2001, "Adres\x00boş"])
def test_a_bad_closing_note_is_a_400_that_names_it(client, seda, world, note):
    incident = world.open_call().incident
    answer = client.post(
        f"/haber-merkezi/olay/{incident.pk}/kapat/", {"code": "false_alarm", "note": note}, **JSON
    )
    assert answer.status_code == 400 and answer.json()["error"] == "note" and answer.json()["message"]
    incident.refresh_from_db()
    assert incident.closed_at is None


def test_unknown_incidents_are_404_and_the_action_urls_take_only_post(client, seda, world):
    for pk in (987654, 2**70):
        assert client.post(f"/haber-merkezi/olay/{pk}/onayla/", **JSON).status_code == 404
        assert client.get(f"/haber-merkezi/olay/{pk}/alarm/").status_code == 404
        assert client.post(f"/haber-merkezi/sevk/{pk}/vardi/", **JSON).status_code == 404
    incident = world.open_call().incident
    assert client.get(f"/haber-merkezi/olay/{incident.pk}/onayla/").status_code == 405
    assert client.get("/haber-merkezi/nobet/").status_code == 405


# -- the KADES alarm -----------------------------------------------------------------------------------------


def test_the_alarm_shows_her_masked_her_positions_earlier_alerts_and_a_valid_order(
    client, seda, world, django_assert_max_num_queries
):
    earlier = kades_incident(world)
    services.close(earlier, "false_alarm", actor=world.operator)
    today = timezone.localdate()
    ProtectionOrder.objects.create(
        institution=world.police,
        person_tc_kimlik=PERSON["tc_kimlik_no"],
        court="Eskişehir 2. Aile Mahkemesi",
        decision_no="2026/118",
        decided_on=today - dt.timedelta(days=20),
        valid_until=today + dt.timedelta(days=70),
        measures="Uzaklaştırma: 200 metre",
    )
    ProtectionOrder.objects.create(
        institution=world.police,
        person_tc_kimlik=PERSON["tc_kimlik_no"],
        decision_no="2024/7",
        decided_on=today - dt.timedelta(days=700),
        valid_until=today - dt.timedelta(days=500),
    )
    incident = kades_incident(world, positions=((39.7760, 30.5150, 40), (39.7766, 30.5150, 12)))
    with django_assert_max_num_queries(14):
        page = client.get(f"/haber-merkezi/olay/{incident.pk}/alarm/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="kades-title"' in html and 'id="kades-summary"' in html
    assert PERSON["name"] in html
    assert "100******46" in html and PERSON["tc_kimlik_no"] not in html
    assert "0532 *** ** 43" in html and "987 65 43" not in html
    assert "2026/118" in html and "Uzaklaştırma" in html
    assert "2024/7" not in html  # expired
    assert earlier.case.tracking_display in html
    assert "±12 m" in html and "±40 m" in html
    assert f'id="kades-send-{incident.pk}-{world.teams[0].pk}"' in html
    assert 'name="acknowledge" value="1"' in html
    assert 'id="kades-acknowledge"' in html and "Seda Aksoy" in html
    data = json_block(html, "kades-map-data")
    assert [p["accuracy_m"] for p in data["positions"]] == [40, 12]


def test_a_cancelled_alarm_says_so_and_offers_the_false_alarm(client, seda, world):
    incident = kades_incident(world)
    Incident.objects.filter(pk=incident.pk).update(cancelled_at=timezone.now())
    html = client.get(f"/haber-merkezi/olay/{incident.pk}/alarm/").content.decode()
    assert 'id="kades-cancelled"' in html and 'id="kades-close-false-alarm"' in html
    assert 'data-cancelled="1"' in html


def test_the_unacknowledged_alarms_and_the_presence_of_a_console(client, seda, world):
    waiting = kades_incident(world)
    seen = kades_incident(world, tc="17291716060")
    services.acknowledge(seen, actor=world.operator)
    world.open_call()  # a 155 call is no alarm
    listed = client.get("/haber-merkezi/alarmlar/").json()["alarms"]
    assert [alarm["incident"] for alarm in listed] == [waiting.pk]
    assert listed[0]["url"] == reverse("emergency:alarm", args=[waiting.pk])

    assert not services.consoles_open(world.police)
    answer = client.post("/haber-merkezi/nobet/")
    assert answer.status_code == 200
    assert [alarm["incident"] for alarm in answer.json()["alarms"]] == [waiting.pk]
    assert ConsolePresence.objects.get(user=seda).institution == world.police
    assert services.consoles_open(world.police)


# -- closing codes -------------------------------------------------------------------------------------------


def test_closing_codes_are_counted_over_the_period(client, seda, world, django_assert_max_num_queries):
    for code in ("false_alarm", "false_alarm", "resolved_on_scene"):
        services.close(world.open_call().incident, code, actor=world.operator)
    old = world.open_call().incident
    services.close(old, "no_one_found", actor=world.operator)
    Incident.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=60))
    with django_assert_max_num_queries(8):
        page = client.get("/haber-merkezi/kapanis-kodlari/")
    html = page.content.decode()
    row = html[html.index('id="code-false_alarm"') :]
    assert '<td class="num">2</td>' in row[: row.index("</tr>")]
    assert 'id="codes-total">3<' in html
    today = timezone.localdate()
    wide = client.get(
        "/haber-merkezi/kapanis-kodlari/",
        {"closed_from": (today - dt.timedelta(days=90)).isoformat(), "closed_to": today.isoformat()},
    ).content.decode()
    assert 'id="codes-total">4<' in wide


@pytest.mark.parametrize(
    "query",
    [
        {"closed_from": "0001-01-01"},
        {"closed_from": "2020-01-01", "closed_to": "2026-01-01"},
        {"closed_from": "2026-03-10", "closed_to": "2026-03-01"},
        {"closed_from": "dün"},
        {"closed_to": "2026-01-01\x00"},
        {"closed_to": "9999-12-31"},
    ],
)
def test_a_bad_period_is_a_400_not_a_500(client, seda, query):
    page = client.get("/haber-merkezi/kapanis-kodlari/", query)
    assert page.status_code == 400
    assert 'id="codes-table"' not in page.content.decode()


def test_a_live_refresh_of_the_board_is_the_tick_alone(client, seda, world, django_assert_max_num_queries):
    """live.js fetches the board after a case event; dispatch.js watches the tick and fetches the list."""
    world.open_call()
    with django_assert_max_num_queries(3):  # the session and the user; no incident is read
        page = client.get(BOARD, HTTP_X_LIVE_REFRESH="1")
    html = page.content.decode()
    assert 'id="board-case-tick"' in html and "incident-" not in html


def test_a_team_that_cannot_be_sent_from_the_alarm_leaves_it_unacknowledged(client, seda, world):
    incident = kades_incident(world)
    place(world.teams[0], *INCIDENT, status=Team.Status.ON_SCENE)
    answer = client.post(
        f"/haber-merkezi/olay/{incident.pk}/gonder/", {"team": world.teams[0].pk, "acknowledge": "1"}, **JSON
    )
    assert answer.status_code == 409
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    assert not LiveEvent.objects.filter(topic="alarm", change="acknowledged").exists()
