"""SMS: the signed intake webhook, threading replies, Netgsm over real HTTP, reports."""

import datetime as dt
import hashlib
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Case, Status
from kentmasa.cases.tracking import find_tracking_numbers, format_tracking_number
from kentmasa.channels import base, tasks
from kentmasa.channels.models import Message
from kentmasa.channels.sms.netgsm import NetgsmSender
from kentmasa.channels.sms.options import config
from kentmasa.channels.sms.reports import poll_provider
from kentmasa.channels.sms.views import sign
from kentmasa.directory.models import Institution
from kentmasa.lib import outbound
from kentmasa.lib.sms import options as sms_options
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm

SECRET = "paylasilan-sir"
AYSE = "+905321234567"
INBOUND = "/kanal/sms/gelen/"
REPORT = "/kanal/sms/rapor/"


# --- the fake provider and the webhook --------------------------------------------------------------


@pytest.fixture
def netgsm():
    fake = FakeNetgsm().start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_settings(settings, netgsm):
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.netgsm.NetgsmSender"}
    settings.KENTMASA_SMS = {
        "webhook_secret": SECRET,
        "numbers": {"155": "eskisehir-emniyet", "0 444 01 53": "esenler"},
        "institution": "esenler",
        "reply_window_days": 3,
        "turkish": True,
        "netgsm_username": netgsm.username,
        "netgsm_password": netgsm.password,
        "netgsm_msgheader": netgsm.msgheader,
        "netgsm_base_url": netgsm.url,
        "timeout": 5,
    }
    return settings.KENTMASA_SMS


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )


def post(client, payload, *, secret=SECRET, url=INBOUND, form=False, signature=None):
    if form:
        body = urlencode(payload).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        content_type = "application/json"
    headers = {}
    if signature is not None or secret:
        headers["X-Kentmasa-Signature"] = signature if signature is not None else sign(body, secret)
    return client.generic("POST", url, body, content_type=content_type, headers=headers)


def ayse_says(text, message_id="netgsm-in-1", to="4440153"):
    return {"message_id": message_id, "from": "0532 123 45 67", "to": to, "text": text}


def run_due():
    """What the worker does: every queued message, now."""
    for message in Message.objects.filter(state=Message.State.QUEUED):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        tasks.deliver(message.pk)


def test_a_signed_sms_opens_a_case_once(client, institution, sms_settings):
    answer = post(client, ayse_says("Sokağımızdaki lamba yanmıyor\nKöşe başında"))
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    case = Case.objects.get()
    assert answer.json()["case"] == case.tracking_number
    assert (case.institution, case.channel, case.kind, case.subject) == (
        institution,
        "sms",
        "request",
        "Sokağımızdaki lamba yanmıyor",
    )
    assert case.citizen is not None
    assert case.citizen.phone == AYSE
    again = post(client, ayse_says("Sokağımızdaki lamba yanmıyor\nKöşe başında"))
    assert again.status_code == 200 and again.json() == {**answer.json(), "status": "duplicate"}
    assert Case.objects.count() == 1 and Message.objects.filter(direction="in").count() == 1


def test_an_sms_to_155_reaches_the_police_as_a_tip_off(client, institution, police, sms_settings):
    answer = post(
        client,
        ayse_says("Parkta şüpheli araç", to="155") | {"received_at": "2026-03-18T22:10:00+03:00"},
        form=True,
    )
    assert answer.status_code == 200
    case = Case.objects.get()
    assert (case.institution, case.kind) == (police, "tip_off")
    assert case.received_at == dt.datetime.fromisoformat("2026-03-18T22:10:00+03:00")


