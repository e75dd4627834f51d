"""Replies on the citizen's channel: made once per event, sent by a task, retried, shown on failure."""

import datetime as dt
from typing import ClassVar

import pytest
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Event
from kentmasa.channels import replies, tasks
from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.models import Message, ReplyTemplate

pytestmark = pytest.mark.django_db
OUTBOX: list[Message] = []


class RecordingSender:
    channel = "sms"
    failures: ClassVar[list[SendError]] = []

    def can_reach(self, message):
        return True

    def send(self, message):
        if self.failures:
            raise self.failures.pop(0)
        OUTBOX.append(message)
        return Sent(external_id=f"prov-{message.pk}")


@pytest.fixture(autouse=True)
def recording(settings):
    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.RecordingSender"}
    OUTBOX.clear()
    RecordingSender.failures = []


@pytest.fixture
def phone_case(make_case, institution):
    citizen = find_or_create_citizen(institution, name="Ayşe Kaya", phone="+905321234567")
    return make_case(citizen=citizen)


def run_due():
    """What the worker does: every queued message whose time has come."""
    for message in Message.objects.filter(state=Message.State.QUEUED):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.deliver(message.pk)


def test_a_resolved_phone_case_is_answered_by_sms_once(
    phone_case, road_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.resolve(phone_case, actor=road_staff, resolution="Çukur kapatıldı.")
    message = Message.objects.get(direction="out", template="resolve")
    assert (message.channel, message.address, message.state) == ("sms", "+905321234567", "queued")
    assert "Çukur kapatıldı." in message.body and "Esenler Belediyesi" in message.body
    event = Event.objects.get(case=case, action="resolve")
    # The same event announced again makes nothing new.
    assert replies.make_reply(case, event) is None
    run_due()
    run_due()
    message.refresh_from_db()
    assert message.state == "sent" and message.external_id == f"prov-{message.pk}"
    assert [m.pk for m in OUTBOX] == [message.pk]


def test_internal_events_and_unreachable_citizens_get_nothing(make_case, road_staff, road_manager):
    anonymous = make_case()
    services.comment(anonymous, actor=road_staff, note="İç not")
    event = services.resolve(anonymous, actor=road_staff, resolution="Yapıldı.").events.last()
    assert event is not None
    assert replies.make_reply(anonymous, event) is None
    assert not Message.objects.exists()


def test_an_institution_template_overrides_the_default(phone_case, road_staff, institution):
    ReplyTemplate.objects.create(
        institution=institution,
        channel="sms",
        action="resolve",
        body="Sayın vatandaşımız, {{ tracking_number }}: {{ note }}",
    )
    case = services.resolve(phone_case, actor=road_staff, resolution="Tamamlandı.")
    message = replies.make_reply(case, case.events.get(action="resolve"))
    assert message.body.startswith("Sayın vatandaşımız, 26-") and message.body.endswith("Tamamlandı.")


def test_failures_are_retried_with_backoff_then_shown_on_the_case(phone_case, road_staff):
    case = services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    message = replies.make_reply(case, case.events.get(action="resolve"))
    RecordingSender.failures = [SendError("provider timeout")] * tasks.MAX_ATTEMPTS
    before = timezone.now()
    assert tasks.deliver(message.pk) == "queued"
    message.refresh_from_db()
    assert message.next_attempt_at is not None
    assert message.attempts == 1 and message.next_attempt_at >= before + dt.timedelta(minutes=1)
    assert tasks.deliver(message.pk) == "skipped"  # not due yet: nobody sends it early
    for _ in range(tasks.MAX_ATTEMPTS - 1):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.deliver(message.pk)
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("failed", tasks.MAX_ATTEMPTS)
    note = case.events.filter(action="comment").last()
    assert note is not None and not note.public and "gönderilemedi" in note.note
    assert OUTBOX == []


def test_a_permanent_failure_is_not_retried(phone_case, road_staff):
    case = services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    message = replies.make_reply(case, case.events.get(action="resolve"))
    RecordingSender.failures = [SendError("numara geçersiz", permanent=True)]
    assert tasks.deliver(message.pk) == "failed"


def test_replies_are_suppressed_while_history_is_replayed(
    phone_case, road_staff, django_capture_on_commit_callbacks
):
    with replies.suppressed(), django_capture_on_commit_callbacks(execute=True):
        services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    assert not Message.objects.exists()


def test_staff_see_a_failed_reply_on_the_case_page(phone_case, road_staff, operator, client):
    case = services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    message = replies.make_reply(case, case.events.get(action="resolve"))
    RecordingSender.failures = [SendError("numara geçersiz", permanent=True)]
    tasks.deliver(message.pk)
    client.force_login(operator)
    page = client.get(f"/vaka/{case.tracking_number}/").content.decode()
    assert f'id="message-{message.pk}" data-state="failed"' in page
    assert "numara geçersiz" in page and "+905321234567" in page
    client.force_login(road_staff)  # unit staff see the failure, not the citizen's number
    page = client.get(f"/vaka/{case.tracking_number}/").content.decode()
    assert f'id="message-{message.pk}"' in page and "+905321234567" not in page


def test_a_broken_template_does_not_break_the_committed_action(
    phone_case, road_staff, institution, django_capture_on_commit_callbacks
):
    ReplyTemplate.objects.create(institution=institution, action="resolve", body='{% url "does-not-exist" %}')
    with django_capture_on_commit_callbacks(execute=True):
        case = services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    case.refresh_from_db()
    assert case.status == "resolved"
    assert not Message.objects.filter(template="resolve").exists()
    assert case.events.filter(action="comment", public=False, note__contains="şablon").exists()


def test_the_log_sender_refuses_to_pretend_in_production(phone_case, road_staff, settings):
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.sender.LogSender"}
    settings.KENTMASA_PRODUCTION = True
    case = services.resolve(phone_case, actor=road_staff, resolution="Yapıldı.")
    message = replies.make_reply(case, case.events.get(action="resolve"))
    assert tasks.deliver(message.pk) == "failed"
    settings.KENTMASA_PRODUCTION = False
    other = services.reopen(case, actor=None, note="Tekrar")
    other = services.resolve(other, actor=road_staff, resolution="Bu kez gerçekten.")
    last_resolve = other.events.filter(action="resolve").last()
    assert last_resolve is not None
    second = replies.make_reply(other, last_resolve)
    assert tasks.deliver(second.pk) == "sent"
