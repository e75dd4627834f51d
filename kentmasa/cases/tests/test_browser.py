"""The screens that matter, in a real Chromium (Playwright driving Debian's chromium).

An operator records a case from a phone call, keyboard first; the unit resolves it; the citizen reads
the answer on the tracking page. These tests fail, never skip, when Chromium is missing.
"""

import os
import re

import pytest

from kentmasa.cases.models import Case, Citizen, Status

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kentmasa-test-1"


def log_in(page, username: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def test_phone_call_to_resolution_to_tracking(new_page, operator, road_staff, category):
    # 1. The operator takes the call. Everything after the login is typed; the category is picked by keys.
    page = new_page()
    log_in(page, "operator")
    page.wait_for_url(re.compile(r"/konsol/$"))
    page.keyboard.type("0532 111 22 33")  # the caller lookup has the focus
    page.wait_for_selector("#caller-results")
    page.fill("#id_citizen_name", "Zeynep Işıkçı")
    page.fill("#id_citizen_phone", "0532 111 22 33")
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")
    page.keyboard.press("Enter")
    assert page.input_value("#id_category") == str(category.pk)
    page.fill("#id_subject", "İnönü Caddesi'nde derin çukur")
    page.fill("#id_description", "Okulun önünde, araçlar zarar görüyor.")
    page.fill("#id_neighbourhood", "Reşatbey")
    page.click("#submit-case")

    message = page.wait_for_selector("#messages .new-case")
    number = page.inner_text("#new-tracking-number").strip()
    code = page.inner_text("#new-verification-code").strip()
    assert re.fullmatch(r"\d{2}-\d{7}-\d", number) and re.fullmatch(r"\d{6}", code)
    assert number in message.inner_text()
    case = Case.objects.get(tracking_number=number.replace("-", ""))
    assert (case.status, case.channel, case.unit, case.verification_code) == (
        Status.NEW,
        "phone",
        category.unit,
        code,
    )
    assert Citizen.objects.get(phone="+905321112233").name == "Zeynep Işıkçı"

    # 2. The road unit's staff resolves it from the case page.
    unit_page = new_page()
    log_in(unit_page, "road_staff")
    unit_page.goto(f"/vaka/{case.tracking_number}/")
    unit_page.click("#action-resolve")
    unit_page.fill("#id_resolve-resolution", "Çukur 24 Kasım'da asfaltla kapatıldı.")
    unit_page.click("#submit-resolve")
    unit_page.wait_for_selector("#case-status[data-status=resolved]")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolution.startswith("Çukur 24 Kasım")

    # 3. The citizen, on their phone, reads the answer with the number and code they were given.
    citizen = new_page()
    citizen.set_viewport_size({"width": 390, "height": 844})
    citizen.goto("/basvuru/takip/")
    citizen.fill("#track-number", number)
    citizen.fill("#track-code", code)
    citizen.click("#track-submit")
    citizen.wait_for_selector("#track-case")
    assert citizen.inner_text("#track-status").strip() == "Çözüldü"
    assert "asfaltla kapatıldı" in citizen.inner_text("#track-resolution")
    assert "road_staff" not in citizen.content() and "Unit Staff" not in citizen.content()


def test_tracking_with_a_wrong_code_shows_nothing(new_page, make_case):
    case = make_case()
    wrong = f"{(int(case.verification_code) + 1) % 10**6:06d}"
    page = new_page()
    page.goto("/basvuru/takip/")
    page.fill("#track-number", case.tracking_number)
    page.fill("#track-code", wrong)
    page.click("#track-submit")
    page.wait_for_selector("#track-error")
    assert page.locator("#track-case").count() == 0
    assert case.subject not in page.content()


def test_unit_staff_cannot_open_another_units_case(new_page, park_staff, make_case):
    case = make_case()
    page = new_page()
    log_in(page, "park_staff")
    page.wait_for_url(re.compile(r"/kuyruk/$"))
    assert page.locator(f"#case-{case.tracking_number}").count() == 0
    response = page.goto(f"/vaka/{case.tracking_number}/")
    assert response.status == 404
