"""WCAG 2.1 AA in a real Chromium: axe-core finds no serious or critical violation on the main citizen and
staff screens, and every one of them reflows at 320 CSS pixels (a phone, or 400 % zoom) without scrolling
sideways; the queue fits at 640 pixels (200 % zoom of a 1280-pixel window).

axe-core comes from PyPI (axe-playwright-python bundles axe.min.js); it runs through Playwright's evaluate,
so the pages keep their Content-Security-Policy.
"""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Kind
from kentmasa.cases.tests.test_browser import log_in
from kentmasa.directory.models import Institution
from kentmasa.places.importer import import_features
from kentmasa.reports.tests.conftest import SARIYAKUP, TURKOCAGI, adana_features, place

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}
PHONE = (320, 640)


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db, settings):
    # The database cache table is not emptied between transactional tests: start without old counts.
    cache.clear()
    settings.KENTMASA_PUBLIC_RATE = "1000/d"


@pytest.fixture
def institution(db):
    """Adana, whose mahalles are loaded, so the task map has boundaries, a legend and its table."""
    return Institution.objects.create(
        slug="adana-bb",
        name="Adana Büyükşehir Belediyesi",
        kind=Institution.Kind.METROPOLITAN,
        province="Adana",
    )


@pytest.fixture
def seyhan(institution, make_case, road_manager, road_staff):
    """Three cases in Seyhan's old town: an overdue pothole, one in work with a long subject, one resolved."""
    report = import_features(adana_features(), source="test")
    assert not report.skipped, report.skipped
    late = make_case(subject="Sarıyakup'ta çukur", location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."))
    long_one = make_case(
        subject="Türkocağı Mahallesi Abidinpaşa Caddesi'ndeki yağmur ızgarası tıkandı, yol göle döndü",
        channel=Channel.WEB,
        location=place(TURKOCAGI, "Seyhan", "Türkocağı Mh."),
    )
    services.assign(long_one, actor=road_manager, assignee=road_staff)
    done = make_case(subject="Kapanan çukur", location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."))
    services.resolve(done, actor=road_manager, resolution="Asfaltlandı.")
    return {"late": late, "long": long_one, "done": done}


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one readable line per element."""
    results = AXE.run(page).response
    return [
        f"{violation['id']} ({violation['impact']}) {violation['help']}: {node['target']} {node['html'][:90]}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


def overflow(page, width: int, height: int = 640) -> int:
    """How many pixels the page is wider than a window ``width`` pixels wide (0: it reflows)."""
    page.set_viewport_size({"width": width, "height": height})
    return page.evaluate("document.documentElement.scrollWidth") - width


# The elements sticking out furthest to the right, to say on failure what does not reflow.
WIDEST = """width => Array.from(document.querySelectorAll("body *"))
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .map(e => [Math.round(e.getBoundingClientRect().right),
             e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string"
               && e.className ? "." + e.className.trim().split(/\\s+/).join(".") : "")])
  .sort((a, b) => b[0] - a[0]).slice(0, 6)"""


def check(page, name: str, problems: list[str], *, at: tuple[int, ...] = (320,)) -> None:
    """axe at desktop width, then the reflow at each narrow width; the page is left at 1280 pixels."""
    page.set_viewport_size({"width": 1280, "height": 900})
    problems.extend(f"{name}: {line}" for line in blocking_violations(page))
    for width in at:
        extra = overflow(page, width)
        if extra > 0:
            widest = page.evaluate(WIDEST, width)
            problems.append(f"{name}: {extra} px wider than a {width} px window; widest: {widest}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_citizen_pages_pass_axe_and_reflow_at_320_pixels(new_page, seyhan, category):
    problems: list[str] = []
    page = new_page()

    page.goto("/basvuru/")  # the only institution: straight to its form
    page.wait_for_selector("#case-form")
    check(page, "form", problems)

    page.click("#case-submit")  # nothing filled in
    page.wait_for_selector("#form-errors")
    check(page, "form with errors", problems)

    page.goto("/basvuru/takip/")
    check(page, "tracking", problems)
    page.fill("#track-number", seyhan["long"].tracking_number)
    page.fill("#track-code", "000000" if seyhan["long"].verification_code != "000000" else "111111")
    page.click("#track-submit")
    page.wait_for_selector("#track-error")
    check(page, "tracking with an error", problems)

    page.fill("#track-number", seyhan["long"].tracking_number)
    page.fill("#track-code", seyhan["long"].verification_code)
    page.click("#track-submit")
    page.wait_for_selector("#track-case")
    check(page, "tracked case", problems)

    page.goto("/basvuru/kvkk/?kurum=adana-bb")
    check(page, "KVKK notice", problems)

    page.goto("/giris/")
    check(page, "log-in", problems)

    assert not problems, "\n".join(problems)


def test_the_staff_pages_pass_axe_and_reflow(new_page, seyhan, operator, road_manager):
    problems: list[str] = []
    page = new_page()
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    page.wait_for_selector("#caller-lookup")
    check(page, "console", problems)

    page = new_page()
    log_in(page, "road_manager")
    page.wait_for_url(re.compile(r"/kuyruk/$"))
    check(page, "queue", problems, at=(320, 640))

    page.goto(f"/vaka/{seyhan['long'].tracking_number}/")
    page.wait_for_selector("#case-status")
    check(page, "case page", problems)

    page.goto("/raporlar/")
    check(page, "overview", problems)

    page.goto("/raporlar/harita/")
    page.wait_for_selector("#task-map[data-areas]", state="attached")
    page.wait_for_selector("#mahalle-list tbody tr", state="attached")
    check(page, "task map", problems)

    assert not problems, "\n".join(problems)


def test_the_queue_reads_without_sideways_scrolling_at_200_percent_zoom(new_page, seyhan, road_manager):
    """Chromium at 200 % zoom of a 1280-pixel window lays the page out 640 CSS pixels wide."""
    page = new_page()
    page.set_viewport_size({"width": 640, "height": 450})
    log_in(page, "road_manager")
    page.wait_for_url(re.compile(r"/kuyruk/$"))
    assert overflow(page, 640, 450) <= 0
    row = page.locator(f"#case-{seyhan['long'].tracking_number}")
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 640
    assert "yol göle döndü" in row.inner_text()


def test_a_failed_application_moves_focus_to_a_linked_list_of_every_error(new_page, seyhan, category):
    page = new_page()
    page.goto("/basvuru/adana-bb/")
    page.select_option("#id_kind", Kind.REQUEST)
    page.fill("#id_subject", "Çukur")
    page.click("#case-submit")
    page.wait_for_selector("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    links = page.locator("#form-errors a")
    targets = [links.nth(index).get_attribute("href") for index in range(links.count())]
    # Topic, the text, the contact (phone and e-mail) and the KVKK acknowledgement; the subject was given.
    assert targets == ["#id_category", "#id_text", "#id_phone", "#id_email", "#id_kvkk"]
    page.click("#form-errors a[href='#id_text']")
    assert page.evaluate("document.activeElement.id") == "id_text"


def test_a_failed_look_up_moves_focus_to_its_summary(new_page, seyhan):
    page = new_page()
    page.goto("/basvuru/takip/")
    page.click("#track-submit")  # both fields empty
    page.wait_for_selector("#form-errors")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert [page.locator("#form-errors a").nth(i).get_attribute("href") for i in range(2)] == [
        "#track-number",
        "#track-code",
    ]

    page.fill("#track-number", seyhan["late"].tracking_number)
    page.fill("#track-code", "000000" if seyhan["late"].verification_code != "000000" else "111111")
    page.click("#track-submit")
    page.wait_for_selector("#track-error")
    assert page.evaluate("document.activeElement.id") == "form-errors"


def test_invalid_fields_show_the_error_colour(new_page, seyhan):
    error_red = "rgb(179, 38, 30)"
    page = new_page()
    page.goto("/basvuru/adana-bb/")
    page.click("#case-submit")
    page.wait_for_selector("#form-errors")
    for field in ("#id_category", "#id_subject", "#id_text", "#id_phone"):
        assert page.eval_on_selector(field, "e => getComputedStyle(e).borderTopColor") == error_red, field
    assert page.eval_on_selector("#id_name", "e => getComputedStyle(e).borderTopColor") != error_red

    page.goto("/giris/")
    page.click("#login-submit")
    page.wait_for_selector("#field-username.has-error")
    assert page.eval_on_selector("#id_username", "e => getComputedStyle(e).borderTopColor") == error_red


# --- contrast (WCAG 1.4.11) and the reader's font size (1.4.4)

SURROUNDING = """e => { let node = e.parentElement;
  while (node) { const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)") return colour; node = node.parentElement; }
  return "rgb(255, 255, 255)"; }"""


def rgb(css: str) -> tuple[int, int, int]:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css)[:3])
    return red, green, blue


def contrast(first: str, second: str) -> float:
    def luminance(colour: tuple[int, int, int]) -> float:
        linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(rgb(first)), luminance(rgb(second))), reverse=True)
    return round((lighter + 0.05) / (darker + 0.05), 2)


def border_and_focus(page, selector: str) -> dict:
    """The field's border and, once focused, its outline, each against what lies around it."""
    element = page.locator(selector).first
    around = element.evaluate(SURROUNDING)
    border = element.evaluate("e => getComputedStyle(e).borderTopColor")
    element.focus()
    outline = element.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineColor]")
    assert outline[0] != "none", f"{selector} shows no focus outline"
    return {"border": contrast(border, around), "focus": contrast(outline[1], around)}


