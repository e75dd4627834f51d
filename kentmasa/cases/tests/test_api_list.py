"""The API's case list is written from plain values (outputs.LISTED, CaseWriter.listed) and encoded without
ninja checking each item again (outputs.json_answer). Its body must stay what it was when it was written from
model instances through CaseOut: the same bytes, for every kind of case and every kind of caller.
"""

import datetime as dt
import io
import json
import types

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from kentmasa.cases import access, clock, services
from kentmasa.cases.api.outputs import CasePageOut, CaseWriter
from kentmasa.cases.api.views import RELATED
from kentmasa.cases.models import Case, Channel, Citizen, Kind, Priority, Status
from kentmasa.cases.tests.test_api_queries import LIST_QUERIES
from kentmasa.directory.models import Institution, Service, User
from kentmasa.privacy.models import AccessLog

CASES = "/api/v1/cases"
NOW = dt.datetime.fromisoformat("2026-03-25T11:30+03:00")  # a Wednesday, within working hours
MARCH = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")


def client_for(user: User, language: str = "tr") -> Client:
    out = io.StringIO()
    call_command("api_token", user.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}", "accept-language": language})


def previous_body(user: User, page: dict, language: str) -> bytes:
    """The page as the list wrote it before: model instances with their related rows, CaseWriter.case,
    checked and dumped through CasePageOut as ninja did, encoded by ninja's JSON encoder."""
    numbers = [item["tracking_number"] for item in page["items"]]
    with translation.override(language):
        writer = CaseWriter(user)
        cases = {case.tracking_number: case for case in Case.objects.select_related(*RELATED)}
        body = {key: page[key] for key in ("count", "more", "limit", "offset")}
        body["items"] = [writer.case(cases[number]) for number in numbers]
        dumped = CasePageOut.model_validate(body).model_dump()
    return json.dumps(dumped, cls=NinjaJSONEncoder).encode()


@pytest.fixture
def fixed_clock(monkeypatch):
    """The time clock.remaining counts to, the same for the request and the comparison."""
    monkeypatch.setattr(clock, "timezone", types.SimpleNamespace(now=lambda: NOW))


@pytest.fixture
def field_worker(make_user, road_team):
    return make_user(User.Role.FIELD_TEAM, "saha", teams=[road_team])


@pytest.fixture
def nameless(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "isimsiz", units=[roads])
    user.first_name = ""  # no full name: the list shows the username
    user.save()
    return user


