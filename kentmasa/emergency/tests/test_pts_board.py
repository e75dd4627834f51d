"""Plate alerts on the police screens (kentmasa.emergency.pts_views): a camera on the Porsuk reads the stolen
car 26 ABC 123; Seda, a police operator of Eskişehir, sees it on the Haber Merkezi's board with the camera,
the time, the number of reads and the teams told, marked on the map; she acknowledges it and closes it with an
outcome. The plate alerts page lists them all, filtered and a page at a time, with their reads. Polis11 of
Yunus Ekibi 1, the nearest team, sees the alert at the top of his phone and says he saw it ("Gördüm"), and
the board shows it. Nobody else opens any of it; bad input is a 400 naming what is wrong and changes nothing;
the pages cost the same few queries for 2 alerts or 25."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases.tests.keyset_walk import (
    assert_bad_cursors_show_the_first_page,
    assert_reads,
    list_queries,
    walk,
)
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import Camera, DispatchSettings, PlateAlert, PlateAlertTeam, PlateHit
from kentmasa.emergency.pts_views import HITS_INLINE, HITS_PAGE, PAGE_SIZE, PANEL_LIMIT, TEAM_HOURS
from kentmasa.emergency.tests.core_world import police_world, user
from kentmasa.notify.models import LiveEvent

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
BOARD = "/haber-merkezi/"
PANEL = "/haber-merkezi/plaka/panel/"
PLATES = "/haber-merkezi/plaka/"
PHONE = "/ekip/"
# The camera at the Köprübaşı bridge over the Porsuk, ~150 m from Yunus Ekibi 1.
BRIDGE = (39.777200, 30.515600)


@pytest.fixture
def world():
    made = police_world()
    DispatchSettings.objects.filter(institution=made.police).update(plate_alert_teams=1)
    return made


@pytest.fixture
def bridge(world):
    return Camera.objects.create(
        institution=world.police,
        code="ESK-KGYS-014",
        name="Köprübaşı Köprüsü",
        location="Porsuk Çayı, Köprübaşı",
        latitude=Decimal(f"{BRIDGE[0]:.6f}"),
        longitude=Decimal(f"{BRIDGE[1]:.6f}"),
    )


@pytest.fixture
def seda(client, world):
    client.force_login(world.operator)
    return world.operator


def hotlist(world, plate="26 ABC 123", reason="stolen", note="Beyaz Fiat Egea"):
    entry, _created = pts.upsert_hotlist(world.police, plate=plate, reason=reason, note=note, actor=None)
    return entry


def read(world, plate="26abc123", camera="ESK-KGYS-014", at=None, point=None) -> PlateAlert:
    """What the camera system sends: one read; returns the alert it raised or joined."""
    item = {"camera": camera, "plate": plate, "at": (at or timezone.now()).isoformat()}
    if point is not None:
        item["latitude"], item["longitude"] = point
    result = pts.ingest(world.police, [item])
    assert not result.rejected, result.rejected
    return PlateAlert.objects.get(pk=result.alerts[-1])


def card(html: str, alert: PlateAlert) -> str:
    """One alert's card on the board, up to the next card or the end of the list."""
    rest = html[html.index(f'id="plate-alert-{alert.pk}"') :]
    ends = [i for i in (rest.find('<li id="plate-alert-', 1), rest.find('id="plate-points"')) if i > 0]
    return rest[: min(ends)]