def test_unsigned_or_wrongly_signed_deliveries_are_refused(client, institution, sms_settings):
    body = json.dumps(ayse_says("Çöp alınmadı")).encode()
    for answer in (
        post(client, body, secret=""),
        post(client, body, secret="baska-sir"),
        post(client, body, signature=sign(b"{}", SECRET)),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"] == "signature"
        assert answer.json()["message_en"] == "The request signature is missing or wrong."
        assert answer.json()["message"]  # the same in Turkish
    assert not Message.objects.exists() and not Case.objects.exists()


def test_malformed_deliveries_are_refused_and_change_nothing(client, institution, settings, sms_settings):
    cases = [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        ({"from": AYSE, "text": "Merhaba"}, "missing"),
        ({"message_id": "x1", "text": "Merhaba"}, "missing"),
        ({"message_id": "x2", "from": "yok", "text": "Merhaba"}, "phone"),
        ({"message_id": "x3", "from": AYSE, "text": 12}, "invalid"),
        ({"message_id": "x4", "from": AYSE, "text": "a" * 5001}, "too_long"),
        ({"message_id": "x5", "from": AYSE, "text": "Merhaba", "received_at": "dün"}, "invalid"),
    ]
    for payload, error in cases:
        answer = post(client, payload)
        assert (answer.status_code, answer.json()["error"]) == (400, error), payload
        assert answer.json()["message"] and answer.json()["message_en"]
    assert client.get(INBOUND).status_code == 405
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert post(client, ayse_says("a" * 1000)).status_code == 413
    assert not Message.objects.exists() and not Case.objects.exists()


def test_without_a_secret_the_webhook_accepts_nothing(client, institution, sms_settings):
    sms_settings["webhook_secret"] = ""
    answer = post(client, ayse_says("Merhaba"), secret="")
    assert answer.status_code == 503 and answer.json()["error"] == "not_configured"
    assert not Message.objects.exists()


def test_an_empty_sms_is_recorded_but_opens_no_case(client, institution, sms_settings):
    answer = post(client, ayse_says("   "))
    assert answer.status_code == 200 and answer.json()["case"] is None
    assert Message.objects.get().state == "ignored" and not Case.objects.exists()


# --- replies thread onto their case -----------------------------------------------------------------


@pytest.fixture
def ayse(institution):
    # She has texted us before: her number is proven (cases.citizens).
    return find_or_create_citizen(institution, name="Ayşe Kaya", phone=AYSE, proven={"phone"})


def test_a_reply_with_the_tracking_number_answers_the_waiting_case(
    client, make_case, ayse, road_staff, sms_settings
):
    older = make_case(citizen=ayse)
    asked = services.ask_citizen(make_case(citizen=ayse), actor=road_staff, question="Kapı numarası?")
    services.ask_citizen(older, actor=road_staff, question="Hangi sokak?")
    number = format_tracking_number(asked.tracking_number)
    answer = post(client, ayse_says(f"{number} için kapı no 12"))
    assert answer.json()["case"] == asked.tracking_number
    asked.refresh_from_db()
    assert asked.status == Status.IN_PROGRESS
    assert asked.events.filter(action="citizen_answered", note=f"{number} için kapı no 12").exists()
    assert Case.objects.count() == 2


def test_a_reply_without_a_number_answers_the_case_waiting_for_the_citizen(
    client, make_case, ayse, road_staff, sms_settings
):
    asked = services.ask_citizen(make_case(citizen=ayse), actor=road_staff, question="Kapı numarası?")
    post(client, ayse_says("12 numara"))
    asked.refresh_from_db()
    assert asked.status == Status.IN_PROGRESS and Case.objects.count() == 1


def test_a_reply_threads_onto_the_case_we_last_texted_within_the_window(
    client, make_case, ayse, institution, sms_settings
):
    case = make_case(citizen=ayse)

    def texted(days_ago):
        Message.objects.create(
            direction="out",
            channel="sms",
            state="sent",
            institution=institution,
            case=case,
            address=AYSE,
            body="Başvurunuz alındı",
            sent_at=timezone.now() - dt.timedelta(days=days_ago),
        )

    texted(days_ago=4)
    post(client, ayse_says("Teşekkürler", message_id="a"))
    assert Case.objects.count() == 2  # four days on, a text is a new matter
    texted(days_ago=1)
    answer = post(client, ayse_says("Ne zaman gelecekler?", message_id="b"))
    assert answer.json()["case"] == case.tracking_number
    assert case.events.filter(action="comment", note="Ne zaman gelecekler?", public=True).exists()
    assert Case.objects.count() == 2


def test_tracking_numbers_are_found_however_they_are_written():
    assert find_tracking_numbers("Takip no 26-0000012-8, kapı no 12") == ["2600000128"]
    assert find_tracking_numbers("26 0000012 8 12 numara") == ["2600000128"]
    assert find_tracking_numbers("2600000128") == ["2600000128"]
    assert find_tracking_numbers("2600000123 yanlış, 0532 123 45 67") == []


def test_someone_elses_tracking_number_does_not_thread(client, make_case, institution, sms_settings):
    mehmet = find_or_create_citizen(institution, name="Mehmet Demir", phone="+905559876543")
    his = make_case(citizen=mehmet)
    post(client, ayse_says(f"{his.tracking_number} ne oldu?"))
    assert Case.objects.count() == 2 and not his.events.filter(action="comment").exists()


# --- replies through Netgsm -------------------------------------------------------------------------


def test_an_sms_case_is_answered_through_netgsm_and_its_delivery_reported(
    client, institution, operator, roads, road_staff, netgsm, sms_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, ayse_says("Caddede büyük çukur var"))
    case = Case.objects.get()
    run_due()  # "Başvurunuz alındı" with the tracking number
    with django_capture_on_commit_callbacks(execute=True):
        case = services.transfer(case, actor=operator, unit=roads)
    run_due()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(case, actor=road_staff, resolution="Çukur asfaltlandı.")
    run_due()

    received, transferred, resolved = netgsm.sent()
    for request in (received, transferred, resolved):
        assert (request.username, request.password) == (netgsm.username, netgsm.password)
        assert request.json["msgheader"] == "ESENLER BLD" and request.json["iysfilter"] == "0"
        assert request.json["encoding"] == "TR"
        assert request.json["messages"][0]["no"] == "5321234567"
    assert "Başvurunuz alındı" in received.json["messages"][0]["msg"]
    assert "Fen İşleri Müdürlüğü birimine aktarıldı" in transferred.json["messages"][0]["msg"]
    text = resolved.json["messages"][0]["msg"]
    assert text.startswith("Esenler Belediyesi: ") and text.endswith("sonuçlandı. Çukur asfaltlandı.")

    reply = Message.objects.get(direction="out", template="resolve")
    assert (reply.state, reply.external_id) == ("sent", "17000003")
    assert reply.data["sms"] == {"provider": "netgsm", "encoding": "turkish", "parts": 1}

    report = {"message_id": "17000003", "status": "delivered", "at": "2026-03-18T10:05:00+03:00"}
    for _ in range(2):  # reported twice, applied once
        answer = post(client, report, url=REPORT)
        assert answer.status_code == 200 and answer.json()["status"] == "delivered"
    reply.refresh_from_db()
    assert reply.state == "delivered"
    assert reply.delivered_at == dt.datetime.fromisoformat("2026-03-18T10:05:00+03:00")

    # Ayşe thanks: noted on the resolved case, which stays resolved, and nobody is messaged.
    with django_capture_on_commit_callbacks(execute=True):
        post(client, ayse_says("Çok teşekkürler 🙏", message_id="netgsm-in-2"))
    assert Case.objects.count() == 1
    assert case.events.filter(note="Çok teşekkürler 🙏").exists()
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    # She writes again within the institution's reopen days: the case reopens (issue 9 point 2), no new
    # case, and the reopening is acknowledged by SMS.
    with django_capture_on_commit_callbacks(execute=True):
        post(client, ayse_says("Çukur yine açıldı", message_id="netgsm-in-3"))
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status in (Status.NEW, Status.ASSIGNED)  # back to its unit
    assert list(
        Message.objects.filter(direction="out").values_list("template", flat=True).order_by("pk")
    ) == [
        "open",
        "transfer",
        "resolve",
        "reopen",
    ]


def sms_reply(case, body="Basvurunuz sonuclandi.", address=AYSE):
    return Message.objects.create(
        direction="out",
        channel="sms",
        state="queued",
        institution=case.institution,
        case=case,
        address=address,
        body=body,
        template="resolve",
        next_attempt_at=timezone.now(),
    )


@pytest.fixture
def ayse_case(make_case, ayse):
    return make_case(citizen=ayse)


def test_a_number_netgsm_refuses_fails_at_once_and_is_shown_on_the_case(ayse_case, netgsm, sms_settings):
    message = sms_reply(ayse_case)
    netgsm.script.append((406, {"code": "70", "description": "Invalid query"}))
    assert tasks.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.attempts, message.next_attempt_at) == (1, None)
    assert "70" in message.last_error
    note = ayse_case.events.filter(action="comment").last()
    assert note is not None and not note.public and "70" in note.note


