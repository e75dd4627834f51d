"""A case moves or finishes while Asfalt Ekibi 1's work order on it is open: the work order is overtaken
(kentmasa.field.signals, listening to the cases' events; services.cancel_overtaken). It is cancelled with its
reason ("case_moved" / "case_closed") and drops off the team's list, its machine is free again, the timeline
says so, and the team is told by name — the leader, the members and the member it was given to. What the
phone sends about it afterwards is a conflict that says what happened. A case that only changes hands inside
its unit, or a work order already reported, is left alone."""

import pytest
from django.utils import timezone

from kentmasa.cases import services as cases
from kentmasa.cases.models import Event
from kentmasa.directory.models import Unit, User
from kentmasa.field import services
from kentmasa.field.models import FieldAction, Machine, WorkOrder
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action
from kentmasa.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    built = api_world.build(institution, roads, parks, make_user, make_case)
    can = make_user(User.Role.FIELD_TEAM, "can", teams=[built.team])
    can.first_name, can.last_name = "Can", "Aydın"
    can.save(update_fields=["first_name", "last_name"])
    built.can = can  # type: ignore[attr-defined]
    return built


def told(order: WorkOrder) -> dict[str, str]:
    """username → text of the "work_order" notifications about this work order after it was sent."""
    rows = Notification.objects.filter(
        kind="work_order", link=f"/saha/#is/{order.pk}", text__contains="iptal edildi"
    ).select_related("user")
    return {row.user.username: row.text for row in rows}


def listed(user) -> list[int]:
    return [order.pk for order in services.todays_orders(user)]


def test_a_transfer_to_another_unit_cancels_the_work_order_and_tells_the_team_by_name(
    world, django_capture_on_commit_callbacks
):
    case = world.case(subject="Kaldırımda çukur")
    order = world.order(case, machines=[world.grader], assignee=world.mehmet)
    services.apply(world.mehmet, action("set_out", order))
    assert order.pk in listed(world.mehmet) and order.pk in listed(world.ahmet)
    assert Machine.objects.get(pk=world.grader.pk).status == Machine.Status.OUT

    with django_capture_on_commit_callbacks(execute=True):
        cases.transfer(case, actor=world.manager, unit=world.parks, note="Park alanında.")

    order.refresh_from_db()
    assert order.status == WorkOrder.Status.CANCELLED
    assert order.cancel_reason == WorkOrder.CancelReason.CASE_MOVED
    assert order.status_at is not None and order.status_at <= timezone.now()
    assert Machine.objects.get(pk=world.grader.pk).status == Machine.Status.AVAILABLE
    line = Event.objects.get(case=case, action="work_order_cancelled")
    assert line.data == {"work_order": order.pk, "team": world.team.pk, "reason": "case_moved"}
    assert line.note == (
        "Asfalt Ekibi 1 ekibinin iş emri iptal edildi: başvuru devredildi (Park ve Bahçeler Müdürlüğü)"
    )
    # The leader and both members, by name, each once; nobody of another team.
    texts = told(order)
    assert set(texts) == {"ahmet", "mehmet", "can"}
    assert all(
        "Park ve Bahçeler Müdürlüğü" in text and case.tracking_display in text for text in texts.values()
    )
    assert not Notification.objects.filter(user=world.zeynep, text__contains="iptal edildi").exists()
    notified = Event.objects.filter(case=case, action="notified", data__kind="work_order").last()
    assert notified is not None and "Ahmet Yılmaz" in notified.note and "Can Aydın" in notified.note
    # Off today's list; the phone's next action is a conflict it shows.
    assert order.pk not in listed(world.mehmet) and order.pk not in listed(world.ahmet)
    answer = services.apply(world.mehmet, action("arrived", order, latitude="41.04", longitude="28.88"))
    assert (answer["outcome"], answer["code"]) == ("conflict", "transferred")
    assert answer["message"] == (
        "Başvuru bu arada başka bir birime (Park ve Bahçeler Müdürlüğü) devredildi; hiçbir şey kaydedilmedi."
    )
    assert FieldAction.objects.get(client_id=answer["id"]).outcome == "conflict"
    order.refresh_from_db()
    assert order.arrived_at is None