def json_block(html: str, element_id: str):
    return json.loads(html.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


def other_directorate():
    bilecik = Institution.objects.create(
        slug="bilecik-emniyet", name="Bilecik Emniyet", kind=Institution.Kind.POLICE
    )
    return user("bilecik155", User.Role.POLICE_OPERATOR, bilecik), bilecik


# -- the board -----------------------------------------------------------------------------------------------


def test_seda_sees_the_stolen_car_on_the_board_with_camera_reads_and_the_team_told(
    client, seda, world, bridge
):
    hotlist(world)
    alert = read(world)
    read(world, plate="26-ABC-123")  # the same plate as another camera pass: a second read, same alert

    html = client.get(BOARD).content.decode()
    assert 'id="plate-board"' in html and "kentmasa/plates.js" in html
    shown = card(html, alert)
    assert f'id="plate-number-{alert.pk}">26 ABC 123<' in shown
    assert "Çalıntı" in shown and "terror" not in shown.split('id="plate-reason-')[1].split(">")[0]
    assert "Köprübaşı Köprüsü" in shown  # the registered camera by its name
    assert f'id="plate-hits-{alert.pk}">2<' in shown
    assert "Beyaz Fiat Egea" in shown
    told = PlateAlertTeam.objects.get(alert=alert)
    assert told.team == world.teams[0]  # the nearest
    assert f'id="plate-told-{alert.pk}-{told.team_id}" data-seen="no"' in shown
    assert "Yunus Ekibi 1" in shown
    assert f'id="plate-acknowledge-{alert.pk}"' in shown and "Seda Aksoy" in shown
    assert "unacknowledged" in shown.split(">")[0]
    # The map marks the last read, at the camera (the read had no position of its own).
    points = json_block(html, "plate-points")
    assert points == [
        {
            "id": alert.pk,
            "lat": BRIDGE[0],
            "lon": BRIDGE[1],
            "label": "26 ABC 123 · Çalıntı · Köprübaşı Köprüsü",
            "reason": "stolen",
            "acknowledged": False,
        }
    ]
    config = json_block(html, "plate-config")
    assert config["panel_url"] == PANEL
    assert "<script>" not in html


def test_a_terror_linked_plate_is_marked_red_and_an_unregistered_camera_goes_by_its_code(client, seda, world):
    hotlist(world, plate="06 DEF 4567", reason="terror", note="")
    alert = read(world, plate="06DEF4567", camera="PTS-E5-KM12", point=(39.78, 30.52))
    html = client.get(PANEL).content.decode()
    shown = card(html, alert)
    assert f'class="plate-reason terror" id="plate-reason-{alert.pk}">Terörle bağlantılı<' in shown
    assert "reason-terror" in shown.split(">")[0]
    assert f'id="plate-camera-{alert.pk}">PTS-E5-KM12<' in shown
    assert json_block(html, "plate-points")[0]["lat"] == 39.78  # the read's own position


def test_the_panel_shows_only_open_alerts_the_latest_seen_first_and_says_when_more_wait(
    client, seda, world, bridge
):
    first = (hotlist(world, plate="26 ABC 123"), read(world, plate="26 ABC 123"))[1]
    hotlist(world, plate="26 ABC 124")
    second = read(world, plate="26 ABC 124")
    closed = (hotlist(world, plate="26 ABC 125"), read(world, plate="26 ABC 125"))[1]
    pts.close_alert(closed, "not_found", actor=world.operator)
    html = client.get(PANEL).content.decode()
    assert html.index(f'id="plate-alert-{second.pk}"') < html.index(f'id="plate-alert-{first.pk}"')
    assert f'id="plate-alert-{closed.pk}"' not in html
    assert 'id="plate-count">2<' in html and 'id="plates-limited"' not in html

    for number in range(PANEL_LIMIT):
        hotlist(world, plate=f"26 AB {200 + number}")
        read(world, plate=f"26 AB {200 + number}")
    html = client.get(PANEL).content.decode()
    assert html.count('class="plate-alert ') == PANEL_LIMIT
    assert f'id="plate-count">{PANEL_LIMIT}+<' in html and 'id="plates-limited"' in html


def test_no_open_alert_says_so(client, seda):
    html = client.get(BOARD).content.decode()
    assert 'id="no-plate-alerts"' in html
    assert json_block(html, "plate-points") == []


def test_the_board_and_the_panel_cost_the_same_queries_for_two_alerts_or_twenty(client, seda, world, bridge):
    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for number in range(2):
        hotlist(world, plate=f"26 AB {100 + number}")
        read(world, plate=f"26 AB {100 + number}")
    few = {url: cost(url) for url in (BOARD, PANEL)}
    for number in range(2, PANEL_LIMIT + 3):
        hotlist(world, plate=f"26 AB {100 + number}")
        read(world, plate=f"26 AB {100 + number}", at=timezone.now() - dt.timedelta(seconds=number))
    for url, before in few.items():
        assert cost(url) == before, url


# -- acknowledge and close -----------------------------------------------------------------------------------


def test_seda_acknowledges_and_every_board_hears_it(client, seda, world, bridge):
    hotlist(world)
    alert = read(world)
    answer = client.post(f"/haber-merkezi/plaka/{alert.pk}/onayla/", **JSON)
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "message": "Seda Aksoy onayladı."}
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.operator and alert.acknowledged_at is not None
    event = LiveEvent.objects.filter(change="plate_acknowledged", team_id__isnull=True).get()
    assert event.data["plate_alert"] == alert.pk
    shown = card(client.get(PANEL).content.decode(), alert)
    assert f'id="plate-acknowledged-{alert.pk}"' in shown and "unacknowledged" not in shown.split(">")[0]
    # Without the scripts: the board again, with the message.
    plain = client.post(f"/haber-merkezi/plaka/{alert.pk}/onayla/", {"next": PLATES})
    assert plain.status_code == 302 and plain.url == PLATES