def test_a_landline_is_not_texted(ayse_case, netgsm, sms_settings):
    message = sms_reply(ayse_case, address="+902124401190")
    assert not NetgsmSender().can_reach(message)
    assert tasks.deliver(message.pk) == "failed"
    assert netgsm.sent() == []


@pytest.mark.parametrize(
    "trouble",
    [
        (503, b"<html>Service Unavailable</html>"),
        (406, {"code": "30", "description": "Invalid username, password or API access"}),
        (406, {"code": "85", "description": "Repeated sending limit"}),
    ],
    ids=["outage", "credentials", "rate-limit"],
)
def test_provider_trouble_is_retried_later(ayse_case, netgsm, sms_settings, trouble):
    message = sms_reply(ayse_case)
    sms_settings["timeout"] = 0.3  # how long the stalled answer is waited for
    netgsm.script.append(trouble)
    assert tasks.deliver(message.pk) == "queued"
    message.refresh_from_db()
    assert message.attempts == 1 and message.last_error and message.next_attempt_at > timezone.now()
    netgsm.released.set()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert tasks.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.external_id == "17000001" and message.attempts == 2


def test_an_unanswered_send_is_not_repeated(ayse_case, netgsm, sms_settings):
    """Netgsm may have taken an SMS whose answer timed out: it is given up and shown, never sent twice."""
    message = sms_reply(ayse_case)
    sms_settings["timeout"] = 0.3
    netgsm.script.append("stall")
    assert tasks.deliver(message.pk) == "failed"
    netgsm.released.set()
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at is None
    assert ayse_case.events.filter(action="comment", public=False, note__contains="gönderilemedi").exists()


