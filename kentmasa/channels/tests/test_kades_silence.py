"""Nothing is ever sent to the person of a KADES alert (kentmasa.channels.silence): the aggressor may hold her
phone and read her mail.

Elif Yıldız's phone and e-mail are on record and proven at the Eskişehir police; whatever happens on a KADES
case of hers — opened, asked, answered, resolved, rejected, redirected, transferred, reopened by her message,
a reply template for every event, a case of another channel set to KADES, a message queued before that, a
one-time code asked for her number, a member of staff at the case page or the console — the worker runs
and the local Netgsm (real HTTP) and SMTP server (real socket) receive nothing for her, and no message to
her is made. The same steps on an ordinary case of hers do reach both servers: the harness can see a leak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import ClassVar

import pytest
from django.core.management import call_command
from django.urls import reverse

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Event, Priority, Status
from kentmasa.channels import replies, silence, templates
from kentmasa.channels.models import Message, Referral, ReplyTemplate
from kentmasa.directory.models import Category, Institution, Unit, User
from kentmasa.lib.tests.fake_netgsm import FakeNetgsm
from kentmasa.notify.tests.fakes import MailServer, mail_server

# Transactional, as in production: each domain function commits, its answer is made after the commit, and the
# worker (manage.py db_worker) runs the queued sends with its own transactions.
pytestmark = pytest.mark.django_db(transaction=True)

ELIF_PHONE = "+905329876543"
ELIF_NATIONAL = "5329876543"  # how Netgsm is asked to text it
ELIF_EMAIL = "elif.yildiz@example.com"
MAILBOX = "155@eskisehir.pol.tr"


class Tripwire:
    """WhatsApp and X: a KADES case must never get as far as a sender."""

    channel = "whatsapp"
    calls: ClassVar[list[int]] = []

    def can_reach(self, message):
        return True

    def send(self, message):
        Tripwire.calls.append(message.pk)
        raise AssertionError(f"message {message.pk} reached a sender")


@pytest.fixture
def netgsm(settings):
    fake = FakeNetgsm().start()
    settings.KENTMASA_SENDERS = {
        "sms": "kentmasa.channels.sms.netgsm.NetgsmSender",
        "email": "kentmasa.channels.email.sender.EmailSender",
        "whatsapp": f"{__name__}.Tripwire",
        "social": f"{__name__}.Tripwire",
    }
    settings.KENTMASA_SMS = {
        **settings.KENTMASA_SMS,
        "netgsm_username": fake.username,
        "netgsm_password": fake.password,
        "netgsm_msgheader": fake.msgheader,
        "netgsm_base_url": fake.url,
        "timeout": 5,
    }
    settings.KENTMASA_EMAIL = {"MAILBOXES": {MAILBOX: "eskisehir-emniyet"}}
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    Tripwire.calls = []
    yield fake
    fake.stop()


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet",
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )


@pytest.fixture
def haber_merkezi(police):
    return Unit.objects.create(institution=police, name="Haber Merkezi")


@pytest.fixture
def asayis(police):
    return Unit.objects.create(institution=police, name="Asayiş Şube Müdürlüğü")


@pytest.fixture
def kades_topic(police, haber_merkezi):
    return Category.objects.create(
        institution=police, name="KADES yardım çağrısı", unit=haber_merkezi, public=False
    )


@pytest.fixture
def noise_topic(police, asayis):
    return Category.objects.create(institution=police, name="Gürültü şikayeti", unit=asayis)


@pytest.fixture
def officer(police, haber_merkezi):
    user = User.objects.create_user(
        username="komiser", password="x", role=User.Role.POLICE_OPERATOR, institution=police
    )
    user.units.set([haber_merkezi])
    return user


@pytest.fixture
def chief(police, haber_merkezi, asayis):
    """The duty supervisor: every action of the case is open to the directorate's administrator."""
    user = User.objects.create_user(
        username="amir", password="x", role=User.Role.ADMINISTRATOR, institution=police
    )
    user.units.set([haber_merkezi, asayis])
    return user


@pytest.fixture
def elif_(police):
    citizen = find_or_create_citizen(
        police, name="Elif Yıldız", phone=ELIF_PHONE, email=ELIF_EMAIL, proven=STAFF
    )
    assert citizen.phone_verified and citizen.email_verified
    return citizen