def test_seda_closes_it_with_an_outcome_and_a_note(client, seda, world, bridge):
    hotlist(world)
    alert = read(world)
    answer = client.post(
        f"/haber-merkezi/plaka/{alert.pk}/kapat/",
        {"outcome": "stopped", "note": "Atatürk Bulvarı'nda durduruldu."},
        **JSON,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["message"] == "Plaka alarmı kapatıldı: Araç durduruldu."
    alert.refresh_from_db()
    assert (alert.outcome, alert.note, alert.closed_by) == (
        "stopped",
        "Atatürk Bulvarı'nda durduruldu.",
        world.operator,
    )
    assert LiveEvent.objects.filter(change="plate_closed").exists()
    assert f'id="plate-alert-{alert.pk}"' not in client.get(PANEL).content.decode()
    again = client.post(f"/haber-merkezi/plaka/{alert.pk}/kapat/", {"outcome": "other"}, **JSON)
    assert again.status_code == 409
    assert again.json()["error"] == "alert"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({}, "outcome"),
        ({"outcome": "arrested"}, "outcome"),
        ({"outcome": "stop\x00ped"}, "outcome"),
        ({"outcome": "stopped", "note": "x" * 1001}, "note"),
        ({"outcome": "stopped", "note": "bir\x00iki"}, "note"),
    ],
)
def test_a_bad_close_is_a_400_naming_the_field_and_changes_nothing(client, seda, world, bridge, form, code):
    hotlist(world)
    alert = read(world)
    answer = client.post(f"/haber-merkezi/plaka/{alert.pk}/kapat/", form, **JSON)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == code and body["message"]
    if code == "outcome":
        assert body["message"] == "Alarmın sonucunu seçin."
    alert.refresh_from_db()
    assert alert.closed_at is None and alert.outcome == ""
    assert not LiveEvent.objects.filter(change="plate_closed").exists()


def test_alerts_of_another_directorate_or_none_at_all(client, world, bridge):
    hotlist(world)
    alert = read(world)
    stranger, _bilecik = other_directorate()
    client.force_login(stranger)
    for url in (f"/haber-merkezi/plaka/{alert.pk}/", f"/haber-merkezi/plaka/{alert.pk}/onayla/"):
        method = client.get if url.endswith(f"{alert.pk}/") else client.post
        assert method(url).status_code == 403, url
    assert client.post(f"/haber-merkezi/plaka/{alert.pk}/kapat/", {"outcome": "other"}).status_code == 403
    assert f'id="plate-alert-{alert.pk}"' not in client.get(PANEL).content.decode()
    assert f'id="plate-alert-{alert.pk}"' not in client.get(PLATES).content.decode()
    client.force_login(world.operator)
    for pk in (alert.pk + 1000, 2**63, 2**70):
        assert client.get(f"/haber-merkezi/plaka/{pk}/").status_code == 404
        assert client.post(f"/haber-merkezi/plaka/{pk}/onayla/").status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.closed_at is None


