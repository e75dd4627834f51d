"""Which channels prove who is writing (cases.citizens): an SMS or WhatsApp sender's number, an e-mail with
our mail server's DMARC pass; never an Open311 app's typed contact data. The public form's code goes out
over real HTTP to the SMS provider."""

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Case, PhoneCode
from kentmasa.channels.email import intake as mail_channel
from kentmasa.channels.models import Message
from kentmasa.channels.sms.intake import receive_sms
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm

AYSE_PHONE = "+905321234567"
AYSE_EMAIL = "ayse.kaya@example.com"
OUR_SERVER = "mx.esenler.bel.tr"


@pytest.fixture
def ayse(institution):
    return find_or_create_citizen(
        institution, name="Ayşe Kaya", phone=AYSE_PHONE, email=AYSE_EMAIL, proven=STAFF
    )


# --- SMS


def test_an_sms_from_her_number_joins_her_history(institution, ayse):
    received = receive_sms(
        message_id="in-1", sender=AYSE_PHONE, text="Sokakta su borusu patladı", institution=institution
    )
    assert received.case.citizen_id == ayse.pk


def test_an_sms_never_joins_a_record_whose_number_was_only_typed(institution, category, client, settings):
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    typed = find_or_create_citizen(institution, name="Mallory", phone=AYSE_PHONE, email="m@example.com")
    received = receive_sms(
        message_id="in-2", sender=AYSE_PHONE, text="Çöp toplanmadı", institution=institution
    )
    assert received.case.citizen_id != typed.pk
    assert received.case.citizen.phone_verified and received.case.citizen.email == ""


# --- e-mail: DMARC at our own server


def mail_from(address: str, *, results: Sequence[str] = (), reply_to: str = "") -> bytes:
    message = EmailMessage()
    for header in results:
        message["Authentication-Results"] = header
    message["From"] = f"Ayşe Kaya <{address}>"
    if reply_to:
        message["Reply-To"] = reply_to
    message["To"] = "alo153@esenler.bel.tr"
    message["Subject"] = "Parkta kırık bank"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content("Menderes parkındaki bank kırık.")
    return message.as_bytes()


@pytest.fixture
def authserv(settings):
    settings.KENTMASA_EMAIL = {**settings.KENTMASA_EMAIL, "AUTHSERV_ID": OUR_SERVER}


PASS = (
    f"{OUR_SERVER}; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com;"
    " dmarc=pass (p=reject) header.from=example.com"
)


def test_mail_that_passed_dmarc_at_our_server_joins_her_history(institution, ayse, authserv):
    received = mail_channel.receive_email(mail_from(AYSE_EMAIL, results=[PASS]), institution)
    assert received.case.citizen_id == ayse.pk


@pytest.mark.parametrize(
    "results",
    [
        [],  # no verdict at all
        [PASS.replace("dmarc=pass", "dmarc=fail")],
        [PASS.replace(OUR_SERVER, "mx.attacker.example")],  # a verdict someone else wrote
        [
            f"{OUR_SERVER}; dmarc=fail header.from=example.com",
            PASS,
        ],  # ours is the topmost; the pass below is forged
        [PASS.replace("header.from=example.com", "header.from=attacker.example")],
    ],
    ids=["none", "fail", "other-server", "forged-below-ours", "other-domain"],
)
def test_mail_without_our_dmarc_pass_gets_a_record_of_its_own(institution, ayse, authserv, results):
    received = mail_channel.receive_email(mail_from(AYSE_EMAIL, results=results), institution)
    assert received.case.citizen_id != ayse.pk
    assert not received.case.citizen.email_verified


def test_a_reply_to_elsewhere_is_not_proven_by_the_from_address(institution, ayse, authserv):
    raw = mail_from(AYSE_EMAIL, results=[PASS], reply_to="mallory@attacker.example")
    received = mail_channel.receive_email(raw, institution)
    assert received.case.citizen_id != ayse.pk


def test_without_our_server_configured_no_mail_is_believed(institution, ayse, settings):
    settings.KENTMASA_EMAIL = {**settings.KENTMASA_EMAIL, "AUTHSERV_ID": ""}
    received = mail_channel.receive_email(mail_from(AYSE_EMAIL, results=[PASS]), institution)
    assert received.case.citizen_id != ayse.pk


# --- Open311


