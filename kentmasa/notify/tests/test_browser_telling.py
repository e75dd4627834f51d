"""Staff are told, in a real Chromium: an answer waits for the unit manager's yes on his phone and then
reaches the citizen's tracking page; a missed deadline lands in the inbox of the person who holds the
application place, with the header's count."""

import datetime as dt
import os
import re

import pytest
from django.utils import timezone

from kentmasa.cases.models import Status
from kentmasa.directory.models import ApplicationPlace, User
from kentmasa.escalation import services as escalation
from kentmasa.notify.models import Action, Approval, ApprovalRule, Notification

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kentmasa-test-1"
ANSWER = "Çukur 3 Aralık'ta asfaltla kapatıldı, yol açık."


def log_in(page, username: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/(kuyruk|konsol)/$"))


def test_an_answer_waits_for_the_managers_tap_on_his_phone_then_the_citizen_reads_it(
    new_page, make_case, institution, service, road_staff, road_manager
):
    ApprovalRule.objects.create(institution=institution, service=service, action=Action.RESOLVE)
    case = make_case(received_at=timezone.now() - dt.timedelta(hours=2))

    # 1. The unit's staff writes the answer on the case page: it is sent for approval, not to the citizen.
    staff = new_page()
    log_in(staff, "road_staff")
    staff.goto(f"/vaka/{case.tracking_number}/")
    staff.click("#action-resolve")
    staff.fill("#id_resolve-resolution", ANSWER)
    staff.click("#submit-resolve")
    staff.wait_for_selector("#messages")
    assert "onay" in staff.inner_text("#messages").lower()
    case.refresh_from_db()
    assert case.status != Status.RESOLVED and case.resolution == ""
    approval = Approval.objects.get(case=case, state=Approval.State.PENDING)
    assert approval.approver == road_manager

    # The citizen's tracking page does not show an answer yet.
    citizen = new_page()
    citizen.set_viewport_size({"width": 390, "height": 844})
    citizen.goto("/basvuru/takip/")
    citizen.fill("#track-number", case.tracking_number)
    citizen.fill("#track-code", case.verification_code)
    citizen.click("#track-submit")
    citizen.wait_for_selector("#track-case")
    assert citizen.locator("#track-resolution").count() == 0
    assert "asfaltla" not in citizen.content()

    # 2. The manager, on his phone, sees the count in the header, opens the notification and taps Onayla.
    phone = new_page()
    phone.set_viewport_size({"width": 375, "height": 740})
    log_in(phone, "road_manager")
    assert phone.inner_text("#unread-count").split()[0] == "1"
    phone.goto("/bildirimler/")
    phone.click(f"#inbox li a >> text={case.subject}")
    phone.wait_for_url(re.compile(rf"/onay/{approval.pk}/$"))
    assert ANSWER in phone.inner_text("main")
    phone.click("#approve")
    phone.wait_for_url(re.compile(r"/onay/$"))
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolution == ANSWER
    # The notification was read by opening it.
    assert not Notification.objects.filter(user=road_manager, read_at__isnull=True).exists()

    # 3. The citizen's tracking page now shows the answer.
    citizen.goto("/basvuru/takip/")
    citizen.fill("#track-number", case.tracking_number)
    citizen.fill("#track-code", case.verification_code)
    citizen.click("#track-submit")
    citizen.wait_for_selector("#track-case")
    assert citizen.inner_text("#track-status").strip() == "Çözüldü"
    assert ANSWER in citizen.inner_text("#track-resolution")


def test_a_missed_deadline_reaches_the_inbox_of_the_first_application_place(
    new_page, make_case, make_user, institution, service, parks
):
    # The person who holds the service's first application place works in another unit: the case is not
    # theirs to see in a queue, but the escalation is theirs to hear about.
    holder = make_user(User.Role.UNIT_MANAGER, "sube_muduru", units=[parks])
    place = ApplicationPlace.objects.create(institution=institution, person_name="Hasan Aydoğan")
    place.holders.add(holder)
    service.first_application_place = place
    service.save()
    case = make_case(received_at=timezone.now() - dt.timedelta(days=60))
    assert case.due_at < timezone.now()

    page = new_page()
    log_in(page, "sube_muduru")
    assert "zero" in (page.get_attribute("#unread-count", "class") or "")

    result = escalation.sweep()
    assert result.first == 1

    page.reload()
    assert page.inner_text("#unread-count").split()[0] == "1"
    page.click("#nav-inbox")
    item = page.locator("#inbox li.unread")
    assert item.count() == 1
    text = item.inner_text()
    assert case.tracking_display in text and "ilk müracaat" in text.lower()