def open_kades(police, topic, citizen, **kwargs) -> Case:
    params = {
        "institution": police,
        "channel": Channel.KADES,
        "subject": "KADES ihbarı",
        "category": topic,
        "citizen": citizen,
        "priority": Priority.URGENT,
    }
    params.update(kwargs)
    return services.open_case(**params)


def run_worker() -> None:
    """What `manage.py db_worker` does: every queued task (the answers' sends among them)."""
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)


def texts_to_her(netgsm: FakeNetgsm) -> list[str]:
    return [
        sms["msg"]
        for request in netgsm.sent()
        for sms in (request.json or {}).get("messages", [])
        if sms.get("no") == ELIF_NATIONAL
    ]


def mails_to_her(smtp: MailServer) -> list[list[str]]:
    return [recipients for recipients in smtp.recipients if ELIF_EMAIL in recipients]


def assert_nothing_reached_her(netgsm: FakeNetgsm, smtp: MailServer) -> None:
    run_worker()
    assert texts_to_her(netgsm) == []
    assert mails_to_her(smtp) == []
    assert Tripwire.calls == []
    assert not Message.objects.filter(
        direction=Message.Direction.OUT, address__in=[ELIF_PHONE, ELIF_EMAIL]
    ).exists()


def withheld_events(case: Case) -> set[int]:
    """The events the case's timeline says were not announced to her."""
    notes = Event.objects.filter(case=case, action="comment", note=silence.NOTE)
    return {note.data["kades_silence"] for note in notes}


def announceable(case: Case) -> set[int]:
    """The events an ordinary case's citizen would have heard of."""
    return {
        event.pk
        for event in case.events.all()
        if event.public
        and event.action in templates.DEFAULTS
        and not (event.action == "reopen" and event.actor_id is not None)
    }


# -- the harness sees a leak ---------------------------------------------------------------------------------


def test_an_ordinary_case_of_hers_reaches_her_phone_and_her_mailbox(
    police, noise_topic, elif_, chief, netgsm, smtp
):
    by_phone = services.open_case(
        institution=police, channel=Channel.PHONE, subject="Gürültü", category=noise_topic, citizen=elif_
    )
    by_mail = services.open_case(
        institution=police, channel=Channel.EMAIL, subject="Gürültü", category=noise_topic, citizen=elif_
    )
    run_worker()

    (text,) = texts_to_her(netgsm)
    assert by_phone.verification_code in text
    assert mails_to_her(smtp) == [[ELIF_EMAIL]]
    assert by_mail.verification_code in smtp.mails[0].get_body(preferencelist=("plain",)).get_content()


# -- every event of a KADES case -----------------------------------------------------------------------------

Step = Callable[[Case, User], Case]


def _opened(case: Case, chief: User) -> Case:
    return case


def _asked_and_answered(case: Case, chief: User) -> Case:
    case = services.ask_citizen(case, actor=chief, question="Şu an güvende misiniz?")
    return services.citizen_answered(case, actor=chief, answer="Ekip aradı, güvende.")


def _resolved_and_closed(case: Case, chief: User) -> Case:
    case = services.resolve(case, actor=chief, resolution="Ekip adrese ulaştı, şüpheli gözaltında.")
    return services.close(case, actor=chief)


def _resolved_on_the_spot(case: Case, chief: User) -> Case:
    return services.resolve_on_the_spot(case, actor=chief, resolution="Yanlışlıkla basıldı.")


def _rejected(case: Case, chief: User) -> Case:
    return services.reject(case, actor=chief, reason="Mükerrer ihbar.")


def _redirected(case: Case, chief: User) -> Case:
    return services.redirect(case, actor=chief, to="112 Acil Çağrı Merkezi")


def _transferred(case: Case, chief: User) -> Case:
    asayis = Unit.objects.get(institution=case.institution, name="Asayiş Şube Müdürlüğü")
    return services.transfer(case, actor=chief, unit=asayis, note="Asayiş izlesin.")