@pytest.mark.parametrize("url", [PANEL, PLATES, "/haber-merkezi/plaka/1/"])
def test_nobody_else_opens_the_plate_screens(client, world, make_user, url):
    municipal_operator = make_user(User.Role.OPERATOR, "alo153")
    team_member = world.members[world.teams[0].pk][0]
    for person in (municipal_operator, world.supervisor, team_member):
        client.force_login(person)
        assert client.get(url).status_code == 403, person.username
    client.logout()
    assert client.get(url).url.startswith("/giris/")


def test_a_team_member_cannot_acknowledge_or_close(client, world, bridge):
    hotlist(world)
    alert = read(world)
    client.force_login(world.members[world.teams[0].pk][0])
    assert client.post(f"/haber-merkezi/plaka/{alert.pk}/onayla/").status_code == 403
    assert client.post(f"/haber-merkezi/plaka/{alert.pk}/kapat/", {"outcome": "stopped"}).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.closed_at is None


# -- the plate alerts page -----------------------------------------------------------------------------------


def test_the_plates_page_lists_open_and_closed_alerts_with_their_latest_reads(client, seda, world, bridge):
    hotlist(world)
    alert = read(world, at=timezone.now() - dt.timedelta(minutes=10))
    for minutes in range(HITS_INLINE + 2):
        read(world, at=timezone.now() - dt.timedelta(minutes=9 - minutes))
    hotlist(world, plate="06 DEF 4567", reason="terror")
    done = read(world, plate="06 DEF 4567", camera="PTS-E5-KM12")
    pts.close_alert(done, "false_read", actor=world.operator, note="Yanlış okuma")

    page = client.get(PLATES)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="plate-alert-{alert.pk}"' in html and f'id="plate-alert-{done.pk}"' in html
    # The newest first: the closed one opened later.
    assert html.index(f'id="plate-alert-{done.pk}"') < html.index(f'id="plate-alert-{alert.pk}"')
    section = html[html.index(f'id="plate-alert-{alert.pk}"') :]
    hits = list(PlateHit.objects.filter(alert=alert).order_by("-at", "-pk"))
    assert len(hits) == HITS_INLINE + 3
    for hit in hits[:HITS_INLINE]:
        assert f'id="plate-hit-{hit.pk}"' in section
    for hit in hits[HITS_INLINE:]:
        assert f'id="plate-hit-{hit.pk}"' not in section
    assert f'href="/haber-merkezi/plaka/{alert.pk}/"' in section
    assert "Açık, onaylanmadı" in section
    assert "Yanlış okunan plaka" in html and "Yanlış okuma" in html


@pytest.mark.parametrize(
    ("query", "shows_open", "shows_closed"),
    [
        ("", True, True),
        ("?state=open", True, False),
        ("?state=closed", False, True),
        ("?reason=terror", False, True),
        ("?reason=stolen&state=open", True, False),
        ("?plate=26-abc-123", True, False),
        ("?plate=06+def+4567", False, True),
    ],
)
def test_the_plates_page_filters(client, seda, world, bridge, query, shows_open, shows_closed):
    hotlist(world)
    open_ = read(world)
    hotlist(world, plate="06 DEF 4567", reason="terror")
    closed = read(world, plate="06 DEF 4567")
    pts.close_alert(closed, "not_found", actor=world.operator)
    html = client.get(PLATES + query).content.decode()
    assert (f'id="plate-alert-{open_.pk}"' in html) is shows_open
    assert (f'id="plate-alert-{closed.pk}"' in html) is shows_closed


@pytest.mark.parametrize(
    "query",
    ["?state=kapali", "?reason=drunk", "?plate=%3F%3F", "?plate=" + "A" * 40, "?state=open%00"],
)
def test_a_bad_filter_is_a_400_with_the_form_error_and_lists_nothing(client, seda, world, bridge, query):
    hotlist(world)
    alert = read(world)
    page = client.get(PLATES + query)
    assert page.status_code == 400
    html = page.content.decode()
    assert f'id="plate-alert-{alert.pk}"' not in html
    if "%00" not in query:  # a NUL in the query is refused before the view (edge.RefuseNulMiddleware)
        assert 'id="plates-errors"' in html


