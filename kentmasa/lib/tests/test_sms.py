"""kentmasa.lib.sms: the log provider, a provider named by its path, and Netgsm over real HTTP.

Netgsm is the local fake (kentmasa.lib.tests.fake_netgsm) on 127.0.0.1; nothing here touches the SMS
channel: this is what staff notifications send with.
"""

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kentmasa.lib import sms
from kentmasa.lib.outbound import SendError
from kentmasa.lib.sms import SmsSent
from kentmasa.lib.sms.encoding import GSM7, TURKISH
from kentmasa.lib.sms.options import options
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm

ROOT = Path(__file__).resolve().parents[3]
AYSE = "+905321234567"

# --- the log provider (the development default) ----------------------------------------------------------


def test_the_default_provider_writes_the_sms_to_the_log_masked(settings, caplog):
    del settings.KENTMASA_SMS_PROVIDER  # an installation that never chose one
    with caplog.at_level(logging.INFO, logger="kentmasa.lib.sms.log"):
        sent = sms.send(AYSE, "Kod 123456. TC 12345678901 için başvurunuz alındı.")
    assert sent.external_id.startswith("log-") and sent.state == "sent"
    assert (sent.provider, sent.encoding, sent.parts) == ("log", TURKISH, 1)
    (line,) = caplog.messages
    assert "0532 *** ** 67" in line and AYSE not in line and "5321234567" not in line
    assert "12345678901" not in line and "*********01" in line  # long digit runs are redacted
    assert sms.can_reach(AYSE) and not sms.can_reach("05321234567")


def test_the_log_provider_refuses_to_pretend_in_production(settings):
    settings.KENTMASA_SMS_PROVIDER = "log"
    settings.KENTMASA_PRODUCTION = True
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Başvurunuz alındı.")
    assert refused.value.permanent and "KENTMASA_SMS_PROVIDER" in str(refused.value)


# --- a provider of the installation's own ------------------------------------------------------------------


class Pigeon:
    """An installation's own provider, named by its dotted path."""

    name = "pigeon"
    flown: list = []  # noqa: RUF012 -- what the test reads back

    def can_reach(self, number: str) -> bool:
        return number.startswith("+90")

    def send(self, number: str, text: str) -> SmsSent:
        self.flown.append((number, text))
        return SmsSent(external_id=f"pigeon-{len(self.flown)}", provider=self.name, encoding=GSM7, parts=1)


def test_a_provider_is_named_by_its_dotted_path(settings):
    settings.KENTMASA_SMS_PROVIDER = f"{__name__}.Pigeon"
    Pigeon.flown.clear()
    sent = sms.send(AYSE, "Merhaba")
    assert (sent.external_id, sent.provider) == ("pigeon-1", "pigeon")
    assert Pigeon.flown == [(AYSE, "Merhaba")]
    assert sms.can_reach("+905551112233") and not sms.can_reach("+4915112345678")


def test_an_unknown_provider_is_a_configuration_error(settings):
    settings.KENTMASA_SMS_PROVIDER = "netgsmm"
    with pytest.raises(ImproperlyConfigured, match="netgsmm"):
        sms.send(AYSE, "Merhaba")


