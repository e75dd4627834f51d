"""Answers on every channel asked for (kentmasa.channels.replies.reply_targets, AnswerRule).

Ayşe Kaya writes to Esenler on the web form with her phone and her e-mail. Esenler's rule sends answers to
every contact given on the case: the local Netgsm (real HTTP) gets the SMS and the local SMTP server (real
socket) the mail, each a Message of its own. Without a rule she gets the SMS only; a Law 4982 information
request reaches both anyway. Her WhatsApp case gets its WhatsApp answer plus the SMS the rule asks for. Her
record's e-mail, recorded by staff on another case, never receives the answer of a case she sent by SMS. She
asked for e-mail only: e-mail only, unless the rule says the law requires both. A KADES case gets nothing.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.core.management import call_command

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Channel, Kind, Priority
from kentmasa.channels.models import AnswerRule, Message
from kentmasa.directory.models import Category, Institution, Unit
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm
from kentmasa.notify.tests.fakes import MailServer, mail_server

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+905321234567"
NATIONAL = "5321234567"
EMAIL = "ayse.kaya@example.com"
Reach = AnswerRule.Reach


class WhatsAppOutbox:
    """The WhatsApp sender's stand-in: records what it was handed."""

    channel = "whatsapp"
    sent: ClassVar[list[tuple[str, str]]] = []

    def can_reach(self, message):
        return True

    def send(self, message):
        from kentmasa.channels.base import Sent

        WhatsAppOutbox.sent.append((message.address, message.body))
        return Sent(external_id=f"wamid.{message.pk}")


@pytest.fixture
def netgsm(settings):
    fake = FakeNetgsm().start()
    settings.KENTMASA_SENDERS = {
        "sms": "kentmasa.channels.sms.netgsm.NetgsmSender",
        "email": "kentmasa.channels.email.sender.EmailSender",
        "whatsapp": f"{__name__}.WhatsAppOutbox",
    }
    settings.KENTMASA_SMS = {
        **settings.KENTMASA_SMS,
        "netgsm_username": fake.username,
        "netgsm_password": fake.password,
        "netgsm_msgheader": fake.msgheader,
        "netgsm_base_url": fake.url,
        "timeout": 5,
    }
    WhatsAppOutbox.sent = []
    yield fake
    fake.stop()


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)


def texts_to(netgsm: FakeNetgsm, national: str = NATIONAL) -> list[str]:
    return [
        sms["msg"]
        for request in netgsm.sent()
        for sms in (request.json or {}).get("messages", [])
        if sms.get("no") == national
    ]


def mails_to(smtp: MailServer, address: str = EMAIL) -> list[list[str]]:
    return [recipients for recipients in smtp.recipients if address in recipients]


def web_case(institution, category, **more) -> Case:
    inbound = Inbound(
        channel=Channel.WEB,
        institution=institution,
        subject="Sokakta çukur var",
        text="Atatürk Caddesi üzerinde büyük bir çukur oluştu.",
        name="Ayşe Kaya",
        phone=PHONE,
        email=EMAIL,
        category=category,
    )
    for name, value in more.items():
        setattr(inbound, name, value)
    return open_from(inbound)


def answered(case: Case, staff) -> None:
    services.resolve(case, actor=staff, resolution="Çukur asfaltla kapatıldı.")
    run_worker()


def answers(case: Case) -> set[tuple[str, str, str]]:
    return set(
        Message.objects.filter(case=case, direction="out", template="resolve").values_list(
            "channel", "address", "state"
        )
    )


