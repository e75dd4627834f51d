"""The call-centre software records cases through the API as Ayşe the operator; the Roads unit works them.

The Parks unit's staff see none of the Roads unit's cases, not even by tracking number.
"""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kentmasa.cases import services
from kentmasa.cases.models import Case, Citizen, Event, Status
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.models import Category, Institution, Service, Unit, User

VALID_TC = "10000000146"
BAD_TC = "10000000147"  # the last digit fails the checksum
CASES = "/api/v1/cases"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_as():
    """A test client carrying an API token issued to ``user`` by the management command."""

    def make(user: User, language: str | None = None) -> Client:
        out = io.StringIO()
        call_command("api_token", user.username, stdout=out, stderr=io.StringIO())
        headers = {"authorization": f"Bearer {out.getvalue().strip()}"}
        if language:
            headers["accept-language"] = language
        return Client(headers=headers)

    return make


@pytest.fixture
def ayse(api_as, operator):
    return api_as(operator)


@pytest.fixture
def roads_api(api_as, road_staff):
    return api_as(road_staff)


@pytest.fixture
def parks_api(api_as, park_staff):
    return api_as(park_staff)


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def new_case(chosen: Category, **overrides) -> dict:
    body = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "Sokakta çukur var",
        "description": "Okul önünde derin bir çukur.",
        "category": chosen.pk,
        "citizen": {
            "name": "Mehmet Kaya",
            "tc_kimlik": VALID_TC,
            "phone": "0532 123 45 67",
            "email": "Mehmet@Example.com",
            "address": "Menderes Mah. 12",
        },
        "location": {
            "latitude": 41.0405,
            "longitude": 28.8773,
            "province": "İstanbul",
            "district": "Esenler",
            "neighbourhood": "Menderes",
            "street": "Atışalanı Cad.",
            "building_no": "12",
        },
        "priority": 3,
    }
    body.update(overrides)
    return body


def act(client: Client, case: Case, name: str, **body):
    return post(client, f"{CASES}/{case.tracking_number}/transitions", {"name": name, **body})


# --- recording a case --------------------------------------------------------------------------------------


def test_ayse_records_a_case_and_gets_its_number(ayse, operator, category, roads, service):
    response = post(ayse, CASES, new_case(category))

    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get()
    assert data["tracking_number"] == case.tracking_number
    assert data["verification_code"] == case.verification_code and len(case.verification_code) == 6
    assert data["status"] == "new"
    with translation.override("tr"):
        assert data["status_display"] == str(Status.NEW.label)
    assert data["due_at"] is not None and case.due_at is not None
    assert re.fullmatch(r"\d+ (iş günü|saat|dakika) kaldı", data["remaining"])
    assert data["unit"] == {"id": roads.pk, "name": roads.name}
    assert data["service"] == {"id": service.pk, "name": service.name}
    assert data["citizen"]["tc_kimlik"] == VALID_TC and data["citizen"]["masked"] is False
    assert data["citizen"]["phone"] == "+905321234567"
    assert data["location"]["latitude"] == pytest.approx(41.0405)
    assert "assign" in data["transitions"] and "resolve_on_the_spot" in data["transitions"]

    assert case.created_by == operator
    assert case.kind == "complaint" and case.priority == 3 and case.district == "Esenler"
    assert case.citizen.email == "mehmet@example.com"
    assert list(case.events.values_list("action", "actor")) == [("open", operator.pk)]


def test_a_case_without_citizen_or_category_is_fine(ayse):
    response = post(ayse, CASES, {"channel": "web", "subject": "Bilgi almak istiyorum"})

    assert response.status_code == 201
    assert response.json()["citizen"] is None and response.json()["due_at"] is None
    assert Case.objects.get().citizen is None


def test_a_returning_caller_is_the_same_citizen(ayse, category):
    post(ayse, CASES, new_case(category))
    post(ayse, CASES, new_case(category, citizen={"phone": "05321234567"}))

    assert Citizen.objects.count() == 1
    assert Case.objects.filter(citizen__tc_kimlik=VALID_TC).count() == 2


