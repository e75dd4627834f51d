"""The Derman loop on Esenler's test world: the parks unit's "Park Ekibi" (Zeynep) is the institution's
inspection team. It is sent beside the roads unit — never in its place — when nobody in the unit has acted
for half the standard (the silent-unit warning's rule), when the citizen says the pothole is still there,
on a sample of resolved cases, and by the call centre's "Derman'a gönder". Its report goes to the roads
unit's manager Kemal by name with a warning, and "not solved" opens an answered case again for the unit."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import services as cases
from kentmasa.cases.models import Case, Event, Status
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.field import derman
from kentmasa.field.models import InspectionReport, InspectionSettings, WorkOrder
from kentmasa.field.office_forms import WorkOrderForm
from kentmasa.field.tests import api_world
from kentmasa.notify.models import Notification

R = WorkOrder.Reason


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    built = api_world.build(institution, roads, parks, make_user, make_case)
    InspectionSettings.objects.create(institution=institution, team=built.park_team)
    return built


@pytest.fixture
def call_centre(make_user):
    user = make_user(User.Role.OPERATOR, "alo153")
    user.first_name, user.last_name = "Elif", "Güneş"
    user.save(update_fields=["first_name", "last_name"])
    return user


def at_share(case: Case, share: float) -> dt.datetime:
    """The moment ``share`` of the case's standard has passed since it came in."""
    assert case.due_at is not None
    return case.received_at + (case.due_at - case.received_at) * share


def inspections(case: Case):
    return WorkOrder.objects.filter(case=case, kind=WorkOrder.Kind.INSPECTION)


def worked_case(world):
    """The pothole case with Asfalt Ekibi 1's own work order: the case's team is the roads team."""
    case = world.case()
    world.order(case, now=case.received_at)
    case.refresh_from_db()
    assert case.team == world.team
    return case


# -- the unit has not acted ----------------------------------------------------------------------------------


def test_nobody_acted_for_half_the_standard_sends_the_team_once_beside_the_unit(
    world, django_capture_on_commit_callbacks
):
    case = world.case()
    assert derman.sweep(at_share(case, 0.45)).idle == 0
    assert not inspections(case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        first = derman.sweep(at_share(case, 0.55))
        again = derman.sweep(at_share(case, 0.6))
    assert (first.idle, again.idle) == (1, 0)
    order = inspections(case).get()
    assert (order.team, order.reason, order.unit, order.status) == (
        world.park_team,
        R.IDLE,
        world.roads,
        WorkOrder.Status.ASSIGNED,
    )
    assert "%50" in order.instructions
    case.refresh_from_db()
    assert (case.unit, case.team, case.assignee) == (world.roads, None, None)
    sent = Event.objects.get(case=case, action="work_order", data__work_order=order.pk)
    assert "Park Ekibi" in sent.note
    assert Notification.objects.filter(user=world.zeynep, kind="work_order", case=case).exists()


def test_the_unit_s_own_team_stays_on_the_case(world):
    case = worked_case(world)
    assert derman.sweep(at_share(case, 0.7)).idle == 1
    case.refresh_from_db()
    assert case.team == world.team and case.unit == world.roads
    assert set(WorkOrder.objects.filter(case=case).values_list("team__name", "kind")) == {
        ("Asfalt Ekibi 1", "work"),
        ("Park Ekibi", "inspection"),
    }


def test_an_action_of_the_unit_starts_the_clock_again(world):
    case = world.case()
    acted = at_share(case, 0.3)
    cases.assign(case, actor=world.clerk, assignee=world.clerk, now=acted)
    # Half the standard since it came in, but only a fifth since the unit acted: not yet.
    assert derman.sweep(at_share(case, 0.5)).idle == 0
    assert derman.sweep(acted + (case.due_at - case.received_at) * 0.55).idle == 1


def test_the_institution_s_own_share_and_no_team_no_inspection(world, institution):
    case = world.case()
    InspectionSettings.objects.filter(institution=institution).update(idle_percent=80)
    assert derman.sweep(at_share(case, 0.7)).idle == 0
    assert derman.sweep(at_share(case, 0.85)).idle == 1
    other = world.case()
    InspectionSettings.objects.filter(institution=institution).update(active=False)
    assert derman.sweep(at_share(other, 0.9)).idle == 0


def test_one_open_inspection_per_case_and_reason_is_kept_by_the_database(world):
    case = world.case()
    derman.sweep(at_share(case, 0.6))
    order = inspections(case).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            case=case,
            team=order.team,
            unit=order.unit,
            institution=order.institution,
            kind=WorkOrder.Kind.INSPECTION,
            reason=R.IDLE,
            scheduled_for=order.scheduled_for,
            status_at=order.status_at,
            created_at=order.created_at,
        )


