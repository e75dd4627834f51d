"""Approvals (kentmasa.notify.approvals): an action under an approval rule waits for the approver's yes.

Nothing reaches the citizen before: the case does not change and no reply is queued (channels Message)
until the approver approves; then the answer is on the case and the reply is queued. The approver is the
rule's user, else the unit's manager, else the institution's administrators; their deputy stands in; a
waiting approval goes to the first application place's holder after the rule's hours, once.
"""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Status
from kentmasa.channels.models import Message
from kentmasa.directory.models import ApiToken, Category, Service, User
from kentmasa.notify import approvals
from kentmasa.notify.approvals import DecisionError
from kentmasa.notify.models import Action, Approval, ApprovalRule, Deputy, Notification

pytestmark = pytest.mark.django_db

ANSWER = "Çukur asfaltla kapatıldı, yol açık."


@pytest.fixture
def case(make_case, institution):
    citizen = find_or_create_citizen(institution, name="Ali Kaya", phone="+905321234567", proven=STAFF)
    return make_case(citizen=citizen)


@pytest.fixture
def rule(institution, service):
    """The roads service's answers need the unit manager's yes."""
    return ApprovalRule.objects.create(institution=institution, service=service, action=Action.RESOLVE)


def hold(case, name, actor, **params):
    with pytest.raises(services.Held) as held:
        services.perform(case, name, actor=actor, **params)
    return Approval.objects.get(pk=held.value.approval_id), held.value


def replies_to_citizen(case):
    return Message.objects.filter(case=case, direction=Message.Direction.OUT)


def told(user, kind):
    return Notification.objects.filter(user=user, kind=kind)


# --- holding ---------------------------------------------------------------------------------------------


def test_an_answer_under_a_rule_waits_for_the_unit_manager_and_the_citizen_hears_nothing(
    case, rule, road_staff, road_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval, held = hold(case, "resolve", road_staff, resolution=ANSWER)
    assert held.message == "Onaya gönderildi: Unit Manager"
    case.refresh_from_db()
    assert case.status == Status.NEW and case.resolution == "" and case.resolved_at is None
    assert not case.events.filter(action="resolve").exists()
    assert not case.events.filter(public=True).exclude(action="open").exists()
    assert not replies_to_citizen(case).exists()
    assert (approval.state, approval.action, approval.rule, approval.level) == ("pending", "resolve", rule, 0)
    assert approval.approver == road_manager and approval.requested_by == road_staff
    assert approval.params == {"resolution": ANSWER}
    requested = case.events.get(action="approval_requested")
    assert not requested.public and requested.actor == road_staff
    assert requested.data["approval"] == approval.pk and "Unit Manager" in requested.note
    [notice] = told(road_manager, "approval_requested")
    assert notice.link == f"/onay/{approval.pk}/" and notice.case == case
    assert notice.text.startswith("Onayınız isteniyor: ")


def test_approving_performs_the_answer_as_the_requester_and_queues_the_reply(
    case, rule, road_staff, road_manager, django_capture_on_commit_callbacks
):
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval.pk, user=road_manager)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED and case.resolution == ANSWER
    resolved = case.events.get(action="resolve")
    assert resolved.public and resolved.actor == road_staff
    [reply] = replies_to_citizen(case)
    assert reply.state == Message.State.QUEUED and reply.address == "+905321234567"
    approval.refresh_from_db()
    assert approval.state == "approved" and approval.decided_by == road_manager
    decided = case.events.get(action="approval_decided")
    assert decided.actor == road_manager and decided.data["decision"] == "approved"
    [notice] = told(road_staff, "approval_decided")
    assert notice.link == f"/vaka/{case.tracking_number}/"


def test_the_most_specific_active_rule_decides_who_approves(
    case, institution, service, category, make_user, road_staff
):
    people = {name: make_user(User.Role.UNIT_MANAGER, name) for name in ("genel", "hizmet", "kategori")}
    for name, scope in (
        ("genel", {}),
        ("hizmet", {"service": service}),
        ("kategori", {"category": category}),
    ):
        ApprovalRule.objects.create(
            institution=institution, action=Action.RESOLVE, approver=people[name], **scope
        )
    assert approvals.matching_rule(case, "resolve").approver == people["kategori"]
    ApprovalRule.objects.filter(category=category).update(active=False)
    assert approvals.matching_rule(case, "resolve").approver == people["hizmet"]
    ApprovalRule.objects.filter(service=service).update(active=False)
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    assert approval.approver == people["genel"]