def test_received_at_sets_the_deadline_from_then(ayse, category):
    body = new_case(category, received_at="2026-03-18T10:00:00+03:00")

    data = post(ayse, CASES, body).json()

    assert data["received_at"].startswith("2026-03-18T10:00:00")
    # 15 working days on the Turkish calendar; the Ramazan Bayramı falls in between.
    assert data["due_at"].startswith("2026-04-")


def test_an_invalid_tc_kimlik_no_is_refused_and_nothing_is_written(ayse, category):
    body = new_case(category, citizen={"name": "Mehmet Kaya", "tc_kimlik": BAD_TC})

    response = post(ayse, CASES, body)

    assert response.status_code == 400
    with translation.override("tr"):
        expected = translation.gettext("This TC identity number is not valid; please check the digits.")
    assert response.json()["errors"] == {"citizen.tc_kimlik": [expected]}
    assert response.json()["detail"]
    assert Case.objects.count() == 0
    assert Citizen.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_missing_subject_is_named_in_turkish(ayse, category):
    body = new_case(category)
    del body["subject"]

    response = post(ayse, CASES, body)

    assert response.status_code == 400
    assert response.json()["errors"] == {"subject": ["Bu alan zorunludur."]}
    assert not Case.objects.exists()


def test_a_blank_subject_counts_as_missing(ayse, category):
    response = post(ayse, CASES, new_case(category, subject="   "))

    assert response.json()["errors"] == {"subject": ["Bu alan zorunludur."]}


def test_english_callers_get_english_messages(api_as, operator, category):
    client = api_as(operator, language="en")
    body = new_case(category, citizen={"tc_kimlik": BAD_TC})
    del body["subject"]

    response = post(client, CASES, body)

    assert response.json()["errors"] == {
        "subject": ["This field is required."],
        "citizen.tc_kimlik": ["This TC identity number is not valid; please check the digits."],
    }


def test_every_bad_field_is_named_at_once(ayse, category, other_institution):
    foreign = Category.objects.create(institution=other_institution, name="Kaldırım")
    body = new_case(
        category,
        channel="pigeon",
        priority=9,
        category=foreign.pk,
        citizen={"phone": "12", "email": "not-an-address", "tc_kimlik": "123"},
        location={"latitude": 91, "longitude": "doğu", "building_no": "x" * 21},
    )

    response = post(ayse, CASES, body)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {
        "channel",
        "priority",
        "category",
        "citizen.phone",
        "citizen.email",
        "citizen.tc_kimlik",
        "location.latitude",
        "location.longitude",
        "location.building_no",
    }
    assert errors["location.latitude"] == ["Bu değerin 90 değerinden az veya eşit olduğuna emin olun."]
    assert errors["location.longitude"] == ["Bir sayı girin."]
    assert errors["citizen.email"] == ["Geçerli bir e-posta adresi girin."]
    assert errors["location.building_no"] == [
        "Bu değerin en fazla 20 karaktere sahip olduğuna emin olun (şu an 21)."
    ]
    assert errors["channel"][0].startswith("Geçerli bir seçenek seçin. pigeon")
    assert not Case.objects.exists() and not Citizen.objects.exists()


@pytest.mark.parametrize("which", ["other institution", "inactive", "unknown"])
def test_a_category_from_elsewhere_is_refused_on_category(ayse, category, other_institution, which):
    if which == "other institution":
        category_id = Category.objects.create(institution=other_institution, name="Kaldırım").pk
    elif which == "inactive":
        category_id = Category.objects.create(institution=category.institution, name="Eski", active=False).pk
    else:
        category_id = 999999

    response = post(ayse, CASES, new_case(category, category=category_id))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["category"]
    assert not Case.objects.exists()


