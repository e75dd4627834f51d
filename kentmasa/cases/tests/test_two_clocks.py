"""The two clocks, on Eskişehir police's real table (seed 000): the 155 standard times how soon a call is
passed on, not how soon it is solved. Zeynep the 155 operator forwards a fight in 4 minutes: within the
standard, never escalated, counted in the overview, shown on the queue and the case page. A call nobody
forwarded for 11 minutes is escalated like any late case. SMS and e-mail rows state no time and run on the
directorate's own minutes; KADES ("anlık") on its immediate minutes."""

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kentmasa.cases import clock, services
from kentmasa.cases.models import Case, Channel, Event, Status
from kentmasa.cases.views.queue import is_late, overdue_q
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import Category, Institution, Service, Team, Unit, User
from kentmasa.directory.tests import POLICE, seed_text
from kentmasa.escalation import services as escalation
from kentmasa.lib import notices
from kentmasa.places.models import Area
from kentmasa.reports import exports
from kentmasa.reports.mahalle_page import resolution_times
from kentmasa.reports.views import measures

pytestmark = pytest.mark.django_db

ISTANBUL = dt.timezone(dt.timedelta(hours=3))
RECEIVED = dt.datetime(2026, 3, 18, 23, 40, tzinfo=ISTANBUL)  # at night: minutes run round the clock
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def police(db):
    institution = Institution.objects.create(
        slug="eskisehir-emniyet",
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )
    assert import_standards(institution, seed_text(POLICE)).ok
    return institution


@pytest.fixture
def public_order(police):
    return Unit.objects.create(institution=police, name="Asayiş Şube Müdürlüğü")


@pytest.fixture
def communications(police):
    return Unit.objects.create(institution=police, name="Muhabere Elektronik Şube Müdürlüğü")


@pytest.fixture
def row(police):
    def get(number: int) -> Service:
        return Service.objects.get(institution=police, number=number)

    return get


@pytest.fixture
def fight(police, public_order, row):
    """A topic of the 155 line: its category points at row 1 (155 POLİS İMDAT İHBAR HATTI)."""
    return Category.objects.create(
        institution=police, name="Kavga / darp ihbarı", service=row(1), unit=public_order
    )


@pytest.fixture
def footage(police, communications, row):
    """Camera footage requests: row 5, a topic row that stands for no channel."""
    return Category.objects.create(
        institution=police, name="KGYS kamera kaydı talebi", service=row(5), unit=communications, public=False
    )


@pytest.fixture
def zeynep(police, make_user):
    return make_user(User.Role.POLICE_OPERATOR, "zeynep", institution_=police)


@pytest.fixture
def yunus(public_order):
    return Team.objects.create(unit=public_order, name="Yunus Ekibi 1", kind=Team.Kind.POLICE)


@pytest.fixture
def call(police, fight):
    """A 155 call about a fight, as the console records it (the operator is on the line)."""

    def open_(channel: str = Channel.PHONE, received_at: dt.datetime = RECEIVED, **kwargs) -> Case:
        params = {
            "institution": police,
            "channel": channel,
            "subject": "Sokakta kavga",
            "category": fight,
            "received_at": received_at,
        }
        params.update(kwargs)
        return services.open_case(**params)

    return open_


def police_figures(police: Institution, now: dt.datetime) -> dict:
    return Case.objects.filter(institution=police).aggregate(**measures(now))


# -- the 155 call forwarded in 4 minutes ------------------------------------------------------------------