def test_a_rule_of_another_category_service_action_or_institution_holds_nothing(
    case, institution, other_institution, service, road_staff, roads
):
    other_service = Service.objects.create(
        institution=institution, name="Park bakımı", completion_time="5 gün"
    )
    other_category = Category.objects.create(
        institution=institution, name="Park", service=other_service, unit=roads
    )
    ApprovalRule.objects.create(institution=institution, category=other_category, action=Action.RESOLVE)
    ApprovalRule.objects.create(institution=institution, service=other_service, action=Action.RESOLVE)
    ApprovalRule.objects.create(institution=institution, service=service, action=Action.REJECT)
    ApprovalRule.objects.create(institution=other_institution, action=Action.RESOLVE)
    ApprovalRule.objects.create(institution=institution, action=Action.RESOLVE, active=False)
    case = services.perform(case, "resolve", actor=road_staff, resolution=ANSWER)
    assert case.status == Status.RESOLVED and not Approval.objects.exists()


def test_actions_nobody_must_approve_go_ahead_at_once(case, institution, road_staff, road_manager):
    ApprovalRule.objects.create(institution=institution, action=Action.RESOLVE)
    case = services.perform(case, "assign", actor=road_manager, assignee=road_staff)
    case = services.perform(case, "start", actor=road_staff)
    assert case.status == Status.IN_PROGRESS and not Approval.objects.exists()


def test_the_approver_and_their_deputy_are_not_asked_to_approve_themselves(
    case, make_case, rule, road_manager, make_user
):
    done = services.perform(case, "resolve", actor=road_manager, resolution=ANSWER)
    assert done.status == Status.RESOLVED
    deputy = make_user(User.Role.UNIT_MANAGER, "vekil")
    now = timezone.now()
    Deputy.objects.create(
        principal=road_manager,
        deputy=deputy,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    other = make_case()
    deputy.units.set(road_manager.units.all())
    assert services.perform(other, "resolve", actor=deputy, resolution=ANSWER).status == Status.RESOLVED
    assert not Approval.objects.exists()


def test_the_system_itself_is_never_held(case, rule):
    assert services.perform(case, "resolve", actor=None, resolution=ANSWER).status == Status.RESOLVED
    assert not Approval.objects.exists()


def test_a_named_approver_is_asked_instead_of_the_manager(case, rule, road_staff, road_manager, make_user):
    director = make_user(User.Role.ADMINISTRATOR, "mudur")
    rule.approver = director
    rule.save()
    approval, held = hold(case, "resolve", road_staff, resolution=ANSWER)
    assert approval.approver == director and held.message == "Onaya gönderildi: Administrator"


def test_without_a_unit_manager_the_institution_s_administrators_approve(
    case, rule, road_staff, road_manager, make_user
):
    road_manager.units.clear()
    admin = make_user(User.Role.ADMINISTRATOR, "yonetici")
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    assert approval.approver == admin


def test_with_nobody_to_approve_the_action_is_not_held(case, rule, road_staff, caplog):
    # No manager of the unit, no administrator: holding it would leave it waiting for no one.
    assert services.perform(case, "resolve", actor=road_staff, resolution=ANSWER).status == Status.RESOLVED
    assert not Approval.objects.exists() and "has nobody to approve" in caplog.text


def test_rejection_and_redirect_rules_hold_those_actions(
    case, make_case, institution, road_manager, make_user
):
    boss = make_user(User.Role.ADMINISTRATOR, "baskan")
    for action in (Action.REJECT, Action.REDIRECT):
        ApprovalRule.objects.create(institution=institution, action=action, approver=boss)
    approval, _ = hold(case, "reject", road_manager, reason="Belediyenin görev alanı dışında.")
    assert approval.params == {"reason": "Belediyenin görev alanı dışında."}
    other, _ = hold(make_case(), "redirect", road_manager, to="İSKİ", note="Su arızası")
    assert other.params == {"to": "İSKİ", "note": "Su arızası"}


def test_a_transfer_to_another_institution_is_held_but_never_one_between_units(
    case, institution, other_institution, parks, operator, make_user, django_capture_on_commit_callbacks
):
    ApprovalRule.objects.create(institution=institution, action=Action.TRANSFER)
    admin = make_user(User.Role.ADMINISTRATOR, "yonetici")  # the parks unit has no manager
    moved = services.perform(case, "transfer", actor=operator, unit=parks, note="Park içinde")
    assert moved.unit == parks and not Approval.objects.exists()
    approval, _ = hold(moved, "transfer", operator, institution=other_institution, note="İl yolu")
    assert approval.approver == admin
    assert approval.params == {
        "institution": {"model": "directory.institution", "pk": other_institution.pk},
        "note": "İl yolu",
    }
    moved.refresh_from_db()
    assert moved.institution == institution
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval.pk, user=admin)
    moved.refresh_from_db()
    assert moved.institution == other_institution and moved.status == Status.NEW
    assert moved.events.filter(action="transfer").latest("pk").data["to_institution"] == other_institution.pk


