"""The maps by keyboard, in a real Chromium, with demo-like data: sixty located cases in Seyhan's old town.

Leaflet's tooltips listen for focus on the shapes they belong to, and Chromium makes such an SVG shape a Tab
stop: on the demo, 840 of the task map's 864 Tab stops and 104 of the console's 126 were unnamed points and
outlines. Now no shape is a Tab stop; the task map is one stop of its own (the arrow keys move it, + and -
zoom) with its two zoom buttons, the console's map none, and a "Skip the map" link leads past each map.
"""

import os
import re
from typing import Any

import pytest

from kentmasa.cases.tests.test_browser import log_in
from kentmasa.reports.tests.conftest import SARIYAKUP, TURKOCAGI, ULUCAMII, nudge, place

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the focus is, described; ``shape`` when it is a marker, a point or an outline of a map.
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  window.kentmasaSeen = window.kentmasaSeen || new WeakSet();
  const again = window.kentmasaSeen.has(element);
  const same = element === window.kentmasaLast;  // a date field's day, month and year are one element
  window.kentmasaSeen.add(element);
  window.kentmasaLast = element;
  return {
    again: again,
    same: same,
    id: element.id,
    tag: element.tagName.toLowerCase(),
    name: (element.getAttribute("aria-label") || element.textContent || "").trim().slice(0, 40),
    map: element.closest(".leaflet-container") ? element.closest(".leaflet-container").id : "",
    shape: !!element.closest(".leaflet-pane"),
  };
}"""


# The group of the most cases is clicked (the groups come in as their blocks load, in no set order).
BIGGEST_GROUP_CLICKED = """() => {
  const icons = Array.from(document.querySelectorAll("#task-map .cluster-icon"));
  icons.sort((a, b) => Number(b.textContent.replace(/\\D/g, "")) - Number(a.textContent.replace(/\\D/g, "")));
  icons[0].dispatchEvent(new MouseEvent("click", { bubbles: true }));
}"""


def focused(page) -> Any:
    """The focused element's description (a dict), or None while only the page itself has focus."""
    return page.evaluate(FOCUSED)


def tab_stops(page, most: int = 400) -> list[dict]:
    """Every Tab stop of the page once round, from the first: Tab until an element comes back."""
    page.evaluate("window.kentmasaSeen = new WeakSet()")
    page.evaluate("document.querySelector('a[href], button, input, select, textarea, summary').focus()")
    stops: list[dict] = [focused(page)]
    for _ in range(most):
        page.keyboard.press("Tab")
        here = focused(page)
        if here is None or here["same"]:  # between the end of the page and its start; a date's parts
            continue
        if here["again"]:
            return stops
        stops.append(here)
    raise AssertionError(f"more than {most} Tab stops")


def tabs_between(page, start: str, end: str, most: int = 200) -> list[dict]:
    """The stops passed on the way from the element ``start`` to ``end`` (both ids), ``end`` included."""
    page.focus(f"#{start}")
    page.evaluate("window.kentmasaSeen = new WeakSet()")
    passed: list[dict] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        here = focused(page)
        if here and here["same"]:
            continue
        passed.append(here)
        if here and here["id"] == end:
            return passed
    raise AssertionError(f"#{end} not reached in {most} Tabs from #{start}")


