"""Merged cases share one resolution, and every citizen of the group is answered on their own channel."""

import pytest

from kentmasa.cases import services
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Event
from kentmasa.cases.views.public import public_timeline
from kentmasa.channels.models import Message

pytestmark = pytest.mark.django_db


class Outbox:
    channel = "sms"

    def can_reach(self, message):
        return True

    def send(self, message):  # pragma: no cover - messages are only queued in these tests
        raise AssertionError("not sent in this test")


@pytest.fixture
def burst_pipe(institution, make_case, operator, settings, django_capture_on_commit_callbacks):
    """Ayşe reported the burst pipe first; Mehmet and then Zeynep called about the same pipe, and the
    operator merged Zeynep's case into Mehmet's, and later Mehmet's into Ayşe's (a chain)."""
    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.Outbox"}
    people = [
        find_or_create_citizen(institution, name=name, phone=phone)
        for name, phone in (
            ("Ayşe Kaya", "+905321111111"),
            ("Mehmet Öz", "+905322222222"),
            ("Zeynep Ak", "+905323333333"),
        )
    ]
    first, second, third = (make_case(citizen=person, subject="Boru patladı") for person in people)
    services.merge(third, actor=operator, into=second)
    services.merge(second, actor=operator, into=first)
    return first, second, third


def test_the_resolution_reaches_every_merged_case_as_a_public_answer(
    burst_pipe, road_staff, django_capture_on_commit_callbacks
):
    first, second, third = burst_pipe
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(first, actor=road_staff, resolution="Boru onarıldı, su verildi.")
    for merged in (second, third):
        answer = Event.objects.get(case=merged, action="resolve")
        assert answer.public and answer.note == "Boru onarıldı, su verildi."
        assert answer.data["group_case"] == first.tracking_number
        merged.refresh_from_db()
        assert merged.status == "merged"  # the case itself stays merged into the first
        assert public_timeline(merged)[-1]["note"] == "Boru onarıldı, su verildi."
    answered = set(
        Message.objects.filter(direction="out", template="resolve").values_list("address", flat=True)
    )
    assert answered == {"+905321111111", "+905322222222", "+905323333333"}


def test_a_resolution_announced_twice_answers_nobody_twice(burst_pipe, road_staff):

    first, _second, _third = burst_pipe
    resolved = services.resolve(first, actor=road_staff, resolution="Boru onarıldı.")
    event = Event.objects.get(case=resolved, action="resolve")
    assert len(services.share_resolution(resolved, event)) == 2
    assert services.share_resolution(resolved, event) == []