def test_field_borders_and_focus_rings_stand_out_3_to_1(new_page, seyhan, road_manager):
    page = new_page()
    page.goto("/basvuru/adana-bb/")
    measured = {
        "citizen field": border_and_focus(page, "#id_subject"),
        "citizen select": border_and_focus(page, "#id_kind"),
        "citizen header link": {"focus": border_and_focus(page, ".pub-nav a")["focus"]},
    }
    page = new_page()
    page.goto("/giris/")
    measured["staff field"] = border_and_focus(page, "#id_username")
    log_in(page, "road_manager")
    page.wait_for_url(re.compile(r"/kuyruk/$"))
    measured["staff select"] = border_and_focus(page, "#queue-filters select")
    measured["staff top bar link"] = {"focus": border_and_focus(page, "#nav-queue")["focus"]}
    ratios = {f"{name} {part}": ratio for name, parts in measured.items() for part, ratio in parts.items()}
    print(ratios)
    assert min(ratios.values()) >= 3, ratios


def test_staff_pages_follow_the_font_size_the_reader_chose(new_page, road_manager):
    page = new_page()
    # The browser's own setting (chrome://settings/fonts), as a reader with poor sight sets it: 24 px.
    page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 24}})
    log_in(page, "road_manager")
    page.wait_for_url(re.compile(r"/kuyruk/$"))
    root = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    heading = page.eval_on_selector("h1", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert (root, heading) == (22.5, 33.75)  # 15 px and 22.5 px at the default 16 px, scaled by 24/16
