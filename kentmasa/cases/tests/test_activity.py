"""What "acting on a case" means (kentmasa.cases.activity), and how the services keep Case.acted_at and the
idle warning's time (Case.idle_warn_at) as staff act on the pothole on Atatürk Caddesi."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kentmasa.cases import activity, services
from kentmasa.cases.models import Case, Status
from kentmasa.directory.models import Service

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")
DUE = dt.datetime.fromisoformat("2026-04-09T17:30+03:00")  # 15 working days later, at closing time
SPAN = DUE - RECEIVED  # 22 days 7.5 hours
HALF = SPAN / 2  # 11 days 3 h 45 min


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+03:00")


# -- the definition ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    ["assign", "start", "ask_citizen", "transfer", "redirect", "resolve", "resolve_on_the_spot", "reject"],
)
def test_every_staff_action_of_the_issue_counts(action, road_staff):
    assert activity.counts_as_action(action, road_staff, public=False) is True
    assert activity.counts_as_action(action, None, public=True) is False  # the system, or the citizen


def test_a_note_to_the_citizen_counts_and_an_internal_note_does_not(road_staff):
    assert activity.counts_as_action("comment", road_staff, public=True) is True
    assert activity.counts_as_action("comment", road_staff, public=False) is False
    assert activity.counts_as_action("comment", None, public=True) is False  # what the citizen wrote


@pytest.mark.parametrize(
    "action", ["open", "close", "reopen", "merge", "escalate", "notified", "idle_warning"]
)
def test_other_events_are_not_acting_on_the_case(action, road_staff):
    assert activity.counts_as_action(action, road_staff, public=True) is False


def test_the_setting_decides(settings, road_staff):
    settings.KENTMASA_ACTED_ON = ["resolve"]

    assert activity.counts_as_action("resolve", road_staff, public=True) is True
    assert activity.counts_as_action("assign", road_staff, public=False) is False
    assert activity.counts_as_action("comment", road_staff, public=True) is False


def test_the_warning_comes_after_half_the_standard_by_default(make_case):
    case = make_case()

    assert case.due_at == DUE
    assert activity.idle_warning_at(case, RECEIVED) == RECEIVED + HALF == at("2026-03-29T13:45")
    assert activity.idle_warning_at(case, at("2026-03-20T09:00")) == at("2026-03-20T09:00") + HALF


def test_the_service_and_the_site_set_the_share(make_case, settings, service):
    case = make_case()
    settings.KENTMASA_IDLE_WARNING_SHARE = 0.25
    assert activity.idle_warning_at(case, RECEIVED) == RECEIVED + SPAN / 4

    Service.objects.filter(pk=service.pk).update(idle_warning_percent=10)
    case = Case.objects.select_related("service").get(pk=case.pk)
    assert activity.idle_warning_at(case, RECEIVED) == RECEIVED + SPAN / 10


def test_no_warning_without_a_deadline_or_when_it_would_come_at_the_deadline(make_case, institution):
    undated = services.open_case(institution=institution, channel="phone", subject="Kategorisiz")
    assert undated.due_at is None and undated.idle_warn_at is None
    assert activity.idle_warning_at(undated, RECEIVED) is None

    case = make_case()
    assert activity.idle_warning_at(case, DUE - HALF - dt.timedelta(minutes=1)) is not None
    assert activity.idle_warning_at(case, DUE - HALF) is None  # on the deadline: escalation speaks then
    assert activity.idle_warning_at(case, DUE + dt.timedelta(days=1)) is None


# -- the services keep it ------------------------------------------------------------------------------------


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_case_categorised_after_it_came_in_is_armed_then(make_case, category):
    # The usual web, SMS and e-mail path: no category, so no deadline, until the router or an operator
    # sets it.
    case = make_case(category=None)
    assert fresh(case).due_at is None and fresh(case).idle_warn_at is None
    services.categorise(case, category=category, actor=None, now=at("2026-03-18T10:05"))
    case = fresh(case)
    assert case.due_at == DUE
    assert case.idle_warn_at == at("2026-03-29T13:45")  # half the standard after receipt, nobody acted


def test_a_new_case_is_armed_from_its_receipt_and_nobody_has_acted_yet(make_case):
    case = fresh(make_case())

    assert case.acted_at is None
    assert case.idle_warn_at == at("2026-03-29T13:45")


def test_each_staff_action_moves_the_warning_and_leaving_the_running_statuses_clears_it(
    make_case, road_staff, road_manager
):
    case = make_case()

    services.assign(case, actor=road_manager, assignee=road_staff, now=at("2026-03-19T11:00"))
    case = fresh(case)
    assert case.acted_at == at("2026-03-19T11:00")
    assert case.idle_warn_at == at("2026-03-19T11:00") + HALF

    services.start(case, actor=road_staff, now=at("2026-03-23T09:00"))
    case = fresh(case)
    assert case.acted_at == at("2026-03-23T09:00") and case.idle_warn_at == at("2026-03-23T09:00") + HALF

    # Asking the citizen is acting; while she is asked, nothing is due from the unit.
    services.ask_citizen(case, actor=road_staff, question="Hangi bina?", now=at("2026-03-24T10:00"))
    case = fresh(case)
    assert case.status == Status.WAITING_CITIZEN
    assert case.acted_at == at("2026-03-24T10:00") and case.idle_warn_at is None

    # Her answer (by a channel: no staff) makes it the unit's turn again, from the answer.
    services.citizen_answered(case, actor=None, answer="12 numara", now=at("2026-03-25T10:00"))
    case = fresh(case)
    assert case.acted_at == at("2026-03-24T10:00")  # the citizen does not act for the unit
    assert case.due_at is not None and case.due_at > DUE  # moved by the pause
    assert case.idle_warn_at == at("2026-03-25T10:00") + (case.due_at - RECEIVED) / 2

    services.resolve(case, actor=road_staff, resolution="Kapatıldı.", now=at("2026-03-26T10:00"))
    case = fresh(case)
    assert case.acted_at == at("2026-03-26T10:00") and case.idle_warn_at is None


def test_the_system_does_not_act_for_the_unit(make_case, road_staff):
    case = make_case()

    services.assign(case, actor=None, assignee=road_staff, now=at("2026-03-19T11:00"))

    case = fresh(case)
    assert case.acted_at is None and case.idle_warn_at == at("2026-03-29T13:45")


def test_a_reopened_case_is_armed_from_the_reopening(make_case, operator, road_manager):
    case = services.resolve_on_the_spot(make_case(), actor=operator, resolution="Bilgi verildi.")
    assert fresh(case).idle_warn_at is None

    reopened = services.reopen(case, actor=road_manager, note="Vatandaş aradı.", now=at("2026-03-20T10:00"))

    case = fresh(reopened)
    assert case.due_at is not None
    standard = case.due_at - at("2026-03-20T10:00")
    assert case.idle_warn_at == at("2026-03-20T10:00") + standard / 2


def test_a_note_to_the_citizen_is_one_update_and_an_internal_note_changes_nothing(make_case, road_staff):
    case = Case.objects.select_related("service").get(pk=make_case().pk)

    with CaptureQueriesContext(connection) as internal:
        services.comment(case, actor=road_staff, note="Ekip yarın gidecek.", now=at("2026-03-19T10:00"))
    assert fresh(case).acted_at is None

    with CaptureQueriesContext(connection) as public:
        services.comment(
            case, actor=road_staff, note="Ekibimiz yarın gelecek.", public=True, now=at("2026-03-20T10:00")
        )
    # The note to the citizen costs one UPDATE of the case beside the event.
    assert len(public) == len(internal) + 1
    updates = [q["sql"] for q in public.captured_queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert len(updates) == 1
    case = fresh(case)
    assert case.acted_at == at("2026-03-20T10:00")
    assert case.idle_warn_at == at("2026-03-20T10:00") + HALF


def test_a_note_to_the_citizen_on_a_waiting_case_arms_nothing(make_case, road_staff):
    case = services.ask_citizen(make_case(), actor=road_staff, question="Adres?", now=at("2026-03-19T10:00"))

    services.comment(case, actor=road_staff, note="Hatırlatma.", public=True, now=at("2026-03-20T10:00"))

    case = fresh(case)
    assert case.acted_at == at("2026-03-20T10:00") and case.idle_warn_at is None
