"""The live screens (kentmasa/static/kentmasa/live.js) in a real Chromium, served by the ASGI server that
streams: a unit's open queue shows the case the operator records without a reload, and another unit's
queue hears nothing of it; the header's count rises with a notification; the case page's timeline shows a
new comment while the note half typed below it stays as it is; ticked cases stay ticked when the rows are
refreshed."""

import os
import re

import pytest
from django.core.cache import cache

from kentmasa.cases import services
from kentmasa.conftest import PASSWORD
from kentmasa.notify.tell import tell

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUIET_SECONDS = 3  # how long a screen that should hear nothing is watched after the others heard it


@pytest.fixture(autouse=True)
def _fresh_login_counts(transactional_db):
    """The database cache table keeps log-in counts between transactional tests (a flush leaves it): these
    tests sign in six times, so the counts are cleared before each and after the last, for the next module."""
    cache.clear()
    yield
    cache.clear()


def log_in(page, username: str, then: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|raporlar)/$"))
    page.goto(then)
    listening(page)


def listening(page) -> None:
    """The page's stream is open, and the page is marked so that a reload would show (the mark would go)."""
    page.wait_for_selector("body[data-live-state=open]")
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def refreshes(page) -> list[str]:
    """Every request the page makes for a live refresh or the header's counts, from now on."""
    seen: list[str] = []

    def note(request) -> None:
        if request.headers.get("x-live-refresh") or "/bildirimler/sayilar/" in request.url:
            seen.append(request.url)

    page.on("request", note)
    return seen


def test_the_unit_queue_shows_the_operators_new_case_and_another_unit_hears_nothing(
    new_live_page, make_case, operator, road_staff, park_staff
):
    roads = new_live_page()
    log_in(roads, "road_staff", "/kuyruk/")
    assert roads.locator("#queue-rows tr[id]").count() == 0
    parks = new_live_page()
    log_in(parks, "park_staff", "/kuyruk/")
    parks_asked = refreshes(parks)

    case = make_case(actor=operator)  # recorded at the console: committed, and its live event with it

    row = roads.wait_for_selector(f"#case-{case.tracking_number}")
    assert "live-changed" in (row.get_attribute("class") or "")  # highlighted as new
    assert case.tracking_display in row.inner_text()
    assert still_the_same_page(roads)  # no reload: the rows were swapped in
    assert re.search(r"\b1\b", roads.inner_text("#queue-count"))
    roads.wait_for_function(
        "() => document.getElementById('live-status').textContent === 'Liste güncellendi'"
    )
    # The header's count of new cases in the queue follows.
    roads.wait_for_function("() => document.getElementById('queue-new-count').firstChild.nodeValue === '1'")
    assert "zero" not in (roads.get_attribute("#queue-new-count", "class") or "")

    # The other unit's queue was told nothing: no refresh, no count asked, no row, for a while after.
    parks.wait_for_timeout(QUIET_SECONDS * 1000)
    assert parks_asked == []
    assert parks.locator(f"#case-{case.tracking_number}").count() == 0
    assert case.tracking_number not in parks.content()
    assert still_the_same_page(parks)


def test_the_header_count_and_the_inbox_follow_a_new_notification(new_live_page, road_staff):
    page = new_live_page()
    log_in(page, "road_staff", "/bildirimler/")
    assert "zero" in (page.get_attribute("#unread-count", "class") or "")

    [told] = tell([road_staff], "assigned", "Size 26-0000001 numaralı başvuru atandı")

    page.wait_for_selector("#unread-count:not(.zero)")
    assert page.inner_text("#unread-count").split()[0] == "1"
    item = page.wait_for_selector(f"#notification-{told.pk}")
    assert "26-0000001" in item.inner_text()
    assert still_the_same_page(page)


def test_the_case_page_shows_a_new_comment_and_keeps_the_note_being_typed(
    new_live_page, make_case, road_staff, road_manager
):
    case = make_case()
    page = new_live_page()
    log_in(page, "road_staff", f"/vaka/{case.tracking_number}/")
    page.fill("#id_comment-note", "Yarım kalan not")  # typed, not sent; the cursor stays in it

    services.comment(case, actor=road_manager, note="Ekip yola çıktı", public=False)
    services.assign(case, actor=road_manager, assignee=road_staff)

    entry = page.wait_for_selector("#timeline li:has-text('Ekip yola çıktı')")
    assert "live-changed" in (entry.get_attribute("class") or "")
    page.wait_for_selector("#case-status[data-status=assigned]")
    assert page.input_value("#id_comment-note") == "Yarım kalan not"
    assert page.evaluate("document.activeElement.id") == "id_comment-note"
    assert still_the_same_page(page)


def test_ticked_cases_stay_ticked_when_the_rows_are_refreshed(new_live_page, make_case, road_manager):
    first = make_case(subject="İlk çukur")
    page = new_live_page()
    log_in(page, "road_manager", "/kuyruk/")
    page.check(f"#select-{first.tracking_number}")
    page.locator("h1").click()  # the box is ticked and left (a focused part waits for the user to leave it)

    second = make_case(subject="İkinci çukur")

    page.wait_for_selector(f"#case-{second.tracking_number}")
    assert page.is_checked(f"#select-{first.tracking_number}")
    assert not page.is_checked(f"#select-{second.tracking_number}")
    assert still_the_same_page(page)