def test_a_155_call_forwarded_in_4_minutes_is_within_standard_and_never_escalated(
    call, row, zeynep, yunus, police
):
    case = call(actor=zeynep)
    assert (case.service, case.clock, case.due_at) == (row(1), clock.FORWARDING, RECEIVED + 10 * MINUTE)
    assert case.clock_stopped_at is None

    services.assign(
        case, actor=zeynep, team=yunus, note="Yunus Ekibi 1 yönlendirildi.", now=RECEIVED + 4 * MINUTE
    )

    case.refresh_from_db()
    assert case.clock_stopped_at == RECEIVED + 4 * MINUTE
    assert case.status == Status.ASSIGNED
    # The team works on for an hour: the case is open past "10 dakika", yet not late and never escalated.
    later = RECEIVED + 3 * dt.timedelta(hours=1)
    assert escalation.sweep(RECEIVED + 11 * MINUTE).first == 0
    assert escalation.sweep(later + dt.timedelta(days=2)).first == 0
    case.refresh_from_db()
    assert case.escalation_level == 0 and not case.is_overdue
    assert not is_late(case, later)
    assert not Case.objects.filter(overdue_q(later), pk=case.pk).exists()
    assert clock.remaining(case, now=later) is None
    assert case.idle_warn_at is None  # passed on: nobody is warned that nobody acts against 10 minutes
    assert clock.within_standard(case) is True
    assert clock.forwarded_after(case) == 4 * MINUTE

    figures = police_figures(police, later)
    assert (figures["open"], figures["overdue"], figures["measured"], figures["within"]) == (1, 0, 1, 1)

    # Solved hours later by the team: still measured by its forwarding, still within the standard.
    member = User.objects.create_user(username="yunus1", role=User.Role.FIELD_TEAM, institution=police)
    member.teams.set([yunus])
    services.resolve(case, actor=member, resolution="Taraflar karakola davet edildi.", now=later)
    figures = police_figures(police, later)
    assert (figures["resolved"], figures["measured"], figures["within"]) == (1, 1, 1)


def test_a_155_call_nobody_forwarded_for_11_minutes_is_escalated(call, zeynep, yunus, police):
    case = call(actor=zeynep)

    assert escalation.sweep(RECEIVED + 9 * MINUTE).first == 0
    assert escalation.sweep(RECEIVED + 11 * MINUTE).first == 1
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.is_overdue
    assert police_figures(police, RECEIVED + 11 * MINUTE)["overdue"] == 1

    # Forwarded at last, after 12 minutes: late no more, but outside the standard, and the ladder stops.
    services.assign(case, actor=zeynep, team=yunus, now=RECEIVED + 12 * MINUTE)
    case.refresh_from_db()
    assert not case.is_overdue and not is_late(case, RECEIVED + 13 * MINUTE)
    assert escalation.sweep(RECEIVED + dt.timedelta(days=2)).second == 0
    assert clock.within_standard(case) is False
    figures = police_figures(police, RECEIVED + 13 * MINUTE)
    assert (figures["overdue"], figures["measured"], figures["within"]) == (0, 1, 0)


def test_only_staff_forwarding_or_settling_stops_the_clock(call, zeynep, yunus, public_order, fight):
    # Intake sets the unit from the category (the system, or the operator recording the call): no stop.
    by_intake = call()
    assert by_intake.unit == public_order and by_intake.clock_stopped_at is None
    # The system assigning (actor None), a comment, a new category: no stop either.
    services.assign(by_intake, actor=None, team=yunus, now=RECEIVED + MINUTE)
    services.comment(by_intake, actor=zeynep, note="Arayan tekrar aradı.", now=RECEIVED + 2 * MINUTE)
    by_intake.refresh_from_db()
    assert by_intake.clock_stopped_at is None

    stopped_by = {}
    for action in ("transfer", "redirect", "resolve_on_the_spot", "reject"):
        case = call()
        at = RECEIVED + 3 * MINUTE
        if action == "transfer":
            other = Unit.objects.create(institution=case.institution, name=f"Trafik Şube {case.pk}")
            services.transfer(case, actor=zeynep, unit=other, now=at)
        elif action == "redirect":
            services.redirect(case, actor=zeynep, to="Eskişehir Büyükşehir Belediyesi Alo 153", now=at)
        elif action == "resolve_on_the_spot":
            services.resolve_on_the_spot(case, actor=zeynep, resolution="Bilgi verildi.", now=at)
        else:
            manager = User.objects.create_user(
                username="asayis.mudur", role=User.Role.UNIT_MANAGER, institution=case.institution
            )
            manager.units.set([public_order])
            services.reject(case, actor=manager, reason="Görev alanı dışında.", now=at)
        case.refresh_from_db()
        stopped_by[action] = case.clock_stopped_at
    assert stopped_by == dict.fromkeys(
        ("transfer", "redirect", "resolve_on_the_spot", "reject"), RECEIVED + 3 * MINUTE
    )


