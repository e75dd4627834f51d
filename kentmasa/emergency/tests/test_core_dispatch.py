"""The Haber Merkezi's steps (kentmasa.emergency.services): a 155 call is an incident; an operator
acknowledges it and sends the nearest team, which is told at once (push and SMS) and acknowledges on its
phone in time, or the deferred task times it out and the operator is told; the team arrives; the incident is
closed with a code. The tasks run in the real worker (`db_worker`), after the deadline."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.cases import services as cases
from kentmasa.cases.models import Channel, Event, Status
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import services, teams
from kentmasa.emergency.models import Dispatch, Incident
from kentmasa.emergency.tests.core_world import live_events, police_world, run_worker, user
from kentmasa.notify.kinds import KINDS, PUSH, SMS
from kentmasa.notify.models import Delivery, Notification

pytestmark = pytest.mark.django_db

DISPATCH_TASK = "kentmasa.emergency.tasks.check_dispatch_ack"


@pytest.fixture
def world():
    return police_world()


@pytest.fixture
def incident(world):
    return world.open_call().incident


def send(world, incident, team=None, capture=None):
    team = team or world.teams[0]
    if capture is None:
        return services.dispatch(incident, team, actor=world.operator)
    with capture(execute=True):
        return services.dispatch(incident, team, actor=world.operator)


def past_deadline(dispatch):
    """The team's time runs out: the dispatch's deadline and its scheduled check move into the past."""
    shift = dt.timedelta(seconds=61)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        dispatched_at=F("dispatched_at") - shift, ack_due_at=F("ack_due_at") - shift
    )
    DBTaskResult.objects.filter(task_path=DISPATCH_TASK).update(run_after=F("run_after") - shift)


# -- incidents -----------------------------------------------------------------------------------------------


def test_a_case_opened_for_the_police_is_an_incident_in_the_same_transaction(world, make_case):
    case = world.open_call()
    incident = Incident.objects.get(case=case)
    assert (incident.institution, incident.source, incident.opened_at) == (
        world.police,
        "call",
        case.received_at,
    )
    assert incident.is_open and incident.acknowledged_at is None
    municipal = make_case()  # a pothole for Esenler Belediyesi
    assert not Incident.objects.filter(case=municipal).exists()
    assert services.incident_for(case) == incident


def test_a_case_moved_to_the_police_becomes_an_incident(world, make_case, operator):
    case = make_case()
    cases.transfer(case, actor=operator, institution=world.police, category=world.category)
    assert Incident.objects.get(case=case).institution == world.police


def test_settings_for_makes_them_once(world):
    other = Institution.objects.create(slug="bilecik-emniyet", name="Bilecik", kind=Institution.Kind.POLICE)
    made = services.settings_for(other)
    assert (made.team_ack_seconds, made.alarm_ack_seconds) == (60, 30)
    assert services.settings_for(other.pk) == made
    assert services.settings_for(world.police).haber_merkezi == world.haber_merkezi


def test_an_operator_acknowledges_once(world, incident):
    acknowledged = services.acknowledge(incident, actor=world.operator)
    assert acknowledged.acknowledged_by == world.operator and acknowledged.acknowledged_at is not None
    other = user("operator2", User.Role.POLICE_OPERATOR, world.police)
    again = services.acknowledge(incident, actor=other)
    assert again.acknowledged_by == world.operator
    [event] = Event.objects.filter(case=incident.case, action="incident_acknowledged")
    assert event.actor == world.operator and "Seda Aksoy" in event.note and not event.public
    [alarm] = live_events("alarm", "acknowledged")
    assert alarm.data == {"incident": incident.pk, "case": incident.case_id, "source": "call"}
    assert (alarm.institution_id, alarm.unit_id, alarm.team_id) == (world.police.pk, None, None)


@pytest.mark.parametrize("role", [User.Role.OPERATOR, User.Role.UNIT_MANAGER, User.Role.FIELD_TEAM])
def test_only_police_operators_of_the_institution_act_as_operators(world, incident, role):
    someone = user("someone", role, world.police)
    for step in (
        lambda: services.acknowledge(incident, actor=someone),
        lambda: services.dispatch(incident, world.teams[0], actor=someone),
        lambda: services.close(incident, "false_alarm", actor=someone),
    ):
        with pytest.raises(TransitionError) as refused:
            step()
        assert refused.value.code == "forbidden"
    elsewhere = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    with pytest.raises(TransitionError):
        services.acknowledge(incident, actor=user("ankara155", User.Role.POLICE_OPERATOR, elsewhere))
    assert not Dispatch.objects.exists()
    administrator = user("admin1", User.Role.ADMINISTRATOR, world.police)
    assert services.acknowledge(incident, actor=administrator).acknowledged_by == administrator


# -- dispatch ------------------------------------------------------------------------------------------------


def test_dispatch_assigns_the_case_and_tells_the_team_at_once_by_push_and_sms(
    world, incident, django_capture_on_commit_callbacks
):
    team = world.teams[0]
    before = timezone.now()
    sent = send(world, incident, team, capture=django_capture_on_commit_callbacks)
    assert sent.status == Dispatch.Status.PENDING and sent.dispatched_by == world.operator
    assert 200 < sent.distance_m < 300 and 25 <= sent.position_age_s <= 40
    assert sent.ack_due_at == sent.dispatched_at + dt.timedelta(seconds=60)
    incident.refresh_from_db()
    assert before <= incident.first_dispatched_at <= timezone.now()
    case = incident.case
    case.refresh_from_db()
    assert (case.team, case.status) == (team, Status.ASSIGNED)
    assign = Event.objects.get(case=case, action="assign")
    assert (
        assign.actor == world.operator
        and assign.data["team"] == team.pk
        and assign.data["dispatch"] == sent.pk
    )
    assert "Yunus Ekibi 1" in assign.note and "60 sn" in assign.note
    # The team is told critically, by push and SMS, each member once; no ordinary "team_assigned" as well.
    told = Notification.objects.filter(case=case).order_by("user_id")
    assert {n.kind for n in told} == {"dispatched"}
    assert [n.user for n in told] == world.members[team.pk]
    assert all(n.critical for n in told) and KINDS["dispatched"].critical
    for notification in told:
        assert {d.medium for d in notification.deliveries.all()} == {PUSH, SMS}
        assert notification.text.startswith("Ekibiniz bir olaya gönderildi")
        assert case.tracking_display in notification.text
    assert Event.objects.filter(case=case, action="notified", data__kind="dispatched").count() == 1
    # The boards and the team's phones hear of it.
    [alarm] = live_events("alarm", "dispatched")
    assert alarm.team_id == team.pk
    assert alarm.data == {
        "incident": incident.pk,
        "case": case.pk,
        "source": "call",
        "dispatch": sent.pk,
        "team": team.pk,
    }
    # The check is scheduled for the deadline itself, after the commit.
    [check] = DBTaskResult.objects.filter(task_path=DISPATCH_TASK)
    assert check.args_kwargs == {"args": [sent.pk], "kwargs": {}}
    assert check.run_after == sent.ack_due_at


def test_an_ordinary_team_assignment_is_still_told_as_before(
    world, incident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cases.assign(incident.case, actor=world.operator, team=world.teams[1])
    assert set(Notification.objects.values_list("kind", flat=True)) == {"team_assigned"}


def test_a_team_is_not_sent_twice_nor_when_busy(world, incident):
    first, second, third = world.teams
    send(world, incident, first)
    with pytest.raises(TransitionError, match="zaten"):
        send(world, incident, first)
    teams.set_status(second, Team.Status.ON_SCENE, actor=world.operator)
    with pytest.raises(TransitionError) as busy:
        send(world, incident, second)
    assert busy.value.code == "team"
    other_incident = world.open_call(subject="Başka olay").incident
    with pytest.raises(TransitionError, match="cevap vermedi"):
        send(world, other_incident, first)  # still to answer the first dispatch
    field_crew = Team.objects.create(unit=world.patrol, name="Saha", kind=Team.Kind.FIELD, status="available")
    with pytest.raises(TransitionError):
        send(world, incident, field_crew)
    assert Dispatch.objects.count() == 1
    services.close(incident, "false_alarm", actor=world.operator)
    with pytest.raises(TransitionError):
        send(world, incident, third)


@pytest.mark.django_db(transaction=True)  # the worker runs the tasks as in production
def test_the_team_acknowledges_in_time_and_the_check_then_changes_nothing(
    world, incident, django_capture_on_commit_callbacks
):
    team = world.teams[0]
    sent = send(world, incident, team, capture=django_capture_on_commit_callbacks)
    stranger = world.members[world.teams[1].pk][0]
    with pytest.raises(TransitionError) as refused:
        services.acknowledge_dispatch(sent, actor=stranger)
    assert refused.value.code == "forbidden"
    with pytest.raises(TransitionError):
        services.acknowledge_dispatch(sent, actor=world.operator)  # the team answers for itself
    member = world.members[team.pk][1]
    answered = services.acknowledge_dispatch(sent, actor=member)
    assert answered.status == Dispatch.Status.ACKNOWLEDGED and answered.acknowledged_by == member
    team.refresh_from_db()
    assert team.status == Team.Status.EN_ROUTE
    event = Event.objects.get(case=incident.case, action="dispatch_acknowledged")
    assert event.actor == member and event.data["dispatch"] == sent.pk and event.data["late"] is False
    assert live_events("alarm", "dispatch_acknowledged")[0].team_id == team.pk
    assert services.acknowledge_dispatch(sent, actor=member).acknowledged_at == answered.acknowledged_at
    past_deadline(sent)
    run_worker()
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.ACKNOWLEDGED
    assert not live_events("alarm", "dispatch_timeout")
    assert not Notification.objects.filter(kind="dispatch_timeout").exists()


@pytest.mark.django_db(transaction=True)  # the worker runs the tasks as in production
def test_no_answer_in_time_times_out_by_the_deferred_task_and_tells_the_operator(
    world, incident, django_capture_on_commit_callbacks
):
    team = world.teams[0]
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(world, incident, team)
        run_worker()  # not due yet: the worker leaves it for its time
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.PENDING
    past_deadline(sent)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.TIMED_OUT
    assert DBTaskResult.objects.get(task_path=DISPATCH_TASK).return_value == "timed_out"
    event = Event.objects.get(case=incident.case, action="dispatch_timeout")
    assert event.actor is None and "60 sn" in event.note and event.data["team"] == team.pk
    [alarm] = live_events("alarm", "dispatch_timeout")
    assert alarm.team_id == team.pk and alarm.data["dispatch"] == sent.pk
    [told] = Notification.objects.filter(kind="dispatch_timeout")
    assert told.user == world.operator and told.critical and "Yunus Ekibi 1" in told.text
    assert [d.medium for d in told.deliveries.all()] == [PUSH]
    # The next teams are suggested, not the one that did not answer; the next one is sent.
    assert [s.team for s in services.suggestions_for(incident)] == world.teams[1:]
    send(world, incident, world.teams[1])
    # The task again (a second worker, a retry): nothing more.
    assert services.time_out_dispatch(sent.pk) == "answered"
    assert Notification.objects.filter(kind="dispatch_timeout").count() == 1
    # A late answer is still taken: the team goes too.
    late = services.acknowledge_dispatch(sent, actor=world.members[team.pk][0])
    assert late.status == Dispatch.Status.ACKNOWLEDGED
    assert Event.objects.get(case=incident.case, action="dispatch_acknowledged").data["late"] is True


def test_a_check_run_early_waits_for_the_deadline(world, incident, django_capture_on_commit_callbacks):
    sent = send(world, incident)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.time_out_dispatch(sent.pk) == "early"
    sent.refresh_from_db()
    assert sent.status == Dispatch.Status.PENDING
    [again] = DBTaskResult.objects.filter(task_path=DISPATCH_TASK)
    assert again.run_after == sent.ack_due_at


def test_the_team_arrives(world, incident):
    team = world.teams[0]
    sent = send(world, incident, team)
    services.acknowledge_dispatch(sent, actor=world.members[team.pk][0])
    done = services.arrived(sent, actor=world.members[team.pk][1])
    assert done.arrived_at is not None
    team.refresh_from_db()
    incident.refresh_from_db()
    assert team.status == Team.Status.ON_SCENE and incident.arrived_at == done.arrived_at
    assert Event.objects.get(case=incident.case, action="team_arrived").data["first"] is True
    assert live_events("alarm", "arrived")[0].team_id == team.pk
    # An operator records a second team's arrival heard on the radio; it had not acknowledged yet.
    second = send(world, incident, world.teams[1])
    arrived = services.arrived(second, actor=world.operator)
    assert arrived.status == Dispatch.Status.ACKNOWLEDGED and arrived.acknowledged_by == world.operator
    incident.refresh_from_db()
    assert incident.arrived_at == done.arrived_at  # the first team's
    with pytest.raises(TransitionError):
        services.arrived(sent, actor=world.members[world.teams[2].pk][0])


# -- closing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", Incident.ClosingCode.values)
def test_closing_resolves_and_closes_the_case_with_the_code_and_frees_the_teams(world, incident, code):
    first, second = world.teams[0], world.teams[1]
    on_scene = send(world, incident, first)
    services.arrived(on_scene, actor=world.members[first.pk][0])
    waiting = send(world, incident, second)
    closed = services.close(incident, code, actor=world.operator, note="Taraflar uzlaştı.")
    assert (closed.closing_code, closed.closed_by) == (code, world.operator) and closed.closed_at is not None
    case = incident.case
    case.refresh_from_db()
    label = str(Incident.ClosingCode(code).label)
    assert case.status == Status.CLOSED
    with_label = f"{label}: Taraflar uzlaştı."
    assert case.resolution == with_label
    close_event = Event.objects.get(case=case, action="close")
    assert close_event.actor == world.operator and close_event.note == with_label
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Team.Status.AVAILABLE
    waiting.refresh_from_db()
    assert waiting.status == Dispatch.Status.CANCELLED
    assert live_events("alarm", "closed")[0].data == {
        "incident": incident.pk,
        "case": case.pk,
        "source": "call",
    }
    with pytest.raises(TransitionError):
        services.close(incident, code, actor=world.operator)


def test_closing_labels_are_turkish(world, incident):
    services.close(incident, "resolved_on_scene", actor=world.operator)
    incident.case.refresh_from_db()
    assert incident.case.resolution == "Olay yerinde çözüldü"


def test_an_unknown_closing_code_is_refused(world, incident):
    with pytest.raises(TransitionError) as refused:
        services.close(incident, "gave_up", actor=world.operator)
    assert refused.value.code == "code"
    incident.refresh_from_db()
    assert incident.is_open


def test_a_team_busy_elsewhere_is_not_freed_by_another_incident_closing(world, incident):
    team = world.teams[0]
    first = send(world, incident, team)
    services.arrived(first, actor=world.operator)
    services.close(incident, "resolved_on_scene", actor=world.operator)
    other = world.open_call(subject="İkinci olay").incident
    second = send(world, other, team)
    services.acknowledge_dispatch(second, actor=world.members[team.pk][0])
    third = world.open_call(subject="Üçüncü olay").incident
    # The team was sent to the third too, heard about it on the radio and is recorded there on scene.
    Team.objects.filter(pk=team.pk).update(status=Team.Status.AVAILABLE)
    services.arrived(send(world, third, team), actor=world.operator)
    services.close(third, "no_one_found", actor=world.operator)
    team.refresh_from_db()
    assert team.status == Team.Status.ON_SCENE  # still busy with the second incident


def test_a_case_already_closed_on_its_page_still_closes_the_incident(world, incident):
    case = incident.case
    administrator = user("admin1", User.Role.ADMINISTRATOR, world.police)
    cases.resolve(case, actor=administrator, resolution="Ekip gerek görmedi.")
    services.close(incident, "referred_to_unit", actor=world.operator)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.resolution == "Ekip gerek görmedi."


def test_no_message_goes_to_the_caller_of_a_kades_case_closed_here(world, django_capture_on_commit_callbacks):
    from kentmasa.channels.models import Message

    with django_capture_on_commit_callbacks(execute=True):
        case = world.open_call(channel=Channel.KADES, category=world.kades_category, subject="KADES")
        services.close(case.incident, "false_alarm", actor=world.operator)
    assert not Message.objects.exists()
    assert Incident.objects.get(case=case).source == "kades"


# -- the duty supervisors ------------------------------------------------------------------------------------


def test_an_unacknowledged_kades_alert_tells_the_supervisors_once(world, django_capture_on_commit_callbacks):
    case = world.open_call(channel=Channel.KADES, category=world.kades_category, subject="KADES")
    incident = case.incident
    assert services.alarm_unacknowledged(incident.pk) == "early"
    Incident.objects.filter(pk=incident.pk).update(opened_at=timezone.now() - dt.timedelta(seconds=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alarm_unacknowledged(incident.pk) == "told"
        assert services.alarm_unacknowledged(incident.pk) == "told"
    [told] = Notification.objects.filter(kind="emergency")
    assert told.user == world.supervisor and told.critical
    assert (
        told.text
        == f"KADES ihbarı 30 sn içinde hiçbir operatörce onaylanmadı: {case.tracking_display} KADES ihbarı"
    )
    assert {d.medium for d in told.deliveries.all()} == {PUSH, SMS}
    incident.refresh_from_db()
    assert incident.supervisor_told_at is not None


def test_named_supervisors_come_before_the_unit_managers(world):
    deputy = user("nobetci", User.Role.POLICE_OPERATOR, world.police, mobile="+905301110003")
    services.settings_for(world.police).supervisors.set([deputy])
    assert services.supervisors(world.police) == [deputy]
    services.settings_for(world.police).supervisors.clear()
    assert services.supervisors(world.police) == [world.supervisor]


def test_with_no_supervisor_the_timeline_says_so(world):
    world.supervisor.units.clear()
    case = world.open_call(channel=Channel.KADES, category=world.kades_category, subject="KADES")
    assert services.tell_supervisors(case.incident, "Deneme") == []
    event = Event.objects.get(case=case, action="notified", data__kind="emergency")
    assert "amir" in event.note.lower() or "nöbetçi" in event.note.lower()


def test_an_acknowledged_alert_tells_nobody(world):
    case = world.open_call(channel=Channel.KADES, category=world.kades_category, subject="KADES")
    services.acknowledge(case.incident, actor=world.operator)
    Incident.objects.filter(pk=case.incident.pk).update(opened_at=timezone.now() - dt.timedelta(minutes=5))
    assert services.alarm_unacknowledged(case.incident.pk) == "acknowledged"
    assert not Notification.objects.filter(kind="emergency").exists()
    assert Delivery.objects.count() == 0