def _reopened_by_her_and_by_staff(case: Case, chief: User) -> Case:
    case = services.resolve(case, actor=chief, resolution="Ekip gönderildi.")
    case = services.reopen(case, actor=None, note="Vatandaş yeniden yazdı.")
    case = services.resolve(case, actor=chief, resolution="Tekrar ekip gönderildi.")
    return services.reopen(case, actor=chief, note="Denetim.")


@pytest.mark.parametrize(
    "step",
    [
        _opened,
        _asked_and_answered,
        _resolved_and_closed,
        _resolved_on_the_spot,
        _rejected,
        _redirected,
        _transferred,
        _reopened_by_her_and_by_staff,
    ],
)
def test_no_event_of_a_kades_case_reaches_her(step, police, kades_topic, asayis, elif_, chief, netgsm, smtp):
    case = step(open_kades(police, kades_topic, elif_), chief)

    assert_nothing_reached_her(netgsm, smtp)
    # Staff see, once for each event she would have heard of, that nothing was sent, and are not asked to
    # reach her another way (that note is "reply_failed", which tells the people working the case).
    assert withheld_events(case) == announceable(case) != set()
    assert not Event.objects.filter(case=case, data__reply_failed=True).exists()


def test_a_kades_case_from_the_gateway_has_no_one_to_tell_and_says_nothing(
    police, kades_topic, chief, netgsm, smtp
):
    case = open_kades(police, kades_topic, None)
    case = services.resolve(case, actor=chief, resolution="Ekip ulaştı.")

    assert_nothing_reached_her(netgsm, smtp)
    assert not Message.objects.filter(direction=Message.Direction.OUT).exists()
    assert withheld_events(case) == set()  # nobody to tell: no note either


def test_reply_templates_for_every_event_make_no_kades_case_speak(
    police, kades_topic, elif_, chief, netgsm, smtp
):
    for action in templates.DEFAULTS:
        ReplyTemplate.objects.create(
            institution=police, channel="", action=action, body="{{ institution }}: {{ tracking_number }}"
        )
        ReplyTemplate.objects.create(institution=police, channel=Channel.KADES, action=action, body="KADES")
    case = _reopened_by_her_and_by_staff(open_kades(police, kades_topic, elif_), chief)

    assert_nothing_reached_her(netgsm, smtp)
    for event in case.events.all():
        assert replies.make_reply(case, event) is None


def test_her_own_sms_on_a_finished_kades_case_is_not_acknowledged(
    police, kades_topic, elif_, chief, netgsm, smtp
):
    from kentmasa.channels.sms.intake import receive_sms

    case = open_kades(police, kades_topic, elif_)
    case = services.resolve(case, actor=chief, resolution="Ekip gönderildi.")
    received = receive_sms(
        message_id="netgsm-in-1",
        sender=ELIF_PHONE,
        text=f"{case.tracking_number} yine kapıda bekliyor",
        institution=police,
    )

    assert received.case is not None and received.case.pk == case.pk
    # Her message reopened it (actor None), which an ordinary case answers with "Mesajınız alındı"…
    assert received.case.status in ACTIVE_STATUSES
    assert case.events.filter(action="reopen", actor=None).exists()
    assert_nothing_reached_her(netgsm, smtp)  # …never sent here


# -- a case set to KADES, and a message queued before ------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        (Channel.SMS, ELIF_PHONE),
        (Channel.EMAIL, ELIF_EMAIL),
        (Channel.WHATSAPP, "905329876543"),
        (Channel.SOCIAL, "1600000000000000001"),
    ],
)
def test_a_case_set_to_kades_is_not_answered_on_the_channel_it_came_by(
    channel, address, police, kades_topic, elif_, chief, netgsm, smtp
):
    with replies.suppressed():  # its receipt is not what this test is about (see the one below)
        case = services.open_case(
            institution=police, channel=channel, subject="Yardım", category=kades_topic, citizen=elif_
        )
    Message.objects.create(
        direction=Message.Direction.IN,
        channel=channel,
        state=Message.State.RECEIVED,
        institution=police,
        case=case,
        address=address,
        external_id=f"in-{channel}",
    )
    assert replies.reply_channel(case) == (channel, address)
    # No domain function changes a channel: an administrator's correction in the database does.
    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)
    case.refresh_from_db()

    case = services.resolve(case, actor=chief, resolution="Ekip ulaştı.")

    assert_nothing_reached_her(netgsm, smtp)
    assert not Message.objects.filter(direction=Message.Direction.OUT, address=address).exists()


