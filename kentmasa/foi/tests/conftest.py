"""The information service of Esenler Belediyesi: its unit and officer Elif, the roads unit that holds
information (Ali, staff; Rıza, manager), the 4982 service row, a fee table, and Ayşe's e-mailed request."""

import datetime as dt
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller

from kentmasa.cases import services as cases
from kentmasa.cases.models import Channel, Citizen, Kind
from kentmasa.channels.email.smtpd import listener as mail_listener
from kentmasa.channels.email.tests.conftest import MAILBOX, free_port
from kentmasa.channels.email.tests.test_email import OutgoingServer
from kentmasa.directory.models import Category, Service, Unit, User
from kentmasa.foi.models import FeeTable, FoiRequest, FoiSettings

# Monday 1 June 2026, a month without holidays: 2 iş günü → Wed 3 June; 15 → Mon 22 June; 30 → Mon 13 July.
RECEIVED = dt.datetime.fromisoformat("2026-06-01T10:00+03:00")
AYSE_TC = "10000000146"
INFO_MAILBOX = "bilgiedinme@esenler.bel.tr"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def foi_unit(institution):
    return Unit.objects.create(institution=institution, name="Bilgi Edinme Servisi")


@pytest.fixture
def foi_service(institution, foi_unit):
    return Service.objects.create(
        institution=institution,
        unit=foi_unit,
        number=9,
        name="4982 Sayılı Kanun Kapsamında Bilgi Edinme Başvuruları",
        completion_time="15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ",
    )


@pytest.fixture
def foi_category(institution, foi_service, foi_unit):
    return Category.objects.create(
        institution=institution, name="Bilgi edinme başvurusu", service=foi_service, unit=foi_unit
    )


@pytest.fixture
def foi_settings(institution, foi_unit, foi_category):
    return FoiSettings.objects.create(
        institution=institution,
        unit=foi_unit,
        category=foi_category,
        signer_name="Hakan Öztürk",
        signer_title="Basın Yayın ve Halkla İlişkiler Müdürü",
    )


@pytest.fixture
def fee_table(institution):
    return FeeTable.objects.create(
        institution=institution,
        year=2026,
        bw_page=Decimal("9.56"),
        colour_page=Decimal("19.43"),
        research_page=Decimal("1.00"),
        research_cap=Decimal("50.00"),
        disc=Decimal("25.00"),
        postage=Decimal("40.00"),
    )


@pytest.fixture
def elif_(make_user, foi_unit):
    return make_user(User.Role.UNIT_STAFF, "elif", units=[foi_unit])


@pytest.fixture
def ali(make_user, roads):
    return make_user(User.Role.UNIT_STAFF, "ali", units=[roads])


@pytest.fixture
def riza(make_user, roads):
    return make_user(User.Role.UNIT_MANAGER, "riza", units=[roads])


@pytest.fixture
def ayse(institution):
    return Citizen.objects.create(
        institution=institution, name="Ayşe Kaya", email="ayse@example.com", phone="+905321234567"
    )


@pytest.fixture
def open_request(institution, foi_settings, ayse):
    def make(**kwargs):
        params = {
            "institution": institution,
            "channel": Channel.EMAIL,
            "kind": Kind.INFORMATION_REQUEST,
            "subject": "Asfalt ihalesi",
            "description": "4982 sayılı Kanun uyarınca Gül Sokak asfalt ihalesinin bedelini isterim.",
            "citizen": ayse,
            "received_at": RECEIVED,
        }
        params.update(kwargs)
        case = cases.open_case(**params)
        return FoiRequest.objects.select_related("case").get(case_id=case.pk)

    return make


@pytest.fixture
def mail(settings):
    """The listener for Esenler's mailboxes (bilgiedinme@ opens information requests) and the outgoing
    mail server that records what is sent, both on real sockets."""
    settings.KENTMASA_EMAIL = {
        "MAILBOXES": {MAILBOX: "esenler", INFO_MAILBOX: "esenler"},
        "INFORMATION_MAILBOXES": [INFO_MAILBOX],
    }
    settings.KENTMASA_SENDERS = {"email": "kentmasa.channels.email.sender.EmailSender"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.esenler.bel.tr"
    incoming = mail_listener("127.0.0.1", free_port())
    incoming.start()
    outgoing = OutgoingServer()
    out = Controller(outgoing, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    out.start()
    yield incoming, outgoing
    out.stop()
    incoming.stop()