def test_the_first_forwarding_counts_and_a_refused_one_writes_nothing(call, zeynep, yunus, police):
    case = call()
    stranger = User.objects.create_user(username="baska", role=User.Role.UNIT_STAFF, institution=police)
    with pytest.raises(services.TransitionError):
        # Refused inside the transition (a person who would not find the case in their queue).
        services.assign(case, actor=zeynep, assignee=stranger, now=RECEIVED + 2 * MINUTE)
    case.refresh_from_db()
    assert case.clock_stopped_at is None and case.status == Status.NEW

    services.assign(case, actor=zeynep, team=yunus, now=RECEIVED + 5 * MINUTE)
    other = Team.objects.create(unit=yunus.unit, name="Yunus Ekibi 2", kind=Team.Kind.POLICE)
    services.assign(case, actor=zeynep, team=other, now=RECEIVED + 30 * MINUTE)
    case.refresh_from_db()
    assert case.clock_stopped_at == RECEIVED + 5 * MINUTE


def test_a_completion_clock_is_untouched_by_assigning(make_case, road_staff, road_manager):
    case = make_case()
    assert case.clock == clock.COMPLETION

    services.assign(case, actor=road_manager, assignee=road_staff, now=case.received_at + MINUTE)

    case.refresh_from_db()
    assert case.clock_stopped_at is None
    assert clock.within_standard(case) is None  # measured once resolved


# -- which row, which deadline ----------------------------------------------------------------------------


def test_the_sms_row_runs_on_the_directorate_s_forwarding_minutes(call, row, police):
    police.forwarding_minutes = 45
    police.save()

    sms = call(Channel.SMS)
    email = call(Channel.EMAIL)

    assert (sms.service, sms.clock) == (row(3), clock.FORWARDING)
    assert sms.due_at == RECEIVED + 45 * MINUTE
    assert (email.service, email.due_at) == (row(2), RECEIVED + 45 * MINUTE)
    assert clock.standard_for(sms).describe_tr() == "45 dakika"


def test_a_kades_alert_runs_on_the_immediate_minutes(police, public_order, row):
    kades = Category.objects.create(
        institution=police, name="KADES yardım çağrısı", service=row(4), unit=public_order, public=False
    )

    case = services.open_case(
        institution=police, channel=Channel.KADES, subject="KADES", category=kades, received_at=RECEIVED
    )

    assert (case.service, case.clock, case.due_at) == (row(4), clock.FORWARDING, RECEIVED + 5 * MINUTE)


def test_the_155_call_e_mail_sms_and_kades_each_take_their_row(call, row):
    taken = {
        channel: call(channel).service.number for channel in ("phone", "email", "sms", "kades", "whatsapp")
    }

    # WhatsApp has no row of its own: the category's row (155) stays.
    assert taken == {"phone": 1, "email": 2, "sms": 3, "kades": 4, "whatsapp": 1}


def test_a_topic_row_beats_the_channel_row(call, footage, row):
    case = call(Channel.SMS, category=footage)

    assert case.service == row(5) and case.clock == clock.COMPLETION
    assert case.due_at is None  # a retention period is no deadline


def test_the_channel_row_sets_the_clock_but_the_category_keeps_its_unit(
    call, public_order, communications, row
):
    Service.objects.filter(pk=row(3).pk).update(unit=communications)

    case = call(Channel.SMS)

    assert case.service == row(3) and case.unit == public_order


