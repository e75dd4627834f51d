"""The public form in a real Chromium: a voice message recorded on the page, and the small map after
"Konumumu kullan" filling in the mahalle (seed 003: "sesli, görüntülü ve yazılı", "adresi kendi tanıyor").

Chromium's fake microphone (--use-fake-device-for-media-stream, its permission prompt answered by
--use-fake-ui-for-media-stream) records a real WebM/Opus through MediaRecorder; the server keeps it as the
case's voice message, and the tracking page plays it back. The position is emulated in Seyhan, Adana, on the
real boundaries (SHARED_DIR/data/tr-admin); the pin is dragged and the address follows it.
"""

import os
import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kentmasa.cases.attachments import sniff_media
from kentmasa.cases.models import Attachment, Case
from kentmasa.conftest import chromium_path
from kentmasa.places import geocode
from kentmasa.places.importer import import_tr_admin
from kentmasa.places.tests.conftest import remove_all_areas, tr_admin_dir

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SARIYAKUP = {"latitude": 36.98211, "longitude": 35.32967, "accuracy": 10}


@pytest.fixture(scope="module")
def media_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(media_browser, live_server):
    contexts = []

    def make(**options):
        context = media_browser.new_context(
            locale="tr-TR", base_url=live_server.url, viewport=PHONE, **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def until(page, script: str, seconds: float = 15):
    """Poll ``script`` (a function) in the page until it returns something truthy. page.wait_for_function
    would compile it in the page, which the site's CSP (script-src 'self', no eval) refuses."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"not true within {seconds} s: {script}")


def fill_application(page, category) -> None:
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_subject", "Gece inşaat gürültüsü")
    page.fill("#id_text", "Her gece saat ikide iş makinesi çalışıyor; sesini kaydettim.")
    page.fill("#id_phone", "0532 123 45 67")
    page.check("#id_kvkk")


def test_ayse_records_a_voice_message_and_hears_it_on_the_tracking_page(
    open_page, institution, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    page = open_page()
    page.goto(reverse("public:form", args=[institution.slug]))
    fill_application(page, category)

    page.click("#record-start")
    page.wait_for_selector("#record-stop:not([hidden])")
    expect(page.locator("#record-time")).to_have_text(re.compile(r"^0:0[2-9]$"))
    page.click("#record-stop")
    page.wait_for_selector("#record-preview:not([hidden])")
    assert "hazır" in page.inner_text("#record-status")
    # She can listen before sending: the preview plays from a blob: URL (the CSP's media-src allows it).
    until(page, "() => document.getElementById('record-preview').readyState >= 1")
    chosen = page.evaluate(
        "() => { const f = document.getElementById('id_voice').files[0]; return [f.name, f.type, f.size]; }"
    )
    assert chosen[0] == "sesli-mesaj.webm" and chosen[1] == "audio/webm" and chosen[2] > 1000
    page.click("#case-submit")
    page.wait_for_selector("#receipt")

    case = Case.objects.get()
    voice = case.attachments.get()
    assert (voice.kind, voice.content_type) == (Attachment.Kind.AUDIO, "audio/webm")
    assert sniff_media(voice.file.read()) == "webm" and voice.size == chosen[2]

    page.click("#receipt-track-link")
    page.wait_for_selector("#track-recordings audio")
    # The player reads the file through the access-checked view (a MediaRecorder WebM states no duration:
    # Chrome shows Infinity until played through, so "metadata read" is what is asked here), and a seek's
    # Range request is answered with the part asked for.
    until(page, "() => document.querySelector('#track-recordings audio').readyState >= 1")
    ranged = page.evaluate(
        """async () => {
            const src = document.querySelector('#track-recordings audio').src;
            const answer = await fetch(src, { headers: { Range: 'bytes=100-199' } });
            const size = (await answer.arrayBuffer()).byteLength;
            return [answer.status, answer.headers.get('Content-Range'), size];
        }"""
    )
    assert ranged == [206, f"bytes 100-199/{voice.size}", 100]
    assert page.evaluate("() => document.querySelector('#track-recordings audio').error") is None


@pytest.fixture
def adana_areas(transactional_db):
    import_tr_admin(tr_admin_dir(), cities=(1,), mahalle_files=["mahalleler-adana.geojson"])
    yield
    remove_all_areas()


def test_the_map_after_konumumu_kullan_fills_the_mahalle_and_follows_the_pin(
    open_page, institution, category, adana_areas
):
    page = open_page(geolocation=SARIYAKUP, permissions=["geolocation"])
    page.goto(reverse("public:form", args=[institution.slug]))

    page.click("#locate-button")
    page.wait_for_selector("#place-map:not([hidden])")
    expect(page.locator("#id_neighbourhood")).to_have_value("Sarıyakup Mahallesi")
    assert page.input_value("#id_district") == "Seyhan" and page.input_value("#id_province") == "Adana"
    assert page.input_value("#id_latitude") == "36.982110"
    assert page.locator("#place-map-canvas .leaflet-overlay-pane path").count() == 1  # the mahalle's boundary
    assert page.locator("#place-map-canvas .leaflet-tile").count() == 0  # no tiles asked for
    assert "Sarıyakup Mahallesi, Seyhan, Adana" in page.inner_text("#place-status")

    # Drag the pin well away: the point and the address follow it.
    pin = page.locator("#place-map-canvas .place-pin").bounding_box()
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 90, y - 120, steps=12)
    page.mouse.up()
    expect(page.locator("#id_latitude")).not_to_have_value("36.982110")
    lat, lon = float(page.input_value("#id_latitude")), float(page.input_value("#id_longitude"))
    expected = geocode.locate(lat, lon)
    assert expected is not None and lat > SARIYAKUP["latitude"] and lon > SARIYAKUP["longitude"]
    expect(page.locator("#id_neighbourhood")).to_have_value(expected.neighbourhood)
    assert expected.neighbourhood != "Sarıyakup Mahallesi"

    fill_application(page, category)
    page.click("#case-submit")
    page.wait_for_selector("#receipt")
    case = Case.objects.get()
    assert (case.neighbourhood, case.district, case.province) == (
        expected.neighbourhood,
        expected.district,
        "Adana",
    )
    assert case.latitude is not None and abs(float(case.latitude) - lat) < 1e-6