def test_an_answer_queued_before_the_case_became_kades_never_leaves(
    police, noise_topic, elif_, chief, netgsm, smtp
):
    """The worker is the one door to every provider: it refuses the message, however it was queued."""
    with replies.suppressed():
        case = services.open_case(
            institution=police, channel=Channel.PHONE, subject="Gürültü", category=noise_topic, citizen=elif_
        )
    services.resolve(case, actor=chief, resolution="Ekip gönderildi.")
    (queued,) = Message.objects.filter(direction=Message.Direction.OUT)
    assert (queued.state, queued.address) == (Message.State.QUEUED, ELIF_PHONE)
    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)

    run_worker()

    assert texts_to_her(netgsm) == [] and netgsm.sent() == []
    queued.refresh_from_db()
    assert (queued.state, queued.last_error, queued.sent_at) == (Message.State.FAILED, silence.WITHHELD, None)
    note = Event.objects.get(case=case, action="comment", note=silence.WITHHELD)
    assert note.data == {"kades_silence": "withheld", "message": queued.pk} and not note.public
    # The periodic safety net finds nothing left to send.
    from kentmasa.channels.tasks import send_due_messages

    assert send_due_messages.call() == 0
    assert netgsm.sent() == []


def test_an_ordinary_case_of_the_same_person_is_still_answered(
    police, noise_topic, kades_topic, elif_, chief, netgsm, smtp
):
    open_kades(police, kades_topic, elif_)
    ordinary = services.open_case(
        institution=police, channel=Channel.PHONE, subject="Gürültü", category=noise_topic, citizen=elif_
    )
    services.resolve(ordinary, actor=chief, resolution="Ekip uyarıda bulundu.")
    run_worker()

    receipt, answer = texts_to_her(netgsm)
    assert ordinary.verification_code in receipt and "Ekip uyarıda bulundu." in answer
    assert list(Message.objects.values_list("case", flat=True)) == [ordinary.pk, ordinary.pk]


def test_a_reopening_by_staff_does_not_tell_the_citizen_their_message_was_received(
    make_case, institution, road_manager, road_staff, settings
):
    settings.KENTMASA_SENDERS = {"sms": "kentmasa.channels.sms.sender.LogSender"}
    citizen = find_or_create_citizen(institution, name="Ayşe Kaya", phone="+905321234567", proven=STAFF)
    case = make_case(citizen=citizen)
    case = services.resolve(case, actor=road_staff, resolution="Çukur kapatıldı.")
    services.reopen(case, actor=road_manager, note="Denetimde iş eksik bulundu.")
    assert not Message.objects.filter(direction=Message.Direction.OUT, template="reopen").exists()


# -- the public form's one-time code -------------------------------------------------------------------------


def ask_code(client, institution: Institution, phone: str):
    return client.post(
        reverse("public:phone_code", args=[institution.slug]),
        {"phone": phone},
        HTTP_ACCEPT="application/json",
    )


def test_no_code_goes_to_her_number_and_the_form_cannot_tell(
    client, police, kades_topic, elif_, institution, netgsm
):
    open_kades(police, kades_topic, elif_)

    hers = ask_code(client, police, "0532 987 65 43")
    someone_elses = ask_code(client, police, "0532 123 45 67")

    # The same answer as for anybody's number, so typing hers there tells nobody she called the police…
    assert (hers.status_code, hers.json()["ok"]) == (someone_elses.status_code, True) == (200, True)
    # …but only the other number got a code, and no ledger row names hers.
    assert [sms["no"] for request in netgsm.sent() for sms in request.json["messages"]] == ["5321234567"]
    assert list(Message.objects.filter(template="phone_code").values_list("address", flat=True)) == [
        "+905321234567"
    ]
    # The municipality, where she has no KADES case, still sends her its code.
    assert ask_code(client, institution, "0532 987 65 43").status_code == 200
    assert texts_to_her(netgsm) != []


