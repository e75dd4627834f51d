"""Fatma's call list and how she records each call: satisfied (closed), not satisfied (reopened to the road
unit, Hasan and Murat told by name), not reached (back on the list after the gap, closed after the last
attempt), wrong number (closed). Each outcome raises the day's figures once."""

import datetime as dt

import pytest

from kentmasa.cases.models import Case, Event, Status
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Unit, User
from kentmasa.feedback import services as feedback
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily
from kentmasa.feedback.tests.world import RESOLVED_AT
from kentmasa.notify.models import Notification

pytestmark = pytest.mark.django_db
LATER = RESOLVED_AT + dt.timedelta(hours=3)
LIST = "/geri-bildirim/"


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def daily(**group):
    rows = FeedbackDaily.objects.filter(**group)
    return {name: sum(getattr(row, name) for row in rows) for name in FeedbackDaily.FIGURES}


# -- the list ------------------------------------------------------------------------------------------------


def test_the_list_shows_phone_answer_unit_service_and_time_oldest_first(world, client, service):
    newer = world.resolved(name="Ali Can", phone="+905551234567", at=RESOLVED_AT)
    older = world.resolved(name="Ayşe Kaya", at=RESOLVED_AT - dt.timedelta(days=1))
    page = signed_in(client, world.fatma).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(older.tracking_display) < html.index(newer.tracking_display)
    call = world.call_of(older)
    assert f'href="tel:+905321234567" id="call-{call.pk}-phone">0532 123 45 67' in html
    assert "Çukur asfaltla kapatıldı." in html
    assert "Fen İşleri Müdürlüğü" in html and service.name in html
    assert (RESOLVED_AT - dt.timedelta(days=1)).astimezone().strftime("%d.%m.%Y") in html


def test_the_list_is_bounded_and_costs_the_same_for_many_calls(world, client, django_assert_num_queries):
    for n in range(30):
        world.resolved(phone=f"+90532100{n:04d}")
    signed_in(client, world.fatma)
    client.get(LIST)  # warm the session
    # session, user, count, later, unread, the page (case, citizen, unit…); the menu's KVKK permission (2)
    with django_assert_num_queries(8):
        page = client.get(LIST)
    assert page.content.decode().count('class="button" href="/geri-bildirim/') == 25
    assert client.get(LIST + "?page=2").content.decode().count('class="button" href="/geri-bildirim/') == 5


def test_another_institutions_operator_sees_nothing(world, client, other_institution):
    case = world.resolved()
    call = world.call_of(case)
    stranger = User.objects.create_user(
        username="kayseri_fb",
        password=PASSWORD,
        role=User.Role.FEEDBACK_OPERATOR,
        institution=other_institution,
    )
    signed_in(client, stranger)
    page = client.get(LIST)
    assert page.status_code == 200 and case.tracking_display not in page.content.decode()
    assert client.get(f"{LIST}{call.pk}/").status_code == 404
    answer = client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied"})
    assert answer.status_code == 404
    assert FeedbackCall.objects.get(pk=call.pk).state == "waiting"


def test_a_unit_clerk_cannot_open_the_list_and_a_stranger_is_sent_to_log_in(world, client):
    call = world.call_of(world.resolved())
    signed_in(client, world.hasan)
    assert client.get(LIST).status_code == 403
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied"}).status_code == 403
    client.logout()
    assert client.get(LIST).status_code == 302
    assert FeedbackCall.objects.get(pk=call.pk).state == "waiting"


def test_an_administrator_of_the_institution_works_the_list(world, client, make_user):
    admin = make_user(User.Role.ADMINISTRATOR, "yonetici")
    case = world.resolved()
    assert case.tracking_display in signed_in(client, admin).get(LIST).content.decode()


# -- the outcomes --------------------------------------------------------------------------------------------


def test_satisfied_closes_the_case_with_the_score_on_the_timeline(world, client):
    case = world.resolved()
    call = world.call_of(case)
    answer = signed_in(client, world.fatma).post(f"{LIST}{call.pk}/", {"outcome": "satisfied", "score": "5"})
    assert answer.status_code == 302 and answer["Location"] == LIST
    case.refresh_from_db()
    call.refresh_from_db()
    assert case.status == Status.CLOSED
    assert (call.state, call.outcome, call.score, call.recorded_by) == ("done", "satisfied", 5, world.fatma)
    close = Event.objects.get(case=case, action="close")
    assert close.actor == world.fatma and "memnun" in close.note and "5/5" in close.note
    assert f'data-tracking="{case.tracking_number}"' not in client.get(LIST).content.decode()


