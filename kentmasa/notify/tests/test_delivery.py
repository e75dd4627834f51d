"""Sending notifications: e-mail to a real SMTP server, SMS to the fake Netgsm over HTTP; claimed once,
retried with backoff, given up (and said so on the case), and the periodic safety net."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.cases.models import Event
from kentmasa.directory.models import User
from kentmasa.notify import delivery as sending
from kentmasa.notify.kinds import EMAIL, KINDS, PUSH, SMS
from kentmasa.notify.models import Delivery, Notification
from kentmasa.notify.tell import tell, tell_unit_mailbox
from kentmasa.notify.tests.fakes import fake_netgsm, mail_server

PUBLIC = "https://kentmasa.esenler.example"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.KENTMASA_PUBLIC_URL = PUBLIC


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


@pytest.fixture
def netgsm(settings):
    yield from fake_netgsm(settings)


@pytest.fixture
def ayse(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "ayse", units=[roads])
    user.first_name, user.last_name = "Ayşe", "Yılmaz"
    user.email = "ayse@esenler.example"
    user.mobile = "+905321234567"
    user.save()
    return user


def only(notification: Notification, medium: str) -> Delivery:
    return notification.deliveries.get(medium=medium)


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


# -- SMS -----------------------------------------------------------------------------------------------


def test_an_sms_goes_through_the_provider_with_a_short_text_and_an_absolute_link(ayse, make_case, netgsm):
    case = make_case()
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı: çukur", case=case, link="/vaka/x/")
    delivery = only(notification, SMS)
    assert sending.deliver(delivery.pk) == Delivery.State.SENT
    [request] = netgsm.sent()
    [message] = request.json["messages"]
    assert message["no"] == "5321234567"
    assert message["msg"] == f"kentmasa: Size bir vaka atandı: çukur {PUBLIC}/vaka/x/"
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 1
    assert delivery.sent_at is not None
    assert delivery.external_id == "17000001"


def test_a_long_text_is_cut_for_the_sms(ayse, netgsm):
    [notification] = tell([ayse], "assigned", "uzun " * 50)
    sending.deliver(only(notification, SMS).pk)
    text = netgsm.sent()[0].json["messages"][0]["msg"]
    assert text.endswith(f" {PUBLIC}/")
    assert len(text) <= 160
    assert " uzun uzun... " in text  # cut at a word's end


def test_a_delivery_is_sent_once_whoever_claims_it(ayse, netgsm):
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    delivery = only(notification, SMS)
    assert sending._claim(delivery.pk) is True
    assert sending._claim(delivery.pk) is False  # a second worker gets nothing
    assert sending.deliver(delivery.pk) == "skipped"
    assert netgsm.sent() == []
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.QUEUED)
    assert sending.deliver(delivery.pk) == Delivery.State.SENT
    assert sending.deliver(delivery.pk) == "skipped"
    assert len(netgsm.sent()) == 1


def test_a_delivery_waiting_for_quiet_hours_to_end_is_not_sent_before(ayse, netgsm):
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    delivery = only(notification, SMS)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=3))
    assert sending.deliver(delivery.pk) == "skipped"
    assert sending.send_due_deliveries.call() == 0
    assert netgsm.sent() == []


def test_a_temporary_failure_is_retried_with_backoff_then_given_up_on_the_case(ayse, make_case, netgsm):
    case = make_case()
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", case=case)
    delivery = only(notification, SMS)
    waits = []
    for attempt in range(1, sending.MAX_ATTEMPTS):
        netgsm.script.append((500, {"code": "99"}))
        before = timezone.now()
        assert sending.deliver(delivery.pk) == Delivery.State.QUEUED
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert "HTTP 500" in delivery.last_error
        assert delivery.next_attempt_at is not None
        waits.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
        assert sending.deliver(delivery.pk) == "skipped"  # not due yet
        make_due(delivery)
    assert waits == [1, 2, 4, 8]
    retries = DBTaskResult.objects.filter(task_path="kentmasa.notify.delivery.deliver_notification")
    assert retries.filter(run_after__isnull=False).count() == sending.MAX_ATTEMPTS - 1
    assert not Event.objects.filter(case=case, action="notify_failed").exists()
    netgsm.script.append((500, {"code": "99"}))
    assert sending.deliver(delivery.pk) == Delivery.State.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == sending.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    event = Event.objects.get(case=case, action="notify_failed")
    assert not event.public
    assert event.note.startswith("Ayşe Yılmaz kişisine SMS ile bildirilemedi (5 deneme): ")
    assert event.data == {"notification": notification.pk, "delivery": delivery.pk, "medium": SMS}
    assert len(netgsm.sent()) == sending.MAX_ATTEMPTS


def test_a_permanent_refusal_is_not_retried(ayse, make_case, netgsm):
    case = make_case()
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı", case=case)
    netgsm.script.append((406, {"code": "70", "description": "Invalid query"}))
    delivery = only(notification, SMS)
    assert sending.deliver(delivery.pk) == Delivery.State.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert "(kod 70)" in delivery.last_error
    assert Event.objects.filter(case=case, action="notify_failed").count() == 1


def test_an_error_that_is_not_a_send_error_is_retried(ayse, netgsm, settings):
    settings.KENTMASA_SMS_PROVIDER = "kentmasa.notify.tests.test_delivery.BrokenProvider"
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    delivery = only(notification, SMS)
    assert sending.deliver(delivery.pk) == Delivery.State.QUEUED
    delivery.refresh_from_db()
    assert delivery.last_error == "RuntimeError: the provider's library broke"


class BrokenProvider:
    """An SMS provider whose library raises something unexpected."""

    name = "broken"

    def can_reach(self, number: str) -> bool:
        return True

    def send(self, number: str, text: str):
        raise RuntimeError("the provider's library broke")


def test_an_account_closed_meanwhile_is_not_sent_to(ayse, netgsm):
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    User.objects.filter(pk=ayse.pk).update(is_active=False)
    delivery = only(notification, SMS)
    assert sending.deliver(delivery.pk) == Delivery.State.FAILED
    assert netgsm.sent() == []


def test_the_periodic_task_sends_what_is_due(ayse, netgsm):
    [first] = tell([ayse], "assigned", "Bir")
    [second] = tell([ayse], "assigned", "İki")
    Delivery.objects.filter(notification=second).update(
        next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert sending.send_due_deliveries.call() == 1
    assert only(first, SMS).state == Delivery.State.SENT
    assert only(second, SMS).state == Delivery.State.QUEUED
    assert sending.send_due_deliveries.call() == 0


def test_the_periodic_task_is_registered(settings):
    assert "kentmasa.notify.delivery.send_due_deliveries" in settings.KENTMASA_PERIODIC_TASKS


# -- e-mail --------------------------------------------------------------------------------------------


def test_an_email_reaches_the_mail_server(ayse, make_case, smtp):
    case = make_case()
    [notification] = tell([ayse], "escalated_1", "Vaka size yükseltildi", case=case, link="/vaka/x/")
    assert sending.deliver(only(notification, EMAIL).pk) == Delivery.State.SENT
    [mail] = smtp.mails
    assert smtp.recipients == [["ayse@esenler.example"]]
    assert mail["Subject"] == "kentmasa: Vaka size yükseltildi"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Vaka size yükseltildi" in text and f"{PUBLIC}/vaka/x/" in text
    assert f'href="{PUBLIC}/vaka/x/"' in html
    assert only(notification, EMAIL).external_id == mail["Message-ID"]


def test_a_deputy_s_email_says_for_whom(ayse, make_user, smtp):
    from kentmasa.notify.models import Deputy

    boss = make_user(User.Role.UNIT_MANAGER, "boss")
    boss.first_name, boss.last_name = "Mehmet", "Kaya"
    boss.save()
    now = timezone.now()
    Deputy.objects.create(
        principal=boss,
        deputy=ayse,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    [notification] = tell([boss], "escalated_1", "Vaka yükseltildi")
    sending.deliver(only(notification, EMAIL).pk)
    assert (
        "Bunu Mehmet Kaya adına vekil olarak alıyorsunuz." in smtp.mails[0].get_body(("plain",)).get_content()
    )


def test_a_refused_address_fails_at_once(ayse, make_case, smtp):
    case = make_case()
    smtp.refuse = "550 no such user"
    [notification] = tell([ayse], "escalated_1", "Vaka yükseltildi", case=case)
    delivery = only(notification, EMAIL)
    assert sending.deliver(delivery.pk) == Delivery.State.FAILED
    delivery.refresh_from_db()
    assert "550" in delivery.last_error
    assert "ayse@esenler.example" not in delivery.last_error  # redacted
    event = Event.objects.get(case=case, action="notify_failed")
    assert "E-posta" in event.note


def test_a_mail_server_that_is_down_is_tried_again(ayse, settings):
    from kentmasa.notify.tests.fakes import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    [notification] = tell([ayse], "escalated_1", "Vaka yükseltildi")
    assert sending.deliver(only(notification, EMAIL).pk) == Delivery.State.QUEUED


def test_a_unit_mailbox_gets_the_long_text(roads, make_case, smtp):
    case = make_case()
    roads.email = "fen@esenler.example"
    roads.save()
    tell_unit_mailbox(
        roads, "idle_warning", "İşlem yapılmadı", "Bu vakada kimse işlem yapmadı.\nLütfen bakın.", case=case
    )
    delivery = Delivery.objects.get()
    assert sending.deliver(delivery.pk) == Delivery.State.SENT
    [mail] = smtp.mails
    assert smtp.recipients == [["fen@esenler.example"]]
    assert mail["Subject"] == "kentmasa: İşlem yapılmadı"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Bu vakada kimse işlem yapmadı.\nLütfen bakın." in text
    assert f"{PUBLIC}/vaka/{case.tracking_number}/" in text


# -- Web Push ------------------------------------------------------------------------------------------


def test_push_without_a_subscription_left_fails_for_good(ayse, settings):
    from kentmasa.notify.models import PushSubscription

    subscription = PushSubscription.objects.create(
        user=ayse, endpoint="https://fcm.googleapis.com/fcm/send/x", p256dh="k", auth="a"
    )
    [notification] = tell([ayse], "assigned", "Size bir vaka atandı")
    delivery = only(notification, PUSH)
    subscription.delete()  # revoked meanwhile
    assert sending.deliver(delivery.pk) == Delivery.State.FAILED


def test_a_push_delivery_reaches_the_browser_decrypted(ayse, make_case, settings):
    from kentmasa.notify import webpush
    from kentmasa.notify.models import PushSubscription
    from kentmasa.notify.tests.fake_push import FakePushService

    public, private = webpush.new_key_pair()
    settings.KENTMASA_VAPID_PUBLIC_KEY, settings.KENTMASA_VAPID_PRIVATE_KEY = public, private
    settings.KENTMASA_VAPID_SUBJECT = "mailto:bilgi-islem@esenler.example"
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = True  # the fake push service is plain http on 127.0.0.1
    service = FakePushService(vapid_public_key=public).start()
    try:
        browser = service.subscribe()
        PushSubscription.objects.create(
            user=ayse,
            endpoint=browser["endpoint"],
            p256dh=browser["keys"]["p256dh"],
            auth=browser["keys"]["auth"],
        )
        case = make_case()
        [notification] = tell([ayse], "assigned", "Size bir vaka atandı", case=case, link="/vaka/x/")
        delivery = only(notification, PUSH)
        assert not notification.deliveries.filter(medium=SMS).exists()  # push reaches her: no fallback
        assert sending.deliver(delivery.pk) == Delivery.State.SENT
        [received] = service.received
        assert received.message == {
            "title": str(KINDS["assigned"].label),
            "body": "Size bir vaka atandı",
            "url": f"{PUBLIC}/vaka/x/",
            "tag": f"notification-{notification.pk}",
            "critical": False,
        }
        assert only(notification, PUSH).external_id == "1 subscription(s)"
        # The push service says the browser is gone: the delivery fails for good and the case says so.
        service.script.append(410)
        [again] = tell([ayse], "assigned", "Bir vaka daha", case=case)
        assert sending.deliver(only(again, PUSH).pk) == Delivery.State.FAILED
        assert not PushSubscription.objects.filter(user=ayse).exists()
        assert Event.objects.filter(case=case, action="notify_failed").count() == 1
    finally:
        service.stop()


def test_push_payload(ayse):
    [notification] = tell([ayse], "escalated_2", "İkinci müracaat yerine yükseltildi", link="/vaka/x/")
    payload = sending.push_payload(notification)
    assert payload == {
        "title": str(KINDS["escalated_2"].label),
        "body": "İkinci müracaat yerine yükseltildi",
        "url": f"{PUBLIC}/vaka/x/",
        "tag": f"notification-{notification.pk}",
        "critical": True,
    }


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/vaka/1/", f"{PUBLIC}/vaka/1/"),
        ("", f"{PUBLIC}/"),
        ("//evil.example/x", f"{PUBLIC}/"),
        ("https://evil.example/x", f"{PUBLIC}/"),
        ("javascript:alert(1)", f"{PUBLIC}/"),
    ],
)
def test_absolute_links_stay_on_the_site(link, expected):
    assert sending.absolute(link) == expected