def test_a_body_that_is_not_json_is_a_400(ayse):
    response = ayse.post(CASES, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["__all__"]


def test_a_future_received_time_is_refused(ayse, category):
    response = post(ayse, CASES, new_case(category, received_at="2099-01-01T10:00:00+03:00"))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["received_at"]


# --- reading ---------------------------------------------------------------------------------------------


def test_the_roads_unit_sees_its_case_with_the_citizen_masked(institution, roads_api, make_case, category):
    citizen = Citizen.objects.create(
        institution=institution,
        name="Mehmet Kaya",
        tc_kimlik=VALID_TC,
        phone="+905321234567",
        email="mehmet@example.com",
        address="Menderes Mah. 12",
    )
    case = make_case(citizen=citizen)

    data = roads_api.get(f"{CASES}/{case.tracking_number}").json()

    assert data["tracking_number"] == case.tracking_number
    assert data["citizen"] == {
        "name": "Mehmet Kaya",
        "tc_kimlik": "100******46",
        "phone": "0532 *** ** 67",
        "email": "m***@example.com",
        "address": "",
        "masked": True,
    }
    assert data["status_display"]
    assert data["is_overdue"] is False


def test_a_tracking_number_may_be_written_with_dashes(ayse, make_case):
    case = make_case()
    number = case.tracking_number

    response = ayse.get(f"{CASES}/{number[:2]}-{number[2:-1]}-{number[-1]}")

    assert response.json()["tracking_number"] == number


def test_the_parks_unit_sees_nothing_of_the_roads_units_cases(parks_api, roads_api, make_case):
    case = make_case()

    assert parks_api.get(CASES).json() == {"count": 0, "more": False, "limit": 50, "offset": 0, "items": []}
    assert parks_api.get(f"{CASES}/{case.tracking_number}").status_code == 404
    assert parks_api.get(f"{CASES}/{case.tracking_number}/events").status_code == 404
    refused = act(parks_api, case, "start")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    case.refresh_from_db()
    assert case.status == Status.NEW and case.events.count() == 1
    assert roads_api.get(CASES).json()["count"] == 1


def test_another_institutions_staff_see_nothing(api_as, make_user, other_institution, make_case):
    stranger = make_user(User.Role.OPERATOR, "kayseri_operator", institution_=other_institution)
    case = make_case()

    client = api_as(stranger)

    assert client.get(CASES).json()["count"] == 0
    assert client.get(f"{CASES}/{case.tracking_number}").status_code == 404


def test_the_list_is_newest_first_and_paginated(ayse, make_case):
    start = dt.datetime.fromisoformat("2026-03-02T10:00+03:00")
    numbers = [make_case(received_at=start + dt.timedelta(days=day)).tracking_number for day in range(5)]

    page = ayse.get(CASES, {"limit": 2, "offset": 1}).json()

    assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [item["tracking_number"] for item in page["items"]] == [numbers[3], numbers[2]]


def test_a_limit_out_of_range_is_a_400(ayse):
    response = ayse.get(CASES, {"limit": 1000})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["limit"]


def test_the_list_filters(ayse, make_case, category, parks, institution):
    lights = Category.objects.create(institution=institution, name="Sokak lambası", unit=parks)
    march = make_case(received_at=dt.datetime.fromisoformat("2026-03-10T10:00+03:00"))
    april = make_case(received_at=dt.datetime.fromisoformat("2026-04-10T10:00+03:00"), category=lights)
    late = make_case(received_at=dt.datetime.fromisoformat("2026-04-20T10:00+03:00"))
    Case.objects.filter(pk=late.pk).update(overdue_since=dt.datetime.fromisoformat("2026-05-01T10:00+03:00"))
    services.resolve_on_the_spot(march, actor=None, resolution="Bilgi verildi.")

    def numbers(**params):
        return [item["tracking_number"] for item in ayse.get(CASES, params).json()["items"]]

    assert numbers(status="resolved") == [march.tracking_number]
    assert numbers(status=["new", "resolved"]) == [
        late.tracking_number,
        april.tracking_number,
        march.tracking_number,
    ]
    assert numbers(unit=parks.pk) == [april.tracking_number]
    assert numbers(category=category.pk) == [late.tracking_number, march.tracking_number]
    assert numbers(overdue="true") == [late.tracking_number]
    assert numbers(overdue="false") == [april.tracking_number, march.tracking_number]
    assert numbers(received_from="2026-04-01", received_to="2026-04-10") == [april.tracking_number]
    refused = ayse.get(CASES, {"status": ["new", "lost"], "received_from": "dün"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "status": ["Geçerli bir seçenek seçin. lost mevcut seçeneklerden biri değil."],
        "received_from": ["Geçerli bir tarih girin."],
    }


def test_search_folds_turkish_letters(ayse, make_case):
    istanbul = make_case(subject="İSTANBUL CADDESİ'nde çukur")
    isiklar = make_case(subject="Işıklar sokağında lamba yanmıyor")
    make_case(subject="Ankara yolu bozuk")

    def found(q):
        return [item["tracking_number"] for item in ayse.get(CASES, {"q": q}).json()["items"]]

    assert found("istanbul") == [istanbul.tracking_number]
    assert found("İSTANBUL") == [istanbul.tracking_number]
    assert found("Istanbul caddesi") == [istanbul.tracking_number]
    assert found("IŞIKLAR") == [isiklar.tracking_number]
    assert found("ışıklar") == [isiklar.tracking_number]
    assert found(istanbul.tracking_number) == [istanbul.tracking_number]
    assert found("İzmir") == []


def test_listing_costs_the_same_queries_for_two_cases_or_twenty(institution, ayse, make_case, road_staff):
    def assigned_case():
        case = make_case(citizen=Citizen.objects.create(institution=institution, name="Ali Veli"))
        services.assign(case, actor=None, assignee=road_staff)

    for _ in range(2):
        assigned_case()
    ayse.get(CASES)  # the first request records the token's use

    with CaptureQueriesContext(connection) as few:
        assert ayse.get(CASES).json()["count"] == 2
    for _ in range(18):
        assigned_case()
    with CaptureQueriesContext(connection) as many:
        assert ayse.get(CASES).json()["count"] == 20

    assert len(many) == len(few)


def test_the_timeline(ayse, roads_api, operator, road_staff, make_case):
    case = make_case()
    act(ayse, case, "assign", assignee=road_staff.pk, note="Acil bakılsın")
    act(roads_api, case, "start")

    events = ayse.get(f"{CASES}/{case.tracking_number}/events").json()

    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("open", "", "new"),
        ("assign", "new", "assigned"),
        ("start", "assigned", "in_progress"),
    ]
    assert events[1]["actor"] == {"id": operator.pk, "name": operator.get_full_name()}
    assert events[1]["note"] == "Acil bakılsın" and events[1]["public"] is False
    assert events[1]["data"] == {"assignee": road_staff.pk, "team": None}
    assert all(e["action_display"] for e in events)


def test_remaining_time_in_english(api_as, operator, category):
    client = api_as(operator, language="en")

    data = post(client, CASES, new_case(category)).json()

    assert re.fullmatch(r"\d+ (working days?|hours?|minutes?) left", data["remaining"])


# --- transitions -----------------------------------------------------------------------------------------


@pytest.fixture
def cast(api_as, operator, road_staff, road_manager):
    """Who performs each transition in the stories below."""
    return {
        "operator": api_as(operator),
        "road_staff": api_as(road_staff),
        "road_manager": api_as(road_manager),
    }


def _resolved(case):
    return services.resolve_on_the_spot(case, actor=None, resolution="Bilgi verildi.")


def _closed(case):
    return services.close(_resolved(case), actor=None)


def _waiting(case):
    return services.ask_citizen(case, actor=None, question="Kapı numarası?")


# name: (who, how the case is prepared, the request body, the status afterwards)
STORIES = {
    "assign": (
        "operator",
        None,
        lambda ctx: {"assignee": ctx["road_staff"].pk, "team": ctx["road_team"].pk},
        Status.ASSIGNED,
    ),
    "start": ("road_staff", None, lambda ctx: {"note": "Ekip yola çıktı."}, Status.IN_PROGRESS),
    "ask_citizen": (
        "road_staff",
        None,
        lambda ctx: {"question": "Çukur hangi binanın önünde?"},
        Status.WAITING_CITIZEN,
    ),
    "citizen_answered": (
        "operator",
        _waiting,
        lambda ctx: {"answer": "12 numaranın önünde."},
        Status.IN_PROGRESS,
    ),
    "resolve": ("road_staff", None, lambda ctx: {"resolution": "Çukur asfaltla kapatıldı."}, Status.RESOLVED),
    "resolve_on_the_spot": (
        "operator",
        None,
        lambda ctx: {"resolution": "Randevu verildi."},
        Status.RESOLVED,
    ),
    "close": ("operator", _resolved, lambda ctx: {}, Status.CLOSED),
    "reopen": (
        "operator",
        _closed,
        lambda ctx: {"note": "Vatandaş çukurun yeniden açıldığını söyledi."},
        Status.NEW,
    ),
    "reject": (
        "road_manager",
        None,
        lambda ctx: {"reason": "Özel mülk; belediyenin görev alanı dışında."},
        Status.REJECTED,
    ),
    "transfer": (
        "operator",
        None,
        lambda ctx: {"unit": ctx["parks"].pk, "note": "Parkın içinde."},
        Status.NEW,
    ),
    "redirect": (
        "operator",
        None,
        lambda ctx: {"to": "BEDAŞ", "note": "Elektrik direği."},
        Status.REDIRECTED,
    ),
    "merge": ("operator", None, lambda ctx: {"into": ctx["other"].tracking_number}, Status.MERGED),
}


def test_every_transition_has_a_story():
    assert set(STORIES) == set(TRANSITIONS)


@pytest.mark.parametrize("name", sorted(STORIES))
def test_each_transition_through_the_api(name, cast, make_case, road_staff, road_team, parks):
    who, prepare, body, expected = STORIES[name]
    case = make_case()
    if prepare:
        case = prepare(case)
    other = make_case(subject="Aynı çukur, ikinci arama")
    events_before = case.events.count()

    response = act(
        cast[who],
        case,
        name,
        **body({"road_staff": road_staff, "road_team": road_team, "parks": parks, "other": other}),
    )

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == expected
    assert response.json()["status"] == expected
    assert case.events.count() == events_before + 1
    assert case.events.last().action == name


def test_transfer_to_another_institution_by_short_name(cast, make_case):
    kadikoy = Institution.objects.create(
        slug="kadikoy", name="Kadıköy Belediyesi", kind=Institution.Kind.DISTRICT
    )
    case = make_case()

    response = act(cast["operator"], case, "transfer", institution="kadikoy")

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.institution == kadikoy and case.unit is None and case.status == Status.NEW


def test_transfer_with_the_receiving_institutions_category_sets_its_deadline(cast, make_case):
    kadikoy = Institution.objects.create(
        slug="kadikoy", name="Kadıköy Belediyesi", kind=Institution.Kind.DISTRICT
    )
    unit = Unit.objects.create(institution=kadikoy, name="Temizlik İşleri Müdürlüğü")
    service = Service.objects.create(
        institution=kadikoy, unit=unit, name="Çöp toplama", completion_time="1 GÜN"
    )
    category = Category.objects.create(institution=kadikoy, name="Çöp", service=service, unit=unit)
    case = make_case()

    response = act(cast["operator"], case, "transfer", category=category.pk)

    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.institution, case.unit, case.service) == (kadikoy, unit, service)
    assert case.due_at is not None and case.due_at > case.received_at
    assert act(cast["operator"], make_case(), "transfer", category=999999).json()["errors"]["category"]


