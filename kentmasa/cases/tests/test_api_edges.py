"""The API at its edges: numbers and dates at the extremes, NUL characters, overlong text and implausible
received times are refused with 400 naming the field (or, in free text, NUL is removed), never a 500.

Ayşe the operator's software sends what it is given; Mert of the Roads unit works the cases.
"""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kentmasa.cases.models import Case, Citizen, Event
from kentmasa.directory.models import Category, User

CASES = "/api/v1/cases"
TOO_BIG = "9223372036854775808"  # 2**63: one more than a 64-bit row id can be


def client_for(user: User) -> Client:
    out = io.StringIO()
    call_command("api_token", user.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})


@pytest.fixture
def ayse(operator):
    return client_for(operator)


@pytest.fixture
def mert(road_staff):
    return client_for(road_staff)


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def pothole(chosen: Category | None = None, **overrides) -> dict:
    body: dict[str, object] = {
        "channel": "phone",
        "subject": "Okul önünde çukur",
        "description": "Derin bir çukur var.",
    }
    if chosen is not None:
        body["category"] = chosen.pk
    body.update(overrides)
    return body


# --- item 7: query parameters at the extremes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"offset={TOO_BIG}", "offset"),
        ("offset=10001", "offset"),
        ("offset=-1", "offset"),
        (f"limit={TOO_BIG}", "limit"),
        ("received_to=9999-12-31", "received_to"),
        ("received_from=0001-01-01", "received_from"),
        ("received_from=1999-12-31", "received_from"),
        ("received_to=2100-01-01", "received_to"),
        ("category=99999999999999999999", "category"),
        (f"unit={TOO_BIG}", "unit"),
        ("unit=0", "unit"),
        ("q=abc%00def", "q"),
        ("status=new%00", "status"),
    ],
)
def test_extreme_list_parameters_are_refused_naming_the_field(ayse, make_case, query, field):
    make_case()

    response = ayse.get(f"{CASES}?{query}")

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert response.json()["detail"]


def test_the_largest_accepted_values_still_answer(ayse, make_case):
    case = make_case()

    response = ayse.get(f"{CASES}?offset=10000&limit=200&received_from=2000-01-01&received_to=2099-12-31")
    assert response.status_code == 200 and response.json()["items"] == []
    response = ayse.get(f"{CASES}?received_from=2000-01-01&received_to=2099-12-31&category={2**63 - 1}")
    assert response.status_code == 200 and response.json()["count"] == 0
    listed = ayse.get(f"{CASES}?received_from=2026-03-18&received_to=2026-03-18").json()["items"]
    assert [item["tracking_number"] for item in listed] == [case.tracking_number]


def test_the_limit_of_a_list_is_named_in_turkish(ayse):
    response = ayse.get(f"{CASES}?limit={TOO_BIG}")

    assert response.json()["errors"] == {
        "limit": ["Bu değerin 200 değerinden az veya eşit olduğuna emin olun."]
    }


def test_an_offset_past_its_bound_says_how_to_reach_older_cases(ayse, operator, make_case):
    """A deep offset walks as many index entries on every request: past 10 000 the list refuses it and
    points to the date filters, in Turkish and in English; at the bound it answers (an empty page here)."""
    make_case()
    assert ayse.get(CASES, {"offset": 10_000}).status_code == 200

    response = ayse.get(CASES, {"offset": 10_001})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Gönderilen veriler geçersiz.",
        "errors": {
            "offset": [
                "Bir sayfa en çok 10.000 başvuru atlanarak başlayabilir; daha eski başvurular için listeyi "
                "received_from ve received_to ile tarihe göre daraltın."
            ]
        },
    }
    english = client_for(operator)
    response = english.get(CASES, {"offset": 10_001}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "offset": [
            "A page may start at most 10,000 cases into the list; to reach older cases, narrow the list by "
            "date with received_from and received_to."
        ]
    }


def test_a_tracking_number_with_nul_or_strange_digits_is_no_500(ayse):
    assert ayse.get(f"{CASES}/26%000000128").status_code == 400
    assert ayse.get(f"{CASES}/²600012347").status_code == 404
    assert ayse.get(f"{CASES}/{'9' * 300}/events").status_code == 404


# --- items 5 and 6: text in the body ----------------------------------------------------------------------


def test_nul_is_removed_from_free_text(ayse, category):
    body = pothole(
        category,
        subject="Okul\x00 önünde çukur",
        description="Derin\x00 bir çukur var.",
        citizen={"name": "Mehmet\x00 Kaya", "address": "Menderes\x00 Mah."},
        location={"street": "Atışalanı\x00 Cad.", "address_text": "No\x00 12"},
    )

    response = post(ayse, CASES, body)

    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert (case.subject, case.description) == ("Okul önünde çukur", "Derin bir çukur var.")
    assert (case.street, case.address_text) == ("Atışalanı Cad.", "No 12")
    assert (case.citizen.name, case.citizen.address) == ("Mehmet Kaya", "Menderes Mah.")


