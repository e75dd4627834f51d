"""The field app (/saha/) in a real Chromium with a phone's viewport and an emulated position.

Mehmet of Esenler's "Asfalt Ekibi 1" opens today's work: three potholes, listed nearest first (not in the
server's priority order) with priority, deadline and distance, and drawn on the map. Then the signal goes
(every request of the browser, the service worker's included, is aborted by routing: ``set_offline`` alone
does not stop a service worker's requests): the app opens again from the worker's cache, he sets out,
arrives, takes before and after photos (JPEGs with EXIF GPS, one without), writes a note and completes the
work order; the phone shows what waits. The server receives nothing meanwhile. When the signal returns the
queue goes by itself, and the case has the photos with their places and times, the arrival's position and
the completion exactly once, also after the app is opened again.

A work order the unit cancelled while the phone was offline comes back as a conflict the phone shows and
keeps; a session that expired meanwhile does not stop the queue (the device key sends it); the tel: link
logs the call on the timeline.
"""

import datetime as dt
import io
import os
import re
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_started
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from kentmasa.cases.models import Attachment, Citizen, Event, Priority
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Team, User
from kentmasa.field import services
from kentmasa.field.models import DeviceToken, FailureReason, FieldAction, WorkOrder, WorkOrderPhoto

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Where Mehmet stands in Esenler when he opens the app, and the three potholes north of him.
HERE = {"latitude": 41.0433, "longitude": 28.8765}
NEAR = (41.0460, 28.8765)  # ~300 m
MIDDLE = (41.0540, 28.8765)  # ~1.2 km
FAR = (41.0700, 28.8765)  # ~3 km
# Where the phone is at the pothole, and where the camera's GPS put the photos.
AT_SITE = {"latitude": 41.04605, "longitude": 28.87655, "accuracy": 8}
PHOTO_GPS = (41.046123, 28.876611)


class ServerLog:
    """Every request the live server receives (request_started), while connected."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, sender, environ=None, **kwargs) -> None:
        with self.lock:
            self.requests.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}")

    def __enter__(self) -> "ServerLog":
        request_started.connect(self)
        return self

    def __exit__(self, *exc) -> None:
        request_started.disconnect(self)


def jpeg(
    size: tuple[int, int], colour: tuple[int, int, int], gps=None, taken: dt.datetime | None = None
) -> bytes:
    """A camera's JPEG: a gradient (so it does not compress to nothing), with EXIF GPS and time if given."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(image, Image.new("RGB", size, colour), 0.5)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    if gps is not None:

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))

        place = exif.get_ifd(0x8825)
        place[1], place[2] = ("N" if gps[0] >= 0 else "S"), dms(gps[0])
        place[3], place[4] = ("E" if gps[1] >= 0 else "W"), dms(gps[1])
    if taken is not None:
        details = exif.get_ifd(0x8769)
        details[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken.strftime("%z")
        details[0x9011] = f"{offset[:3]}:{offset[3:]}"
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def world(transactional_db, institution, roads, category, make_user, make_case):
    team = Team.objects.create(unit=roads, name="Asfalt Ekibi 1", kind=Team.Kind.FIELD)
    mehmet = make_user(User.Role.FIELD_TEAM, "mehmet", teams=[team])
    mehmet.first_name, mehmet.last_name = "Mehmet", "Demir"
    mehmet.save()
    clerk = make_user(User.Role.UNIT_STAFF, "selin", units=[roads])
    FailureReason.objects.create(unit=roads, text="Araç giremedi", position=1)
    citizen = Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")
    now = timezone.now()

    def pothole(subject: str, at: tuple[float, float], priority: int, street: str) -> WorkOrder:
        case = make_case(
            subject=subject,
            priority=priority,
            citizen=citizen,
            received_at=now - dt.timedelta(hours=2),
            location={
                "latitude": at[0],
                "longitude": at[1],
                "address_text": street,
                "neighbourhood": "Menderes",
            },
        )
        return services.send_work_order(case, team, actor=clerk, instructions="Soğuk asfalt ile yamayın.")

    orders = {
        # The server lists the urgent one first; the phone, standing at HERE, the nearest.
        "far": pothole("Büyük çukur, trafik tehlikesi", FAR, Priority.URGENT, "Atışalanı Caddesi 40"),
        "near": pothole("Kaldırım kenarında çukur", NEAR, Priority.LOW, "Menderes Caddesi 12"),
        "middle": pothole("Rögar kapağı çökmüş", MIDDLE, Priority.NORMAL, "Oruç Reis Caddesi 7"),
    }
    return {"team": team, "mehmet": mehmet, "clerk": clerk, "orders": orders}


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url,
            locale="tr-TR",
            timezone_id="Europe/Istanbul",
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            geolocation=HERE,
            permissions=["geolocation"],
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def open_app(context, username: str = "mehmet"):
    page = context.new_page()
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|saha)/"))
    page.goto("/saha/")
    page.wait_for_selector("#field-app[data-loaded=network]")
    # Ready for the basement: the worker controls the page, the shell and files are cached, the key kept.
    page.wait_for_selector("#field-app[data-offline-ready=yes][data-device=yes]", state="attached")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page