def test_an_open311_report_with_her_email_gets_a_record_of_its_own(
    client, institution, category, ayse, settings
):
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "api_keys": {"o311-test": "Kent Cebimde"},
        "rate": "1000/d",
    }
    form = {
        "api_key": "o311-test",
        "jurisdiction_id": "esenler.bel.tr",
        "service_code": str(category.pk),
        "lat": "41.043812",
        "long": "28.875731",
        "email": AYSE_EMAIL,
        "phone": "0555 999 88 77",
        "first_name": "Ayşe",
        "last_name": "Kaya",
        "description": "Evimin önünde derin bir çukur var.",
    }
    response = client.post(
        "/open311/v2/requests.json", data=urlencode(form), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.citizen_id != ayse.pk
    ayse.refresh_from_db()
    assert ayse.phone == AYSE_PHONE


# --- the public form's code, over real HTTP to the SMS provider


@pytest.fixture
def netgsm(settings):
    fake = FakeNetgsm().start()
    netgsm_sender = "kentmasa.channels.sms.netgsm.NetgsmSender"
    settings.KENTMASA_SENDERS = {**settings.KENTMASA_SENDERS, "sms": netgsm_sender}
    settings.KENTMASA_SMS = {
        **settings.KENTMASA_SMS,
        "netgsm_username": fake.username,
        "netgsm_password": fake.password,
        "netgsm_msgheader": fake.msgheader,
        "netgsm_base_url": fake.url,
    }
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    yield fake
    fake.stop()


def test_the_code_reaches_the_provider_and_proves_her_phone(client, institution, category, ayse, netgsm):
    answer = client.post(
        reverse("public:phone_code", args=[institution.slug]),
        {"phone": "0532 123 45 67"},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200, answer.content
    (request,) = netgsm.sent()
    (sms,) = request.json["messages"]
    assert sms["no"] == "5321234567"
    code = next(
        word.strip(".;")
        for word in sms["msg"].split()
        if word.strip(".;").isdigit() and len(word.strip(".;")) == 6
    )

    response = client.post(
        reverse("public:form", args=[institution.slug]),
        {
            "kind": "complaint",
            "category": category.pk,
            "subject": "Lamba",
            "text": "Lamba yanmıyor",
            "phone": "0532 123 45 67",
            "phone_code": code,
            "kvkk": "on",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get().citizen_id == ayse.pk
    assert Message.objects.get(template="phone_code").state == Message.State.SENT


def test_when_the_provider_fails_the_citizen_is_told_and_may_try_again(client, institution, netgsm):
    netgsm.script.append((406, {"code": "70", "description": "Invalid parameter"}))
    answer = client.post(
        reverse("public:phone_code", args=[institution.slug]),
        {"phone": "0532 123 45 67"},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 400 and "gönderilemedi" in answer.json()["message"]
    assert Message.objects.get(template="phone_code").state == Message.State.FAILED
    assert PhoneCode.objects.count() == 1  # it still counts against the limits


# --- threading never pulls the owner's messages onto a stranger's case


def test_her_unrelated_sms_never_lands_on_a_case_where_a_stranger_typed_her_number(
    institution, make_case, road_manager, settings
):
    from django.utils import timezone

    from kentmasa.cases import services

    settings.KENTMASA_SMS = {**settings.KENTMASA_SMS, "reply_window_days": 3}
    typed = find_or_create_citizen(institution, name="Mallory", phone=AYSE_PHONE)  # unproven
    strangers = make_case(citizen=typed)
    Message.objects.create(
        direction=Message.Direction.OUT,
        channel="sms",
        state=Message.State.SENT,
        institution=institution,
        case=strangers,
        address=AYSE_PHONE,
        body="Başvurunuz alındı",
        sent_at=timezone.now(),
    )
    services.ask_citizen(strangers, actor=road_manager, question="Adres nedir?")

    received = receive_sms(
        message_id="in-9", sender=AYSE_PHONE, text="Annemin sağlık raporu hakkında", institution=institution
    )

    assert received.case.pk != strangers.pk
    # Quoting the stranger's tracking number (which reached her phone) is a deliberate answer to it.
    quoted = receive_sms(
        message_id="in-10",
        sender=AYSE_PHONE,
        text=f"{strangers.tracking_number} yanlış numara",
        institution=institution,
    )
    assert quoted.case.pk == strangers.pk


def test_a_forged_from_cannot_continue_her_case_by_its_number(institution, ayse, authserv, make_case):
    hers = make_case(citizen=ayse)
    raw = mail_from(AYSE_EMAIL).replace(
        b"Subject: Parkta", f"Subject: [{hers.tracking_number}] Parkta".encode()
    )
    received = mail_channel.receive_email(raw, institution)
    assert received.case.pk != hers.pk
    proven = mail_from(AYSE_EMAIL, results=[PASS]).replace(
        b"Subject: Parkta", f"Subject: [{hers.tracking_number}] Parkta".encode()
    )
    assert mail_channel.receive_email(proven, institution).case.pk == hers.pk


# --- SMS pumping through the receipts of typed numbers


def test_receipts_to_a_typed_number_stop_at_the_daily_limit_and_staff_see_why(
    institution, make_case, settings
):
    from kentmasa.channels.replies import make_reply

    settings.KENTMASA_SENDERS = {**settings.KENTMASA_SENDERS, "sms": "kentmasa.channels.sms.sender.LogSender"}
    settings.KENTMASA_UNPROVEN_SMS_LIMITS = {"per_number_day": 5, "per_day": 8}
    made, cases = [], []
    for i in range(6):
        typed = find_or_create_citizen(institution, name=f"Başvuran {i}", phone="+905551112233")
        cases.append(make_case(citizen=typed, channel="web"))
        made.append(make_reply(cases[-1], cases[-1].events.get(action="open")))
    assert [message is not None for message in made] == [True] * 5 + [False]
    assert (
        cases[-1].events.filter(action="comment", public=False, note__contains="günlük SMS sınırı").exists()
    )

    # Other typed numbers share the institution's daily ceiling; a proven number is never limited.
    others = [
        make_reply(c, c.events.get(action="open"))
        for c in (
            make_case(
                citizen=find_or_create_citizen(institution, name=f"B{i}", phone=f"+90555000000{i}"),
                channel="web",
            )
            for i in range(4)
        )
    ]
    assert [message is not None for message in others] == [True, True, True, False]
    proven = make_case(
        citizen=find_or_create_citizen(institution, phone="+905321234567", proven={"phone"}), channel="sms"
    )
    assert make_reply(proven, proven.events.get(action="open")) is not None


def test_what_the_citizen_texted_shows_as_hers_not_as_the_institutions(institution, ayse, make_case):
    from kentmasa.cases.views.public import public_timeline

    case = make_case(citizen=ayse)
    receive_sms(
        message_id="in-20",
        sender=AYSE_PHONE,
        text=f"{case.tracking_number} kapı no 12",
        institution=institution,
    )
    rows = [row for row in public_timeline(case) if row["action"] == "comment"]
    assert [(str(row["label"]), row["note"]) for row in rows] == [
        ("Mesajınız", f"{case.tracking_number} kapı no 12")
    ]
