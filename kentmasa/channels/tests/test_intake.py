"""The common intake: idempotent on the provider id, threads onto the case, never opens one for a bounce."""

import io

import pytest
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.models import Case, Status
from kentmasa.cases.intake import Inbound, Media
from kentmasa.channels.intake import receive
from kentmasa.channels.models import Message

pytestmark = pytest.mark.django_db


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(out, format="JPEG")
    return out.getvalue()


def test_a_message_opens_a_case_once(institution):
    inbound = Inbound(
        channel="whatsapp",
        institution=institution,
        external_id="wamid.1",
        address="905321234567",
        phone="+905321234567",
        name="Ali Kaya",
        text="Parkta kırık salıncak var\nÇocuklar için tehlikeli",
        media=[Media(photo(), "foto.jpg")],
        latitude=36.99,
        longitude=35.33,
    )
    first = receive(inbound)
    again = receive(inbound)
    assert first.created and not again.created and again.case == first.case
    case = Case.objects.get()
    assert (case.channel, case.subject, case.citizen.phone) == (
        "whatsapp",
        "Parkta kırık salıncak var",
        "+905321234567",
    )
    assert float(case.latitude) == 36.99 and case.attachments.count() == 1
    assert Message.objects.filter(direction="in").count() == 1


def test_an_answer_threads_onto_the_waiting_case(make_case, road_staff, institution):
    case = services.ask_citizen(make_case(), actor=road_staff, question="Kapı numarası?")
    received = receive(
        Inbound(
            channel="sms",
            institution=institution,
            external_id="sms-9",
            address="+905321234567",
            phone="+905321234567",
            text="No 12",
            case=case,
        )
    )
    assert received.case.pk == case.pk and Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert case.events.filter(action="citizen_answered", note="No 12").exists()


def test_bounces_and_auto_replies_never_open_a_case(institution):
    received = receive(
        Inbound(
            channel="email",
            institution=institution,
            external_id="<x@y>",
            address="mailer-daemon@example.com",
            text="Delivery failed",
            ignore_reason="bounce",
        )
    )
    assert received.case is None and received.message.state == "ignored"
    assert not Case.objects.exists()


def test_an_unacceptable_file_does_not_lose_the_case(institution):
    received = receive(
        Inbound(
            channel="whatsapp",
            institution=institution,
            external_id="wamid.2",
            address="905321234567",
            phone="+905321234567",
            text="Çöp birikti",
            media=[Media(b"not really a photo", "x.jpg")],
        )
    )
    assert received.case is not None and received.case.attachments.count() == 0
    assert received.message.last_error


def test_another_constraint_failure_is_not_mistaken_for_a_retry(institution, monkeypatch):
    from django.db import IntegrityError

    from kentmasa.channels import intake

    def broken(inbound):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(intake, "_receive", broken)
    with pytest.raises(IntegrityError):
        receive(
            Inbound(channel="sms", institution=institution, external_id="sms-77", address="+905321234567")
        )