# -- what staff are offered ---------------------------------------------------------------------------------


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_the_kades_case_page_offers_nothing_that_speaks_to_her(
    officer_client, police, kades_topic, noise_topic, elif_
):
    kades = open_kades(police, kades_topic, elif_)
    ordinary = services.open_case(
        institution=police, channel=Channel.PHONE, subject="Gürültü", category=noise_topic, citizen=elif_
    )

    page = officer_client.get(reverse("cases:detail", args=[kades.tracking_number])).content.decode()
    other = officer_client.get(reverse("cases:detail", args=[ordinary.tracking_number])).content.decode()

    for offered in (
        'id="action-ask_citizen"',
        'name="comment-public"',
        'name="upload-public"',
        'id="case-receipt"',
    ):
        assert offered in other
        assert offered not in page
    assert 'id="case-kades-silence"' in page and 'id="case-kades-silence"' not in other
    assert "Citizen sees this" not in page and "Vatandaş görür" not in page
    assert 'id="action-resolve_on_the_spot"' in page  # the police's own work is still offered…
    assert "kişiye bildirilmez" in page and "vatandaşa bu iletilir" in other  # …without "she is told this"


def test_staff_cannot_ask_her_or_write_to_her_through_the_case(
    officer_client, police, kades_topic, elif_, netgsm, smtp
):
    case = open_kades(police, kades_topic, elif_)
    url = reverse("cases:transition", args=[case.tracking_number, "ask_citizen"])
    asked = officer_client.post(url, {"ask_citizen-question": "Güvende misiniz?"})
    commented = officer_client.post(
        reverse("cases:comment", args=[case.tracking_number]),
        {"comment-note": "Ekip yolda.", "comment-public": "on"},
    )

    assert asked.status_code == 302 and commented.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert not case.events.filter(action="ask_citizen").exists()
    assert case.events.get(action="comment", note="Ekip yolda.").public is False
    assert_nothing_reached_her(netgsm, smtp)


def test_no_receipt_or_answer_letter_is_printed_for_a_kades_case(
    officer_client, police, noise_topic, chief, elif_
):
    """A CİMER application of hers, answered, prints its receipt and its answer letter; once the case is
    KADES, neither is printed (the letter reaches her through CİMER)."""
    with replies.suppressed():
        case = services.open_case(
            institution=police, channel=Channel.CIMER, subject="Gürültü", category=noise_topic, citizen=elif_
        )
        case = services.resolve(case, actor=chief, resolution="Ekip uyarıda bulundu.")
    Referral.objects.create(
        case=case,
        institution=police,
        system=Referral.System.CIMER,
        external_ref="2026-155-0001",
        reached_at=dt.date(2026, 3, 18),
        external_due_at=dt.date(2026, 4, 17),
    )
    receipt_url = reverse("channels:desk_receipt", args=[case.tracking_number])
    letter_url = reverse("channels:referral_answer_pdf", args=[case.tracking_number])
    for url in (receipt_url, letter_url):
        printed = officer_client.get(url)
        assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf", url

    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)

    assert officer_client.get(receipt_url).status_code == 404
    assert officer_client.get(letter_url).status_code == 404


def test_a_kades_case_recorded_at_the_console_for_her_sends_nothing(
    officer_client, police, kades_topic, elif_, netgsm, smtp
):
    response = officer_client.post(
        reverse("cases:console"),
        {
            "citizen": "",
            "citizen_name": elif_.name,
            "citizen_phone": "0532 987 65 43",
            "citizen_tc_kimlik": "",
            "citizen_email": ELIF_EMAIL,
            "category": str(kades_topic.pk),
            "category_search": kades_topic.name,
            "kind": "tip_off",
            "channel": Channel.KADES,
            "subject": "KADES: eşinden şiddet",
            "description": "Arayan komşu, kadın evde.",
            "province": "Eskişehir",
            "district": "Odunpazarı",
            "neighbourhood": "",
            "street": "",
            "building_no": "",
            "address_text": "",
            "latitude": "",
            "longitude": "",
            "priority": "4",
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    case = Case.objects.get(channel=Channel.KADES)
    assert (case.citizen.phone, case.citizen.email) == (ELIF_PHONE, ELIF_EMAIL)
    page = officer_client.get(response["Location"]).content.decode()
    assert 'id="new-tracking-number"' in page and 'id="new-verification-code"' not in page
    assert_nothing_reached_her(netgsm, smtp)
