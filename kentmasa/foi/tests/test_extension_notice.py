"""Issue 16: the extension to 30 iş günü is "told to the applicant (by e-mail and SMS) before the 15 days
end". Ayşe applies on the web form with her phone and her e-mail; the information service extends her
request, and the notice reaches the local SMTP server (real socket) and the local Netgsm (real HTTP), each a
tracked Message of its own."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Channel, Kind
from kentmasa.channels.models import Message
from kentmasa.foi import services
from kentmasa.foi.models import FoiRequest
from kentmasa.foi.services import Identity
from kentmasa.foi.tests.conftest import AYSE_TC
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm
from kentmasa.notify.tests.fakes import mail_server

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+905321234567"
EMAIL = "ayse.kaya@example.com"
REASON = "İhale dosyası Fen İşleri arşivinden getirilecek."


@pytest.fixture
def netgsm(settings):
    fake = FakeNetgsm().start()
    settings.KENTMASA_SENDERS = {
        "sms": "kentmasa.channels.sms.netgsm.NetgsmSender",
        "email": "kentmasa.channels.email.sender.EmailSender",
    }
    settings.KENTMASA_SMS = {
        **settings.KENTMASA_SMS,
        "netgsm_username": fake.username,
        "netgsm_password": fake.password,
        "netgsm_msgheader": fake.msgheader,
        "netgsm_base_url": fake.url,
        "timeout": 5,
    }
    yield fake
    fake.stop()


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


def test_the_extension_notice_reaches_her_by_e_mail_and_sms(
    institution, foi_settings, foi_category, elif_, roads, netgsm, smtp
):
    case = open_from(
        Inbound(
            channel=Channel.WEB,
            institution=institution,
            kind=Kind.INFORMATION_REQUEST,
            subject="Asfalt ihalesi",
            text="4982 sayılı Kanun uyarınca Gül Sokak asfalt ihalesinin bedelini isterim.",
            name="Ayşe Kaya",
            tc_kimlik=AYSE_TC,
            phone=PHONE,
            email=EMAIL,
            category=foi_category,
        )
    )
    request = FoiRequest.objects.get(case=case)
    services.accept(request, actor=elif_, identity=Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email=EMAIL))
    services.forward_to_unit(request, actor=elif_, unit=roads)
    services.extend(request, actor=elif_, reason=REASON)
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)

    notices = Message.objects.filter(case=case, direction="out", template="foi_extended")
    assert set(notices.values_list("channel", "address", "state")) == {
        ("sms", PHONE, "sent"),
        ("email", EMAIL, "sent"),
    }
    texts = [
        sms["msg"]
        for sent in netgsm.sent()
        for sms in (sent.json or {}).get("messages", [])
        if sms.get("no") == "5321234567"
    ]
    assert any("uzatıldı" in text for text in texts)
    mails = [mail for mail in smtp.mails if EMAIL in mail["To"] and "uzatıldı" in mail["Subject"]]
    assert len(mails) == 1
    assert "30 iş gününe uzatıldı" in mails[0].get_body(preferencelist=("plain",)).get_content()