@pytest.fixture
def varied(institution, other_institution, category, parks, road_team, road_staff, nameless, field_worker):
    """Cases of every shape the list shows, by name."""

    def open_(**kwargs) -> Case:
        params = {
            "institution": institution,
            "channel": Channel.PHONE,
            "subject": "Sokakta çukur var",
            "description": "Atatürk Caddesi üzerinde büyük bir çukur.",
            "category": category,
            "received_at": MARCH,
        }
        params.update(kwargs)
        return services.open_case(**params)

    def change(case: Case, **fields) -> Case:
        Case.objects.filter(pk=case.pk).update(**fields)
        return case

    person = Citizen.objects.create(
        institution=institution,
        name="Mehmet Kaya",
        tc_kimlik="10000000146",
        phone="+905321234567",
        email="mehmet@example.com",
        address="Menderes Mah. 12",
    )
    phone_only = Citizen.objects.create(institution=institution, name="", phone="+905337654321")
    counting = Service.objects.create(
        institution=institution, unit=parks, number=2, name="Park bakımı", completion_time="3 GÜN"
    )
    counting.counts_closed_days = True
    counting.save()
    cases = {
        "full": open_(
            kind=Kind.COMPLAINT,
            citizen=person,
            priority=Priority.HIGH,
            location={
                "latitude": "37.000123",
                "longitude": "35.321300",
                "province": "Adana",
                "district": "Seyhan",
                "neighbourhood": "Reşatbey",
                "street": "Atatürk Caddesi",
                "building_no": "17",
                "address_text": "Okulun önü",
            },
        ),
        "bare": open_(channel=Channel.WEB, kind=Kind.SUGGESTION, category=None, description=""),
        "kades": open_(channel=Channel.KADES, kind=Kind.TIP_OFF, citizen=phone_only, received_at=NOW),
        "statutory": open_(kind=Kind.INFORMATION_REQUEST, citizen=person),
        "closed_days": open_(category=None, service=counting, unit=parks),
        "street_only": open_(location={"street": "Kızılay Sokak", "building_no": "3/A"}),
        "lmt": open_(category=None),
    }
    services.assign(cases["full"], actor=None, assignee=road_staff, team=road_team)
    services.assign(cases["kades"], actor=None, assignee=nameless, team=road_team)
    change(cases["statutory"], status=Status.RESOLVED, resolution="Bilgi verildi.", resolved_at=NOW)
    late = open_(received_at=MARCH - dt.timedelta(days=60))
    cases["overdue"] = change(late, overdue_since=MARCH - dt.timedelta(days=30))
    waiting = open_(citizen=phone_only)
    cases["waiting"] = change(waiting, status=Status.WAITING_CITIZEN, paused_at=MARCH + dt.timedelta(days=2))
    cases["merged"] = change(open_(), status=Status.MERGED, merged_into=cases["full"])
    cases["rejected"] = change(open_(), status=Status.REJECTED, rejection_reason="Yetki alanı dışında.")
    cases["redirected"] = change(open_(), status=Status.REDIRECTED, redirected_to="Karayolları Bölge Md.")
    cases["forwarding"] = change(open_(), clock="forwarding")
    cases["forwarded"] = change(open_(), clock="forwarding", clock_stopped_at=MARCH + dt.timedelta(hours=2))
    # Before standard time (Istanbul kept local mean time until 1910): shown in UTC.
    change(cases["lmt"], received_at=dt.datetime(1905, 6, 1, 9, 0, tzinfo=dt.UTC))
    cases["elsewhere"] = services.open_case(
        institution=other_institution,
        channel=Channel.PHONE,
        subject="Başka kurumun başvurusu",
        received_at=MARCH,
    )
    return {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}


def listed(client: Client, **params) -> tuple[bytes, dict]:
    response = client.get(CASES, {"limit": 200, **params})
    assert response.status_code == 200, response.content
    assert response["content-type"] == "application/json; charset=utf-8"
    return response.content, response.json()


def numbers(page: dict) -> set[str]:
    return {item["tracking_number"] for item in page["items"]}


def test_the_list_is_the_same_bytes_as_the_instances_through_the_schema(
    fixed_clock, varied, operator, road_manager, field_worker, make_user, other_institution
):
    superuser = User.objects.create_superuser("kok", password="kok-Parola-2026", institution=None)
    mine = {
        case.tracking_number for case in varied.values() if case.institution_id == operator.institution_id
    }
    roads = {case.tracking_number for case in varied.values() if case.unit_id in road_manager.scoped_unit_ids}
    callers = [
        (operator, "tr", mine),  # identifiers in full
        (operator, "en", mine),  # English labels and remaining times
        (road_manager, "tr", roads),  # masked, the unit's cases only
        (field_worker, "tr", {varied["full"].tracking_number, varied["kades"].tracking_number}),  # the team's
        (superuser, "en", {case.tracking_number for case in varied.values()}),  # two institutions
    ]
    for user, language, expected in callers:
        body, page = listed(client_for(user, language))
        assert numbers(page) == expected, (user, language)
        assert body == previous_body(user, page, language), (user, language)
    assert len(roads) < len(mine)  # the unit's scope leaves cases out