def test_a_new_category_brings_its_row_and_clock(call, footage, fight, zeynep, yunus, row):
    case = call(Channel.SMS, category=footage)
    services.assign(case, actor=zeynep, team=yunus, now=RECEIVED + 3 * MINUTE)

    # Corrected to a 155 topic: the SMS row (forwarding), forwarded since the assign 3 minutes in.
    services.categorise(case, category=fight, actor=zeynep, now=RECEIVED + 20 * MINUTE)
    case.refresh_from_db()
    assert (case.service, case.clock, case.clock_stopped_at) == (
        row(3),
        clock.FORWARDING,
        RECEIVED + 3 * MINUTE,
    )

    # Back to the footage topic: a completion clock, nothing to stop.
    services.categorise(case, category=footage, actor=zeynep, now=RECEIVED + 25 * MINUTE)
    case.refresh_from_db()
    assert (case.service, case.clock, case.clock_stopped_at) == (row(5), clock.COMPLETION, None)


def test_a_reopened_call_nobody_holds_must_be_passed_on_again(call, zeynep, police):
    case = call()
    services.resolve_on_the_spot(case, actor=zeynep, resolution="Bilgi verildi.", now=RECEIVED + 2 * MINUTE)
    again = RECEIVED + dt.timedelta(hours=2)

    services.reopen(case, actor=zeynep, note="Arayan olayın sürdüğünü bildirdi.", now=again)

    case.refresh_from_db()
    assert case.clock_stopped_at is None and case.due_at == again + 10 * MINUTE


def test_a_topic_row_costs_no_query_and_a_channel_row_one(call, footage, fight):
    """A topic row decides alone (no look-up of the channel rows); the 155 row, a channel row, asks once."""
    topic = Category.objects.select_related("service").get(pk=footage.pk)
    channel_row = Category.objects.select_related("service").get(pk=fight.pk)
    notices.current(topic.institution_id, Channel.SMS)  # the institution's default privacy notice, saved once
    # Once each first: the per-process set-up cache (closed days, notice) and each category's unit are read.
    call(Channel.SMS, category=topic)
    call(Channel.SMS, category=channel_row)

    with CaptureQueriesContext(connection) as by_topic:
        call(Channel.SMS, category=topic)
    with CaptureQueriesContext(connection) as by_channel:
        call(Channel.SMS, category=channel_row)

    assert len(by_channel.captured_queries) == len(by_topic.captured_queries) + 1
    reads = [
        query["sql"] for query in by_channel.captured_queries if 'FROM "directory_service"' in query["sql"]
    ]
    assert len(reads) == 1


# -- what staff and managers see --------------------------------------------------------------------------


def test_the_queue_and_the_case_page_show_the_clock_and_how_soon_it_was_forwarded(
    client, call, zeynep, yunus
):
    forwarded = call(subject="Yaralamalı kaza")
    waiting = call(subject="Şüpheli araç")
    services.assign(forwarded, actor=zeynep, team=yunus, now=RECEIVED + 4 * MINUTE)
    late = call(subject="Gece yüksek sesli müzik")
    services.assign(late, actor=zeynep, team=yunus, now=RECEIVED + 14 * MINUTE)
    client.force_login(zeynep)

    queue = client.get("/kuyruk/").text

    assert queue.count("süre: ilgili birime ulaştırma") == 3
    assert (
        f'id="forwarded-{forwarded.tracking_number}">4 dakikada ulaştırıldı (standart süre içinde)' in queue
    )
    assert f'id="forwarded-{late.tracking_number}">14 dakikada ulaştırıldı (standart süre dışında)' in queue
    assert f'id="forwarded-{waiting.tracking_number}"' not in queue

    page = client.get(reverse("cases:detail", args=[forwarded.tracking_number])).text
    assert "Standart süre" in page and "ilgili birime ulaştırma" in page
    assert '<span id="case-forwarded">4 dakikada ulaştırıldı</span>' in page
    assert "standart süre içinde" in page
    assert 'id="case-overdue"' not in page