def test_a_request_that_could_never_be_performed_is_refused_at_once(case, rule, road_staff, road_manager):
    with pytest.raises(services.TransitionError) as refused:
        services.perform(case, "resolve", actor=road_staff, resolution="  ")
    assert refused.value.code == "note"
    services.ask_citizen(case, actor=road_manager, question="Hangi sokak?")
    with pytest.raises(services.TransitionError) as refused:
        services.perform(case, "resolve", actor=road_staff, resolution=ANSWER)
    assert refused.value.code == "illegal_transition"
    assert not Approval.objects.exists()
    assert not Notification.objects.filter(kind="approval_requested").exists()
    assert not case.events.filter(action__startswith="approval").exists()


def test_while_an_approval_waits_a_second_held_action_is_refused(
    case, institution, rule, road_staff, road_manager
):
    ApprovalRule.objects.create(institution=institution, action=Action.REJECT, approver=road_staff)
    hold(case, "resolve", road_staff, resolution=ANSWER)
    with pytest.raises(services.TransitionError) as refused:
        services.perform(case, "reject", actor=road_manager, reason="Mükerrer başvuru")
    assert refused.value.code == "approval_pending"
    assert "onay" in refused.value.message
    assert Approval.objects.count() == 1


# --- deciding --------------------------------------------------------------------------------------------


def test_sending_back_needs_a_note_and_changes_nothing_on_the_case(
    case, rule, road_staff, road_manager, django_capture_on_commit_callbacks
):
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    with pytest.raises(DecisionError) as refused:
        approvals.send_back(approval.pk, user=road_manager, note="  ")
    assert refused.value.code == "note"
    with django_capture_on_commit_callbacks(execute=True):
        approvals.send_back(approval.pk, user=road_manager, note="Fotoğraf ekleyin, yanıt eksik.")
    approval.refresh_from_db()
    assert approval.state == "returned" and approval.decision_note == "Fotoğraf ekleyin, yanıt eksik."
    case.refresh_from_db()
    assert case.status == Status.NEW and case.resolution == ""
    assert not replies_to_citizen(case).exists()
    decided = case.events.get(action="approval_decided")
    assert decided.data["decision"] == "returned" and "Fotoğraf ekleyin" in decided.note
    [notice] = told(road_staff, "approval_decided")
    assert "Fotoğraf ekleyin, yanıt eksik." in notice.text
    # Sent back, it no longer blocks: the next answer is asked for again.
    again, _ = hold(case, "resolve", road_staff, resolution=ANSWER + " Fotoğraf eklendi.")
    assert again.pk != approval.pk
    with pytest.raises(DecisionError) as refused:
        approvals.approve(approval.pk, user=road_manager)
    assert refused.value.code == "decided"


