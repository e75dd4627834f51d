"""Two feedback operators record the same call at the same moment (threads with their own connections and
real commits): one outcome is written, the other is refused; the case is closed or reopened once, and the
day's figures count one call. The same for a rating link tapped twice at once."""

import datetime as dt
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection

from kentmasa.cases.models import Event, Status
from kentmasa.directory.models import User
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily, Mode
from kentmasa.feedback.tests.world import RESOLVED_AT

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")
LATER = RESOLVED_AT + dt.timedelta(hours=2)


def at_once(works: list[Callable[[], T]]) -> tuple[list[T], list[BaseException]]:
    results: list[T] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(works))

    def run(work: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results.append(work())
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_operators_recording_one_call_at_once_record_it_once(world, make_user):
    zeynep = make_user(User.Role.FEEDBACK_OPERATOR, "zeynep")
    case = world.resolved()
    call = world.call_of(case)
    results, errors = at_once(
        [
            lambda: feedback.record_call(call, actor=world.fatma, outcome="satisfied", score=5, now=LATER),
            lambda: feedback.record_call(
                call, actor=zeynep, outcome="not_satisfied", score=1, reason="Çukur duruyor", now=LATER
            ),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], feedback.FeedbackError) and errors[0].code == "recorded"
    call.refresh_from_db()
    assert call.state == "done" and call.outcome in ("satisfied", "not_satisfied")
    case.refresh_from_db()
    expected = Status.CLOSED if call.outcome == "satisfied" else Status.ASSIGNED
    assert case.status == expected
    assert Event.objects.filter(case=case, action__in=["close", "reopen"]).count() == 1
    assert FeedbackDaily.objects.get().calls == 1


def test_two_not_reached_at_once_count_one_attempt(world, make_user):
    zeynep = make_user(User.Role.FEEDBACK_OPERATOR, "zeynep")
    call = world.call_of(world.resolved())
    results, errors = at_once(
        [
            lambda: feedback.record_call(call, actor=world.fatma, outcome="not_reached", now=LATER),
            lambda: feedback.record_call(call, actor=zeynep, outcome="not_reached", now=LATER),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert FeedbackCall.objects.get(pk=call.pk).attempts == 1
    assert Event.objects.filter(case=call.case, action="feedback_call").count() == 1


def test_a_rating_link_tapped_twice_at_once_counts_once(world, django_capture_on_commit_callbacks):
    world.settings.mode, world.settings.share_percent = Mode.SHARE, 0
    world.settings.save()
    case = world.resolved()
    call = world.call_of(case)
    message = feedback.send_link(call.pk)
    assert message is not None
    token = message.body.split("/degerlendir/")[1].split("/")[0]
    results, errors = at_once(
        [
            lambda: feedback.rate(token, score=5),
            lambda: feedback.rate(token, score=1, unsolved=True),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], feedback.FeedbackError) and errors[0].code == "used"
    assert FeedbackDaily.objects.get().calls == 1
    assert Event.objects.filter(case=case, action__in=["close", "reopen"]).count() == 1
