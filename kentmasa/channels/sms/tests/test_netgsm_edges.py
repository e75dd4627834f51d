"""Netgsm as it documents itself: captured answers replayed, texts it would cut refused, reports paced.

Ayşe's SMS reach us through the relay webhook and Netgsm's inbox; her answers go to the local fake Netgsm.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Case
from kentmasa.channels import tasks
from kentmasa.channels.models import Message
from kentmasa.channels.sms.reports import poll_provider
from kentmasa.channels.sms.views import sign
from kentmasa.channels.testing import fixture_body, load_json_fixture, replay
from kentmasa.lib import lockout
from kentmasa.lib.sms.encoding import TURKISH, segments
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm

SECRET = "paylasilan-sir"
AYSE = "+905321234567"


@pytest.fixture
def netgsm():
    fake = FakeNetgsm().start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_settings(settings, netgsm, institution):
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.netgsm.NetgsmSender"}
    settings.KENTMASA_SMS = {
        "webhook_secret": SECRET,
        "numbers": {"0 444 01 53": "esenler"},
        "institution": "esenler",
        "netgsm_username": netgsm.username,
        "netgsm_password": netgsm.password,
        "netgsm_msgheader": netgsm.msgheader,
        "netgsm_base_url": netgsm.url,
        "netgsm_inbox": True,
        "timeout": 5,
    }
    return settings.KENTMASA_SMS


def signed(raw: bytes) -> dict:
    return {"X-Kentmasa-Signature": sign(raw, SECRET)}


@pytest.fixture
def ayse_case(make_case, institution):
    ayse = find_or_create_citizen(institution, name="Ayşe Kaya", phone=AYSE, proven={"phone"})
    return make_case(citizen=ayse)


def reply(case, body):
    return Message.objects.create(
        direction="out",
        channel="sms",
        state="queued",
        institution=case.institution,
        case=case,
        address=AYSE,
        body=body,
        template="resolve",
        next_attempt_at=timezone.now(),
    )


# --- captured payloads -------------------------------------------------------------------------------


def test_one_relayed_sms_opens_a_case_in_a_pinned_number_of_queries(
    client, sms_settings, django_assert_num_queries
):
    body = fixture_body(load_json_fixture(__file__, "relay_inbound.json"))
    # One looks for the row of the channel (kentmasa.directory.channel_rows); the last is the live
    # event of the opening (kentmasa.notify.live).
    # +9 KVKK: the channel's current privacy notice and the record of the version given (2), and, this being
    # the institution's first opening, its default notice saved once (7 with the look-ups and savepoints).
    with django_assert_num_queries(28):
        answer = replay(client, "/kanal/sms/gelen/", body, sign=signed)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    case = Case.objects.get()
    assert case.subject == "Gülbahar Sokak'taki kaldırım taşları yerinden çıkmış, yaşlılar düşüyor."
    assert case.citizen is not None
    assert case.citizen.phone == "+905416543210"
    assert case.received_at == dt.datetime.fromisoformat("2026-07-20T09:20:00+03:00")


def test_netgsms_inbox_answer_becomes_two_cases(sms_settings, netgsm):
    netgsm.inbox = load_json_fixture(__file__, "netgsm_inbox.json")["messages"]
    assert poll_provider() == {"reports": 0, "received": 2}
    subjects = set(Case.objects.values_list("subject", flat=True))
    assert subjects == {
        "Kardeşler Caddesi'nde çöp konteyneri üç gündür boşaltılmadı, koku var.",
        "İyi günler, 26-0000012-8 numaralı başvurum ne durumda?",
    }


def test_netgsms_report_answer_is_applied_once(sms_settings, netgsm, ayse_case):
    for _ in range(3):
        assert tasks.deliver(reply(ayse_case, "Basvurunuz sonuclandi.").pk) == "sent"
    report = load_json_fixture(__file__, "netgsm_report.json")
    netgsm.script.append((200, {k: v for k, v in report.items() if k != "_source"}))
    assert poll_provider() == {"reports": 2, "received": 0}
    states = dict(Message.objects.filter(direction="out").values_list("external_id", "state"))
    assert states == {"17000001": "delivered", "17000002": "failed", "17000003": "sent"}
    assert Message.objects.get(external_id="17000001").delivered_at == dt.datetime.fromisoformat(
        "2026-07-20T10:05:11+03:00"
    )


def test_a_relayed_failure_report_is_shown_on_the_case(client, sms_settings, netgsm, ayse_case):
    tasks.deliver(reply(ayse_case, "Basvurunuz sonuclandi.").pk)
    body = fixture_body(load_json_fixture(__file__, "relay_report.json"))
    answer = replay(client, "/kanal/sms/rapor/", body, sign=signed)
    assert answer.status_code == 200 and answer.json()["status"] == "failed"
    assert ayse_case.events.filter(action="comment", public=False, note__contains="Netgsm durum 3").exists()


def test_netgsms_refusal_of_a_long_text_is_permanent(sms_settings, netgsm, ayse_case):
    refusal = {
        k: v for k, v in load_json_fixture(__file__, "netgsm_send_too_long.json").items() if k != "_source"
    }
    netgsm.script.append((406, refusal))
    message = reply(ayse_case, "Basvurunuz sonuclandi.")
    assert tasks.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert "20" in message.last_error


# --- what Netgsm takes --------------------------------------------------------------------------------


def test_six_turkish_parts_go_and_a_seventh_is_refused_before_sending(sms_settings, netgsm, ayse_case):
    fits = "ı" + "a" * 892  # 894 septets: six parts of 149
    assert segments(fits) == (TURKISH, 6)
    assert tasks.deliver(reply(ayse_case, fits).pk) == "sent"
    too_long = fits + "a"
    assert segments(too_long) == (TURKISH, 7)
    message = reply(ayse_case, too_long)
    assert tasks.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert message.next_attempt_at is None and message.attempts == 1
    assert "en fazla 6 parça" in message.last_error and "Metni kısaltıp" in message.last_error
    assert len(netgsm.sent()) == 1  # only the text that fits reached Netgsm, and it was not cut
    assert netgsm.sent()[0].json["messages"][0]["msg"] == fits


# --- report polling is paced -------------------------------------------------------------------------


def test_report_polling_stays_under_netgsms_limit_for_all_workers(
    sms_settings, netgsm, ayse_case, monkeypatch
):
    sms_settings["netgsm_report_rate"] = "4/m"  # two requests in each fixed minute
    clock = {"now": 1_784_635_200.0}  # a minute's start
    monkeypatch.setattr(lockout, "_now", lambda: clock["now"])
    sent_at = timezone.now() - dt.timedelta(minutes=5)
    Message.objects.bulk_create(
        Message(
            direction="out",
            channel="sms",
            state="sent",
            institution=ayse_case.institution,
            case=ayse_case,
            address=AYSE,
            body="Basvurunuz alindi.",
            external_id=str(18000000 + n),
            sent_at=sent_at,
            data={"sms": {"provider": "netgsm", "encoding": "gsm7", "parts": 1}},
        )
        for n in range(350)
    )

    def report_requests() -> int:
        return len([r for r in netgsm.requests if r.path == "/sms/rest/v2/report"])

    poll_provider()  # four batches wait; this worker may ask twice
    assert report_requests() == 2
    poll_provider()  # another worker in the same minute asks nothing
    assert report_requests() == 2
    clock["now"] += 60
    poll_provider()
    assert report_requests() == 4
