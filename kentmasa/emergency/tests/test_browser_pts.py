"""Plate alerts in a real Chromium, served by the streaming ASGI server: the camera system posts a batch of
reads to /api/v1/pts/reads with its plate-reads token; the stolen car 26 ABC 123 among them appears on Seda's
board without a reload (a banner names it, the map marks it at the camera) and on the phone (390×844) of
Polis11, whose Yunus Ekibi 1 is the nearest team. He taps "Gördüm" and the board shows that his team saw it;
a second read on another camera adds to the same card; Seda acknowledges and closes it, and it leaves the
board and the phone. The board with a plate alert, the plates page and the phone pass axe-core."""

import json
import os
import re
import urllib.request
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import ApiToken, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import Camera, DispatchSettings, PlateAlert, PlateAlertTeam
from kentmasa.emergency.tests.core_world import police_world, user

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BRIDGE = (39.777200, 30.515600)  # the Köprübaşı camera over the Porsuk, ~150 m from Yunus Ekibi 1


@pytest.fixture(autouse=True)
def _fresh_login_counts(transactional_db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(transactional_db):
    made = police_world()
    DispatchSettings.objects.filter(institution=made.police).update(plate_alert_teams=1)
    Camera.objects.create(
        institution=made.police,
        code="ESK-KGYS-014",
        name="Köprübaşı Köprüsü",
        latitude=Decimal(f"{BRIDGE[0]:.6f}"),
        longitude=Decimal(f"{BRIDGE[1]:.6f}"),
    )
    pts.upsert_hotlist(made.police, plate="26 ABC 123", reason="stolen", note="Beyaz Fiat Egea", actor=None)
    return made


@pytest.fixture
def camera_token(world):
    """The camera system's token: scoped to plate reads, of the directorate's PTS system account."""
    system = user("pts-sistemi", User.Role.POLICE_OPERATOR, world.police)
    _token, raw = ApiToken.issue(system, "PTS", scope=ApiToken.Scope.PLATE_READS)
    return raw


def log_in(page, username: str, then: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|raporlar|ekip)/$"))
    page.goto(then)
    page.wait_for_selector("body[data-live-state=open]")
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def post_reads(server, token: str, reads: list[dict]) -> dict:
    """What the camera system does: a batch of reads to the API with its token."""
    request = urllib.request.Request(  # noqa: S310
        f"{server.url}/api/v1/pts/reads",
        data=json.dumps(reads).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (the test server's http URL)
        assert response.status == 200
        return json.loads(response.read())


def batch(*hotlisted: tuple[str, str]) -> list[dict]:
    """Passing traffic: a Turkish car, a foreign one, an unreadable plate, and the reads given."""
    now = timezone.now().isoformat()
    reads = [
        {"camera": "ESK-KGYS-014", "plate": "26 KL 4412", "at": now},
        {"camera": "ESK-KGYS-014", "plate": "B-MW 1234", "at": now},
        {"camera": "ESK-KGYS-014", "plate": "?", "at": now},
    ]
    for camera, plate in hotlisted:
        reads.append({"camera": camera, "plate": plate, "at": now})
    return reads


def board_page(new_live_page, world):
    board = new_live_page()
    board.set_viewport_size({"width": 1600, "height": 1000})
    log_in(board, world.operator.username, "/haber-merkezi/")
    board.wait_for_selector("#dispatch-board[data-ready='1'][data-teams='3']")
    board.wait_for_selector("#plate-board[data-ready='1']", state="attached")
    return board


def phone_page(new_live_page, world, team):
    phone = new_live_page()
    phone.set_viewport_size(PHONE)
    log_in(phone, world.members[team.pk][0].username, "/ekip/")
    phone.wait_for_selector("#team-page[data-ready='1']", state="attached")
    return phone


def test_a_hotlisted_read_reaches_the_board_and_the_nearest_phone_which_says_it_saw_it(
    asgi_server, new_live_page, world, camera_token
):
    team = world.teams[0]
    board = board_page(new_live_page, world)
    phone = phone_page(new_live_page, world, team)
    other_phone = phone_page(new_live_page, world, world.teams[2])
    assert board.locator("#no-plate-alerts").is_visible()

    answer = post_reads(asgi_server, camera_token, batch(("ESK-KGYS-014", "26abc123")))
    assert (answer["received"], answer["stored"], answer["rejected"], answer["hits"]) == (4, 4, [], 1)
    alert = PlateAlert.objects.get(pk=answer["alerts"][0])

    # The board: the card, a banner naming it, the marker at the camera; no reload.
    card = board.wait_for_selector(f"#plate-alert-{alert.pk}")
    assert "26 ABC 123" in card.inner_text() and "Çalıntı" in card.inner_text()
    banner = board.wait_for_selector("#plate-banner:not([hidden])")
    assert banner.inner_text() == "Plaka alarmı: 26 ABC 123 (Çalıntı), Köprübaşı Köprüsü."
    assert int(board.get_attribute("#plate-board", "data-cues")) >= 1
    board.wait_for_selector(f".plate-marker[data-plate-alert='{alert.pk}']")
    board.wait_for_function(
        f"() => /önce$/.test(document.querySelector('#plate-alert-{alert.pk} .plate-age').textContent)"
    )
    assert board.locator(f"#plate-told-{alert.pk}-{team.pk}[data-seen=no]").is_visible()
    assert still_the_same_page(board)

    # The nearest team's phone, at once; the far team's phone says nothing.
    seen = phone.wait_for_selector(f"#plate-seen-{alert.pk}")
    assert phone.evaluate("document.activeElement.id") == f"plate-seen-{alert.pk}"  # as a new task takes it
    told = phone.locator(f"#plate-told-{alert.pk}").inner_text()
    assert "26 ABC 123" in told and "Köprübaşı Köprüsü" in told and "Beyaz Fiat Egea" in told
    box = seen.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 48  # a big button for a thumb
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert other_phone.locator(".plate-told").count() == 0
    seen.click()

    phone.wait_for_selector(f"#plate-saw-{alert.pk}")
    assert PlateAlertTeam.objects.get(alert=alert, team=team).seen_at is not None
    board.wait_for_selector(f"#plate-told-{alert.pk}-{team.pk}[data-seen=yes]")
    assert still_the_same_page(phone) and still_the_same_page(board)

    # The car passes another camera: the same card counts a second read, and the board says so.
    cues = int(board.get_attribute("#plate-board", "data-cues"))
    post_reads(
        asgi_server,
        camera_token,
        [
            {
                "camera": "PTS-E5-KM12",
                "plate": "26-ABC-123",
                "at": timezone.now().isoformat(),
                "latitude": 39.79,
                "longitude": 30.49,
            }
        ],
    )
    board.wait_for_selector(f"#plate-hits-{alert.pk}:text('2')")
    board.wait_for_function(f"() => Number(document.getElementById('plate-board').dataset.cues) > {cues}")
    assert "Yeniden okundu: 26 ABC 123" in board.inner_text("#plate-banner")
    assert board.inner_text(f"#plate-camera-{alert.pk}") == "PTS-E5-KM12"

    # Seda acknowledges it, then closes it with what came of it.
    board.click(f"#plate-acknowledge-{alert.pk}")
    board.wait_for_selector(f"#plate-acknowledged-{alert.pk}")
    board.click(f"#plate-close-box-{alert.pk} summary")
    board.select_option(f"#plate-outcome-{alert.pk}", "stopped")
    board.fill(f"#plate-note-{alert.pk}", "Atatürk Bulvarı'nda durduruldu.")
    board.click(f"#plate-close-{alert.pk}")
    board.wait_for_selector(f"#plate-alert-{alert.pk}", state="detached")
    board.wait_for_selector(f".plate-marker[data-plate-alert='{alert.pk}']", state="detached")
    assert "Plaka alarmı kapatıldı: Araç durduruldu." in board.inner_text("#plate-done")
    alert.refresh_from_db()
    assert (alert.outcome, alert.acknowledged_by, alert.closed_by) == (
        "stopped",
        world.operator,
        world.operator,
    )
    phone.wait_for_selector(f"#plate-told-{alert.pk}", state="detached")  # and it leaves the phone
    assert still_the_same_page(board) and still_the_same_page(phone)


def test_a_bad_close_on_the_board_says_why_and_keeps_the_alert(
    asgi_server, new_live_page, world, camera_token
):
    board = board_page(new_live_page, world)
    answer = post_reads(asgi_server, camera_token, batch(("ESK-KGYS-014", "26 ABC 123")))
    alert_id = answer["alerts"][0]
    board.wait_for_selector(f"#plate-alert-{alert_id}")
    board.click(f"#plate-close-box-{alert_id} summary")
    # The browser asks for the outcome itself; a form sent anyway (no outcome) gets the server's Turkish.
    board.evaluate(f"document.getElementById('plate-outcome-{alert_id}').removeAttribute('required')")
    board.click(f"#plate-close-{alert_id}")
    error = board.wait_for_selector("#plate-error:not([hidden])")
    assert error.inner_text() == "Alarmın sonucunu seçin."
    assert board.locator(f"#plate-alert-{alert_id}").is_visible()
    assert PlateAlert.objects.get(pk=alert_id).closed_at is None


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


def test_the_plate_panel_the_plates_page_and_the_phone_pass_axe(
    asgi_server, new_live_page, world, camera_token
):
    pts.upsert_hotlist(world.police, plate="06 DEF 4567", reason="terror", actor=None)
    post_reads(
        asgi_server, camera_token, batch(("ESK-KGYS-014", "26 ABC 123"), ("ESK-KGYS-014", "06DEF4567"))
    )
    board = board_page(new_live_page, world)
    board.emulate_media(reduced_motion="reduce")
    board.wait_for_selector(".plate-marker.reason-terror")
    assert blocking_violations(board) == []

    board.goto("/haber-merkezi/plaka/")
    board.wait_for_selector("#plate-alerts .plate-alert")
    assert blocking_violations(board) == []

    phone = phone_page(new_live_page, world, world.teams[0])
    phone.emulate_media(reduced_motion="reduce")
    phone.wait_for_selector(".plate-told[data-seen=no]")
    assert blocking_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
