"""Nothing is ever sent to the person of a KADES alert (DOMAIN.md: the aggressor may hold her phone).

Whatever happens on a KADES case — opened, answered, reopened, a question to the citizen — no outbound
message is made for it, on any channel, even when her phone number and e-mail are on record.
"""

import pytest

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Channel, Priority
from kentmasa.channels import replies
from kentmasa.channels.models import Message

pytestmark = pytest.mark.django_db


class QuietSender:
    channel = "sms"

    def can_reach(self, message):
        return True

    def send(self, message):  # pragma: no cover - must never be reached
        raise AssertionError("a KADES case was messaged")


@pytest.fixture(autouse=True)
def senders(settings):
    settings.KENTMASA_SENDERS = {
        "sms": f"{__name__}.QuietSender",
        "email": f"{__name__}.QuietSender",
    }


@pytest.fixture
def kades_case(make_case, institution):
    citizen = find_or_create_citizen(
        institution, name="Elif Yıldız", phone="+905329876543", email="elif@example.com", proven=STAFF
    )
    return make_case(citizen=citizen, channel=Channel.KADES, priority=Priority.URGENT)


def test_no_event_of_a_kades_case_messages_its_person(
    kades_case, road_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.resolve(kades_case, actor=road_staff, resolution="Ekip gönderildi.")
        case = services.reopen(case, actor=None, note="Vatandaş yeniden yazdı.")
    for event in case.events.all():
        assert replies.make_reply(case, event) is None
    assert not Message.objects.filter(direction=Message.Direction.OUT).exists()


def test_an_ordinary_case_of_the_same_person_is_still_answered(
    make_case, kades_case, road_staff, django_capture_on_commit_callbacks
):
    ordinary = make_case(citizen=kades_case.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(ordinary, actor=road_staff, resolution="Çukur kapatıldı.")
    assert Message.objects.filter(direction=Message.Direction.OUT, case=ordinary).exists()


def test_a_reopening_by_staff_does_not_tell_the_citizen_their_message_was_received(
    make_case, institution, road_manager, road_staff, django_capture_on_commit_callbacks
):
    citizen = find_or_create_citizen(institution, name="Ayşe Kaya", phone="+905321234567", proven=STAFF)
    case = make_case(citizen=citizen)
    case = services.resolve(case, actor=road_staff, resolution="Çukur kapatıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen(case, actor=road_manager, note="Denetimde iş eksik bulundu.")
    assert not Message.objects.filter(direction=Message.Direction.OUT, template="reopen").exists()
