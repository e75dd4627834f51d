"""The task map in a real Chromium: an administrator opens it, sees the clusters and the mahalles, colours
the mahalles by another measure, and opens a mahalle's page from the map. Nothing may log an error or
break the Content-Security-Policy on the way.
"""

import os
import re

import pytest

from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.tests.test_browser import log_in

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_task_map_leads_to_a_mahalle_page(new_page, administrator, old_town, adana):
    page = new_page()
    problems = watch_console(page)
    log_in(page, "yonetici")
    page.wait_for_url(re.compile(r"/raporlar/$"))

    # 1. The map: the institution's five mahalles and the cases, grouped on the server.
    page.click("#nav-map")
    page.wait_for_url(re.compile(r"/raporlar/harita/$"))
    page.wait_for_selector("#task-map[data-areas='5']")
    page.wait_for_selector(".leaflet-marker-icon.cluster-icon")
    assert page.locator("path.mahalle").count() == 5
    page.wait_for_function("() => document.getElementById('map-status').textContent.includes('8')")
    assert page.locator("#map-legend li").count() >= 2
    assert page.locator("#mahalle-list tbody tr").count() == 5

    # A cluster zooms in when clicked, until the cases are single points with their subject as a tooltip.
    for _ in range(4):
        if page.locator("path.case-point").count():
            break
        page.locator(".leaflet-marker-icon.cluster-icon").first.click()
        page.wait_for_timeout(400)  # Leaflet's zoom animation; the points request follows moveend
        page.wait_for_load_state("networkidle")
    point = page.locator("path.case-point").first
    point.dispatch_event("mouseover")
    assert page.locator(".leaflet-tooltip").first.inner_text().strip() != ""

    # 2. Another measure: the layer is fetched again and the legend follows.
    page.select_option("#map-measure", "per_1000")
    page.wait_for_selector("#task-map[data-measure='per_1000']")
    assert "measure=per_1000" in page.url
    assert page.inner_text("#legend-measure") == page.locator("#map-measure option:checked").inner_text()
    turkocagi = adana["turkocagi"].pk
    # Türkocağı has the highest rate (2 cases, 500 residents); Ulucamii has no population on record.
    assert page.get_attribute(f'path[data-area="{turkocagi}"]', "data-class") != ""
    assert page.get_attribute(f'path[data-area="{adana["ulucamii"].pk}"]', "data-class") == ""

    # 3. A mahalle, clicked on the map (under its cluster, so the click goes to its boundary itself), opens
    # its analysis: Sarıyakup's three potholes, all at one corner.
    sariyakup = adana["sariyakup"].pk
    boundary = page.locator(f'path[data-area="{sariyakup}"]')
    box = boundary.bounding_box()
    boundary.dispatch_event(
        "click",
        {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2, "bubbles": True},
    )
    page.click(f"#mahalle-link-{sariyakup}")
    page.wait_for_url(re.compile(rf"/raporlar/mahalle/{sariyakup}/"))
    assert page.inner_text("#mahalle-name") == "Sarıyakup Mahallesi"
    categories = page.locator("#by-category tbody tr")
    assert categories.count() == 1
    assert categories.first.inner_text().split("\t")[:2] == ["Yol çökmesi / çukur", "3"]
    assert page.inner_text("#hotspots tbody tr td[data-figure=count]") == "3"
    page.wait_for_selector("#mahalle-map path.hotspot")  # the corner on the small map, inside the boundary

    assert problems == []


def test_the_console_map_asks_for_the_open_cases_in_view(new_page, operator, old_town):
    """Ayşe's console carries no case in its page: its map asks the task map's endpoint for the open cases
    of the blocks in view, draws them as groups, and a group clicked opens into the cases themselves."""
    page = new_page()
    problems = watch_console(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/raporlar/harita/noktalar" in r.url else None)
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    page.wait_for_selector("#location-map[data-loaded]")
    assert asked, "the console's map asked for its blocks"
    for url in asked:
        assert "status=active" in url and "bbox=" in url and "zoom=" in url, url
    config = page.inner_text("#location-map-config")
    for case in old_town.values():
        assert case.tracking_number not in config
        assert case.tracking_display not in config

    # Groups zoom in when clicked, and each new zoom's blocks are asked for, until the open cases are single
    # points. (The old town's groups overlap on the screen: the click goes to a group itself.)
    page.wait_for_selector("#location-map .leaflet-marker-icon.cluster-icon")
    for step in range(4):
        if step and page.locator("#location-map path.case-point:visible").count():
            break
        # data-loaded comes back when the blocks of the new view have all been fetched and drawn.
        page.evaluate("delete document.getElementById('location-map').dataset.loaded")
        page.locator("#location-map .leaflet-marker-icon.cluster-icon").first.dispatch_event("click")
        page.wait_for_selector("#location-map[data-loaded]", state="attached")
    assert len({url.split("zoom=")[1].split("&")[0] for url in asked}) > 1
    point = page.locator("#location-map path.case-point:visible").first
    point.dispatch_event("mouseover")
    shown = page.locator(".leaflet-tooltip").first.inner_text()
    located_open = Case.objects.filter(
        pk__in=[c.pk for c in old_town.values()], status__in=ACTIVE_STATUSES, latitude__isnull=False
    )
    assert any(case.tracking_display in shown for case in located_open), shown
    closed = Case.objects.filter(pk__in=[c.pk for c in old_town.values()]).exclude(status__in=ACTIVE_STATUSES)
    assert closed.exists()
    for case in closed:
        assert case.tracking_display not in shown
    assert problems == []