def test_not_satisfied_needs_a_reason_and_changes_nothing_without_one(world, client):
    case = world.resolved()
    call = world.call_of(case)
    answer = signed_in(client, world.fatma).post(f"{LIST}{call.pk}/", {"outcome": "not_satisfied"})
    assert answer.status_code == 400
    assert "memnun olmama nedenini" in answer.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert FeedbackCall.objects.get(pk=call.pk).state == "waiting"


def test_not_satisfied_reopens_the_case_to_the_unit_and_tells_hasan_and_murat_by_name(
    world, client, django_capture_on_commit_callbacks
):
    case = world.resolved()
    call = world.call_of(case)
    reason = "Çukur yeniden açılmış, asfalt çökmüş."
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in(client, world.fatma).post(
            f"{LIST}{call.pk}/", {"outcome": "not_satisfied", "score": "1", "reason": reason}
        )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED and case.unit == world.roads and case.assignee == world.hasan
    assert case.due_at is not None and case.resolved_at is None
    reopen = Event.objects.get(case=case, action="reopen")
    assert reopen.actor == world.fatma and reason in reopen.note
    told = Notification.objects.filter(case=case, kind="feedback_not_satisfied")
    assert {n.user for n in told} == {world.hasan, world.murat}
    assert all(reason in n.text for n in told)
    notified = Event.objects.get(case=case, action="notified", data__kind="feedback_not_satisfied")
    assert "Hasan Öz" in notified.note and "Murat Aksoy" in notified.note
    call.refresh_from_db()
    assert (call.outcome, call.score, call.note) == ("not_satisfied", 1, reason)
    assert daily(unit=world.roads)["reopened"] == 1


def test_a_reopened_case_without_an_assignee_or_manager_reaches_the_administrators(
    world, make_user, institution
):
    lonely = Unit.objects.create(institution=institution, name="Zabıta Müdürlüğü")
    admin = make_user(User.Role.ADMINISTRATOR, "yonetici")
    case = world.resolved(unit=lonely, assign=False, by=admin)
    feedback.record_call(
        world.call_of(case), actor=world.fatma, outcome="not_satisfied", reason="Hâlâ gürültü var.", now=LATER
    )
    assert {n.user for n in Notification.objects.filter(case=case, kind="feedback_not_satisfied")} == {admin}


def test_not_reached_comes_back_after_the_gap_and_closes_after_the_last_attempt(world, client):
    world.settings.max_attempts, world.settings.retry_hours = 3, 4
    world.settings.save()
    case = world.resolved()
    call = world.call_of(case)

    first = feedback.record_call(call, actor=world.fatma, outcome="not_reached", now=LATER)
    assert first.again_at == LATER + dt.timedelta(hours=4)
    assert (first.call.state, first.call.attempts) == ("waiting", 1)
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert not feedback.waiting_calls(world.fatma, now=LATER + dt.timedelta(hours=3)).exists()
    assert list(feedback.waiting_calls(world.fatma, now=LATER + dt.timedelta(hours=4))) == [call]
    with pytest.raises(feedback.FeedbackError) as early:
        feedback.record_call(
            call, actor=world.fatma, outcome="not_reached", now=LATER + dt.timedelta(hours=1)
        )
    assert early.value.code == "not_due"
    assert FeedbackCall.objects.get(pk=call.pk).attempts == 1

    second = feedback.record_call(
        call, actor=world.fatma, outcome="not_reached", now=LATER + dt.timedelta(hours=4)
    )
    assert (second.call.attempts, second.again_at) == (2, LATER + dt.timedelta(hours=8))
    assert daily()["calls"] == 0  # not settled yet
    third = feedback.record_call(
        call, actor=world.fatma, outcome="not_reached", now=LATER + dt.timedelta(hours=8)
    )
    assert third.again_at is None
    assert (third.call.state, third.call.outcome, third.call.attempts) == ("done", "not_reached", 3)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    notes = list(Event.objects.filter(case=case, action="feedback_call").values_list("note", flat=True))
    assert len(notes) == 2
    assert "1. deneme / 3" in notes[0] and "2. deneme / 3" in notes[1]
    assert "3 denemede ulaşılamadı" in Event.objects.get(case=case, action="close").note
    assert daily()["not_reached"] == 1 and daily()["calls"] == 1