def test_only_the_approver_their_deputy_or_a_superuser_may_decide(
    case, make_case, rule, road_staff, road_manager, make_user
):
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    other_manager = make_user(User.Role.UNIT_MANAGER, "baska_mudur")
    for outsider in (road_staff, other_manager):
        with pytest.raises(DecisionError) as refused:
            approvals.approve(approval.pk, user=outsider)
        assert refused.value.code == "forbidden"
    now = timezone.now()
    Deputy.objects.create(
        principal=road_manager,
        deputy=other_manager,
        starts_at=now - dt.timedelta(days=3),
        ends_at=now - dt.timedelta(days=1),
    )
    with pytest.raises(DecisionError):
        approvals.approve(approval.pk, user=other_manager)  # that deputyship is over
    Deputy.objects.create(
        principal=road_manager,
        deputy=other_manager,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    approvals.approve(approval.pk, user=other_manager)
    approval.refresh_from_db()
    assert approval.state == "approved" and approval.decided_by == other_manager
    second, _ = hold(make_case(), "resolve", road_staff, resolution=ANSWER)
    root = User.objects.create_superuser("root", password="x")
    approvals.send_back(second.pk, user=root, note="Hayır")
    assert Approval.objects.get(pk=second.pk).state == "returned"


def test_an_approval_the_case_outran_stays_waiting_and_says_why(case, rule, road_staff, road_manager):
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    services.ask_citizen(case, actor=road_manager, question="Tam adres nedir?")
    with pytest.raises(DecisionError) as failed:
        approvals.approve(approval.pk, user=road_manager)
    assert failed.value.code == "failed" and "Vatandaşa sor" not in failed.value.message
    assert failed.value.message.startswith("Yapılamadı: ")
    approval.refresh_from_db()
    case.refresh_from_db()
    assert approval.state == "pending" and case.status == Status.WAITING_CITIZEN
    assert not case.events.filter(action="approval_decided").exists()


# --- waiting too long ------------------------------------------------------------------------------------


def test_a_waiting_approval_goes_to_the_first_application_place_holder_once(
    case, rule, places, road_staff, road_manager, make_user
):
    rule.wait_hours = 2
    rule.save()
    holder = make_user(User.Role.ADMINISTRATOR, "ayse_yilmaz")
    places[0].holders.add(holder)
    places[1].holders.add(make_user(User.Role.ADMINISTRATOR, "mehmet_demir"))
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    start = approval.requested_at
    assert approvals.forward_waiting(now=start + dt.timedelta(hours=1, minutes=59)) == 0
    assert approvals.forward_waiting(now=start + dt.timedelta(hours=2, minutes=1)) == 1
    approval.refresh_from_db()
    assert (approval.approver, approval.level) == (holder, 1)
    assert approval.forwarded_at == start + dt.timedelta(hours=2, minutes=1)
    [to_holder] = told(holder, "approval_forwarded")
    assert to_holder.link == f"/onay/{approval.pk}/"
    [to_requester] = told(road_staff, "approval_forwarded")
    assert "Administrator" in to_requester.text
    forwarded = case.events.get(action="approval_forwarded")
    assert forwarded.data["to"] == holder.pk and forwarded.data["from"] == road_manager.pk
    # A second sweep (another worker, a minute later) passes nothing on again.
    assert approvals.forward_waiting(now=start + dt.timedelta(hours=3)) == 0
    assert approvals._forward(approval.pk, start + dt.timedelta(hours=3)) is False
    assert Notification.objects.filter(kind="approval_forwarded").count() == 2
    # The first approver may no longer decide; the holder may.
    with pytest.raises(DecisionError):
        approvals.approve(approval.pk, user=road_manager)
    approvals.approve(approval.pk, user=holder)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_without_a_holder_the_approval_stays_and_the_approver_is_reminded_once(
    case, rule, road_staff, road_manager
):
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    later = approval.requested_at + dt.timedelta(hours=5)
    assert approvals.forward_waiting(now=later) == 1
    approval.refresh_from_db()
    assert (approval.approver, approval.level) == (road_manager, 1)
    assert told(road_manager, "approval_forwarded").count() == 1
    assert not told(road_staff, "approval_forwarded").exists()
    assert "ilk müracaat yerine bağlı başka bir personel olmadığından" in (
        case.events.get(action="approval_forwarded").note
    )
    assert approvals.forward_waiting(now=later + dt.timedelta(hours=5)) == 0


def test_the_periodic_task_is_registered_and_runs(settings, case, rule, road_staff, road_manager):
    assert "kentmasa.notify.approvals.forward_waiting_approvals" in settings.KENTMASA_PERIODIC_TASKS
    approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
    Approval.objects.filter(pk=approval.pk).update(requested_at=timezone.now() - dt.timedelta(hours=5))
    assert approvals.forward_waiting_approvals.call() == "forwarded=1"


# --- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def api_staff(client, road_staff):
    _, raw = ApiToken.issue(road_staff)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_answers_202_with_the_approval_then_409_while_it_waits(
    client, case, rule, api_staff, institution, road_manager, make_user
):
    url = f"/api/v1/cases/{case.tracking_number}/transitions"
    answer = client.post(url, {"name": "resolve", "resolution": ANSWER}, "application/json", **api_staff)
    assert answer.status_code == 202
    assert answer.json() == {
        "detail": "Onaya gönderildi: Unit Manager",
        "approval": Approval.objects.get().pk,
    }
    case.refresh_from_db()
    assert case.status == Status.NEW
    boss = make_user(User.Role.ADMINISTRATOR, "baskan")
    ApprovalRule.objects.create(institution=institution, action=Action.REJECT, approver=boss)
    manager = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(road_manager)[1]}"}
    again = client.post(url, {"name": "reject", "reason": "Mükerrer"}, "application/json", **manager)
    assert again.status_code == 409 and again.json()["code"] == "approval_pending"
    assert Approval.objects.count() == 1