def test_wrong_credentials_reach_the_fake_as_netgsm_would_see_them(ayse_case, netgsm, sms_settings):
    sms_settings["netgsm_password"] = "eski-parola"
    message = sms_reply(ayse_case)
    assert tasks.deliver(message.pk) == "queued"
    message.refresh_from_db()
    assert "30" in message.last_error


def test_the_documented_provider_setting_answers_and_polls_through_netgsm(
    ayse_case, netgsm, sms_settings, settings
):
    """A new installation sets KENTMASA_SMS_PROVIDER=netgsm and keeps the default channel sender."""
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.sender.SmsSender"}
    settings.KENTMASA_SMS_PROVIDER = "netgsm"
    message = sms_reply(ayse_case, body="Başvurunuz sonuçlandı.")
    assert tasks.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.external_id == "17000001"
    assert message.data["sms"] == {"provider": "netgsm", "encoding": "turkish", "parts": 1}
    netgsm.deliver("17000001", status=1)
    assert poll_provider() == {"reports": 1, "received": 0}
    message.refresh_from_db()
    assert message.state == "delivered"


def test_the_log_provider_records_what_the_text_would_cost_and_polls_nothing(ayse_case, settings):
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.sender.SmsSender"}
    settings.KENTMASA_SMS_PROVIDER = "log"
    message = sms_reply(ayse_case, body="a" * 161)
    assert tasks.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.external_id.startswith("log-")
    assert message.data["sms"] == {"provider": "log", "encoding": "gsm7", "parts": 2}
    assert poll_provider() == {"reports": 0, "received": 0}


def test_channels_and_lib_share_one_send_error_and_one_setting_per_key(sms_settings, monkeypatch):
    assert base.SendError is outbound.SendError and base.Sent is outbound.Sent
    assert base.Sent("x").state == Message.State.SENT
    monkeypatch.setenv("NETGSM_APPNAME", "alo153")
    del sms_settings["timeout"]
    monkeypatch.setenv("KENTMASA_SMS_TIMEOUT", "7")
    channel, provider = config(), sms_options.options()
    for key in sms_options.defaults():
        assert channel[key] == provider[key], key
    assert (channel["netgsm_appname"], channel["timeout"]) == ("alo153", 7.0)