def test_the_plates_page_goes_a_page_at_a_time_at_the_same_cost(client, seda, world, bridge):
    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for number in range(3):
        hotlist(world, plate=f"26 AB {100 + number}")
        read(world, plate=f"26 AB {100 + number}")
    few = cost(PLATES)
    for number in range(3, PAGE_SIZE + 2):
        hotlist(world, plate=f"26 AB {100 + number}")
        read(world, plate=f"26 AB {100 + number}")
    assert cost(PLATES) == few
    first = client.get(PLATES)
    html = first.content.decode()
    assert html.count('class="card plate-alert ') == PAGE_SIZE and 'rel="next"' in html
    assert f'id="plates-count">Bu listede {PAGE_SIZE + 2} kayıt<' in html
    second = client.get(PLATES, {"after": first.context["page"].next}).content.decode()
    assert second.count('class="card plate-alert ') == 2
    newest_first = list(PlateAlert.objects.order_by("-opened_at", "-pk").values_list("pk", flat=True))
    forward, backward = walk(client, PLATES)
    assert forward == backward == newest_first
    assert_bad_cursors_show_the_first_page(client, PLATES)


def test_an_alerts_page_has_every_read_and_the_teams(client, seda, world, bridge):
    hotlist(world)
    alert = read(world)
    read(world, camera="PTS-E5-KM12", point=(39.79, 30.49))
    html = client.get(f"/haber-merkezi/plaka/{alert.pk}/").content.decode()
    for hit in PlateHit.objects.filter(alert=alert):
        assert f'id="plate-hit-{hit.pk}"' in html
    assert "39.790000, 30.490000" in html and "Köprübaşı Köprüsü" in html
    assert "Yunus Ekibi 1" in html
    assert f'id="plate-close-{alert.pk}"' in html