@pytest.fixture
def busy_old_town(old_town, make_case):
    """old_town's nine cases and 52 more on a 10-metre grid around the three old-town mahalles' points:
    clusters on the map, and single points once zoomed in."""
    cases = dict(old_town)
    for index in range(52):
        corner, name = [
            (SARIYAKUP, "Sarıyakup Mh."),
            (TURKOCAGI, "Türkocağı Mh."),
            (ULUCAMII, "Ulucamii Mh."),
        ][index % 3]
        point = nudge(corner, metres_north=10 * (index // 6), metres_east=10 * (index % 6))
        cases[f"grid_{index}"] = make_case(
            subject=f"Çukur {index + 1}", location=place(point, "Seyhan", name)
        )
    return cases


def shapes_without_tabindex(page, selector: str) -> int:
    """Map shapes that could still be Tab stops (every one carries tabindex=-1)."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector + " path, " + selector
             + " .leaflet-marker-icon")).filter((el) => el.getAttribute("tabindex") !== "-1"
             && (el.tagName.toLowerCase() === "path" || el.hasAttribute("tabindex"))).length""",
        selector,
    )


def test_the_task_map_is_one_tab_stop_and_a_skip_link_leads_past_it(new_page, administrator, busy_old_town):
    page = new_page()
    log_in(page, "yonetici")
    page.wait_for_url(re.compile(r"/raporlar/$"))
    page.goto("/raporlar/harita/")
    page.wait_for_selector("#task-map[data-areas='5']")
    page.wait_for_selector(".leaflet-marker-icon.cluster-icon")
    # Zoom in (clicking groups, as a mouse user does) until most cases are single points.
    drawn_cases = (
        "() => document.querySelectorAll('#task-map path.case-point, #task-map .cluster-icon').length"
    )
    for _ in range(6):
        page.wait_for_function(drawn_cases)
        page.wait_for_load_state("networkidle")
        if page.locator("path.case-point").count() >= 15 or not page.locator(".cluster-icon").count():
            break
        page.evaluate(BIGGEST_GROUP_CLICKED)
        page.wait_for_timeout(600)  # Leaflet's zoom animation, then the points request after moveend
    drawn = page.locator("path.case-point").count() + page.locator("path.mahalle").count()
    assert drawn >= 20

    stops = tab_stops(page)

    in_map = [(stop["id"] or stop["name"]) for stop in stops if stop["map"] == "task-map"]
    assert in_map == ["task-map", "Yakınlaştır", "Uzaklaştır"]
    assert [stop for stop in stops if stop["shape"]] == []
    assert shapes_without_tabindex(page, "#task-map") == 0
    assert len(stops) < 40, [stop["id"] or stop["name"] for stop in stops]

    # The skip link comes just before the map and leads to the legend beside it, then on to the table.
    order = [stop["id"] for stop in stops]
    assert order[order.index("task-map-skip") + 1] == "task-map"
    page.focus("#task-map-skip")
    assert page.is_visible("#task-map-skip")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "legend-heading"
    page.keyboard.press("Tab")
    after = focused(page)
    assert after["map"] == "" and after["tag"] == "summary"
    page.keyboard.press("Enter")  # the mahalles as a table: each one a link to its page
    page.keyboard.press("Tab")
    assert re.search(r"/raporlar/mahalle/\d+/", page.evaluate("document.activeElement.href"))

    # The map itself answers the keyboard: - zooms out, and the points gather into groups again.
    points = page.locator("path.case-point").count()
    page.focus("#task-map")
    for _ in range(3):
        page.keyboard.press("Minus")
    page.wait_for_function(f"() => document.querySelectorAll('path.case-point').length < {points}")


def test_from_longitude_to_save_on_the_console_passes_no_marker(new_page, operator, busy_old_town):
    page = new_page()
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    # The still open located cases, old_town's six and the grid's 52, asked for by the map
    # (kentmasa/map_blocks.js) and drawn as groups and points.
    page.wait_for_selector("#location-map[data-loaded]", state="attached")
    drawn = page.evaluate(
        """() => Array.from(document.querySelectorAll("#location-map .cluster-icon"))
             .reduce((sum, icon) => sum + parseInt(icon.textContent, 10), 0)
             + document.querySelectorAll("#location-map path.case-point").length"""
    )
    assert drawn == 58
    assert page.locator("#location-map .cluster-icon").count() >= 1

    passed = tabs_between(page, "id_longitude", "submit-case")

    # The skip link, the on-the-spot resolution's two fields, and Save.
    assert [stop["id"] for stop in passed] == [
        "location-map-skip",
        "id_resolve_now",
        "id_resolution",
        "submit-case",
    ]
    assert shapes_without_tabindex(page, "#location-map") == 0
    stops = tab_stops(page)
    assert [stop for stop in stops if stop["map"] or stop["shape"]] == []

    # The skip link leads past the map, to the hint under it; the next Tab goes on with the form.
    page.focus("#location-map-skip")
    assert page.is_visible("#location-map-skip")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "location-map-end"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_resolve_now"


def test_the_case_and_mahalle_maps_are_pictures_with_nothing_to_focus(
    new_page, administrator, busy_old_town, adana
):
    page = new_page()
    log_in(page, "yonetici")
    page.wait_for_url(re.compile(r"/raporlar/$"))
    focusable_inside = """(selector) => document.querySelector(selector)
        .querySelectorAll("a, button, input, [tabindex]:not([tabindex='-1'])").length"""

    case = busy_old_town["sariyakup_late"]
    page.goto(f"/vaka/{case.tracking_number}/")
    page.wait_for_selector("#case-map path.leaflet-interactive")
    assert page.get_attribute("#case-map", "role") == "img"
    assert page.evaluate(focusable_inside, "#case-map") == 0
    assert [stop for stop in tab_stops(page) if stop["map"] or stop["shape"]] == []
    page.focus("#case-map-skip")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "case-coordinates"

    page.goto(f"/raporlar/mahalle/{adana['sariyakup'].pk}/")
    page.wait_for_selector("#mahalle-map path.case-point")
    listed = page.locator("#mahalle-case-list tbody tr").count()
    # Sarıyakup: old_town's three and the grid's eighteen, all located, all on the map.
    assert listed == 21
    assert page.locator("#mahalle-map path.case-point").count() == listed
    assert page.evaluate(focusable_inside, "#mahalle-map") == 0
    assert [stop for stop in tab_stops(page) if stop["map"] or stop["shape"]] == []
    page.focus("#mahalle-map-skip")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "cases-heading"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/vaka/")