# -- the citizen says it is not solved -----------------------------------------------------------------------


def test_the_citizen_says_it_is_not_solved(world, django_capture_on_commit_callbacks):
    case = worked_case(world)
    cases.resolve(case, actor=world.clerk, resolution="Çukur asfaltla kapatıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        order = derman.send_for_citizen_not_solved(case, note="Vatandaş: çukur hâlâ duruyor.")
        # Closing the answered case does not take the inspection back (kentmasa.field.signals).
        cases.close(case, actor=world.manager)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED
    assert order is not None and order.reason == R.NOT_SOLVED
    assert "Vatandaş: çukur hâlâ duruyor." in order.instructions
    assert derman.send_for_citizen_not_solved(case) is None  # the team already has it
    case.refresh_from_db()
    assert case.team == world.team and case.status == Status.CLOSED


def test_the_citizen_writing_again_or_the_feedback_call_sends_the_team(
    world, make_user, django_capture_on_commit_callbacks
):
    case = worked_case(world)
    cases.resolve(case, actor=world.clerk, resolution="Çukur asfaltla kapatıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        cases.follow_up(case, message="Çukur hâlâ orada, hiçbir şey yapılmadı.")
    order = inspections(case).get()
    assert order.reason == R.NOT_SOLVED
    # The team reads why: the reopening's note.
    assert Event.objects.get(case=case, action="reopen").note in order.instructions
    # The feedback operator records "not satisfied": reopened by them, the team goes again once done.
    WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrder.Status.DONE)
    caller = make_user(User.Role.FEEDBACK_OPERATOR, "geribildirim")
    cases.resolve(case, actor=world.clerk, resolution="Tekrar yapıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        cases.reopen(case, actor=caller, note="Geri bildirim: vatandaş memnun değil, çukur duruyor.")
    assert inspections(case).filter(status=WorkOrder.Status.ASSIGNED, reason=R.NOT_SOLVED).count() == 1
    # Staff reopening for their own reasons is not the citizen's word.
    other = worked_case(world)
    cases.resolve(other, actor=world.clerk, resolution="Yapıldı.")
    with django_capture_on_commit_callbacks(execute=True):
        cases.reopen(other, actor=world.manager, note="Yanlışlıkla kapatıldı.")
    assert not inspections(other).exists()


def test_the_inspection_s_own_not_solved_does_not_send_it_again(
    client, world, django_capture_on_commit_callbacks
):
    case = worked_case(world)
    cases.resolve(case, actor=world.clerk, resolution="Çukur asfaltla kapatıldı.")
    order = derman.send_inspection(case, R.SAMPLE)
    with django_capture_on_commit_callbacks(execute=True):
        report(client, world, case, order, InspectionReport.Outcome.NOT_SOLVED)
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED
    assert list(inspections(case).values_list("reason", "status")) == [(R.SAMPLE, WorkOrder.Status.DONE)]


# -- a sample of resolved cases ------------------------------------------------------------------------------


def test_a_deterministic_tenth_of_the_resolved_cases_is_checked(world):
    now = timezone.now()
    resolved = []
    for _ in range(25):
        case = world.case(received_at=now - dt.timedelta(days=3))
        cases.resolve(case, actor=world.clerk, resolution="Yapıldı.", now=now - dt.timedelta(days=1))
        resolved.append(case)
    expected = {case.pk for case in resolved if derman.in_sample(case.pk, 10)}
    assert 1 <= len(expected) <= 4
    assert derman.sweep(now).sample == len(expected)
    assert derman.sweep(now).sample == 0
    sampled = set(
        WorkOrder.objects.filter(reason=R.SAMPLE, kind=WorkOrder.Kind.INSPECTION).values_list(
            "case", flat=True
        )
    )
    assert sampled == expected
    # Done and inspected: a sample is taken once per case, never again.
    WorkOrder.objects.filter(reason=R.SAMPLE).update(status=WorkOrder.Status.DONE)
    assert derman.sweep(now).sample == 0


# -- "Derman'a gönder" ---------------------------------------------------------------------------------------


def test_the_call_centre_sends_the_team_from_the_case_page(client, world, call_centre):
    case = worked_case(world)
    assert client.login(username=call_centre.username, password=PASSWORD)
    panel = client.get(reverse("field:office_case_panel", args=[case.tracking_number])).content.decode()
    assert 'id="send-derman"' in panel
    response = client.post(reverse("field:office_send_derman", args=[case.tracking_number]))
    assert response.status_code == 302
    order = inspections(case).get()
    assert (order.reason, order.created_by) == (R.STAFF, call_centre)
    case.refresh_from_db()
    assert case.team == world.team
    # Sent twice: still one.
    client.post(reverse("field:office_send_derman", args=[case.tracking_number]))
    assert inspections(case).count() == 1


def test_the_unit_cannot_send_the_team_on_itself_nor_pick_it_as_its_own_team(client, world):
    case = worked_case(world)
    assert client.login(username=world.clerk.username, password=PASSWORD)
    panel = client.get(reverse("field:office_case_panel", args=[case.tracking_number])).content.decode()
    assert 'id="send-derman"' not in panel
    assert client.post(reverse("field:office_send_derman", args=[case.tracking_number])).status_code == 403
    assert not inspections(case).exists()
    form = WorkOrderForm(case=case, user=world.clerk)
    assert world.park_team not in form.fields["team"].queryset  # type: ignore[attr-defined]


# -- the report ----------------------------------------------------------------------------------------------


def report(client, world, case, order, outcome):
    assert client.login(username=world.zeynep.username, password=PASSWORD)
    data = {
        "client_id": str(uuid.uuid4()),
        "work_order": order.pk,
        "inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Güngören Cd. No:12 önü",
        "findings": "Çukurun yalnızca yarısı kapatılmış; kenarlarda yeniden açılma var.",
        "signer_name": "Zeynep Ak",
        "outcome": outcome,
    }
    return client.post(reverse("field:office_inspection", args=[case.pk]), data)


def test_not_solved_reopens_the_case_and_warns_the_manager_by_name(client, world):
    case = worked_case(world)
    cases.resolve(case, actor=world.clerk, resolution="Çukur asfaltla kapatıldı.")
    order = derman.send_for_citizen_not_solved(case)
    response = report(client, world, case, order, InspectionReport.Outcome.NOT_SOLVED)
    assert response.status_code == 302
    saved = InspectionReport.objects.get(case=case)
    assert saved.outcome == InspectionReport.Outcome.NOT_SOLVED
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.unit == world.roads and case.team == world.team
    reopened = Event.objects.get(case=case, action="reopen")
    assert "çözülmemiş" in reopened.note or "not solved" in reopened.note
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE and order.finished_by == world.zeynep
    warning = Notification.objects.get(kind="inspection_warning", case=case, user=world.manager)
    assert case.tracking_display in warning.text
    assert "ÇÖZÜLMEMİŞ" in warning.text or "NOT solved" in warning.text
    # The same report's finding is recorded once: nothing more happens.
    assert derman.after_report(saved, InspectionReport.Outcome.NOT_SOLVED, actor=world.zeynep) is False
    assert Event.objects.filter(case=case, action="reopen").count() == 1


def test_solved_completes_the_inspection_and_still_reports_to_the_unit(client, world):
    case = world.case()
    derman.sweep(at_share(case, 0.6))
    order = inspections(case).get()
    assert report(client, world, case, order, InspectionReport.Outcome.SOLVED).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert not Event.objects.filter(case=case, action="reopen").exists()
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE
    assert Notification.objects.filter(kind="inspection_warning", case=case, user=world.manager).exists()


def test_a_bad_finding_is_refused_and_writes_nothing(client, world):
    case = world.case()
    order = derman.send_inspection(case, R.STAFF)
    assert order is not None
    assert report(client, world, case, order, "belki").status_code == 400
    assert not InspectionReport.objects.exists()


def test_a_unit_without_a_manager_and_no_assignee_warns_the_administrator_by_name(
    client, world, make_user, institution
):
    """Somebody must be told: with no manager up the tree and nobody holding the case, the institution's
    administrator receives the warning (not only a line on the timeline)."""
    User.objects.filter(role=User.Role.UNIT_MANAGER, institution=institution).update(is_active=False)
    admin = make_user(User.Role.ADMINISTRATOR, "esenler_admin")
    case = world.case()
    assert case.assignee_id is None and world.roads.managers() == []
    derman.sweep(at_share(case, 0.6))
    order = inspections(case).get()
    assert report(client, world, case, order, InspectionReport.Outcome.PARTLY).status_code == 302

    warning = Notification.objects.get(kind="inspection_warning", case=case)
    assert warning.user == admin and case.tracking_display in warning.text
    assert not Event.objects.filter(case=case, action="notified", note__contains="no manager").exists()
