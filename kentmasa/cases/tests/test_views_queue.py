"""Hasan of the roads unit works his queue: soonest deadline first, late ones marked, bulk assignment."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Case, Citizen, Event, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.directory.models import User

QUEUE = "/kuyruk/"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hasan(client, road_manager):
    client.force_login(road_manager)
    return road_manager


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def row_numbers(page: str) -> list[str]:
    """The tracking numbers of the queue's rows, top to bottom."""
    return re.findall(r'<tr id="case-(\d+)"', page)


def test_soonest_deadline_first_cases_without_deadline_last(hasan, client, make_case, roads):
    recent = make_case(subject="Dün gelen", received_at=days_ago(1))
    no_deadline = make_case(subject="Konusu belirsiz", category=None, unit=roads, received_at=days_ago(300))
    old = make_case(subject="Geçen hafta gelen", received_at=days_ago(7))
    overdue = make_case(subject="Mart ayından kalma")  # received 18.03.2026, due 09.04.2026

    page = client.get(QUEUE).content.decode()

    assert no_deadline.due_at is None
    assert row_numbers(page) == [c.tracking_number for c in (overdue, old, recent, no_deadline)]


def test_overdue_cases_are_marked_with_how_late_they_are(hasan, client, make_case):
    late = make_case()
    on_time = make_case(received_at=days_ago(1))

    page = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="tr").content.decode()

    late_row = re.search(rf'<tr id="case-{late.tracking_number}" class="([^"]*)".*?</tr>', page, re.S)
    on_time_row = re.search(rf'<tr id="case-{on_time.tracking_number}" class="([^"]*)".*?</tr>', page, re.S)
    assert "late" in late_row.group(1).split() and 'class="badge late"' in late_row.group(0)
    assert "gecikti" in late_row.group(0)
    assert "late" not in on_time_row.group(1).split() and "badge late" not in on_time_row.group(0)
    assert re.search(r"\d+ iş günü kaldı", on_time_row.group(0))
    assert "09.04.2026 17:30" in late_row.group(0)  # the deadline as written in Turkey

    english = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"\d+ working days? overdue", english)


def test_only_active_cases_of_the_users_units(hasan, client, make_case, parks):
    mine = make_case(received_at=days_ago(2))
    waiting = services.ask_citizen(make_case(received_at=days_ago(3)), actor=hasan, question="Hangi sokak?")
    done = services.resolve(make_case(received_at=days_ago(4)), actor=hasan, resolution="Yama yapıldı.")
    parks_case = make_case(unit=parks, category=None, received_at=days_ago(5))

    numbers = row_numbers(client.get(QUEUE).content.decode())

    assert mine.tracking_number in numbers and waiting.tracking_number in numbers
    assert done.tracking_number not in numbers and parks_case.tracking_number not in numbers


def test_filters_status_overdue_and_search(hasan, client, make_case):
    late = make_case(subject="Asfalt çöktü")
    fresh = make_case(subject="Kaldırım taşı kırık", received_at=days_ago(1))
    started = services.start(make_case(subject="Rögar kapağı açık", received_at=days_ago(2)), actor=hasan)

    assert row_numbers(client.get(QUEUE, {"overdue": "on"}).content.decode()) == [late.tracking_number]
    assert row_numbers(client.get(QUEUE, {"status": "in_progress"}).content.decode()) == [
        started.tracking_number
    ]
    assert row_numbers(client.get(QUEUE, {"q": "kaldirim"}).content.decode()) == [fresh.tracking_number]
    assert row_numbers(
        client.get(QUEUE, {"q": format_tracking_number(late.tracking_number)}).content.decode()
    ) == [late.tracking_number]


def test_unit_filter_is_limited_to_the_users_scope(client, make_user, make_case, roads, parks):
    staff = make_user(User.Role.UNIT_STAFF, "ali", units=[roads])
    client.force_login(staff)
    make_case(received_at=days_ago(1))

    page = client.get(QUEUE).content.decode()
    assert f'<option value="{roads.pk}"' in page and f'<option value="{parks.pk}"' not in page
    # Asking for another unit's cases by hand is refused by the form, not answered.
    response = client.get(QUEUE, {"unit": parks.pk})
    assert response.context["form"].errors["unit"]


def test_paginated_by_fifty_with_a_fixed_number_of_queries(
    institution, hasan, client, make_case, road_team, operator
):
    citizen_phone = "+90532123456"
    for i in range(3):
        case = make_case(
            received_at=days_ago(i + 1),
            citizen=Citizen.objects.create(
                institution=institution, name=f"Vatandaş {i}", phone=f"{citizen_phone}{i}"
            ),
        )
        services.assign(case, actor=hasan, assignee=operator, team=road_team)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for i in range(52):
        make_case(
            received_at=days_ago(10 + i),
            citizen=Citizen.objects.create(
                institution=institution, name=f"Arayan {i}", phone=f"+9053312345{i:02d}"
            ),
        )
    with CaptureQueriesContext(connection) as many:
        first = client.get(QUEUE)

    # A full page of cases with a deadline does not go on to read the cases without one (keyset_page): one
    # query fewer, never more.
    assert len(many.captured_queries) <= len(few.captured_queries)
    assert len(row_numbers(first.content.decode())) == 50
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first.content.decode()).group(1)
    second = client.get(QUEUE, {"after": after}).content.decode()
    assert len(row_numbers(second)) == 5
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_filters_survive_paging(hasan, client, make_case):
    for i in range(51):
        make_case(received_at=days_ago(i + 1))

    page = client.get(QUEUE, {"status": "new"}).content.decode()

    assert 'href="?status=new&amp;after=' in page
    after = re.search(r'href="\?status=new&amp;after=([^"]+)"', page).group(1)
    second = client.get(QUEUE, {"status": "new", "after": after}).content.decode()
    assert len(row_numbers(second)) == 1
    assert 'href="?status=new">' in second  # back to the first page, filtered


