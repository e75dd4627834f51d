"""The console's topic list is an ARIA combobox, in a real Chromium: typing shows the suggestions with none
highlighted, ArrowDown then Enter takes the FIRST one, Escape closes the list.

Uses the Playwright fixtures of kentmasa/conftest.py.
"""

import re

import pytest
from django.core.cache import cache

from kentmasa.cases.tests.test_browser import log_in
from kentmasa.directory.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db):
    cache.clear()  # the database cache table keeps log-in counts between transactional tests


@pytest.fixture
def potholes(institution, category, roads):
    """Three topics that "çukur" finds, listed in Turkish order: Çukur…, Kaldırım…, Yol…"""
    pavement = Category.objects.create(institution=institution, name="Kaldırım çukuru", unit=roads)
    pit = Category.objects.create(institution=institution, name="Çukur kapağı açık", unit=roads)
    return [pit, pavement, category]


def console(new_page):
    page = new_page()
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    return page


def state(page) -> dict:
    return page.evaluate(
        """() => {
          const input = document.getElementById("id_category_search");
          const list = document.getElementById("category-options");
          return {
            role: input.getAttribute("role"),
            expanded: input.getAttribute("aria-expanded"),
            controls: input.getAttribute("aria-controls"),
            active: input.getAttribute("aria-activedescendant"),
            hidden: list.hidden,
            listRole: list.getAttribute("role"),
            selected: [...list.querySelectorAll("[role=option][aria-selected=true]")].map(o => o.id),
            options: [...list.querySelectorAll("[role=option]")].map(o => o.id),
          };
        }"""
    )


def test_arrow_down_and_enter_take_the_first_topic(new_page, operator, potholes):
    page = console(new_page)
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")

    shown = state(page)
    assert (shown["role"], shown["expanded"], shown["controls"]) == ("combobox", "true", "category-options")
    assert shown["listRole"] == "listbox" and not shown["hidden"]
    assert shown["options"] == [f"category-option-{c.pk}" for c in potholes]
    assert shown["selected"] == [] and shown["active"] is None  # nothing pre-highlighted

    page.keyboard.press("ArrowDown")
    first = f"category-option-{potholes[0].pk}"
    assert state(page)["active"] == first and state(page)["selected"] == [first]
    page.keyboard.press("Enter")

    assert page.input_value("#id_category") == str(potholes[0].pk)
    assert page.input_value("#id_category_search") == "Çukur kapağı açık"
    closed = state(page)
    assert closed["expanded"] == "false" and closed["active"] is None
    assert "Çukur kapağı açık" in page.inner_text("#category-chosen")


def test_arrow_down_pressed_before_the_suggestions_arrive_still_takes_the_first(new_page, operator, potholes):
    page = console(new_page)
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.keyboard.press("ArrowDown")  # at once, while the list is still on its way
    page.wait_for_selector("#category-options [role=option][aria-selected=true]")
    page.keyboard.press("Enter")

    assert page.input_value("#id_category") == str(potholes[0].pk)


def test_arrows_move_and_escape_closes(new_page, operator, potholes):
    page = console(new_page)
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")

    page.keyboard.press("ArrowUp")  # from nothing highlighted, up goes to the last
    assert state(page)["active"] == f"category-option-{potholes[2].pk}"
    page.keyboard.press("ArrowUp")
    assert state(page)["active"] == f"category-option-{potholes[1].pk}"

    page.keyboard.press("Escape")
    closed = state(page)
    assert (closed["expanded"], closed["hidden"], closed["active"]) == ("false", True, None)
    assert page.input_value("#id_category") == ""

    page.keyboard.press("ArrowDown")  # opens the list again on the first
    assert state(page)["expanded"] == "true"
    assert state(page)["active"] == f"category-option-{potholes[0].pk}"
    page.keyboard.press("Enter")
    assert page.input_value("#id_category") == str(potholes[0].pk)


def test_enter_with_nothing_highlighted_takes_only_an_unambiguous_topic(new_page, operator, potholes):
    page = console(new_page)
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")
    page.keyboard.press("Enter")  # three suggestions: nothing is taken, and the form is not sent
    assert page.input_value("#id_category") == "" and re.search(r"/konsol/$", page.url)

    page.fill("#id_category_search", "")
    page.keyboard.type("kaldırım")
    page.wait_for_selector(f"#category-option-{potholes[1].pk}")
    page.keyboard.press("Enter")  # one suggestion: that is the topic
    assert page.input_value("#id_category") == str(potholes[1].pk)
