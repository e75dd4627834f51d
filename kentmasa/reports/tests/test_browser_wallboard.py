"""The wall screen in a real Chromium, served by the ASGI server that streams: a new case's change appears on
the board without a reload (and a KADES case's never does); a revoked board stops showing at the next
change; the board passes axe-core and reads on a phone too."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache

from kentmasa.cases.models import Channel
from kentmasa.reports.models import Wallboard

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGE_SECONDS = 20  # the page fetches at most every 5 s, and once more when its figures were a cache's


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db, settings):
    # The database cache table is not emptied between transactional tests: start without old counts.
    cache.clear()
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 1


def open_board(new_live_page, raw: str):
    page = new_live_page()
    page.goto(Wallboard.path_for(raw))
    page.wait_for_selector("body[data-live=open]")  # the stream is open
    page.evaluate("window.notReloaded = true")  # a reload would lose it
    return page


def figure(page, name: str) -> str:
    return page.inner_text(f"[data-figure={name}] .tile-value").strip()


def test_the_board_shows_a_new_case_without_a_reload_and_never_a_kades_case(
    new_live_page, institution, make_case, operator
):
    _board, raw = Wallboard.issue(institution, "Alo 153 salonu")
    page = open_board(new_live_page, raw)
    assert figure(page, "open") == "0"
    assert page.get_attribute("html", "lang") == "tr"

    kades = make_case(subject="KADES ihbarı", channel=Channel.KADES, actor=operator)
    case = make_case(actor=operator)  # recorded at the console after it

    row = page.wait_for_selector(
        f"#board-changes li[data-tracking='{case.tracking_number}']", timeout=CHANGE_SECONDS * 1000
    )
    assert case.tracking_display in row.inner_text()
    assert "fresh" in (row.get_attribute("class") or "")  # highlighted as new
    page.wait_for_function(
        "() => document.querySelector('[data-figure=open] .tile-value').textContent.trim() === '1'",
        timeout=CHANGE_SECONDS * 1000,
    )
    assert page.evaluate("window.notReloaded === true")  # swapped in, not reloaded
    assert kades.tracking_display not in page.inner_text("body")
    assert page.locator(f"[data-tracking='{kades.tracking_number}']").count() == 0


def test_a_revoked_board_stops_showing_at_the_next_change(new_live_page, institution, make_case, operator):
    board, raw = Wallboard.issue(institution, "Alo 153 salonu")
    page = open_board(new_live_page, raw)
    board.revoke()
    make_case(actor=operator)
    page.wait_for_selector("text=geçersiz ya da iptal edilmiş", timeout=CHANGE_SECONDS * 1000)
    assert page.locator("[data-figure]").count() == 0


def test_the_board_passes_axe_and_reads_on_a_phone(new_live_page, institution, roads, make_case):
    _board, raw = Wallboard.issue(institution, "Alo 153 salonu")
    make_case()
    make_case(unit=roads, category=None)
    page = open_board(new_live_page, raw)
    results = Axe().run(page).response
    blocking = [
        f"{violation['id']}: {node['target']}"
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
        for node in violation["nodes"]
    ]
    assert blocking == []
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
