"""Work orders sent by the roads unit and worked by Asfalt Ekibi 1 through kentmasa.field.services: sending,
the phone's queued actions applied exactly once, conflicts when the office overtook the phone, reports that
tell the unit by name and never resolve the case, the leader's reassignment, machines booked and freed."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from kentmasa.cases import access
from kentmasa.cases import services as cases
from kentmasa.cases.models import Case, Channel, Event, Status
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, User
from kentmasa.field import services
from kentmasa.field.models import FieldAction, Machine, WorkOrder
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action
from kentmasa.notify.models import Notification


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def told(kind, case=None):
    rows = Notification.objects.filter(kind=kind)
    if case is not None:
        rows = rows.filter(case=case)
    return sorted(n.user.username for n in rows)


# -- sending -------------------------------------------------------------------------------------------------


def test_the_unit_sends_a_work_order_the_team_is_told_by_name_and_the_timeline_says_so(world):
    case = world.case()
    order = services.send_work_order(
        case, world.team, actor=world.clerk, instructions="Çukuru kapatın.", machines=[world.grader]
    )
    assert (order.status, order.unit, order.institution_id) == (
        WorkOrder.Status.ASSIGNED,
        world.roads,
        case.institution_id,
    )
    assert order.scheduled_for == timezone.localdate()
    assert order.priority == 3
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.OUT
    case.refresh_from_db()
    assert case.team == world.team  # it had none: now it shows the team
    sent = Event.objects.get(case=case, action="work_order")
    assert sent.actor == world.clerk
    assert sent.note.startswith("İş emri Asfalt Ekibi 1 ekibine gönderildi")
    assert "Greyder 3 (34ABC123)" in sent.note and "Çukuru kapatın." in sent.note
    assert sent.data["work_order"] == order.pk
    assert told("work_order", case) == ["ahmet", "mehmet"]
    named = Event.objects.get(case=case, action="notified", data__kind="work_order")
    assert "Ahmet Yılmaz" in named.note and "Mehmet Demir" in named.note


def test_a_second_team_works_the_same_case_and_its_members_see_it(world):
    case = world.case()
    world.order(case)
    assert not access.can_see(world.zeynep, case)
    assert not access.visible_cases(world.zeynep).filter(pk=case.pk).exists()
    services.send_work_order(case, world.park_team, actor=world.clerk)
    case.refresh_from_db()
    assert case.team == world.team  # the case keeps its first team
    assert access.can_see(world.zeynep, case)
    assert list(access.visible_cases(world.zeynep)) == [case]
    scope = access.Scope.of(world.zeynep)
    assert scope is not None
    assert scope.sees(
        institution_id=case.institution_id, unit_id=case.unit_id, team_id=case.team_id, case_id=case.pk
    )
    assert not scope.sees(institution_id=case.institution_id, unit_id=case.unit_id, team_id=case.team_id)


def test_a_cancelled_work_order_no_longer_opens_the_case_to_its_team(world):
    case = world.case()
    world.order(case)
    second = services.send_work_order(case, world.park_team, actor=world.clerk)
    services.cancel_work_order(second, actor=world.clerk, note="Gerek kalmadı.")
    assert not access.can_see(world.zeynep, case)
    assert not access.visible_cases(world.zeynep).exists()
    assert Event.objects.filter(case=case, action="work_order_cancelled").count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("closed_case", "case_status"),
        ("police_team", "team"),
        ("inactive_team", "team"),
        ("stranger", "forbidden"),
        ("busy_machine", "machines"),
        ("outsider_assignee", "assignee"),
        ("yesterday", "day"),
        ("long_instructions", "instructions"),
    ],
)
def test_sending_is_refused_with_a_reason_and_writes_nothing(
    world, make_user, other_institution, change, code
):
    case = world.case()
    kwargs: dict[str, Any] = {}
    team = world.team
    actor = world.clerk
    if change == "closed_case":
        cases.reject(case, actor=world.manager, reason="Mükerrer başvuru.")
    elif change == "police_team":
        team = Team.objects.create(unit=world.roads, name="Ekip 7", kind=Team.Kind.POLICE)
    elif change == "inactive_team":
        Team.objects.filter(pk=team.pk).update(active=False)
    elif change == "stranger":
        actor = make_user(User.Role.UNIT_STAFF, "park_clerk", units=[world.parks])
    elif change == "busy_machine":
        Machine.objects.filter(pk=world.grader.pk).update(status=Machine.Status.MAINTENANCE)
        kwargs["machines"] = [world.grader.pk]
    elif change == "outsider_assignee":
        kwargs["assignee"] = world.zeynep
    elif change == "yesterday":
        kwargs["day"] = timezone.localdate() - dt.timedelta(days=1)
    elif change == "long_instructions":
        kwargs["instructions"] = "x" * 2001
    events = Event.objects.filter(case=case).count()
    with pytest.raises(TransitionError) as refused:
        services.send_work_order(case, team, actor=actor, **kwargs)
    assert refused.value.code == code
    assert refused.value.message
    assert not WorkOrder.objects.exists()
    assert Event.objects.filter(case=case).count() == events


def test_the_same_team_gets_one_open_work_order_per_case(world):
    case = world.case()
    world.order(case)
    with pytest.raises(TransitionError) as refused:
        world.order(case)
    assert refused.value.code == "duplicate"
    assert "Asfalt Ekibi 1" in refused.value.message


# -- the phone's actions -------------------------------------------------------------------------------------


def test_an_action_sent_twice_is_applied_once_and_answered_the_same(world):
    order = world.order()
    note = action("note", order, text="Çukur 2 metre çapında.")
    first = services.apply(world.mehmet, note)
    again = services.apply(world.mehmet, note)
    assert first == again
    assert first["outcome"] == "applied" and first["id"] == note["id"]
    assert first["message"] == "Not kaydedildi."
    assert Event.objects.filter(case=order.case, action="work_order_note").count() == 1
    assert FieldAction.objects.filter(client_id=note["id"]).count() == 1


def test_a_day_on_the_phone_set_out_arrived_done_reports_to_the_unit_without_resolving(world):
    case = world.case()
    sent_at = timezone.now() - dt.timedelta(hours=1)
    order = world.order(case, machines=[world.grader], now=sent_at)
    cases.assign(case, actor=world.manager, assignee=world.clerk)
    at = timezone.localtime().replace(microsecond=0) - dt.timedelta(minutes=30)
    answers = [
        services.apply(world.mehmet, {**action("set_out", order), "at": at.isoformat()}),
        services.apply(
            world.mehmet,
            {
                **action("arrived", order, latitude=41.04321, longitude="28.87654", accuracy=12.4),
                "at": (at + dt.timedelta(minutes=10)).isoformat(),
            },
        ),
        services.apply(world.mehmet, action("call", order)),
        services.apply(world.mehmet, action("done", order, text="Asfalt döküldü.")),
    ]
    assert [a["outcome"] for a in answers] == ["applied"] * 4
    assert answers[-1]["work_order"]["status"] == "done"
    assert answers[-1]["message"] == "Birime bildirildi: tamamlandı. Başvuruyu birim sonuçlandırır."
    order.refresh_from_db()
    assert order.started_at == at
    assert order.arrived_at == at + dt.timedelta(minutes=10)
    assert (str(order.arrived_latitude), str(order.arrived_longitude), order.arrived_accuracy_m) == (
        "41.043210",
        "28.876540",
        12,
    )
    assert (order.status, order.finished_by, order.report) == (
        WorkOrder.Status.DONE,
        world.mehmet,
        "Asfalt döküldü.",
    )
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED  # the unit resolves it, not the phone
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.AVAILABLE
    actions = list(
        Event.objects.filter(case=case, action__startswith="work_order_").values_list("action", flat=True)
    )
    assert actions == ["work_order_set_out", "work_order_arrived", "work_order_call", "work_order_done"]
    done = Event.objects.get(case=case, action="work_order_done")
    assert done.note == "Asfalt Ekibi 1 iş emrini tamamladı\nAsfalt döküldü."
    assert done.actor == world.mehmet
    call = Event.objects.get(case=case, action="work_order_call")
    assert call.note == "Mehmet Demir vatandaşı aradı"
    # The unit is told by name: the case's assignee, Selin.
    assert told("work_order_reported", case) == ["road_clerk"]
    named = Event.objects.get(case=case, action="notified", data__kind="work_order_reported")
    assert "Selin Kara" in named.note


def test_a_report_on_a_case_nobody_holds_goes_to_the_unit_managers(world):
    case = world.case()
    order = world.order(case)
    answer = services.apply(
        world.ahmet, action("failed", order, reason=world.no_access.pk, text="Yol kapalı.")
    )
    assert answer["outcome"] == "applied"
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == (WorkOrder.Status.FAILED, world.no_access)
    assert told("work_order_reported", case) == ["road_boss"]
    failed = Event.objects.get(case=case, action="work_order_failed")
    assert failed.note == "Asfalt Ekibi 1 iş emrini yapamadı\nNeden: Araç giremedi\nYol kapalı."


def test_not_possible_needs_a_reason_of_the_unit_and_another_team_a_note(world):
    order = world.order()
    other_unit_reason = world.no_access.__class__.objects.create(unit=world.parks, text="Ağaç var")
    for bad in (
        action("failed", order),
        action("failed", order, reason=other_unit_reason.pk),
        action("failed", order, reason=2**63),
        action("other_team", order, text="   "),
    ):
        answer = services.apply(world.mehmet, bad)
        assert answer["outcome"] == "refused", bad
        assert answer["work_order"]["status"] == "assigned"
    assert services.apply(world.mehmet, action("other_team", order, text="Kanal ekibi gerekli."))[
        "outcome"
    ] == ("applied")


def test_a_transfer_meanwhile_is_a_conflict_that_is_kept_and_shown(world):
    case = world.case()
    order = world.order(case)
    cases.transfer(case, actor=world.manager, unit=world.parks, note="Park alanında.")
    done = action("done", order, text="Bitti.")
    answer = services.apply(world.mehmet, done)
    assert answer["outcome"] == "conflict" and answer["code"] == "transferred"
    assert answer["message"] == (
        "Başvuru bu arada başka bir birime (Park ve Bahçeler Müdürlüğü) devredildi; hiçbir şey kaydedilmedi."
    )
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED
    assert not Event.objects.filter(case=case, action="work_order_done").exists()
    kept = FieldAction.objects.get(client_id=done["id"])
    assert kept.outcome == "conflict" and kept.answer == answer
    assert services.apply(world.mehmet, done) == answer


def test_conflicts_for_a_cancelled_order_another_team_a_closed_case_and_a_report_already_made(world):
    case = world.case()
    order = world.order(case)
    assert services.apply(world.ahmet, action("done", order))["outcome"] == "applied"
    late = services.apply(world.mehmet, action("set_out", order))
    assert (late["outcome"], late["code"]) == ("conflict", "reported")
    assert late["message"] == (
        "İş emri Ahmet Yılmaz tarafından zaten “Tamamlandı” olarak bildirildi; hiçbir şey kaydedilmedi."
    )
    # A note still goes onto the reported work order.
    assert (
        services.apply(world.mehmet, action("note", order, text="Fotoğraflar geliyor."))["outcome"]
        == "applied"
    )

    second = world.order(world.case())
    services.cancel_work_order(second, actor=world.clerk)
    cancelled = services.apply(world.mehmet, action("arrived", second))
    assert (cancelled["outcome"], cancelled["code"]) == ("conflict", "cancelled")

    third_case = world.case()
    third = world.order(third_case)
    cases.reject(third_case, actor=world.manager, reason="Özel mülk.")
    closed = services.apply(world.mehmet, action("done", third))
    assert (closed["outcome"], closed["code"]) == ("conflict", "case_closed")

    fourth = world.order(world.case())
    WorkOrder.objects.filter(pk=fourth.pk).update(team=world.park_team)
    moved = services.apply(world.mehmet, action("done", fourth))
    assert (moved["outcome"], moved["code"]) == ("conflict", "other_team")
    assert "Park Ekibi" in moved["message"]


@pytest.mark.parametrize(
    "bad",
    [
        "not an object",
        {"kind": "note", "text": "no id"},
        {"id": "not-a-uuid", "kind": "note"},
        {"id": "\x00" * 36, "kind": "note"},
        {"id": 2**70, "kind": "note"},
    ],
)
def test_an_action_without_a_usable_id_is_refused_every_time_and_keeps_nothing(world, bad):
    world.order()
    answer = services.apply(world.mehmet, bad)
    assert answer["outcome"] == "refused"
    assert answer["message"]
    assert not FieldAction.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "fly"}, "kind"),
        ({"work_order": 2**63}, "work_order"),
        ({"work_order": -1}, "work_order"),
        ({"work_order": "12abc"}, "work_order"),
        ({"work_order": True}, "work_order"),
        ({"at": "dün öğlen"}, "at"),
        ({"at": 12}, "at"),
        ({"kind": "arrived", "latitude": 1e308 * 10, "longitude": 28.9}, "latitude"),
        ({"kind": "arrived", "latitude": "91", "longitude": 28.9}, "latitude"),
        ({"kind": "arrived", "latitude": 41, "longitude": "NaN"}, "longitude"),
        ({"kind": "arrived", "latitude": 41, "longitude": 29, "accuracy": -3}, "accuracy"),
        ({"text": "x" * 2001}, "text"),
        ({"text": ["list"]}, "text"),
        ({"kind": "reassign", "assignee": 2**63}, "forbidden"),
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(world, change, code):
    order = world.order()
    events = Event.objects.count()
    bad = {**action("note", order, text="Not"), **change}
    answer = services.apply(world.mehmet, bad)
    assert (answer["outcome"], answer["code"]) == ("refused", code), answer
    assert answer["message"]
    assert Event.objects.count() == events
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED
    assert FieldAction.objects.get(client_id=bad["id"]).outcome == "refused"


def test_a_phone_clock_from_year_one_or_the_future_is_replaced_by_the_receipt_time(world):
    order = world.order()
    for when in ("0001-01-01T00:00:00", "9999-12-31T23:59:59+03:00"):
        before = timezone.now()
        answer = services.apply(world.mehmet, {**action("note", order, text=when), "at": when})
        assert answer["outcome"] == "applied"
        event = Event.objects.get(case=order.case, action="work_order_note", note=when)
        assert before <= event.at <= timezone.now()


def test_nul_in_a_note_is_dropped_not_stored(world):
    order = world.order()
    answer = services.apply(world.mehmet, action("note", order, text="Ç\x00ukur"))
    assert answer["outcome"] == "applied"
    assert Event.objects.get(case=order.case, action="work_order_note").note == "Çukur"


def test_a_member_of_another_institution_finds_no_such_work_order(world, other_institution, make_user):
    order = world.order()
    stranger_team = Team.objects.create(
        unit=world.roads.__class__.objects.create(institution=other_institution, name="Fen"), name="E1"
    )
    stranger = make_user(
        User.Role.FIELD_TEAM, "stranger", teams=[stranger_team], institution_=other_institution
    )
    answer = services.apply(stranger, action("done", order))
    assert (answer["outcome"], answer["code"], answer["work_order"]) == ("refused", "work_order", None)


def test_only_the_leader_reassigns_within_the_team_and_the_member_is_told(world):
    order = world.order()
    refused = services.apply(world.mehmet, action("reassign", order, assignee=world.mehmet.pk))
    assert (refused["outcome"], refused["code"]) == ("refused", "forbidden")
    outsider = services.apply(world.ahmet, action("reassign", order, assignee=world.zeynep.pk))
    assert (outsider["outcome"], outsider["code"]) == ("refused", "assignee")
    answer = services.apply(world.ahmet, action("reassign", order, assignee=world.mehmet.pk))
    assert answer["outcome"] == "applied" and answer["work_order"]["assignee"] == world.mehmet.pk
    order.refresh_from_db()
    assert order.assignee == world.mehmet
    assert (
        Event.objects.get(case=order.case, action="work_order_reassigned").note
        == "İş emri Mehmet Demir kişisine verildi"
    )
    assert Notification.objects.filter(kind="work_order", user=world.mehmet).count() == 2  # sent, then given


def test_the_answer_is_in_the_request_language_the_timeline_in_turkish(world):
    from django.utils import translation

    order = world.order()
    with translation.override("en"):
        answer = services.apply(world.mehmet, action("set_out", order))
    assert answer["message"] == "Recorded: on the way."
    assert Event.objects.get(case=order.case, action="work_order_set_out").note == "Asfalt Ekibi 1 yola çıktı"


# -- contact data --------------------------------------------------------------------------------------------


def test_kades_and_police_cases_never_give_the_team_a_name_or_phone(world, make_case):
    case = world.case()
    assert services.citizen_contact(case) == ("Ayşe", "+905321234567")
    kades = world.case(channel=Channel.KADES)
    assert services.citizen_contact(kades) == (None, None)
    Institution.objects.filter(pk=case.institution_id).update(kind=Institution.Kind.POLICE)
    police = Case.objects.select_related("institution", "citizen").get(pk=case.pk)
    assert services.citizen_contact(police) == (None, None)


# -- device tokens -------------------------------------------------------------------------------------------


def test_a_device_token_names_its_user_until_it_is_revoked_or_the_user_switched_off(world):
    device, raw = services.issue_device(world.mehmet, "Mehmet'in telefonu")
    assert raw.startswith("kmd_") and device.key_hash != raw and raw not in device.key_hash
    assert services.device_user(raw) == (world.mehmet, device)
    assert services.device_user(raw + "x") is None
    assert services.device_user("\x00") is None
    User.objects.filter(pk=world.mehmet.pk).update(is_active=False)
    assert services.device_user(raw) is None
    User.objects.filter(pk=world.mehmet.pk).update(is_active=True)
    with pytest.raises(TransitionError):
        services.revoke_device(device, actor=world.ahmet)
    services.revoke_device(device, actor=world.mehmet)
    assert services.device_user(raw) is None


def test_only_field_users_get_a_device_token(world):
    with pytest.raises(TransitionError) as refused:
        services.issue_device(world.clerk, "masa")
    assert refused.value.code == "forbidden"


# -- duty and position ---------------------------------------------------------------------------------------


def test_a_position_is_kept_on_duty_and_refused_off_duty(world):
    with pytest.raises(TransitionError) as refused:
        services.record_position(world.mehmet, latitude=41.0, longitude=28.9)
    assert refused.value.code == "off_duty"
    assert not world.team.positions.exists()
    services.set_duty(world.mehmet, "on_duty")
    world.team.refresh_from_db()
    assert world.team.status == Team.Status.AVAILABLE
    services.record_position(world.mehmet, latitude="41.05", longitude=28.9, accuracy_m=8)
    world.team.refresh_from_db()
    assert (str(world.team.latitude), world.team.accuracy_m) == ("41.050000", 8)
    services.set_duty(world.mehmet, "off_duty")
    with pytest.raises(TransitionError):
        services.record_position(world.mehmet, latitude=41.0, longitude=28.9)
    assert world.team.positions.count() == 1


def test_a_client_id_is_a_uuid():
    assert services.client_uuid(str(uuid.uuid4())) is not None
    assert services.client_uuid("x" * 36) is None
    assert services.key("9223372036854775807") == 2**63 - 1
    assert services.key(2**63) is None


def test_a_phone_time_before_the_work_order_was_sent_counts_from_its_sending(world):
    order = world.order()
    early = timezone.localtime(order.created_at) - dt.timedelta(hours=2)
    assert (
        services.apply(world.mehmet, {**action("set_out", order), "at": early.isoformat()})["outcome"]
        == "applied"
    )
    order.refresh_from_db()
    assert order.started_at == order.created_at


def test_the_live_streams_scope_agrees_with_the_case_page_for_field_users(world):
    plain = world.case(subject="Ekipsiz")
    own = world.case(subject="Kendi ekibinin")
    world.order(own)
    second = world.case(subject="İkinci ekip")
    world.order(second)
    services.send_work_order(second, world.park_team, actor=world.clerk)
    cancelled_case = world.case(subject="İptal")
    world.order(cancelled_case)
    services.cancel_work_order(
        services.send_work_order(cancelled_case, world.park_team, actor=world.clerk), actor=world.clerk
    )
    for person in (world.ahmet, world.mehmet, world.zeynep):
        scope = access.Scope.of(person)
        assert scope is not None
        for case in Case.objects.all():
            seen = scope.sees(
                institution_id=case.institution_id,
                unit_id=case.unit_id,
                team_id=case.team_id,
                case_id=case.pk,
            )
            assert seen == access.may_read(person, case), (person, case.subject)
    assert sorted(access.visible_cases(world.zeynep).values_list("subject", flat=True)) == ["İkinci ekip"]
    assert "Ekipsiz" not in access.visible_cases(world.mehmet).values_list("subject", flat=True)
    assert plain.team_id is None