def go_offline(context) -> None:
    context.set_offline(True)
    context.route("**/*", lambda route: route.abort("internetdisconnected"))


def come_back(context) -> None:
    context.unroute("**/*")
    context.set_offline(False)  # the browser's "online" event: the app sends its queue


def listed(page) -> list[int]:
    return ids(page, "#field-orders > li")


def ids(page, selector: str) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all(selector, "items => items.map(i => i.dataset.id)")]


def wait_sent(page) -> None:
    page.wait_for_selector("#field-app[data-queue='0'][data-sending=no]", state="attached")


def test_a_days_work_offline_reaches_the_case_exactly_once(world, phone):
    orders = world["orders"]
    context = phone()
    page = open_app(context)

    # Today's work, nearest first (the server would put the urgent far one first), with what matters.
    assert listed(page) == [orders["near"].pk, orders["middle"].pk, orders["far"].pk]
    first = page.text_content(f"#order-{orders['near'].pk}")
    near_case = orders["near"].case
    due = timezone.localtime(near_case.due_at).strftime("%d.%m.%Y %H:%M")
    assert "Düşük" in first and near_case.tracking_display in first and "Kaldırım kenarında çukur" in first
    assert f"Son tarih {due}" in first and "300 m" in first and "Atandı" in first
    assert "Menderes Caddesi 12 · Menderes" in first
    assert "Acil" in page.text_content(f"#order-{orders['far'].pk}")
    assert "3 km" in page.inner_text(f"#order-{orders['far'].pk}")
    page.wait_for_selector("#field-map[data-points='3']")
    assert page.locator("#field-map path.leaflet-interactive").count() == 4  # three orders and the phone
    # Each point carries the number its work order has in the list.
    assert sorted(page.locator("#field-map .field-pin").all_inner_texts()) == ["1", "2", "3"]
    assert page.inner_text(f"#order-{orders['near'].pk} .field-index") == "1"
    assert page.inner_text("#field-net") == "Çevrimiçi"
    if os.environ.get("FIELD_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["FIELD_SCREENSHOTS"], "list.png"))

    before_offline = FieldAction.objects.count()
    with ServerLog() as log:
        go_offline(context)
        # The app opens again without signal: the shell, its files and the day's list from the phone.
        page.reload()
        page.wait_for_selector("#field-app[data-loaded=copy]")
        assert page.inner_text("#field-net") == "Çevrimdışı"
        assert listed(page) == [orders["near"].pk, orders["middle"].pk, orders["far"].pk]
        assert "Telefondaki kopyadan gösteriliyor." in page.inner_text("#field-updated")

        page.click(f"#order-{orders['near'].pk}")
        page.wait_for_selector("#act-set_out")
        assert page.get_attribute("#order-navigate", "href").startswith(f"geo:{NEAR[0]},{NEAR[1]}?q=")
        assert page.get_attribute("#order-call", "href") == "tel:+905321234567"
        assert "Ara: Ayşe" in page.inner_text("#order-call")
        assert "Soğuk asfalt ile yamayın." in page.inner_text("#field-order")
        page.click("#act-set_out")
        page.wait_for_selector("#act-arrived")
        context.set_geolocation(AT_SITE)
        page.click("#act-arrived")
        page.wait_for_selector("#field-app[data-queue='2']", state="attached")

        taken = timezone.localtime() - dt.timedelta(minutes=20)
        taken = taken.replace(microsecond=0)
        big = jpeg((4000, 3000), (120, 90, 60), gps=PHOTO_GPS, taken=taken)
        page.set_input_files(
            "#photo-before", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": big}]
        )
        page.wait_for_selector("#field-app[data-queue='3']", state="attached")
        after_gps = jpeg((1200, 900), (60, 120, 60), gps=PHOTO_GPS, taken=taken + dt.timedelta(minutes=15))
        after_plain = jpeg((800, 600), (60, 60, 120))  # no EXIF: the phone's position at capture
        page.set_input_files(
            "#photo-after",
            files=[
                {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": after_gps},
                {"name": "IMG_0003.jpg", "mimeType": "image/jpeg", "buffer": after_plain},
            ],
        )
        page.wait_for_selector("#field-app[data-queue='5']", state="attached")
        assert page.locator("#thumbs-before li.pending img").count() == 1
        assert page.locator("#thumbs-after li.pending img").count() == 2
        assert "konum fotoğraftan" in page.inner_text("#thumbs-before")
        assert "konum telefondan" in page.inner_text("#thumbs-after")

        page.fill("#note-text", "Çukur temizlendi, yama yapıldı.")
        page.click("#act-note")
        page.wait_for_selector("#field-app[data-queue='6']", state="attached")
        page.click("#finish summary")
        page.fill("#finish-text", "Yama tamamlandı.")
        page.click("#act-done")
        page.wait_for_selector("#field-app[data-queue='7']", state="attached")
        assert "Birime bildirildi." in page.inner_text("#field-order")

        # What waits is shown, in order, and the list says the work is done on the phone.
        page.click("#field-outbox summary")
        waiting = page.inner_text("#field-queue")
        assert page.inner_text("#field-waiting") == "Gönderilmeyi bekleyen: 7"
        for label in ("Yola çıktım", "Vardım", "Fotoğraf (Önce)", "Fotoğraf (Sonra)", "Not", "Tamamlandı"):
            assert label in waiting, label
        page.click("#field-back")
        page.wait_for_selector("#field-list-view:not([hidden])")
        assert listed(page) == [orders["middle"].pk, orders["far"].pk]
        assert "gönderilmeyi bekliyor" in page.text_content("#field-reported-list")
        # The "online" event's retries and the position timer ran into the routes, never to the server.
        page.wait_for_timeout(1500)
        # The browser itself may check the worker's script for an update (a navigation does, outside the
        # worker's routes and whatever the page does); the app's own requests must all have waited.
        assert [r for r in log.requests if r != "GET /sw.js"] == []
    assert FieldAction.objects.count() == before_offline
    order = WorkOrder.objects.get(pk=orders["near"].pk)
    assert order.status == WorkOrder.Status.ASSIGNED and not order.photos.exists()

    come_back(context)
    wait_sent(page)
    page.wait_for_selector("#field-app[data-loaded=network]")
    assert page.inner_text("#field-waiting") == "Hepsi gönderildi."
    assert page.inner_text("#field-net") == "Çevrimiçi"
    assert page.locator("#field-problems").is_hidden()

    def check_the_case_once() -> None:
        order = WorkOrder.objects.get(pk=orders["near"].pk)
        assert order.status == WorkOrder.Status.DONE and order.report == "Yama tamamlandı."
        assert order.finished_by == world["mehmet"] and order.started_at and order.arrived_at
        assert (order.arrived_latitude, order.arrived_longitude) == (
            Decimal("41.046050"),
            Decimal("28.876550"),
        )
        assert order.arrived_accuracy_m == 8
        actions = FieldAction.objects.filter(work_order=order)
        assert actions.count() == 7 and set(actions.values_list("outcome", flat=True)) == {"applied"}
        events = list(Event.objects.filter(case=order.case).values_list("action", flat=True))
        for action, times in (
            ("work_order_set_out", 1),
            ("work_order_arrived", 1),
            ("work_order_photo", 3),
            ("work_order_note", 1),
            ("work_order_done", 1),
        ):
            assert events.count(action) == times, (action, events)
        photos: dict[str, list[Attachment]] = {"before": [], "after": []}
        for p in WorkOrderPhoto.objects.filter(work_order=order).select_related("attachment"):
            photos[p.phase].append(p.attachment)
        assert sorted(len(v) for v in photos.values()) == [1, 2]
        (before,) = photos["before"]
        assert (before.latitude, before.longitude, before.position_source) == (
            Decimal("41.046123"),
            Decimal("28.876611"),
            "photo",
        )
        assert before.taken_at == taken
        with before.file.open("rb") as stored:
            resized = Image.open(stored)
            assert resized.size == (1600, 1200)  # the 12 MP photo resized on the phone
            assert not resized.getexif()  # no EXIF left on the stored file
        assert before.size < 400_000
        sources = sorted((a.position_source, a.latitude, a.longitude) for a in photos["after"])
        assert sources == [
            ("phone", Decimal("41.046050"), Decimal("28.876550")),
            ("photo", Decimal("41.046123"), Decimal("28.876611")),
        ]
        assert all(a.taken_at for a in photos["after"])
        assert Attachment.objects.filter(case=order.case).count() == 3

    check_the_case_once()
    # The unit sees it on the case page, once.
    clerk = Client()
    clerk.force_login(world["clerk"])
    page_html = clerk.get(f"/vaka/{orders['near'].case.tracking_number}/").content.decode()
    assert page_html.count("Çukur temizlendi, yama yapıldı.") == 1
    assert page_html.count("Yama tamamlandı.") == 1
    assert page_html.count("(41.046050, 28.876550 ±8 m)") == 1  # the arrival on the timeline
    photos = Attachment.objects.filter(case=orders["near"].case)
    assert sorted(int(pk) for pk in re.findall(r'id="attachment-(\d+)"', page_html)) == sorted(
        photo.pk for photo in photos
    )
    assert page_html.count(f"çekim {timezone.localtime(taken).strftime('%d.%m.%Y %H:%M')}") == 1
    assert page_html.count("41.046123, 28.876611 (fotoğrafın GPS verisi)") == 2
    assert page_html.count("41.046050, 28.876550 (telefonun çekim anındaki konumu)") == 1

    # Opening the app again sends nothing twice.
    page.reload()
    page.wait_for_selector("#field-app[data-loaded=network]")
    wait_sent(page)
    check_the_case_once()
    assert order.pk not in listed(page)
    assert orders["near"].pk in ids(page, "#field-reported-list > li")


def test_a_conflict_is_shown_and_kept_and_a_lost_session_does_not_stop_the_queue(world, phone):
    orders = world["orders"]
    context = phone()
    page = open_app(context)
    assert DeviceToken.objects.filter(user=world["mehmet"], revoked_at__isnull=True).count() == 1

    go_offline(context)
    page.click(f"#order-{orders['middle'].pk}")
    page.click("#act-set_out")
    page.wait_for_selector("#field-app[data-queue='1']", state="attached")
    page.click("#field-back")
    page.click(f"#order-{orders['far'].pk}")
    page.click("#finish summary")
    page.select_option("#finish-reason", label="Araç giremedi")
    page.fill("#finish-text", "Sokak kapalı.")
    page.click("#act-failed")
    page.wait_for_selector("#field-app[data-queue='2']", state="attached")

    # Meanwhile the unit takes the middle one back, and the phone's session expires.
    services.cancel_work_order(orders["middle"], actor=world["clerk"], note="Başka ekibe verilecek")
    Session.objects.all().delete()

    come_back(context)
    wait_sent(page)
    # The far one went with the device key: applied once.
    far = WorkOrder.objects.get(pk=orders["far"].pk)
    assert far.status == WorkOrder.Status.FAILED and far.failure_reason.text == "Araç giremedi"
    assert FieldAction.objects.get(work_order=far).device is not None
    # The cancelled one is a conflict the phone shows, in Turkish, and keeps.
    problems = page.locator("#field-problem-list li")
    assert problems.count() == 1
    text = problems.inner_text()
    assert "Yola çıktım" in text and orders["middle"].case.tracking_display in text
    assert "iptal" in text.lower()
    assert FieldAction.objects.get(work_order=orders["middle"]).outcome == "conflict"
    assert WorkOrder.objects.get(pk=orders["middle"].pk).status == WorkOrder.Status.CANCELLED
    signed_out = page.inner_text("#field-signed-out")
    assert "Oturum kapandı" in signed_out and "Giriş yap" in signed_out

    # Opened again with the session gone, the app still opens (the worker's copy of the shell), with the day's
    # list from the phone, the conflict, and the way to sign in again.
    page.reload()
    page.wait_for_selector("#field-app[data-loaded=copy]")
    page.wait_for_selector("#field-problem-list li")
    # The sign-in notice is drawn once the app has asked the server and heard no session: it may come a moment
    # after the list from the phone, so wait for it (as a person would) instead of reading it at once.
    expect(page.locator("#field-signed-out")).to_contain_text("Oturum kapandı")
    page.click("#field-signed-out a")
    page.wait_for_url(re.compile(r"/giris/\?next=/saha/"))
    page.fill("#id_username", "mehmet")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/saha/$"))
    page.wait_for_selector("#field-problem-list li")
    assert page.locator("#field-signed-out").is_hidden()
    page.click("#field-problem-list button[data-seen]")
    page.wait_for_selector("#field-problem-earlier li", state="attached")
    assert page.locator("#field-problem-list li").count() == 0
    page.reload()
    page.wait_for_selector("#field-problem-earlier li", state="attached")
    assert orders["middle"].case.tracking_display in page.text_content("#field-problem-earlier")


def test_the_call_link_logs_the_call_on_the_timeline(world, phone):
    context = phone()
    page = open_app(context)
    near = world["orders"]["near"]
    page.click(f"#order-{near.pk}")
    page.wait_for_selector("#order-call")
    page.click("#order-call")  # the phone's dialler is outside the browser: headless Chromium stays
    wait_sent(page)
    page.wait_for_function("() => document.getElementById('field-app').dataset.queue === '0'")
    assert list(
        Event.objects.filter(case=near.case, action="work_order_call").values_list("actor", flat=True)
    ) == [world["mehmet"].pk]


def test_a_shared_phone_gives_the_next_user_an_own_shell_and_the_last_users_queue_goes_as_theirs(
    world, phone
):
    orders = world["orders"]
    ahmet = User.objects.create_user(
        username="ahmet",
        password=PASSWORD,
        role=User.Role.FIELD_TEAM,
        institution=world["mehmet"].institution,
    )
    ahmet.first_name, ahmet.last_name = "Ahmet", "Yılmaz"
    ahmet.save()
    world["team"].leader = ahmet
    world["team"].save(update_fields=["leader"])
    context = phone()
    page = open_app(context)
    assert "Mehmet Demir" in page.inner_text(".field-who")

    # Mehmet's "set out" cannot go yet (the queue's address does not answer), and he signs out.
    context.route("**/saha/api/eylem/", lambda route: route.abort("connectionrefused"))
    page.click(f"#order-{orders['near'].pk}")
    page.click("#act-set_out")
    page.wait_for_selector("#field-app[data-queue='1'][data-sending=no]", state="attached")
    page.click("#field-logout")
    page.wait_for_url(re.compile(r"/giris/"))

    # Ahmet signs in on the same phone: his own shell, never Mehmet's copy; Mehmet's entry is not his.
    page.fill("#id_username", "ahmet")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto("/saha/")
    page.wait_for_selector("#field-app[data-loaded=network]")
    assert page.inner_text(".field-who") == "Ahmet Yılmaz"
    assert page.get_attribute("#field-app", "data-user") == str(ahmet.pk)
    assert page.get_attribute("#field-app", "data-queue") == "0"
    assert not FieldAction.objects.exists()

    # When the queue's address answers again, Mehmet's entry goes with Mehmet's device key: his action.
    context.unroute("**/saha/api/eylem/")
    page.reload()
    page.wait_for_selector("#field-app[data-loaded=network]")
    page.wait_for_function("() => document.getElementById('field-app').dataset.sending === 'no'")
    action = FieldAction.objects.get()
    assert action.user == world["mehmet"] and action.device.user == world["mehmet"]
    assert action.kind == "set_out" and action.outcome == "applied"
    event = Event.objects.get(case=orders["near"].case, action="work_order_set_out")
    assert event.actor == world["mehmet"]


def test_on_duty_the_phone_sends_its_position_every_interval_and_off_duty_nothing(world, phone, monkeypatch):
    from kentmasa.directory.models import TeamPosition
    from kentmasa.field import app_views

    monkeypatch.setattr(app_views, "POSITION_EVERY_SECONDS", 1)
    team = world["team"]
    assert team.status == Team.Status.OFF_DUTY
    context = phone()
    page = open_app(context)
    assert page.get_attribute("#field-app", "data-every") == "1"
    assert "Görev dışı" in page.inner_text("#field-duty-state")
    page.wait_for_timeout(2500)
    assert not TeamPosition.objects.exists()  # off duty: nothing, though the page reads the position

    page.click("#field-duty")  # Göreve başla
    page.wait_for_selector("#field-duty[data-duty=on]")
    assert "Görevde" in page.inner_text("#field-duty-state")
    assert page.inner_text("#field-duty") == "Görevi bitir"
    team.refresh_from_db()
    assert team.status == Team.Status.AVAILABLE
    context.set_geolocation({"latitude": 41.0450, "longitude": 28.8770, "accuracy": 12})
    page.wait_for_function(
        "() => document.getElementById('field-app').dataset.positionSent", polling=200, timeout=10_000
    )
    deadline = time.monotonic() + 10
    while TeamPosition.objects.filter(team=team).count() < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert TeamPosition.objects.filter(team=team).count() >= 3
    team.refresh_from_db()
    assert (team.latitude, team.longitude, team.accuracy_m) == (
        Decimal("41.045000"),
        Decimal("28.877000"),
        12,
    )

    page.click("#field-duty")  # Görevi bitir
    page.wait_for_selector("#field-duty[data-duty=off]")
    team.refresh_from_db()
    assert team.status == Team.Status.OFF_DUTY
    page.wait_for_timeout(600)  # a position already on its way
    kept = TeamPosition.objects.filter(team=team).count()
    page.wait_for_timeout(3000)
    assert TeamPosition.objects.filter(team=team).count() == kept


def test_the_workers_field_section_leaves_the_other_pages_alone(world, phone):
    context = phone()
    page = open_app(context)
    started = "performance.getEntriesByType('navigation')[0].workerStart"
    # Another staff page: straight to the network, the worker not even woken (its static routes).
    response = page.goto("/bildirimler/")
    assert response is not None and not response.from_service_worker
    assert page.evaluate(started) == 0
    # The app itself: answered by the worker from its copy.
    response = page.goto("/saha/")
    assert response is not None and response.from_service_worker
    assert page.evaluate(started) > 0
