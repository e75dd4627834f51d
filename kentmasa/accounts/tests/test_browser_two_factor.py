"""Two-factor sign-in in a real Chromium: the password, the enrolment page (the key read off the page, the
code computed from it as an authenticator app does), the recovery codes, signing out, and signing in again
with the password and a code."""

import os
import re

import pytest
from django.core.cache import cache

from kentmasa.accounts.models import SignInEvent
from kentmasa.accounts.tests.helpers import code_for_secret
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User

# Playwright's sync API runs an event loop in this thread; the test's own database reads are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _required(settings, transactional_db):
    settings.KENTMASA_2FA_REQUIRED = True
    cache.clear()  # the database cache is not emptied between transactional tests


def password(page, username: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def test_enrol_then_sign_in_with_password_and_code(new_page, make_user):
    administrator = make_user(User.Role.ADMINISTRATOR, "yonetici")
    page = new_page()
    password(page, "yonetici")
    page.wait_for_url(re.compile(r"/hesap/iki-adim/$"))
    assert page.locator("#enrol-qr svg").count() == 1
    # Another page is not open yet: back to the enrolment.
    page.goto("/kuyruk/")
    page.wait_for_url(re.compile(r"/hesap/iki-adim/$"))

    secret = page.inner_text("#enrol-secret")
    page.fill("#id_code", code_for_secret(secret))
    page.click("#enrol-submit")
    page.wait_for_url(re.compile(r"/hesap/iki-adim/kodlar/$"))
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    page.click("#recovery-continue")
    page.wait_for_function("() => !location.pathname.startsWith('/hesap/')")

    page.click("#logout")
    page.wait_for_url(re.compile(r"/giris/$"))
    password(page, "yonetici")
    page.wait_for_url(re.compile(r"/hesap/giris-kodu/$"))
    # The code of the next 30-second step: the one used to confirm is never accepted twice.
    page.fill("#id_code", code_for_secret(secret, steps_ahead=1))
    page.click("#code-submit")
    page.wait_for_function(
        "() => !location.pathname.startsWith('/hesap/') && location.pathname !== '/giris/'"
    )
    assert page.locator("#logout").count() == 1

    page.goto("/hesap/")
    assert page.locator("#two-factor-on").count() == 1
    assert page.locator("#my-sign-ins tbody tr").count() == 3  # signed in, set up, signed in
    kinds = list(SignInEvent.objects.filter(user=administrator).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["success", "enrolled", "success"]