@pytest.mark.parametrize(
    ("citizen", "field"),
    [
        ({"email": "mehmet\x00@example.com"}, "citizen.email"),
        ({"tc_kimlik": "1000000\x000146"}, "citizen.tc_kimlik"),
        ({"phone": "0532 123\x00 45 67"}, "citizen.phone"),
    ],
)
def test_an_identifier_with_nul_is_refused(ayse, category, citizen, field):
    response = post(ayse, CASES, pothole(category, citizen=citizen))

    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Bu değer NUL karakteri içeremez."]}
    assert not Case.objects.exists() and not Citizen.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"citizen": {"email": "m" * 243 + "@example.com"}}, "citizen.email"),
        ({"citizen": {"name": "M" * 201}}, "citizen.name"),
        ({"citizen": {"tc_kimlik": "1" * 21}}, "citizen.tc_kimlik"),
        ({"citizen": {"phone": "5" * 31}}, "citizen.phone"),
        ({"subject": "Ç" * 201}, "subject"),
        ({"description": "ç" * 20001}, "description"),
        ({"location": {"building_no": "1" * 21}}, "location.building_no"),
    ],
)
def test_overlong_text_is_refused_naming_the_field(ayse, category, body, field):
    response = post(ayse, CASES, pothole(category, **body))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Case.objects.exists()


def test_an_email_of_255_characters_is_named_in_turkish(ayse, category):
    response = post(ayse, CASES, pothole(category, citizen={"email": "m" * 243 + "@example.com"}))

    assert response.json()["errors"] == {
        "citizen.email": ["Bu değerin en fazla 254 karaktere sahip olduğuna emin olun (şu an 255)."]
    }


@pytest.mark.parametrize("field", ["category", "priority"])
def test_numbers_beyond_64_bits_in_the_body_are_refused(ayse, category, field):
    response = post(ayse, CASES, pothole(category, **{field: int(TOO_BIG) * 10**5}))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def transition(client, case, **body):
    return post(client, f"{CASES}/{case.tracking_number}/transitions", body)


def test_a_transition_note_is_cleaned_and_bounded(mert, make_case, road_staff):
    case = make_case()
    assert transition(mert, case, name="assign", assignee=road_staff.pk).status_code == 200

    too_long = transition(mert, case, name="resolve", resolution="ç" * 20001)
    assert too_long.status_code == 400 and list(too_long.json()["errors"]) == ["resolution"]
    done = transition(mert, case, name="resolve", resolution="Çukur\x00 kapatıldı.")

    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.resolution == "Çukur kapatıldı."
    assert Event.objects.filter(case=case, action="resolve").get().note == "Çukur kapatıldı."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "transfer", "institution": "kayseri\x00"}, "institution"),
        ({"name": "transfer", "institution": "k" * 61}, "institution"),
        ({"name": "merge", "into": "26-0000012-8\x00"}, "into"),
        ({"name": "merge", "into": "2" * 41}, "into"),
        ({"name": "assign", "assignee": int(TOO_BIG)}, "assignee"),
        ({"name": "assign", "team": 0}, "team"),
        ({"name": "transfer", "unit": int(TOO_BIG)}, "unit"),
        ({"name": "transfer", "category": int(TOO_BIG)}, "category"),
        ({"name": "redirect", "to": "Ç" * 201}, "to"),
    ],
)
def test_transition_fields_at_the_extremes_are_refused(api_client_for_manager, make_case, body, field):
    case = make_case()

    response = transition(api_client_for_manager, case, **body)

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]


@pytest.fixture
def api_client_for_manager(road_manager):
    return client_for(road_manager)


# --- item 8: received times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        ("0003-05-01T10:00:00+03:00", "Başvurunun alındığı zaman 2000 yılından önce olamaz."),
        ("1900-01-01T10:00:00", "Başvurunun alındığı zaman 2000 yılından önce olamaz."),
        ("1999-12-31T23:59:59Z", "Başvurunun alındığı zaman 2000 yılından önce olamaz."),
        ("9999-12-31T23:00:00-12:00", "Başvurunun alındığı zaman gelecekte olamaz."),
    ],
)
def test_an_implausible_received_time_is_refused(ayse, category, received_at, message):
    response = post(ayse, CASES, pothole(category, received_at=received_at))

    assert response.status_code == 400
    assert response.json()["errors"] == {"received_at": [message]}
    assert not Case.objects.exists()


def test_the_window_of_received_times(ayse, category):
    first = post(ayse, CASES, pothole(category, received_at="2000-01-01T00:00:00Z"))
    soon = timezone.now() + dt.timedelta(minutes=4)
    clock_ahead = post(ayse, CASES, pothole(category, received_at=soon.isoformat()))

    assert first.status_code == 201 and clock_ahead.status_code == 201
    assert first.json()["tracking_number"].startswith("00")
    numbers = sorted((case.tracking_number or "")[:2] for case in Case.objects.all())
    assert numbers == ["00", timezone.localtime(soon).strftime("%y")]