def test_an_illegal_transition_is_refused_and_nothing_changes(cast, make_case):
    case = make_case()

    response = act(cast["operator"], case, "close")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert response.json()["detail"]
    case.refresh_from_db()
    assert case.status == Status.NEW and case.events.count() == 1


def test_a_role_that_may_not_act_gets_403(cast, make_case):
    case = make_case()

    response = act(cast["road_staff"], case, "reject", reason="Görev alanı dışında.")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_a_resolution_is_required(cast, make_case):
    case = make_case()

    response = act(cast["road_staff"], case, "resolve", resolution="  ")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["resolution"]
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_unknown_names_and_rows_are_named(cast, make_case):
    case = make_case()

    unknown_action = act(cast["operator"], case, "demolish")
    nobody = act(cast["operator"], case, "assign", assignee=999999, team=999999)
    nowhere = act(cast["operator"], case, "transfer", unit=999999, institution="atlantis")
    no_such_case = act(cast["operator"], case, "merge", into="2600000000")
    assign_nothing = act(cast["operator"], case, "assign")

    assert list(unknown_action.json()["errors"]) == ["name"]
    assert set(nobody.json()["errors"]) == {"assignee", "team"}
    assert set(nowhere.json()["errors"]) == {"unit", "institution"}
    assert list(no_such_case.json()["errors"]) == ["into"]
    assert list(assign_nothing.json()["errors"]) == ["assignee"]
    assert {r.status_code for r in (unknown_action, nobody, nowhere, no_such_case, assign_nothing)} == {400}
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_a_transfer_to_the_same_unit_is_a_400_on_unit(cast, make_case, roads):
    case = make_case()

    response = act(cast["operator"], case, "transfer", unit=roads.pk)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["unit"]


