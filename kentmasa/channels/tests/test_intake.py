"""The common intake: idempotent on the provider id, threads onto the case, never opens one for a bounce."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.intake import Inbound, Media
from kentmasa.cases.models import Case, Status
from kentmasa.channels.intake import receive
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution

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
    assert case.latitude == Decimal("36.990000") and case.attachments.count() == 1
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


# -- a message about a finished case (issue 9, point 2.2) ---------------------------------------------------

PHONE = "+905321234567"


def sms(institution, number: int, text: str, case=None) -> Inbound:
    return Inbound(
        channel="sms",
        institution=institution,
        external_id=f"sms-{number}",
        address=PHONE,
        phone=PHONE,
        proven=frozenset({"phone"}),
        text=text,
        case=case,
    )


def finished(institution, *, days_ago: float, close: bool = True) -> Case:
    """A case that came by SMS and was answered (and closed) ``days_ago`` days ago."""
    opened = receive(sms(institution, 1, "Sokakta çukur var")).case
    assert opened is not None
    case = services.resolve(opened, actor=None, resolution="Çukur asfaltlandı.")
    if close:
        case = services.close(case, actor=None)
    long_ago = timezone.now() - dt.timedelta(days=days_ago)
    Case.objects.filter(pk=case.pk).update(resolved_at=long_ago, closed_at=long_ago if close else None)
    case.refresh_from_db()
    return case


def write_again(institution, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return receive(sms(institution, 2, "Çukur yine açıldı, yapılan iş tutmadı", case=case))


@pytest.mark.parametrize("close", [True, False], ids=["closed", "resolved"])
def test_a_message_within_the_window_reopens_the_case_and_the_citizen_is_told(
    institution, django_capture_on_commit_callbacks, close
):
    case = finished(institution, days_ago=7 - 1 / 24 / 60, close=close)  # a minute inside the 7 days
    received = write_again(institution, case, django_capture_on_commit_callbacks)
    assert received.case.pk == case.pk and Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status == Status.NEW and case.closed_at is None and case.resolution == ""
    said, reopened = case.events.order_by("-pk")[1], case.events.order_by("-pk")[0]
    assert (said.action, said.note, said.data) == (
        "comment",
        "Çukur yine açıldı, yapılan iş tutmadı",
        {"from_citizen": True},
    )
    assert reopened.action == "reopen" and reopened.actor is None and reopened.public and "7" in reopened.note
    told = Message.objects.get(direction="out", template="reopen")
    assert (told.case, told.address, told.channel) == (case, PHONE, "sms")
    assert str(case.tracking_number) in told.body.replace("-", "")


def test_a_message_after_the_window_opens_a_new_case_that_follows_the_old_one(
    institution, django_capture_on_commit_callbacks
):
    case = finished(institution, days_ago=7 + 1 / 24 / 60)  # a minute past the 7 days
    received = write_again(institution, case, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and not case.events.filter(action__in=["comment", "reopen"]).exists()
    new = received.case
    assert new.pk != case.pk and new.follows == case and list(case.follow_ups.all()) == [new]
    assert new.subject == "Çukur yine açıldı, yapılan iş tutmadı" and new.citizen == case.citizen
    assert new.events.get(action="open").data["follows"] == case.tracking_number
    assert received.message.case == new
    told = Message.objects.get(direction="out", template="open", case=new)
    assert told.address == PHONE


def test_the_window_is_the_institutions_setting(institution, django_capture_on_commit_callbacks):
    institution.reopen_days = 30
    institution.save()
    case = finished(institution, days_ago=20)
    assert write_again(institution, case, django_capture_on_commit_callbacks).case.pk == case.pk
    institution.reopen_days = 0
    institution.save()
    again = finished(Institution.objects.get(pk=institution.pk), days_ago=1 / 24)
    with django_capture_on_commit_callbacks(execute=True):
        later = receive(sms(institution, 3, "Yine çukur", case=again)).case
    assert later.pk != again.pk and later.follows == again


def test_a_second_message_about_a_case_reopened_meanwhile_is_its_note(
    institution, django_capture_on_commit_callbacks
):
    case = finished(institution, days_ago=1)  # both messages were threaded onto it as it was: closed
    write_again(institution, case, django_capture_on_commit_callbacks)
    assert case.status == Status.CLOSED
    again = receive(sms(institution, 3, "Fotoğrafını da gönderiyorum", case=case))
    assert again.case is not None and again.case.pk == case.pk and Case.objects.count() == 1
    assert list(again.case.events.filter(action="reopen").values_list("actor", flat=True)) == [None]
    assert again.case.events.order_by("-pk")[0].note == "Fotoğrafını da gönderiyorum"


def test_an_answer_staff_already_took_by_phone_is_a_note_not_a_failed_delivery(institution):
    opened = receive(sms(institution, 1, "Sokakta çukur var")).case
    assert opened is not None
    asked = services.ask_citizen(opened, actor=None, question="Kapı numarası?")
    # The channel read the case waiting for her answer; before her SMS is recorded she has called, and
    # staff recorded her answer.
    services.citizen_answered(Case.objects.get(pk=asked.pk), actor=None, answer="Telefonla: No 12")
    received = receive(sms(institution, 2, "No 12", case=asked))
    assert received.created and received.case is not None and received.case.pk == asked.pk
    assert received.case.status == Status.IN_PROGRESS
    assert received.case.events.order_by("-pk")[0].note == "No 12"
    assert Message.objects.filter(direction="in", external_id="sms-2", case=asked).exists()


# -- query counts (exact, the same on SQLite and PostgreSQL) ------------------------------------------------

# Each timeline event written is also a live event (kentmasa.notify.live): one insert each, and for a comment
# one read of the case as it is now (who may see the event is decided from that).
# A message without a category looks for the row of its channel once (kentmasa.directory.channel_rows).
# +2 KVKK: the channel's current privacy notice and the record of the version given (kentmasa.privacy).
NEW_MESSAGE_QUERIES = 16  # -2: read from the per-process set-up cache
THREADED_REPLY_QUERIES = 12


def test_a_new_message_takes_a_fixed_number_of_queries(institution, django_assert_num_queries):
    receive(sms(institution, 1, "Sokakta çukur var"))  # the citizen is known from now on
    with django_assert_num_queries(NEW_MESSAGE_QUERIES):
        received = receive(sms(institution, 2, "Parkta salıncak kırık"))
    assert received.created and Case.objects.count() == 2


def test_a_threaded_reply_takes_a_fixed_number_of_queries(institution, django_assert_num_queries):
    case = receive(sms(institution, 1, "Sokakta çukur var")).case
    with django_assert_num_queries(THREADED_REPLY_QUERIES):
        received = receive(sms(institution, 2, "Kapı numarası 12", case=case))
    assert received.case.pk == case.pk and Case.objects.count() == 1