def test_a_transfer_to_another_institution_cancels_it_too(
    world, other_institution, django_capture_on_commit_callbacks
):
    case = world.case()
    order = world.order(case)
    roads_there = Unit.objects.create(institution=other_institution, name="Kayseri Yol Bakım")
    with django_capture_on_commit_callbacks(execute=True):
        cases.transfer(case, actor=world.manager, unit=roads_there)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "case_moved")
    assert set(told(order)) == {"ahmet", "mehmet", "can"}
    answer = services.apply(world.mehmet, action("done", order, text="Bitti."))
    assert (answer["outcome"], answer["code"]) == ("conflict", "transferred")
    assert "başka bir kuruma" in answer["message"]


@pytest.mark.parametrize("finish", ["reject", "close", "resolve", "redirect"])
def test_a_closed_or_rejected_case_cancels_its_open_work_order(
    world, finish, django_capture_on_commit_callbacks
):
    case = world.case()
    order = world.order(case)
    with django_capture_on_commit_callbacks(execute=True):
        if finish == "reject":
            cases.reject(case, actor=world.manager, reason="Özel mülk.")
        elif finish == "close":
            cases.resolve(case, actor=world.manager, resolution="Giderildi.")
            cases.close(case, actor=world.manager)
        elif finish == "resolve":
            cases.resolve(case, actor=world.manager, resolution="Başka ekip yaptı.")
        else:
            cases.redirect(case, actor=world.manager, to="Karayolları Bölge Müdürlüğü")
    order.refresh_from_db()
    case.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "case_closed")
    # Cancelled once, whatever came after (resolve then close are two events).
    assert Event.objects.filter(case=case, action="work_order_cancelled").count() == 1
    texts = told(order)
    assert set(texts) == {"ahmet", "mehmet", "can"}
    assert all("Asfalt Ekibi 1 ekibinin iş emri iptal edildi: başvuru" in text for text in texts.values())
    assert order.pk not in listed(world.mehmet)
    answer = services.apply(world.mehmet, action("done", order, text="Bitti."))
    assert (answer["outcome"], answer["code"]) == ("conflict", "case_closed")
    # A note is no longer taken either: the work order is gone.
    note = services.apply(world.mehmet, action("note", order, text="Geldik."))
    assert note["outcome"] == "conflict"
    assert not Event.objects.filter(case=case, action="work_order_note").exists()


def test_work_inside_the_unit_and_a_reported_order_are_left_alone(world, django_capture_on_commit_callbacks):
    case = world.case()
    order = world.order(case)
    reported_case = world.case()
    reported = world.order(reported_case)
    assert services.apply(world.mehmet, action("done", reported, text="Yapıldı."))["outcome"] == "applied"
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(case, actor=world.manager, assignee=world.clerk)
        cases.ask_citizen(case, actor=world.clerk, question="Kapı numarası kaç?")
        cases.resolve(reported_case, actor=world.clerk, resolution="Ekip yamayı yaptı.")
    order.refresh_from_db()
    reported.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED and order.cancel_reason == ""
    assert reported.status == WorkOrder.Status.DONE and reported.cancel_reason == ""
    assert not Event.objects.filter(action="work_order_cancelled").exists()
    assert told(order) == {} and told(reported) == {}
    assert order.pk in listed(world.mehmet)


def test_the_units_own_cancellation_keeps_its_reason_and_its_conflict(world):
    order = world.order()
    services.cancel_work_order(order, actor=world.clerk)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "unit")
    answer = services.apply(world.mehmet, action("set_out", order))
    assert (answer["outcome"], answer["code"]) == ("conflict", "cancelled")
    assert services.cancel_overtaken(order.case_id) == []


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_work_order_is_cancelled_once(world):
    """The signal as it runs in production: after the transfer's transaction commits; a second look (another
    event, another worker) changes nothing."""
    case = world.case()
    order = world.order(case)
    cases.transfer(case, actor=world.manager, unit=world.parks)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "case_moved")
    assert services.cancel_overtaken(case.pk) == []
    cases.record_event(case, "comment", note="Park birimi inceliyor.")  # another event on the moved case
    assert Event.objects.filter(case=case, action="work_order_cancelled").count() == 1
    assert set(told(order)) == {"ahmet", "mehmet", "can"}