def test_a_case_cannot_be_merged_into_one_the_caller_cannot_see(cast, make_case, parks, institution):
    case = make_case()
    hidden = make_case(category=Category.objects.create(institution=institution, name="Ağaç", unit=parks))

    # The road manager works only the Roads unit's cases.
    response = act(cast["road_manager"], case, "merge", into=hidden.tracking_number)

    assert list(response.json()["errors"]) == ["into"]


def test_after_a_transfer_the_answer_shows_the_new_unit(cast, make_case, parks):
    case = make_case()

    data = act(cast["operator"], case, "transfer", unit=parks.pk).json()

    assert data["unit"] == {"id": parks.pk, "name": parks.name}
    assert data["assignee"] is None


# --- directory and schema --------------------------------------------------------------------------------


def test_categories_of_the_callers_institution(
    ayse, category, service, roads, institution, other_institution
):
    Category.objects.create(institution=other_institution, name="Kaldırım")
    Category.objects.create(institution=institution, name="Eski konu", active=False)

    data = ayse.get("/api/v1/categories").json()

    assert data == [
        {
            "id": category.pk,
            "name": category.name,
            "keywords": category.keywords,
            "service": {"id": service.pk, "name": service.name, "completion_time": service.completion_time},
            "unit": {"id": roads.pk, "name": roads.name},
        }
    ]