def test_the_api_s_overdue_filter_leaves_out_a_call_passed_on_late(client, call, zeynep, yunus):
    case = call()
    escalation.sweep(RECEIVED + 11 * MINUTE)
    client.force_login(zeynep)
    from kentmasa.directory.models import ApiToken

    _, raw = ApiToken.issue(zeynep)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/cases?overdue=true", headers=headers).json()["count"] == 1

    services.assign(case, actor=zeynep, team=yunus, now=RECEIVED + 12 * MINUTE)

    assert client.get("/api/v1/cases?overdue=true", headers=headers).json()["count"] == 0
    assert client.get("/api/v1/cases?overdue=false", headers=headers).json()["count"] == 1


def test_the_mahalle_figures_and_export_measure_the_forwarding(call, zeynep, yunus, police):
    in_time, too_late, _waiting = call(), call(), call()
    services.assign(in_time, actor=zeynep, team=yunus, now=RECEIVED + 6 * MINUTE)
    services.assign(too_late, actor=zeynep, team=yunus, now=RECEIVED + 25 * MINUTE)
    cases = Case.objects.filter(institution=police)

    times = resolution_times(cases)

    assert (times["measured"], times["within"], times["within_percent"]) == (2, 1, 50.0)
    assert [clock.within_standard(case) for case in cases.order_by("pk")] == [True, False, None]

    area = Area(name="Vişnelik", centroid_lat=39.78, centroid_lon=30.52)
    now = RECEIVED + dt.timedelta(hours=1)
    report = {
        "now": now,
        "cases": cases,
        "by_category": [],
        "by_week": [],
        "by_unit": [],
        "hotspots": [],
        "times": times,
        "totals": {"count": 3, "open": 3, "overdue": 1},
    }
    book = load_workbook(BytesIO(exports.mahalle_workbook(area, report)))
    sheet = book["Başvurular"]
    header = [cell.value for cell in sheet[1]]
    within, late = header.index("Standart İçinde"), header.index("Gecikmiş")
    values = [(row[within].value, row[late].value) for row in sheet.iter_rows(min_row=2)]
    assert values == [("Evet", "Hayır"), ("Hayır", "Hayır"), (None, "Evet")]


def test_escalation_counts_by_clock(call, zeynep, yunus, police):
    """Of three calls, the sweep at 11 minutes escalates only the one nobody passed on."""
    forwarded, resolved, waiting = call(), call(), call()
    services.assign(forwarded, actor=zeynep, team=yunus, now=RECEIVED + 4 * MINUTE)
    services.resolve_on_the_spot(
        resolved, actor=zeynep, resolution="Bilgi verildi.", now=RECEIVED + 3 * MINUTE
    )

    assert escalation.sweep(RECEIVED + 11 * MINUTE).first == 1

    escalated = Event.objects.filter(action="escalate").values("case").annotate(n=Count("pk"))
    assert [(row["case"], row["n"]) for row in escalated] == [(waiting.pk, 1)]


def test_the_sweep_asks_for_the_condition_of_its_partial_index_word_for_word(call):
    """The partial index case_sweep holds the running cases not at the end of the ladder whose clock has not
    stopped: a query that states each of its terms can be served by it on SQLite as on PostgreSQL (SQLite
    matches the terms themselves; it does not reason that escalation_level = 0 implies < 2)."""
    call()
    with CaptureQueriesContext(connection) as captured:
        escalation.sweep(RECEIVED + 11 * MINUTE)
    candidates = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "cases_case"."id"') and '"cases_case"."due_at" <' in query["sql"]
    ]

    assert len(candidates) >= 2  # the first step's and the second's
    for sql in candidates:
        assert '"cases_case"."clock_stopped_at" IS NULL' in sql
        assert '"cases_case"."escalation_level" < 2' in sql
        assert '"cases_case"."status" IN' in sql