# --- outrun by another action ----------------------------------------------------------------------------


def test_an_approval_the_approver_outran_is_withdrawn_and_never_answers_a_reopened_case(
    case, rule, road_staff, road_manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval, _ = hold(case, "resolve", road_staff, resolution="Eski cevap")
        # The manager answers himself (he is the approver: not held); the citizen then reopens the case.
        services.resolve(case, actor=road_manager, resolution="Yeni cevap")
    approval.refresh_from_db()
    assert approval.state == Approval.State.WITHDRAWN and approval.decided_by == road_manager
    assert case.events.filter(action="approval_decided", data__decision="withdrawn").exists()
    assert told(road_staff, "approval_decided").filter(text__startswith="Artık beklemiyor").exists()
    services.reopen(case, actor=None, note="Vatandaş yeniden yazdı.")
    with pytest.raises(DecisionError):
        approvals.approve(approval.pk, user=road_manager)
    case.refresh_from_db()
    assert case.status != Status.RESOLVED and case.resolution == ""
    assert not replies_to_citizen(case).filter(body__contains="Eski cevap").exists()


def test_an_operators_answer_on_the_spot_withdraws_the_waiting_answer(
    case, rule, road_staff, road_manager, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
        services.perform(case, "resolve_on_the_spot", actor=operator, resolution="Telefonda bilgi verildi.")
    approval.refresh_from_db()
    assert approval.state == Approval.State.WITHDRAWN


def test_a_transfer_to_another_unit_frees_the_case_for_its_new_unit(
    case, rule, road_staff, road_manager, operator, parks, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approval, _ = hold(case, "resolve", road_staff, resolution=ANSWER)
        services.transfer(case, actor=operator, unit=parks, note="Park alanında.")
    approval.refresh_from_db()
    assert approval.state == Approval.State.WITHDRAWN
    # The parks unit answers without an approval waiting in the way (the rule is the roads service's, and
    # nothing waits any more).
    park_staff = make_user(User.Role.UNIT_STAFF, "parkci", units=[parks])
    case.refresh_from_db()
    services.perform(case, "resolve", actor=park_staff, resolution="Park ekibi ilgilendi.")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_the_approver_is_told_of_a_kades_case_without_its_words(
    make_case, institution, service, road_staff, road_manager
):
    ApprovalRule.objects.create(institution=institution, service=service, action=Action.RESOLVE)
    kades = make_case(channel="kades", subject="Eşim beni tehdit ediyor, adres Gül Sok 5")
    approval, _ = hold(kades, "resolve", road_staff, resolution="Ekip yönlendirildi.")
    [notice] = told(road_manager, "approval_requested")
    assert "KADES" in notice.text and "tehdit" not in notice.text and "Gül Sok" not in notice.text
    assert approval.case == kades