def test_bulk_assign_gives_the_ticked_cases_to_a_person(hasan, client, make_case, road_staff, road_team):
    first, second = make_case(received_at=days_ago(1)), make_case(received_at=days_ago(2))
    untouched = make_case(received_at=days_ago(3))

    response = client.post(
        "/kuyruk/toplu-atama/",
        {
            "cases": [first.pk, second.pk],
            "assignee": road_staff.pk,
            "team": road_team.pk,
            "next": "/kuyruk/?status=new",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.redirect_chain[0][0] == "/kuyruk/?status=new"
    for case in (first, second):
        case.refresh_from_db()
        assert (case.status, case.assignee, case.team) == (Status.ASSIGNED, road_staff, road_team)
        assert Event.objects.filter(case=case, action="assign", actor=hasan).exists()
    untouched.refresh_from_db()
    assert untouched.status == Status.NEW
    assert "2 cases assigned." in response.content.decode()


def test_bulk_assign_reports_the_refused_ones(hasan, client, make_case, road_staff):
    open_case = make_case(received_at=days_ago(1))
    waiting = services.ask_citizen(make_case(received_at=days_ago(2)), actor=hasan, question="Adres?")

    response = client.post(
        "/kuyruk/toplu-atama/", {"cases": [open_case.pk, waiting.pk], "assignee": road_staff.pk}, follow=True
    )

    open_case.refresh_from_db()
    waiting.refresh_from_db()
    assert open_case.status == Status.ASSIGNED
    assert waiting.status == Status.WAITING_CITIZEN and waiting.assignee is None
    messages = [str(m) for m in response.context["messages"]]
    assert any(format_tracking_number(waiting.tracking_number) in m for m in messages)


def test_bulk_assign_cannot_reach_cases_outside_the_scope(hasan, client, make_case, parks, road_staff):
    parks_case = make_case(unit=parks, category=None)

    client.post("/kuyruk/toplu-atama/", {"cases": [parks_case.pk], "assignee": road_staff.pk})

    parks_case.refresh_from_db()
    assert parks_case.status == Status.NEW and parks_case.assignee is None


def test_bulk_assign_only_to_staff_of_the_institution(hasan, client, make_case, make_user, other_institution):
    case = make_case(received_at=days_ago(1))
    outsider = make_user(User.Role.UNIT_STAFF, "kayserili", institution_=other_institution)

    client.post("/kuyruk/toplu-atama/", {"cases": [case.pk], "assignee": outsider.pk})

    case.refresh_from_db()
    assert case.assignee is None and case.status == Status.NEW
    page = client.get(QUEUE).content.decode()
    choices = re.search(r'<select name="assignee".*?</select>', page, re.S).group(0)
    assert f'value="{hasan.pk}"' in choices and f'value="{outsider.pk}"' not in choices


def test_bulk_assign_is_post_only_and_ignores_foreign_next(hasan, client, make_case, road_staff):
    case = make_case(received_at=days_ago(1))
    assert client.get("/kuyruk/toplu-atama/").status_code == 405

    response = client.post(
        "/kuyruk/toplu-atama/",
        {"cases": [case.pk], "assignee": road_staff.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/kuyruk/"


def test_field_team_sees_its_cases_without_bulk_controls(
    client, make_user, make_case, road_team, road_manager
):
    member = make_user(User.Role.FIELD_TEAM, "saha", teams=[road_team])
    case = services.assign(make_case(received_at=days_ago(1)), actor=road_manager, team=road_team)
    make_case(received_at=days_ago(2))
    client.force_login(member)

    page = client.get(QUEUE).content.decode()

    assert row_numbers(page) == [case.tracking_number]
    assert 'id="bulk-submit"' not in page


def test_queue_counts_cases_only_from_visible_scope(hasan, client, make_case, other_institution):
    services.open_case(institution=other_institution, channel="phone", subject="Kayseri")
    make_case(received_at=days_ago(1))

    response = client.get(QUEUE)

    assert response.context["total"].count == 1 and not response.context["total"].more
    assert Case.objects.count() == 2


def test_every_element_id_on_the_queue_is_unique(hasan, client, make_case):
    make_case(received_at=days_ago(1))
    make_case(received_at=days_ago(2))

    ids = re.findall(r'\sid="([^"]+)"', client.get(QUEUE).content.decode())

    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