# --- delivery reports by polling, and the inbox -----------------------------------------------------


def test_delivery_reports_are_polled_from_netgsm(ayse_case, netgsm, sms_settings):
    delivered, unknown_number, waiting = (sms_reply(ayse_case) for _ in range(3))
    for message in (delivered, unknown_number, waiting):
        assert tasks.deliver(message.pk) == "sent"
    netgsm.deliver("17000001", status=1)
    netgsm.deliver("17000002", status=3)
    assert poll_provider() == {"reports": 2, "received": 0}
    assert poll_provider() == {"reports": 0, "received": 0}
    states = dict(Message.objects.filter(direction="out").values_list("external_id", "state"))
    assert states == {"17000001": "delivered", "17000002": "failed", "17000003": "sent"}
    # Netgsm's dates are "dd.mm.yyyy HH:MM:SS" (each poll starts an hour before its earliest waiting SMS).
    starts = [r.json["startdate"] for r in netgsm.requests if r.path == "/sms/rest/v2/report"]
    assert len(starts) == 2 and all(start.count(".") == 2 for start in starts)
    assert Message.objects.get(external_id="17000001").delivered_at == dt.datetime.fromisoformat(
        "2026-03-18T10:05:00+03:00"
    )
    failed = Message.objects.get(external_id="17000002")
    assert "Netgsm" in failed.last_error and " 3)" in failed.last_error
    notes = ayse_case.events.filter(action="comment", public=False)
    assert notes.count() == 1 and failed.last_error in notes.get().note


def test_a_pushed_failure_report_fails_the_message_once(client, ayse_case, netgsm, sms_settings):
    message = sms_reply(ayse_case)
    tasks.deliver(message.pk)
    report = {"message_id": "17000001", "status": "failed", "error": "Operatör kabul etmedi"}
    for _ in range(2):
        answer = post(client, report, url=REPORT)
        assert answer.status_code == 200 and answer.json()["status"] == "failed"
    message.refresh_from_db()
    assert message.last_error == "Operatör kabul etmedi"
    assert ayse_case.events.filter(action="comment", public=False).count() == 1
    # A late "delivered" does not undo what staff were already told.
    post(client, report | {"status": "delivered"}, url=REPORT)
    message.refresh_from_db()
    assert message.state == "failed"


def test_reports_for_unknown_messages_and_unknown_statuses_are_refused(client, institution, sms_settings):
    answer = post(client, {"message_id": "999", "status": "delivered"}, url=REPORT)
    assert answer.status_code == 404 and answer.json()["error"] == "unknown"
    answer = post(client, {"message_id": "999", "status": "okundu"}, url=REPORT)
    assert answer.status_code == 400 and answer.json()["error"] == "status"
    assert (
        post(client, {"message_id": "999", "status": "delivered"}, url=REPORT, secret="x").status_code == 403
    )


def test_the_netgsm_inbox_is_read_into_the_intake_once(institution, netgsm, sms_settings):
    sms_settings["netgsm_inbox"] = True
    netgsm.inbox = [
        {
            "message": "Otobüs durağı kırık",
            "sender": "5321234567",
            "receiver": "4440153",
            "datetime": "18.03.2026 09:43:51",
        }
    ]
    assert poll_provider() == {"reports": 0, "received": 1}
    assert poll_provider() == {"reports": 0, "received": 0}
    case = Case.objects.get()
    assert case.citizen is not None
    assert case.citizen.phone == AYSE and case.subject == "Otobüs durağı kırık"
    assert case.received_at == dt.datetime.fromisoformat("2026-03-18T09:43:51+03:00")
    digest = hashlib.sha256(
        "\x1f".join(["5321234567", "4440153", "18.03.2026 09:43:51", "Otobüs durağı kırık"]).encode()
    )
    assert Message.objects.get(direction="in").external_id == f"netgsm-in-{digest.hexdigest()[:40]}"


def test_the_webhook_urls_are_where_providers_are_told(sms_settings):
    assert reverse("channels:sms-inbound") == INBOUND
    assert reverse("channels:sms-report") == REPORT