def test_wrong_number_closes_the_case(world):
    case = world.resolved()
    recorded = feedback.record_call(world.call_of(case), actor=world.fatma, outcome="wrong_number", now=LATER)
    assert recorded.case.status == Status.CLOSED and recorded.call.outcome == "wrong_number"
    assert "Yanlış numara" in Event.objects.get(case=case, action="close").note
    assert daily()["wrong_number"] == 1 and daily()["reached"] == 0


def test_a_score_only_with_a_reached_citizen_and_only_from_1_to_5(world, client):
    call = world.call_of(world.resolved())
    signed_in(client, world.fatma)
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "not_reached", "score": "3"}).status_code == 400
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied", "score": "9"}).status_code == 400
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "bogus"}).status_code == 400
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied", "reason": "\x00"}).status_code in (
        400,
        302,
    )
    for bad in ("99999999999999999999999", "-1"):
        assert client.get(f"{LIST}{bad}/").status_code == 404


def test_a_call_recorded_twice_is_refused_the_second_time(world, client):
    call = world.call_of(world.resolved())
    signed_in(client, world.fatma)
    assert client.post(f"{LIST}{call.pk}/", {"outcome": "satisfied"}).status_code == 302
    again = client.post(f"{LIST}{call.pk}/", {"outcome": "not_satisfied", "reason": "Aslında memnun değil"})
    assert again.status_code == 200 or again.status_code == 409
    assert FeedbackCall.objects.get(pk=call.pk).outcome == "satisfied"
    assert Case.objects.get(pk=call.case_id).status == Status.CLOSED


def test_a_case_reopened_meanwhile_leaves_the_list(world, client):
    from kentmasa.cases import services

    case = world.resolved()
    call = world.call_of(case)
    services.reopen(case, actor=world.murat, note="Birim yeniden çalışacak.")
    assert FeedbackCall.objects.get(pk=call.pk).state == "dropped"
    assert case.tracking_display not in signed_in(client, world.fatma).get(LIST).content.decode()


# -- the figures ---------------------------------------------------------------------------------------------


def test_each_outcome_raises_the_days_figures_of_its_group_once(world, service):
    cases = [world.resolved(phone=f"+90532200{n:04d}") for n in range(4)]
    feedback.record_call(world.call_of(cases[0]), actor=world.fatma, outcome="satisfied", score=5, now=LATER)
    feedback.record_call(world.call_of(cases[1]), actor=world.fatma, outcome="satisfied", score=4, now=LATER)
    feedback.record_call(
        world.call_of(cases[2]),
        actor=world.fatma,
        outcome="not_satisfied",
        score=2,
        reason="Olmadı",
        now=LATER,
    )
    feedback.record_call(world.call_of(cases[3]), actor=world.fatma, outcome="wrong_number", now=LATER)
    row = FeedbackDaily.objects.get()
    assert (row.day, row.unit, row.service, row.channel, row.district, row.neighbourhood, row.method) == (
        LATER.date(),
        world.roads,
        service,
        "phone",
        "Esenler",
        "Menderes",
        "call",
    )
    assert {name: getattr(row, name) for name in FeedbackDaily.FIGURES} == {
        "calls": 4,
        "reached": 3,
        "satisfied": 2,
        "not_satisfied": 1,
        "reopened": 1,
        "not_reached": 0,
        "wrong_number": 1,
        "no_rating": 0,
        "score_sum": 11,
        "score_count": 3,
    }
    # Another day is another row.
    fifth = world.resolved(phone="+905322009999")
    feedback.record_call(
        world.call_of(fifth), actor=world.fatma, outcome="satisfied", now=LATER + dt.timedelta(days=1)
    )
    assert FeedbackDaily.objects.count() == 2


def test_a_call_of_a_case_that_became_kades_is_dropped_not_recorded(world):
    from kentmasa.cases.models import Channel

    case = world.resolved()
    call = world.call_of(case)
    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)
    with pytest.raises(feedback.FeedbackError) as refused:
        feedback.record_call(call, actor=world.fatma, outcome="satisfied", now=LATER)
    assert refused.value.code == "dropped"
    assert FeedbackCall.objects.get(pk=call.pk).state == "dropped"
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    assert not FeedbackDaily.objects.exists()