def test_the_listed_values_are_the_ones_each_case_has(fixed_clock, varied, operator, road_manager):
    """What the bytes above say, read field by field for a few cases (so a change to both writers at once is
    seen too)."""
    _body, page = listed(client_for(operator))
    items = {item["tracking_number"]: item for item in page["items"]}
    full = items[varied["full"].tracking_number]
    assert full["citizen"] == {
        "name": "Mehmet Kaya",
        "tc_kimlik": "10000000146",
        "phone": "+905321234567",
        "email": "mehmet@example.com",
        "address": "Menderes Mah. 12",
        "masked": False,
    }
    assert full["location"]["latitude"] == 37.000123 and full["location"]["building_no"] == "17"
    assert full["assignee"]["name"] == "Unit Staff" and full["team"]["name"] == "Asfalt Ekibi 1"
    assert (full["kind_display"], full["priority_display"], full["status_display"]) == (
        "Şikâyet",
        "Yüksek",
        "Atandı",
    )
    assert full["received_at"] == "2026-03-18T10:00:00+03:00" and full["remaining"].endswith("kaldı")
    bare = items[varied["bare"].tracking_number]
    assert (bare["citizen"], bare["category"], bare["service"], bare["due_at"], bare["remaining"]) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert bare["location"] == {
        "latitude": None,
        "longitude": None,
        "province": "",
        "district": "",
        "neighbourhood": "",
        "street": "",
        "building_no": "",
        "address_text": "",
    }
    assert items[varied["overdue"].tracking_number]["is_overdue"] is True
    assert items[varied["forwarded"].tracking_number]["remaining"] is None
    assert items[varied["merged"].tracking_number]["merged_into"] == varied["full"].tracking_number
    assert items[varied["lmt"].tracking_number]["received_at"] == "1905-06-01T09:00:00Z"
    kades = items[varied["kades"].tracking_number]
    assert (kades["channel_display"], kades["assignee"]["name"]) == ("KADES", "isimsiz")

    _body, masked = listed(client_for(road_manager))
    shown = {item["tracking_number"]: item for item in masked["items"]}[varied["full"].tracking_number]
    assert shown["citizen"] == {
        "name": "Mehmet Kaya",
        "tc_kimlik": "100******46",
        "phone": "0532 *** ** 67",
        "email": "m***@example.com",
        "address": "",
        "masked": True,
    }


def test_each_listed_case_is_logged_with_its_citizen(varied, operator):
    """KVKK: every listed case is one row of the access log (its citizen's too), in the request's one
    insert."""
    _body, page = listed(client_for(operator), status=["new", "assigned"])
    rows = list(
        AccessLog.objects.filter(what="api_case_list").values_list("case_id", "citizen_id", "user_id")
    )
    by_number = {case.tracking_number: case for case in varied.values()}
    expected = [(by_number[n].pk, by_number[n].citizen_id, operator.pk) for n in numbers(page)]
    assert sorted(rows) == sorted(expected) and len(rows) == len(page["items"]) > 3


def test_a_superusers_page_reads_each_institution_once(varied, django_assert_num_queries):
    """A superuser without an institution lists every institution's cases: their calendars come from one
    read of the institutions, however many cases each has."""
    superuser = User.objects.create_superuser("kok", password="kok-Parola-2026", institution=None)
    client = client_for(superuser)
    client.get(CASES)  # the token's first use is recorded once
    assert Institution.objects.count() == 2
    # The list's own queries, the institutions' rows, and the access log's look-up of each case's institution.
    with django_assert_num_queries(LIST_QUERIES + 2):
        _body, page = listed(client)
    assert len(page["items"]) == len(varied)


@pytest.mark.parametrize("language", ["tr", "en"])
def test_the_list_of_nothing_is_the_same_too(operator, db, language):
    body, page = listed(client_for(operator, language))
    assert page == {"count": 0, "more": False, "limit": 200, "offset": 0, "items": []}
    assert body == previous_body(operator, page, language)


def test_visible_cases_decide_the_page(varied, road_manager):
    """The list reads its rows by the keys of the caller's own cases only."""
    _body, page = listed(client_for(road_manager))
    visible = set(access.visible_cases(road_manager).values_list("tracking_number", flat=True))
    assert numbers(page) == visible and varied["closed_days"].tracking_number not in visible
