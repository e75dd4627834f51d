"""The police screens in a real Chromium, served by the streaming ASGI server: a KADES alert posted to the
gateway's webhook opens the alarm on Seda's console without a reload, and closes on every console once she
acknowledges; from the alarm she sends the nearest team; Polis11's phone (390×844) shows the task at once, he
accepts it, and the board shows it acknowledged. A team that does not answer in time makes the board alarm and
offer the next team."""

import datetime as dt
import json
import os
import re
import urllib.request
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from kentmasa.conftest import PASSWORD
from kentmasa.emergency import kades, services
from kentmasa.emergency.models import Dispatch, Incident
from kentmasa.emergency.tests.core_world import INCIDENT, PERSON, police_world, user

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "kades-test-secret"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _fresh_login_counts(transactional_db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(transactional_db, settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = SECRET
    made = police_world()
    settings.KENTMASA_KADES_INSTITUTION = made.police.slug  # no provinces loaded: the alerts come here
    return made


def log_in(page, username: str, then: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|raporlar)/$"))
    page.goto(then)
    page.wait_for_selector("body[data-live-state=open]")
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def post_alert(server, *, alert_id: str | None = None, latitude=INCIDENT[0], longitude=INCIDENT[1]) -> dict:
    """What the KADES gateway does: a signed JSON alert to /kanal/kades/."""
    body = json.dumps(
        {
            "alert_id": alert_id or str(uuid.uuid4()),
            "at": timezone.now().isoformat(),
            "latitude": latitude,
            "longitude": longitude,
            "accuracy_m": 15,
            "person": PERSON,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{server.url}/kanal/kades/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Kentmasa-Signature": kades.sign(body, SECRET)},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (the test server's http URL)
        assert response.status == 200
        return json.loads(response.read())


def alarm_shown(page):
    page.wait_for_selector("#kades-modal:not([hidden]) #kades-title")
    return page.locator("#kades-dialog")


def test_a_kades_alert_opens_the_alarm_on_every_console_until_one_operator_acknowledges(
    asgi_server, new_live_page, world
):
    second = user("operator155b", "police_operator", world.police, first_name="Murat", last_name="Kaya")
    console = new_live_page()
    log_in(console, world.operator.username, "/konsol/")
    queue = new_live_page()
    log_in(queue, second.username, "/kuyruk/")
    console.click("#shift-start")  # the start of the shift: the sound may play from now on
    console.wait_for_selector("#kades-host[data-sound=on]", state="attached")
    assert console.locator("#shift-bar").is_hidden()

    post_alert(asgi_server)
    incident = Incident.objects.get(source="kades")

    for page in (console, queue):
        dialog = alarm_shown(page)
        assert dialog.get_attribute("role") == "alertdialog"
        assert page.evaluate("document.getElementById('kades-dialog').contains(document.activeElement)")
        text = dialog.inner_text()
        assert PERSON["name"] in text and "100******46" in text and PERSON["tc_kimlik_no"] not in text
        assert incident.case.tracking_display in text
        page.wait_for_selector("#kades-map[data-drawn='1']")  # her position on the small map
        assert page.locator(f"#kades-send-{incident.pk}-{world.teams[0].pk}").is_visible()
        assert page.evaluate("document.querySelector('main').hasAttribute('inert')")
        assert still_the_same_page(page)
    # Escape does not put it away: it waits for a named operator.
    console.keyboard.press("Escape")
    assert console.locator("#kades-modal").is_visible()

    queue.click("#kades-acknowledge")  # Murat acknowledges on his queue page

    for page in (queue, console):
        page.wait_for_selector("#kades-modal", state="hidden")
        assert not page.evaluate("document.querySelector('main').hasAttribute('inert')")
        assert still_the_same_page(page)
    incident.refresh_from_db()
    assert incident.acknowledged_by == second


def test_an_alert_raised_while_the_page_loaded_is_shown_when_it_opens(asgi_server, new_live_page, world):
    post_alert(asgi_server)
    page = new_live_page()
    log_in(page, world.operator.username, "/kuyruk/")
    alarm_shown(page)
    assert page.locator("#kades-person-tc").inner_text() == "100******46"


def test_from_the_alarm_seda_sends_the_nearest_team_and_the_board_counts_down(
    asgi_server, new_live_page, world
):
    board = new_live_page()
    board.set_viewport_size({"width": 1600, "height": 1000})
    log_in(board, world.operator.username, "/haber-merkezi/")
    board.wait_for_selector("#dispatch-board[data-ready='1'][data-teams='3']")

    post_alert(asgi_server)
    incident = Incident.objects.get(source="kades")
    alarm_shown(board)
    board.wait_for_selector(f"#incident-{incident.pk}")  # the board's list has it too, behind the alarm
    nearest = world.teams[0]
    board.click(f"#kades-send-{incident.pk}-{nearest.pk}")

    board.wait_for_selector("#kades-modal", state="hidden")
    sent = Dispatch.objects.get(incident=incident)
    assert sent.team == nearest and sent.status == "pending"
    incident.refresh_from_db()
    assert incident.acknowledged_by == world.operator
    countdown = board.wait_for_selector(f"#countdown-{sent.pk}")
    board.wait_for_function(
        f"() => /^[01]:\\d\\d$/.test(document.getElementById('countdown-{sent.pk}').textContent)"
    )
    assert countdown.is_visible()
    board.wait_for_selector(f"#acknowledged-{incident.pk}")
    assert still_the_same_page(board)


def test_the_team_accepts_on_its_phone_and_the_board_shows_it(asgi_server, new_live_page, world):
    board = new_live_page()
    board.set_viewport_size({"width": 1600, "height": 1000})
    log_in(board, world.operator.username, "/haber-merkezi/")
    team = world.teams[0]
    member = world.members[team.pk][0]
    phone = new_live_page()
    phone.set_viewport_size(PHONE)
    log_in(phone, member.username, "/ekip/")
    phone.wait_for_selector("#team-page[data-ready='1']")
    assert phone.locator("#team-no-task").is_visible()

    incident = world.open_call().incident  # a 155 call: it appears on the board without a reload
    board.wait_for_selector(f"#incident-{incident.pk}")
    board.click(f"#acknowledge-{incident.pk}")
    board.wait_for_selector(f"#acknowledged-{incident.pk}")
    board.click(f"#send-{incident.pk}-{team.pk}")
    sent = board.wait_for_selector("#incident-list .dispatch-pending")
    dispatch = Dispatch.objects.get(incident=incident)

    accept = phone.wait_for_selector(f"#task-acknowledge-{dispatch.pk}")
    assert still_the_same_page(phone)
    box = accept.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 48  # a big button for a thumb
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing off the side
    phone.wait_for_function(
        f"() => /^[01]:\\d\\d$/.test(document.getElementById('task-countdown-{dispatch.pk}').textContent)"
    )
    accept.click()

    phone.wait_for_selector(f"#task-arrived-{dispatch.pk}")
    phone.wait_for_selector("#status-en_route[aria-pressed=true]")
    board.wait_for_selector(f"#dispatch-{dispatch.pk}[data-status=acknowledged]")
    board.wait_for_selector(f"#team-row-{team.pk}[data-status=en_route]")  # the team list and map follow
    assert sent is not None and still_the_same_page(board)

    phone.click(f"#task-arrived-{dispatch.pk}")
    phone.wait_for_selector(f"#task-on-scene-{dispatch.pk}")
    board.wait_for_selector(f"#incident-{incident.pk}[data-state=on_scene]")
    assert still_the_same_page(phone) and still_the_same_page(board)


def test_a_team_that_does_not_answer_makes_the_board_alarm_and_offer_the_next(
    asgi_server, new_live_page, world
):
    board = new_live_page()
    board.set_viewport_size({"width": 1600, "height": 1000})
    log_in(board, world.operator.username, "/haber-merkezi/")
    incident = world.open_call().incident
    board.wait_for_selector(f"#incident-{incident.pk}")
    sent = services.dispatch(incident, world.teams[0], actor=world.operator)
    board.wait_for_selector(f"#countdown-{sent.pk}")

    Dispatch.objects.filter(pk=sent.pk).update(ack_due_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.time_out_dispatch(sent.pk) == "timed_out"  # what the deferred task does at the time

    board.wait_for_selector("#board-alarm:not([hidden])")
    board.wait_for_selector(f"#timeout-{incident.pk}")
    board.wait_for_selector(f"#send-{incident.pk}-{world.teams[1].pk}")
    assert board.locator(f"#send-{incident.pk}-{world.teams[0].pk}").count() == 0
    assert board.get_attribute("#dispatch-board", "data-alarm") == "on"

    board.click(f"#send-{incident.pk}-{world.teams[1].pk}")
    board.wait_for_selector("#board-alarm", state="hidden")
    assert Dispatch.objects.filter(incident=incident, team=world.teams[1], status="pending").exists()
    assert still_the_same_page(board)


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (WCAG 2.1 AA)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    return [
        f"{violation['id']} ({violation['impact']}) {violation['help']}: {node['target']} {node['html'][:90]}"
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
        for node in violation["nodes"]
    ]


def test_the_board_the_alarm_and_the_phone_page_pass_axe(asgi_server, new_live_page, world):
    world.open_call()
    sent_to = world.open_call(subject="Gürültü")
    services.dispatch(sent_to.incident, world.teams[1], actor=world.operator)
    board = new_live_page()
    board.emulate_media(reduced_motion="reduce")
    board.set_viewport_size({"width": 1400, "height": 900})
    log_in(board, world.operator.username, "/haber-merkezi/")
    board.wait_for_selector("#dispatch-board[data-ready='1'][data-teams='3']")
    assert blocking_violations(board) == []

    post_alert(asgi_server)
    alarm_shown(board)
    board.wait_for_selector("#kades-map[data-drawn='1']")
    assert blocking_violations(board) == []

    phone = new_live_page()
    phone.emulate_media(reduced_motion="reduce")
    phone.set_viewport_size(PHONE)
    log_in(phone, world.members[world.teams[1].pk][0].username, "/ekip/")
    phone.wait_for_selector(".team-task[data-status=pending]")
    assert blocking_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_new_positions_and_a_cancel_from_the_app_update_the_open_alarm(asgi_server, new_live_page, world):
    page = new_live_page()
    log_in(page, world.operator.username, "/konsol/")
    alert_id = str(uuid.uuid4())
    post_alert(asgi_server, alert_id=alert_id)
    alarm_shown(page)
    page.wait_for_selector("#kades-map[data-drawn='1']")

    post_alert(asgi_server, alert_id=alert_id, latitude=INCIDENT[0] + 0.001)  # she moved
    page.wait_for_selector("#kades-map[data-drawn='2']")
    assert page.locator("#kades-positions li").count() == 2

    body = json.dumps({"alert_id": alert_id, "event": "cancel", "at": timezone.now().isoformat()}).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{asgi_server.url}/kanal/kades/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Kentmasa-Signature": kades.sign(body, SECRET)},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (the test server's http URL)
        assert response.status == 200
    page.wait_for_selector("#kades-cancelled")
    assert page.locator("#kades-modal").is_visible()  # still waiting for an operator
    page.click("#kades-close-false-alarm")
    page.wait_for_selector("#kades-modal", state="hidden")
    incident = Incident.objects.get(alert_id=alert_id)
    assert incident.closing_code == "false_alarm" and incident.acknowledged_at is None
    assert still_the_same_page(page)


def test_the_phone_sends_its_position_from_the_browser(asgi_server, new_live_page, world):
    from kentmasa.directory.models import TeamPosition

    team = world.teams[0]
    phone = new_live_page()
    phone.set_viewport_size(PHONE)
    phone.context.grant_permissions(["geolocation"], origin=asgi_server.url)
    phone.context.set_geolocation({"latitude": 39.7801, "longitude": 30.5102, "accuracy": 8})
    log_in(phone, world.members[team.pk][0].username, "/ekip/")
    before = TeamPosition.objects.filter(team=team).count()
    phone.click("#send-position")
    phone.wait_for_selector("#team-page[data-positions-sent='1']", state="attached")
    latest = TeamPosition.objects.filter(team=team).latest("at")
    assert TeamPosition.objects.filter(team=team).count() == before + 1
    assert (float(latest.latitude), float(latest.longitude), latest.accuracy_m) == (39.7801, 30.5102, 8)
    phone.wait_for_function("() => document.getElementById('team-message').textContent.length > 0")
