"""Every named transition through the domain functions: what it changes, what it refuses, its event."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kentmasa.cases import services
from kentmasa.cases.models import Case, Event, Status
from kentmasa.cases.services import TransitionError
from kentmasa.cases.signals import case_event
from kentmasa.directory.models import Unit, User

pytestmark = pytest.mark.django_db

ISTANBUL = dt.timezone(dt.timedelta(hours=3))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ISTANBUL)


def actions(case: Case) -> list[tuple[str, str]]:
    return list(Event.objects.filter(case=case).values_list("action", "to_status"))


def test_open_case_routes_by_category_and_computes_the_deadline(make_case, roads, service):
    case = make_case()
    assert case.status == Status.NEW
    assert case.unit == roads and case.service == service
    # 15 iş günü from Wednesday 18 March 2026 10:00, across the Ramazan Bayramı (19 half day, 20–22 off).
    assert case.due_at == at("2026-04-09T17:30")
    assert len(case.tracking_number) == 10 and case.tracking_number.startswith("26")
    assert len(case.verification_code) == 6 and case.verification_code.isdigit()
    assert actions(case) == [("open", "new")]
    assert Event.objects.get(case=case).public is True


def test_several_institutions_use_the_longer_time(make_case):
    case = make_case(several_institutions=True)
    assert case.due_at == at("2026-05-04T17:30")  # 30 iş günü, across 23 Nisan and 1 Mayıs


def test_open_case_refuses_a_category_of_another_institution(make_case, other_institution, category):
    with pytest.raises(TransitionError):
        make_case(institution=other_institution, category=category)
    assert Case.objects.count() == 0


def test_assign_start_resolve_close(make_case, road_staff, road_manager, road_team):
    case = make_case()
    case = services.assign(case, actor=road_manager, assignee=road_staff, team=road_team)
    assert (case.status, case.assignee, case.team) == (Status.ASSIGNED, road_staff, road_team)
    case = services.start(case, actor=road_staff)
    assert case.status == Status.IN_PROGRESS
    case = services.resolve(case, actor=road_staff, resolution="Çukur asfaltla kapatıldı.")
    assert case.status == Status.RESOLVED and case.resolved_at is not None
    assert case.resolution == "Çukur asfaltla kapatıldı."
    case = services.close(case, actor=road_manager)
    assert case.status == Status.CLOSED and case.closed_at is not None
    assert actions(case) == [
        ("open", "new"),
        ("assign", "assigned"),
        ("start", "in_progress"),
        ("resolve", "resolved"),
        ("close", "closed"),
    ]
    resolve_event = Event.objects.get(case=case, action="resolve")
    assert resolve_event.actor == road_staff and resolve_event.public
    assert Event.objects.get(case=case, action="assign").public is False


def test_illegal_transition_is_refused_and_changes_nothing(make_case, road_staff):
    case = make_case()
    before = Case.objects.values().get(pk=case.pk)
    with pytest.raises(TransitionError) as refused:
        services.close(case, actor=road_staff)
    assert refused.value.code in {"illegal_transition", "forbidden"}
    with pytest.raises(TransitionError) as refused:
        services.citizen_answered(case, actor=road_staff)
    assert refused.value.code == "illegal_transition"
    assert "Received" in refused.value.message or "Alındı" in refused.value.message
    assert Case.objects.values().get(pk=case.pk) == before
    assert actions(case) == [("open", "new")]


def test_a_note_is_required_where_the_citizen_needs_one(make_case, road_staff):
    case = make_case()
    refusals: list[tuple[Callable[..., Case], dict[str, str]]] = [
        (services.resolve, {"resolution": "  "}),
        (services.ask_citizen, {"question": ""}),
    ]
    for function, kwargs in refusals:
        with pytest.raises(TransitionError) as refused:
            function(case, actor=road_staff, **kwargs)
        assert refused.value.code == "note"
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_roles_are_enforced(make_case, road_staff, park_staff, operator):
    case = make_case()
    with pytest.raises(TransitionError) as refused:
        services.start(case, actor=park_staff)  # another unit's staff
    assert refused.value.code == "forbidden"
    with pytest.raises(TransitionError) as refused:
        services.reject(case, actor=road_staff, reason="Mükerrer")  # only managers reject
    assert refused.value.code == "forbidden"
    with pytest.raises(TransitionError):
        services.resolve_on_the_spot(case, actor=road_staff, resolution="Bilgi verildi")
    services.resolve_on_the_spot(case, actor=operator, resolution="Bilgi verildi")
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED


def test_ask_citizen_pauses_and_the_answer_moves_the_deadline_by_working_time(make_case, road_staff):
    case = make_case()
    assert case.due_at == at("2026-04-09T17:30")
    case = services.ask_citizen(
        case, actor=road_staff, question="Adres tarifini netleştirir misiniz?", now=at("2026-03-27T16:30")
    )
    assert case.status == Status.WAITING_CITIZEN and case.paused_at == at("2026-03-27T16:30")
    # Paused Friday 16:30 to Monday 10:30: 1 h on Friday + 2 h on Monday of working time; the weekend is free.
    case = services.citizen_answered(
        case, actor=road_staff, answer="Caminin karşısı.", now=at("2026-03-30T10:30")
    )
    assert case.status == Status.IN_PROGRESS and case.paused_at is None
    assert case.due_at == at("2026-04-10T11:30")
    event = Event.objects.get(case=case, action="citizen_answered")
    assert event.data["due_before"].startswith("2026-04-09T17:30")


def test_reject_reopen(make_case, road_manager):
    case = make_case()
    with pytest.raises(TransitionError):
        services.reject(case, actor=road_manager, reason="")
    case = services.reject(case, actor=road_manager, reason="Özel mülk; belediyenin yetki alanı dışında.")
    assert case.status == Status.REJECTED and case.rejection_reason.startswith("Özel mülk")
    case = services.reopen(case, actor=road_manager, note="Vatandaş itiraz etti.")
    assert case.status == Status.NEW and case.rejection_reason == ""


def test_reopen_returns_an_assigned_case_to_its_assignee(make_case, road_staff, road_manager):
    case = services.assign(make_case(), actor=road_manager, assignee=road_staff)
    case = services.resolve(case, actor=road_staff, resolution="Yapıldı.")
    case = services.reopen(case, actor=road_manager, note="Tekrar bozuldu.")
    assert case.status == Status.ASSIGNED and case.resolved_at is None


def test_transfer_to_another_unit_and_institution(
    make_case, parks, road_manager, road_staff, other_institution
):
    case = services.assign(make_case(), actor=road_manager, assignee=road_staff)
    case = services.transfer(case, actor=road_manager, unit=parks, note="Park alanında.")
    assert (case.unit, case.status, case.assignee) == (parks, Status.NEW, None)
    with pytest.raises(TransitionError):
        services.transfer(case, actor=None, unit=parks)  # already there
    kayseri_unit = Unit.objects.create(institution=other_institution, name="Yol Bakım")
    case = services.transfer(case, actor=None, unit=kayseri_unit)
    assert case.institution == other_institution and case.unit == kayseri_unit and case.service is None
    assert [a for a, _ in actions(case)].count("transfer") == 2


def test_redirect_needs_the_body_name(make_case, operator):
    case = make_case()
    with pytest.raises(TransitionError):
        services.redirect(case, actor=operator, to=" ")
    case = services.redirect(case, actor=operator, to="TEDAŞ / Toroslar EDAŞ", note="Elektrik arızası.")
    assert case.status == Status.REDIRECTED and case.redirected_to == "TEDAŞ / Toroslar EDAŞ"


def test_merge_records_on_both_cases(make_case, operator):
    first, duplicate = make_case(), make_case(subject="Aynı çukur")
    with pytest.raises(TransitionError):
        services.merge(first, actor=operator, into=first)
    duplicate = services.merge(duplicate, actor=operator, into=first)
    assert duplicate.status == Status.MERGED and duplicate.merged_into == first
    assert Event.objects.filter(case=first, action="merged_in").exists()
    closed = services.close(
        services.resolve_on_the_spot(make_case(), actor=operator, resolution="x"), actor=operator
    )
    with pytest.raises(TransitionError):
        services.merge(make_case(), actor=operator, into=closed)


def test_assign_refuses_staff_of_another_institution(make_case, road_manager, make_user, other_institution):
    outsider = make_user(User.Role.UNIT_STAFF, "outsider", institution_=other_institution)
    case = make_case()
    with pytest.raises(TransitionError):
        services.assign(case, actor=road_manager, assignee=outsider)
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_event_and_change_are_one_transaction(make_case, road_staff, monkeypatch):
    case = make_case()

    def broken_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Event.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        services.start(case, actor=road_staff)
    monkeypatch.undo()
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_the_signal_is_sent_after_commit(make_case, road_staff, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, case, event, **kwargs):
        received.append(event.action)

    case_event.connect(listener)
    try:
        case = make_case()
        with django_capture_on_commit_callbacks(execute=True):
            services.start(case, actor=road_staff)
        assert received == ["start"]
    finally:
        case_event.disconnect(listener)


def test_perform_dispatches_by_name(make_case, road_staff):
    case = services.perform(make_case(), "start", actor=road_staff)
    assert case.status == Status.IN_PROGRESS
    with pytest.raises(TransitionError):
        services.perform(case, "teleport", actor=road_staff)


def test_bulk_assign_keeps_going_after_a_refusal(make_case, road_manager, road_staff, operator):
    done_case = make_case()
    finished = services.resolve_on_the_spot(make_case(), actor=operator, resolution="Bilgi verildi.")
    done, refused = services.bulk_assign([done_case, finished], actor=road_manager, assignee=road_staff)
    assert [c.pk for c in done] == [done_case.pk]
    assert [c.pk for c, _ in refused] == [finished.pk]


def test_a_transition_uses_a_fixed_number_of_queries(make_case, road_staff):
    case = make_case()
    with CaptureQueriesContext(connection) as queries:
        services.start(case, actor=road_staff)
    assert len(queries) <= 12


def test_a_citizen_record_of_another_institution_is_refused(make_case, other_institution):
    from kentmasa.cases.citizens import find_or_create_citizen

    elsewhere = find_or_create_citizen(other_institution, name="Ali Kaya", phone="+905321234567")
    with pytest.raises(TransitionError) as refused:
        make_case(citizen=elsewhere)
    assert refused.value.code == "citizen" and Case.objects.count() == 0


def test_the_tracking_number_year_is_the_turkish_year(make_case):
    case = make_case(received_at=at("2027-01-01T01:30"))  # still 2026 in UTC
    assert case.tracking_number.startswith("27")


def test_assign_refuses_a_person_who_would_not_see_the_case(
    make_case, road_manager, park_staff, make_user, road_team
):
    case = make_case()
    with pytest.raises(TransitionError) as refused:
        services.assign(case, actor=road_manager, assignee=park_staff)
    assert refused.value.code == "assignee"
    crew = make_user(User.Role.FIELD_TEAM, "crew", teams=[road_team])
    with pytest.raises(TransitionError):
        services.assign(case, actor=road_manager, assignee=crew)  # without the crew's team
    case = services.assign(case, actor=road_manager, assignee=crew, team=road_team)
    assert (case.assignee, case.team) == (crew, road_team)


def test_reopen_restarts_the_clock_and_the_ladder(make_case, road_staff, road_manager):
    from kentmasa.escalation.services import sweep

    case = make_case()
    sweep(at("2026-04-10T09:00"))  # a day late: first application place
    case.refresh_from_db()
    assert case.escalation_level == 1
    case = services.resolve(case, actor=road_staff, resolution="Yapıldı.", now=at("2026-04-10T10:00"))
    case = services.reopen(case, actor=road_manager, note="Yine bozuldu.", now=at("2026-05-04T10:00"))
    # 15 iş günü from Monday 4 May 2026, over 19 Mayıs; the 15th is the Kurban arife, a half day.
    assert case.due_at == at("2026-05-26T13:00")
    assert (case.escalation_level, case.overdue_since, case.escalated_at) == (0, None, None)
    assert sweep(at("2026-05-05T09:00")).first == 0


def test_an_answer_in_time_restarts_the_ladder(make_case, road_staff):
    from kentmasa.escalation.services import sweep

    case = make_case()
    case = services.ask_citizen(case, actor=road_staff, question="Kapı no?", now=at("2026-04-09T17:00"))
    Case.objects.filter(pk=case.pk).update(escalation_level=1, overdue_since=at("2026-04-09T17:30"))
    case = services.citizen_answered(case, actor=road_staff, answer="12", now=at("2026-04-13T09:00"))
    assert case.due_at is not None and case.due_at > at("2026-04-13T09:00")
    assert (case.escalation_level, case.overdue_since) == (0, None)
    assert sweep(case.due_at + dt.timedelta(minutes=1)).first == 1


def test_transfer_to_another_institution_starts_its_own_clock(make_case, operator, other_institution):
    from kentmasa.cases.citizens import find_or_create_citizen
    from kentmasa.directory.models import Category, Service

    citizen = find_or_create_citizen(make_case().institution, name="Ayla Demir", phone="+905321234567")
    case = make_case(citizen=citizen)
    Case.objects.filter(pk=case.pk).update(escalation_level=1, overdue_since=case.due_at)
    unit = Unit.objects.create(institution=other_institution, name="Park ve Bahçeler Dairesi")
    service = Service.objects.create(
        institution=other_institution, unit=unit, name="Park bakımı", completion_time="10 GÜN"
    )
    category = Category.objects.create(institution=other_institution, name="Park", service=service, unit=unit)
    case = services.transfer(
        case, actor=operator, category=category, note="Büyükşehirin parkı.", now=at("2026-04-20T11:00")
    )
    assert (case.institution, case.category, case.service, case.unit) == (
        other_institution,
        category,
        service,
        unit,
    )
    assert case.due_at == at("2026-04-30T17:30")  # 10 gün from 20 April
    assert (case.escalation_level, case.overdue_since) == (0, None)
    assert case.citizen != citizen and case.citizen.institution == other_institution
    assert case.citizen.name == "Ayla Demir" and case.citizen.phone == "+905321234567"


def test_what_we_learn_about_a_citizen_later_is_searchable_on_earlier_cases(make_case, institution):
    from kentmasa.cases.citizens import find_or_create_citizen
    from kentmasa.cases.search import search_cases

    citizen = find_or_create_citizen(institution, phone="+905321234567", proven={"phone"})
    case = make_case(citizen=citizen)
    assert not search_cases(Case.objects.all(), "gülsüm").exists()
    find_or_create_citizen(institution, name="Gülsüm Öztürk", phone="+905321234567", proven={"phone"})
    assert list(search_cases(Case.objects.all(), "GULSUM OZTURK")) == [case]
