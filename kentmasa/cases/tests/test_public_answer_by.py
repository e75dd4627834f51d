"""The citizen's preference on the public form: "Cevabı nasıl almak istersiniz?"

Ayşe Kaya applies to Esenler on the web form with her phone and her e-mail. Esenler answers every contact
given (AnswerRule "given"), but she asked for e-mail: when the unit resolves her case the answer reaches the
local SMTP server (real socket) and no SMS goes to the local Netgsm (real HTTP). Without a choice she gets
both. Asking for SMS without a phone, or e-mail without an e-mail address, is a Turkish form error that
opens nothing.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from kentmasa.cases import services
from kentmasa.cases.models import Case, Event, Kind
from kentmasa.channels.models import AnswerRule, Message
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm
from kentmasa.notify.tests.fakes import mail_server

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+905321234567"
EMAIL = "ayse.kaya@example.com"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"


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


def apply(client, institution, category, **overrides):
    data = {
        "kind": Kind.COMPLAINT,
        "category": category.pk,
        "subject": "Kaldırımda çukur",
        "text": "Menderes Mahallesi'nde okul önündeki kaldırımda büyük bir çukur var.",
        "name": "Ayşe Kaya",
        "phone": "0532 123 45 67",
        "email": EMAIL,
        "tc_kimlik": "",
        "answer_by": "",
        "kvkk": "on",
        "website": "",
    }
    data.update(overrides)
    return client.post(reverse("public:form", args=[institution.slug]), data)


def resolved_answers(case: Case, staff) -> set[tuple[str, str]]:
    services.resolve(case, actor=staff, resolution="Çukur asfaltla kapatıldı.")
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    return set(
        Message.objects.filter(case=case, direction="out", template="resolve", state="sent").values_list(
            "channel", "address"
        )
    )


def texts_to_ayse(netgsm: FakeNetgsm) -> list[str]:
    return [
        sms["msg"]
        for request in netgsm.sent()
        for sms in (request.json or {}).get("messages", [])
        if sms.get("no") == "5321234567"
    ]


def test_she_asked_for_e_mail_and_gets_the_answer_by_e_mail_only(
    client, institution, category, road_staff, netgsm, smtp
):
    AnswerRule.objects.create(institution=institution, reach=AnswerRule.Reach.GIVEN)
    page = client.get(reverse("public:form", args=[institution.slug])).content.decode()
    assert "Cevabı nasıl almak istersiniz?" in page and "İkisi de (SMS ve e-posta)" in page

    response = apply(client, institution, category, answer_by="email")
    assert response.status_code == 302
    case = Case.objects.get()
    assert Event.objects.get(case=case, action="open").data["answer_by"] == ["email"]
    texts_before = len(texts_to_ayse(netgsm))

    assert resolved_answers(case, road_staff) == {("email", EMAIL)}
    assert any(EMAIL in recipients for recipients in smtp.recipients)
    assert not any("asfaltla kapatıldı" in text for text in texts_to_ayse(netgsm)[texts_before:])


def test_without_a_choice_the_rule_sends_both(client, institution, category, road_staff, netgsm, smtp):
    AnswerRule.objects.create(institution=institution, reach=AnswerRule.Reach.GIVEN)
    assert apply(client, institution, category).status_code == 302
    case = Case.objects.get()
    assert "answer_by" not in Event.objects.get(case=case, action="open").data
    assert resolved_answers(case, road_staff) == {("sms", PHONE), ("email", EMAIL)}


@pytest.mark.parametrize(
    ("choice", "missing", "message"),
    [
        ("sms", "phone", "Cevabı SMS ile almak için telefon numaranızı yazın."),
        ("email", "email", "Cevabı e-posta ile almak için e-posta adresinizi yazın."),
        ("both", "email", "Cevabı e-posta ile almak için e-posta adresinizi yazın."),
        ("fax", "", "Geçerli bir seçenek seçin."),
    ],
)
def test_a_choice_without_its_contact_is_a_turkish_error(
    client, institution, category, choice, missing, message
):
    overrides = {"answer_by": choice}
    if missing:
        overrides[missing] = ""
    response = apply(client, institution, category, **overrides)
    assert response.status_code == 200
    assert response.context["form"].errors["answer_by"]
    assert message in response.content.decode()
    assert not Case.objects.exists()