def test_an_alerts_reads_page_forward_and_back_oldest_first(client, seda, world, bridge):
    hotlist(world)
    alert = read(world)
    start = timezone.now() - dt.timedelta(days=1)
    PlateHit.objects.bulk_create(
        [  # two reads a second: the key breaks the tie
            PlateHit(
                alert=alert,
                camera_code="ESK-KGYS-014",
                at=start + dt.timedelta(seconds=n // 2),
                received_at=start,
            )
            for n in range(2 * HITS_PAGE + 3)
        ]
    )
    path = f"/haber-merkezi/plaka/{alert.pk}/"
    forward, backward = walk(client, path)
    assert (
        forward
        == backward
        == list(PlateHit.objects.filter(alert=alert).order_by("at", "pk").values_list("pk", flat=True))
    )
    assert len(forward) == 2 * HITS_PAGE + 4
    assert_bad_cursors_show_the_first_page(client, path)


# -- the team's phone ----------------------------------------------------------------------------------------


def test_the_nearest_team_sees_the_alert_on_its_phone_and_says_it_saw_it(client, world, bridge):
    hotlist(world)
    alert = read(world)
    team = world.teams[0]
    polis = world.members[team.pk][0]
    client.force_login(polis)
    html = client.get(PHONE).content.decode()
    section = html[html.index(f'id="plate-told-{alert.pk}"') :]
    assert 'data-seen="no"' in section.split(">")[0]
    assert "26 ABC 123" in section and "Çalıntı" in section and "Köprübaşı Köprüsü" in section
    assert f'href="geo:{BRIDGE[0]:.6f},{BRIDGE[1]:.6f}"' in section
    assert f'id="plate-seen-{alert.pk}"' in section
    assert html.index(f'id="plate-told-{alert.pk}"') < html.index('id="team-status-heading"')

    answer = client.post(f"/ekip/plaka/{alert.pk}/gordum/", {"team": team.pk}, **JSON)
    assert answer.status_code == 200
    assert answer.json()["message"] == "Haber Merkezi gördüğünüzü biliyor."
    told = PlateAlertTeam.objects.get(alert=alert, team=team)
    assert told.seen_at is not None
    assert LiveEvent.objects.filter(change="plate_seen", team_id__isnull=True).exists()  # the board's copy
    panel = client.get(f"/ekip/panel/?team={team.pk}").content.decode()
    assert f'id="plate-saw-{alert.pk}"' in panel and f'id="plate-seen-{alert.pk}"' not in panel

    client.force_login(world.operator)
    shown = card(client.get(PANEL).content.decode(), alert)
    assert f'id="plate-told-{alert.pk}-{team.pk}" data-seen="yes"' in shown


def test_a_team_not_told_sees_nothing_and_cannot_say_it_saw_it(client, world, bridge):
    hotlist(world)
    alert = read(world)
    far = world.teams[2]
    client.force_login(world.members[far.pk][0])
    assert f'id="plate-told-{alert.pk}"' not in client.get(PHONE).content.decode()
    assert client.post(f"/ekip/plaka/{alert.pk}/gordum/", {"team": far.pk}, **JSON).status_code == 404
    # Nor for the team told, which is not his.
    told = world.teams[0]
    assert client.post(f"/ekip/plaka/{alert.pk}/gordum/", {"team": told.pk}, **JSON).status_code == 403
    for pk in (2**63, 10**30):
        assert client.post(f"/ekip/plaka/{pk}/gordum/", {"team": far.pk}, **JSON).status_code == 404
    assert not PlateAlertTeam.objects.filter(seen_at__isnull=False).exists()
    client.force_login(world.operator)  # an operator is no team member
    assert client.post(f"/ekip/plaka/{alert.pk}/gordum/", **JSON).status_code == 403


def test_the_phone_leaves_out_closed_alerts_and_those_not_read_for_hours(client, world, bridge):
    hotlist(world)
    alert = read(world)
    hotlist(world, plate="26 ABC 124")
    old = read(world, plate="26 ABC 124")
    PlateAlert.objects.filter(pk=old.pk).update(
        last_hit_at=timezone.now() - dt.timedelta(hours=TEAM_HOURS, minutes=1)
    )
    team = world.teams[0]
    client.force_login(world.members[team.pk][0])
    html = client.get(PHONE).content.decode()
    assert f'id="plate-told-{alert.pk}"' in html and f'id="plate-told-{old.pk}"' not in html
    pts.close_alert(alert, "stopped", actor=world.operator)
    assert f'id="plate-told-{alert.pk}"' not in client.get(PHONE).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (enable_seqscan = off)")
def test_the_plate_pages_read_their_indexes(client, seda, world, bridge):
    """The plate alerts along plate_alert_list and an alert's reads along plate_hit_alert, never a scan of
    either table (the reads grow with every pass of a listed plate under a camera)."""
    for number in range(6):
        hotlist(world, plate=f"26 AB {100 + number}")
        read(world, plate=f"26 AB {100 + number}")
    alert = PlateAlert.objects.order_by("pk").first()
    start = timezone.now() - dt.timedelta(days=1)
    PlateHit.objects.bulk_create(
        [
            PlateHit(
                alert=alert, camera_code="ESK-KGYS-014", at=start + dt.timedelta(seconds=n), received_at=start
            )
            for n in range(300)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE emergency_platealert")
        cursor.execute("ANALYZE emergency_platehit")
    keys, count = list_queries(client, PLATES, {}, "emergency_platealert")
    assert_reads(keys, "emergency_platealert", "plate_alert_list")
    assert count is not None  # the list shows its size
    # The bounded count along any index of the directorate's alerts (its foreign-key index is as cheap as any
    # on a test table), never a scan.
    assert_reads(count, "emergency_platealert", "plate_alert_", "emergency_platealert_institution_id")
    keys, _count = list_queries(client, f"/haber-merkezi/plaka/{alert.pk}/", {}, "emergency_platehit")
    assert_reads(keys, "emergency_platehit", "plate_hit_alert")
