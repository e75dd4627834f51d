"""Security in a real Chromium: text citizens type never becomes markup on the staff maps, and the
Content-Security-Policy leaves the console working.

Uses the Playwright fixtures of test_browser.py.
"""

import re

import pytest
from django.core.cache import cache

from kentmasa.cases.models import Channel
from kentmasa.cases.tests.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Anonymous citizens choose the subject on the public form; it is shown as the map marker's tooltip.
HOSTILE_SUBJECT = "<img src=x onerror=\"document.title='PWNED'\">"
LOCATION = {"latitude": "41.038211", "longitude": "28.891234", "district": "Esenler", "province": "İstanbul"}


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db):
    # The database cache table is not emptied between transactional tests: start without old log-in counts.
    cache.clear()


def hover_points(page) -> None:
    """Open the tooltip of every case point (the case page's blue markers, the console's case points, which
    are red when overdue), as the mouse does."""
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    points = page.locator(
        '.leaflet-overlay-pane path[stroke="#2f5d8a"], .leaflet-overlay-pane path.case-point'
    )
    assert points.count() >= 1
    for index in range(points.count()):
        # The case page draws its red location marker over the point; send the event to the point itself.
        points.nth(index).dispatch_event("mouseover")
    page.wait_for_selector(".leaflet-tooltip")


def assert_shown_as_text(page) -> None:
    page.wait_for_timeout(300)  # an injected image would fail to load and fire onerror by now
    assert page.title() != "PWNED"
    assert page.locator(".leaflet-tooltip img, .leaflet-popup img").count() == 0
    tooltips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any(HOSTILE_SUBJECT in text for text in tooltips), tooltips


def test_a_hostile_subject_is_shown_as_text_on_the_maps(new_page, operator, make_case):
    case = make_case(subject=HOSTILE_SUBJECT, channel=Channel.WEB, location=LOCATION)
    page = new_page()
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    hover_points(page)
    assert_shown_as_text(page)

    page.goto(f"/vaka/{case.tracking_number}/")
    hover_points(page)
    assert_shown_as_text(page)


def test_the_console_works_under_the_content_security_policy(new_page, operator, category, make_case):
    make_case(subject="Kaldırımda çukur", location=LOCATION)
    page = new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    response = page.goto("/konsol/")
    assert "script-src 'self'" in response.headers["content-security-policy"]

    # htmx and app.js: the caller lookup, the caller pick and the category search.
    page.fill("#caller-lookup", "0532 111 22 33")
    page.click("#caller-results #pick-caller-new")
    assert page.input_value("#id_citizen_phone") != ""
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")
    page.keyboard.press("Enter")
    assert page.input_value("#id_category") == str(category.pk)

    # Leaflet: a click on the map sets the location fields.
    page.click("#location-map", position={"x": 120, "y": 90})
    assert re.fullmatch(r"-?\d+\.\d{6}", page.input_value("#id_latitude"))
    assert re.fullmatch(r"-?\d+\.\d{6}", page.input_value("#id_longitude"))
    assert violations == []


def test_no_screen_breaks_the_content_security_policy(new_page, operator, make_case, institution):
    case = make_case(location=LOCATION)
    page = new_page()
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    for path in ("/basvuru/takip/", f"/basvuru/{institution.slug}/", "/basvuru/kvkk/", "/admin/login/"):
        assert page.goto(path).ok, path
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    for path, ready in (
        (f"/vaka/{case.tracking_number}/", ".leaflet-overlay-pane path"),
        ("/kuyruk/", "main"),
        ("/raporlar/", "main"),
        ("/api/v1/docs", ".swagger-ui .info"),
    ):
        assert page.goto(path).ok, path
        page.wait_for_selector(ready)
    assert violations == []
