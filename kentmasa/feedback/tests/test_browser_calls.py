"""The feedback call list in a real Chromium: Fatma opens Geri bildirim from the menu, finds Ayşe's pothole
first (the oldest), sees her phone as a tel: link, the answer and the unit, opens the call, records "reached,
not satisfied" with the reason, and is back on the list without it. The case is open again for the road
unit, with the reason on its timeline, and Hasan and Murat are told by name. On a phone: the rating link's
page, five big stars, one tap with "not solved" ticked reopens the case."""

import datetime as dt
import os
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Case, Event, Status
from kentmasa.conftest import PASSWORD
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, Mode
from kentmasa.notify.models import Notification

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def log_in(page, username: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol|raporlar)/$"))


def test_fatma_records_reached_not_satisfied_and_the_case_is_reopened(new_page, world):
    now = timezone.now()
    ayse = world.resolved(name="Ayşe Kaya", at=now - dt.timedelta(days=2))
    world.resolved(name="Ali Can", phone="+905551234567", at=now - dt.timedelta(hours=3))
    call = world.call_of(ayse)

    page = new_page()
    log_in(page, "fatma")
    page.click("#nav-feedback")
    page.wait_for_selector("#calls")
    rows = page.locator("#calls tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-tracking") == ayse.tracking_number  # oldest first
    phone = page.locator(f"#call-{call.pk}-phone")
    assert phone.get_attribute("href") == "tel:+905321234567" and phone.inner_text() == "0532 123 45 67"
    first = rows.first.inner_text()
    assert "Çukur asfaltla kapatıldı." in first and "Fen İşleri Müdürlüğü" in first

    page.click(f"#call-{call.pk}-record")
    page.wait_for_selector("#call-form")
    assert page.inner_text("#call-answer") == "Çukur asfaltla kapatıldı."
    page.check("#id_outcome_1")  # reached, not satisfied
    page.click("#call-submit")  # no reason: refused on the page, nothing written
    page.wait_for_selector("#reason-errors")
    assert "memnun olmama nedenini" in (page.text_content("#reason-errors") or "")
    assert Case.objects.get(pk=ayse.pk).status == Status.RESOLVED

    page.check("#id_outcome_1")
    page.check("#id_score_2")  # 2
    page.fill("#id_reason", "Çukur yeniden açılmış, su birikiyor.")
    page.click("#call-submit")
    page.wait_for_url(re.compile(r"/geri-bildirim/$"))
    assert "yeniden açıldı" in page.inner_text("#messages")
    assert page.locator("#calls tbody tr").count() == 1
    assert page.locator(f'#calls tr[data-tracking="{ayse.tracking_number}"]').count() == 0

    ayse.refresh_from_db()
    assert ayse.status == Status.ASSIGNED and ayse.unit == world.roads and ayse.assignee == world.hasan
    reopen = Event.objects.get(case=ayse, action="reopen")
    assert reopen.actor == world.fatma and "su birikiyor" in reopen.note
    told = {n.user.username for n in Notification.objects.filter(case=ayse, kind="feedback_not_satisfied")}
    assert told == {"hasan", "murat"}
    assert FeedbackCall.objects.get(pk=call.pk).score == 2

    # The case page shows the reopening on the timeline.
    page.goto(reverse("cases:detail", args=[ayse.tracking_number]))
    assert "su birikiyor" in page.inner_text("main")


def test_the_rating_page_on_a_phone_one_tap_with_not_solved_reopens_the_case(browser, live_server, world):
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    case = world.resolved(at=timezone.now() - dt.timedelta(hours=5))
    message = feedback.send_link(world.call_of(case).pk)
    assert message is not None
    path = "/degerlendir/" + message.body.split("/degerlendir/")[1].split("/")[0] + "/"

    context = browser.new_context(
        locale="tr-TR", base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(path)
        assert page.inner_text("h1") == "Memnun kaldınız mı?"
        stars = page.locator("button.star")
        assert stars.count() == 5
        for n in range(5):
            box = stars.nth(n).bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44  # big tap targets
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        page.check("#id_unsolved")
        page.fill("#id_comment", "Çukur aynen duruyor.")
        page.tap("#star-1")
        page.wait_for_selector("#rated")
        assert page.locator("#rated-reopened").is_visible()
        case.refresh_from_db()
        assert case.status == Status.ASSIGNED
        assert "Çukur aynen duruyor." in Event.objects.get(case=case, action="reopen").note
        # The link is single-use: opened again, it says so in Turkish.
        page.goto(path)
        assert "zaten kullanılmış" in page.inner_text("#rating-refused")
    finally:
        context.close()