def test_services_with_their_standard_read(ayse, service, places):
    data = ayse.get("/api/v1/services").json()

    assert len(data) == 1
    row = data[0]
    assert row["completion_time"] == service.completion_time
    assert row["standard"] == {
        "immediate": False,
        "error": None,
        "retention": None,
        "deadline": {"amount": 15, "unit": "business_days", "text": "15 iş günü"},
        "extended": {"amount": 30, "unit": "business_days", "text": "30 iş günü"},
    }
    assert row["first_application_place"]["person_name"] == "Ayşe Yılmaz"
    assert row["second_application_place"]["title"] == "Belediye Başkan Yardımcısı"


def test_an_unreadable_standard_is_reported_not_hidden(ayse, institution):
    Unit.objects.create(institution=institution, name="Zabıta")
    from kentmasa.directory.models import Service

    Service.objects.create(institution=institution, name="Garip hizmet", completion_time="yakında")

    row = ayse.get("/api/v1/services").json()[0]

    assert row["standard"]["deadline"] is None and row["standard"]["error"]


def test_the_openapi_schema_describes_the_api(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert "/api/v1/cases" in schema["paths"]
    assert "/api/v1/cases/{tracking_number}/transitions" in schema["paths"]
    assert "/api/v1/categories" in schema["paths"] and "/api/v1/services" in schema["paths"]
    assert "400" in schema["paths"]["/api/v1/cases"]["post"]["responses"]
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_the_docs_page_is_served(client, db):
    assert client.get("/api/v1/docs").status_code == 200