def test_phone_and_e_mail_both_get_the_answer_when_the_rule_asks(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    case = web_case(institution, category)
    answered(case, road_staff)
    assert answers(case) == {("sms", PHONE, "sent"), ("email", EMAIL, "sent")}
    assert any("asfaltla kapatıldı" in text for text in texts_to(netgsm))
    assert mails_to(smtp)  # the answer's mail (the receipt went by SMS)


def test_without_a_rule_the_answer_goes_on_one_channel_as_before(
    institution, category, road_staff, netgsm, smtp
):
    case = web_case(institution, category)
    answered(case, road_staff)
    assert answers(case) == {("sms", PHONE, "sent")}
    assert mails_to(smtp) == []


def test_an_information_request_is_answered_by_e_mail_and_sms(
    institution, category, road_staff, netgsm, smtp
):
    case = web_case(institution, category, kind=Kind.INFORMATION_REQUEST)
    answered(case, road_staff)
    assert {channel for channel, _address, _state in answers(case)} == {"sms", "email"}
    # A service's own rule wins over the kind's default.
    AnswerRule.objects.create(institution=institution, service=case.service, reach=Reach.USED)
    other = web_case(institution, category, kind=Kind.INFORMATION_REQUEST)
    answered(other, road_staff)
    assert answers(other) == {("sms", PHONE, "sent")}


def test_a_whatsapp_case_gets_its_whatsapp_answer_plus_the_sms_the_rule_asks(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    case = open_from(
        Inbound(
            channel=Channel.WHATSAPP,
            institution=institution,
            subject="Sokakta çukur var",
            text="Çukur var, fotoğraf ekte.",
            phone=PHONE,
            proven=frozenset({"phone"}),
            category=category,
        )
    )
    Message.objects.create(
        direction=Message.Direction.IN,
        channel=Channel.WHATSAPP,
        state=Message.State.RECEIVED,
        institution=institution,
        case=case,
        address="905321234567",
        external_id="wamid.in.1",
        body="Çukur var, fotoğraf ekte.",
    )
    answered(case, road_staff)
    assert answers(case) == {("whatsapp", "905321234567", "sent"), ("sms", PHONE, "sent")}
    assert any("asfaltla kapatıldı" in body for _address, body in WhatsAppOutbox.sent)
    assert mails_to(smtp) == []  # she gave no e-mail on this case


def test_contact_data_merged_from_another_case_never_receives(
    institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=Reach.REQUIRED)
    # Staff recorded her phone and e-mail on an earlier case: both are proven on her record.
    record = find_or_create_citizen(institution, name="Ayşe Kaya", phone=PHONE, email=EMAIL, proven=STAFF)
    by_sms = open_from(
        Inbound(
            channel=Channel.SMS,
            institution=institution,
            subject="Çukur",
            text="Mahallemde çukur var",
            phone=PHONE,
            proven=frozenset({"phone"}),
            category=category,
        )
    )
    assert by_sms.citizen == record and record.email == EMAIL
    answered(by_sms, road_staff)
    assert answers(by_sms) == {("sms", PHONE, "sent")}
    assert mails_to(smtp) == []


def test_her_preference_for_e_mail_is_honoured_unless_the_law_requires_both(
    institution, category, road_staff, netgsm, smtp
):
    rule = AnswerRule.objects.create(institution=institution, reach=Reach.GIVEN)
    by_mail_only = web_case(institution, category, opening={"answer_by": ["email"]})
    answered(by_mail_only, road_staff)
    assert answers(by_mail_only) == {("email", EMAIL, "sent")}
    rule.reach = Reach.REQUIRED
    rule.save()
    required = web_case(institution, category, opening={"answer_by": ["email"]})
    answered(required, road_staff)
    assert answers(required) == {("sms", PHONE, "sent"), ("email", EMAIL, "sent")}


def test_a_kades_case_gets_nothing_whatever_the_rule(netgsm, smtp):
    police = Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    unit = Unit.objects.create(institution=police, name="Haber Merkezi")
    topic = Category.objects.create(institution=police, name="KADES yardım çağrısı", unit=unit, public=False)
    AnswerRule.objects.create(institution=police, reach=Reach.REQUIRED)
    case = open_from(
        Inbound(
            channel=Channel.KADES,
            institution=police,
            subject="KADES ihbarı",
            phone=PHONE,
            email=EMAIL,
            proven=STAFF,
            category=topic,
            priority=Priority.URGENT,
            opening={"answer_by": ["sms", "email"]},
        )
    )
    services.resolve(case, actor=None, resolution="Ekip adrese ulaştı.")
    run_worker()
    assert texts_to(netgsm) == [] and mails_to(smtp) == []
    assert not Message.objects.filter(direction="out", case=case).exists()