def provider_setting(**env: str) -> str:
    names = ("KENTMASA_SMS_PROVIDER", "KENTMASA_SMS_SENDER")
    clean = {key: value for key, value in os.environ.items() if key not in names}
    code = (
        "from kentmasa import settings; "
        "print(settings.KENTMASA_SMS_PROVIDER, settings.KENTMASA_SENDERS['sms'].rpartition('.')[2])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_older_installations_naming_the_netgsm_sender_get_netgsm_everywhere():
    assert provider_setting() == "log SmsSender"
    assert provider_setting(KENTMASA_SMS_PROVIDER="netgsm") == "netgsm SmsSender"
    old = "kentmasa.channels.sms.netgsm.NetgsmSender"
    assert provider_setting(KENTMASA_SMS_SENDER=old) == "netgsm NetgsmSender"


# --- Netgsm over real HTTP -------------------------------------------------------------------------------


@pytest.fixture
def netgsm():
    fake = FakeNetgsm().start()
    yield fake
    fake.stop()


@pytest.fixture
def netgsm_settings(settings, netgsm):
    settings.KENTMASA_SMS_PROVIDER = "netgsm"
    settings.KENTMASA_SMS = {
        "netgsm_username": netgsm.username,
        "netgsm_password": netgsm.password,
        "netgsm_msgheader": netgsm.msgheader,
        "netgsm_base_url": netgsm.url,
        "timeout": 5,
    }
    return settings.KENTMASA_SMS


def test_netgsm_gets_the_text_with_the_account_and_the_national_number(netgsm, netgsm_settings):
    sent = sms.send(AYSE, "Basvurunuz sonuclandi. {26}")
    assert sent == SmsSent(external_id="17000001", provider="netgsm", encoding=GSM7, parts=1)
    (request,) = netgsm.sent()
    assert (request.username, request.password) == (netgsm.username, netgsm.password)
    assert request.json == {
        "msgheader": "ESENLER BLD",
        "iysfilter": "0",
        "messages": [{"msg": "Basvurunuz sonuclandi. {26}", "no": "5321234567"}],
    }  # plain text goes without the Turkish flag


def test_turkish_letters_go_with_the_turkish_table(netgsm, netgsm_settings):
    sent = sms.send(AYSE, "Başvurunuz alındı, İlçe ekibimiz çıktı.")
    assert (sent.encoding, sent.parts) == (TURKISH, 1)
    (request,) = netgsm.sent()
    assert request.json["encoding"] == "TR"
    netgsm_settings["turkish"] = False  # the account has no Turkish table: the letters are written plainly
    sms.send(AYSE, "Başvurunuz alındı")
    assert "encoding" not in netgsm.sent()[1].json
    assert netgsm.sent()[1].json["messages"][0]["msg"] == "Basvurunuz alindi"


def test_characters_netgsm_cannot_carry_are_written_plainly(netgsm, netgsm_settings):
    sent = sms.send(AYSE, "Çalışmalar “hâlâ” sürüyor 👷")
    assert sent.encoding == TURKISH
    (request,) = netgsm.sent()
    assert request.json["encoding"] == "TR"
    assert request.json["messages"][0]["msg"] == 'Çalışmalar "hala" sürüyor ?'


def test_what_netgsm_would_cut_is_refused_before_sending(netgsm, netgsm_settings):
    fits = "ı" + "a" * 892  # 894 septets: six parts of 149
    assert sms.send(AYSE, fits).parts == 6
    for too_long in (fits + "a", "a" * 918):  # a seventh part; six GSM 7-bit parts hold 918, Netgsm 917
        with pytest.raises(SendError) as refused:
            sms.send(AYSE, too_long)
        assert refused.value.permanent and "en fazla 6 parça" in str(refused.value)
    netgsm_settings["netgsm_max_parts"] = 2
    with pytest.raises(SendError, match="en fazla 2 parça"):
        sms.send(AYSE, "a" * 307)
    assert [r.json["messages"][0]["msg"] for r in netgsm.sent()] == [fits]


@pytest.mark.parametrize(
    ("number", "text", "permanent"),
    [
        ("+902124401190", "Merhaba", True),  # a landline cannot read an SMS
        ("+4915112345678", "Merhaba", True),  # nor is another country's mobile ours to pay for
        (AYSE, "   ", True),
    ],
    ids=["landline", "abroad", "empty"],
)
def test_what_cannot_go_is_refused_without_asking_netgsm(netgsm, netgsm_settings, number, text, permanent):
    with pytest.raises(SendError) as refused:
        sms.send(number, text)
    assert refused.value.permanent is permanent
    assert netgsm.requests == []


def test_no_sender_name_is_a_setting_to_fix_not_a_refusal(netgsm, netgsm_settings):
    netgsm_settings["netgsm_msgheader"] = ""
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Merhaba")
    assert not refused.value.permanent and "mesaj başlığı" in str(refused.value)
    assert netgsm.requests == []


@pytest.mark.parametrize(
    ("answer", "permanent"),
    [
        ((406, {"code": "70", "description": "Invalid query"}), True),
        ((406, {"code": "20", "description": "Message text problem"}), True),
        ((406, {"code": "30", "description": "Invalid username, password or API access"}), False),
        ((406, {"code": "85", "description": "Repeated sending limit"}), False),
        ((406, {"code": "99", "description": "?"}), False),
        ((503, b"<html>Service Unavailable</html>"), False),
        ((200, b"not json"), False),
    ],
    ids=["number", "text", "credentials", "rate-limit", "unknown-code", "outage", "garbage"],
)
def test_netgsms_refusals_are_told_apart(netgsm, netgsm_settings, answer, permanent):
    netgsm.script.append(answer)
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Merhaba")
    assert refused.value.permanent is permanent
    status, body = answer
    if isinstance(body, dict):
        assert f"(kod {body['code']})" in str(refused.value)  # in the site's language, for the staff
    else:
        assert f"HTTP {status}" in str(refused.value)


def test_wrong_credentials_reach_netgsm_as_it_would_see_them(netgsm, netgsm_settings):
    netgsm_settings["netgsm_password"] = "eski-parola"
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Merhaba")
    assert not refused.value.permanent and "kod 30" in str(refused.value)
    assert netgsm.requests[0].password == "eski-parola"


def test_an_unanswered_send_is_given_up_never_repeated(netgsm, netgsm_settings):
    """Netgsm may have taken an SMS whose answer timed out: sending it again could text her twice."""
    netgsm_settings["timeout"] = 0.3
    netgsm.script.append("stall")
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Merhaba")
    netgsm.released.set()
    assert refused.value.permanent
    assert str(refused.value) == "Netgsm zamanında yanıt vermedi; SMS gitmiş de olabilir, gitmemiş de."


def test_netgsm_out_of_reach_is_tried_again_later(netgsm_settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        netgsm_settings["netgsm_base_url"] = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(SendError) as refused:
        sms.send(AYSE, "Merhaba")
    assert not refused.value.permanent and "ulaşılamadı" in str(refused.value)


def test_the_account_comes_from_the_environment_unless_settings_name_it(settings, netgsm, monkeypatch):
    settings.KENTMASA_SMS_PROVIDER = "netgsm"
    settings.KENTMASA_SMS = {"webhook_secret": "x"}  # the channel's keys only
    monkeypatch.setenv("NETGSM_USERCODE", netgsm.username)
    monkeypatch.setenv("NETGSM_PASSWORD", netgsm.password)
    monkeypatch.setenv("NETGSM_MSGHEADER", netgsm.msgheader)
    monkeypatch.setenv("NETGSM_BASE_URL", netgsm.url)
    monkeypatch.setenv("NETGSM_APPNAME", "kentmasa")
    monkeypatch.setenv("NETGSM_MAX_PARTS", "1")
    monkeypatch.setenv("KENTMASA_SMS_TURKISH", "off")
    assert sms.send(AYSE, "Çöp alındı").encoding == GSM7
    (request,) = netgsm.sent()
    assert request.json["appname"] == "kentmasa" and request.json["messages"][0]["msg"] == "Çöp alindi"
    with pytest.raises(SendError, match="en fazla 1 parça"):
        sms.send(AYSE, "a" * 161)
    settings.KENTMASA_SMS = {"netgsm_max_parts": 2}  # a key set in settings wins over the environment
    assert sms.send(AYSE, "a" * 161).parts == 2
    assert options()["netgsm_username"] == netgsm.username
