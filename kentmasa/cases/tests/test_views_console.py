"""Ayşe the operator takes calls at the console: finds the caller, records the case, reads out the number."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel, Citizen, Event, Status
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Category, User

VALID_TC = "10000000146"
CONSOLE = "/konsol/"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    # Staff are created in almost every test; the production hasher costs half a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ayse(operator, client):
    client.force_login(operator)
    return operator


def new_case_data(chosen, **overrides):
    data = {
        "citizen": "",
        "citizen_name": "Mehmet Kaya",
        "citizen_phone": "0532 123 45 67",
        "citizen_tc_kimlik": "",
        "citizen_email": "",
        "category": str(chosen.pk),
        "category_search": chosen.name,
        "kind": "complaint",
        "channel": "phone",
        "subject": "Sokakta çukur var",
        "description": "Okul önünde derin bir çukur.",
        "province": "İstanbul",
        "district": "Esenler",
        "neighbourhood": "Menderes",
        "street": "Atışalanı Cad.",
        "building_no": "12",
        "address_text": "",
        "latitude": "",
        "longitude": "",
        "priority": "2",
    }
    data.update(overrides)
    return data


def test_console_records_a_case_and_shows_the_tracking_number(ayse, client, category, roads):
    response = client.post(CONSOLE, new_case_data(category))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.tracking_number])
    assert (case.subject, case.kind, case.channel, case.category, case.unit) == (
        "Sokakta çukur var",
        "complaint",
        "phone",
        category,
        roads,
    )
    assert case.citizen.name == "Mehmet Kaya" and case.citizen.phone == "+905321234567"
    assert case.created_by == ayse and case.status == Status.NEW
    assert (case.neighbourhood, case.street, case.building_no) == ("Menderes", "Atışalanı Cad.", "12")
    assert case.due_at is not None
    event = Event.objects.get(case=case)
    assert (event.action, event.actor, event.public) == ("open", ayse, True)

    page = client.get(response["Location"]).content.decode()
    number = re.search(r'<strong id="new-tracking-number">([^<]+)</strong>', page).group(1)
    code = re.search(r'<strong id="new-verification-code">([^<]+)</strong>', page).group(1)
    assert number == format_tracking_number(case.tracking_number)
    assert code == case.verification_code


def test_second_call_from_the_same_phone_finds_the_same_citizen(ayse, client, category):
    client.post(CONSOLE, new_case_data(category))
    client.post(
        CONSOLE,
        new_case_data(
            category, citizen_name="", citizen_phone="+90 (532) 123-4567", subject="Çukur hâlâ duruyor"
        ),
    )

    assert Citizen.objects.count() == 1
    citizen = Citizen.objects.get()
    assert list(citizen.cases.order_by("pk").values_list("subject", flat=True)) == [
        "Sokakta çukur var",
        "Çukur hâlâ duruyor",
    ]


def test_invalid_tc_kimlik_is_refused_and_nothing_is_written(ayse, client, category):
    response = client.post(
        CONSOLE,
        new_case_data(category, citizen_tc_kimlik="12345678901", subject=""),
        HTTP_ACCEPT_LANGUAGE="tr",
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (
        errors["citizen_tc_kimlik"][0].startswith("This TC identity number is not valid")
        or "geçerli" in errors["citizen_tc_kimlik"][0]
    )
    page = response.content.decode()
    assert 'id="id_citizen_tc_kimlik-error"' in page
    assert "Bu alan zorunludur." in page  # the subject, in Turkish
    assert 'value="Mehmet Kaya"' in page  # what was typed is kept
    assert Case.objects.count() == 0 and Citizen.objects.count() == 0 and Event.objects.count() == 0


def test_wrong_phone_and_half_a_location_are_refused(ayse, client, category):
    response = client.post(CONSOLE, new_case_data(category, citizen_phone="12", latitude="41,03"))

    assert set(response.context["form"].errors) == {"citizen_phone", "__all__"}
    assert Case.objects.count() == 0


def test_category_is_required(ayse, client, category):
    response = client.post(CONSOLE, new_case_data(category, category="", category_search="çukur"))

    assert "category" in response.context["form"].errors
    assert 'id="id_category-error"' in response.content.decode()
    assert Case.objects.count() == 0


def test_category_of_another_institution_is_refused(ayse, client, other_institution):
    foreign = Category.objects.create(institution=other_institution, name="Kar temizliği")
    response = client.post(CONSOLE, new_case_data(foreign))

    assert "category" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_tc_kimlik_and_map_location_are_kept(ayse, client, category):
    client.post(
        CONSOLE,
        new_case_data(
            category, citizen_tc_kimlik="100 000 001 46", latitude="41,038211", longitude="28.8912345"
        ),
    )

    case = Case.objects.get()
    assert case.citizen.tc_kimlik == VALID_TC
    assert str(case.latitude) == "41.038211" and str(case.longitude) == "28.891235"


def test_resolved_on_the_spot(ayse, client, category):
    response = client.post(
        CONSOLE,
        new_case_data(category, resolve_now="on", resolution="Asfalt ekibinin programı bilgisi verildi."),
    )

    case = Case.objects.get()
    assert case.status == Status.RESOLVED and case.resolution == "Asfalt ekibinin programı bilgisi verildi."
    assert list(case.events.values_list("action", flat=True)) == ["open", "resolve_on_the_spot"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="new-tracking-number"' in page


def test_resolve_on_the_spot_needs_the_answer(ayse, client, category):
    response = client.post(CONSOLE, new_case_data(category, resolve_now="on", resolution=" "))

    assert "resolution" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_picked_caller_is_used_even_without_phone(institution, ayse, client, category, make_case):
    known = Citizen.objects.create(institution=institution, name="Zeynep Çelik", email="zeynep@example.com")
    make_case(citizen=known)

    client.post(
        CONSOLE,
        new_case_data(
            category, citizen=str(known.pk), citizen_name="Zeynep Çelik", citizen_phone="0555 111 22 33"
        ),
    )

    assert Citizen.objects.count() == 1
    known.refresh_from_db()
    assert known.phone == "+905551112233"  # learnt on this call
    assert Case.objects.filter(citizen=known).count() == 2


def test_a_citizen_never_seen_by_this_institution_cannot_be_picked(ayse, client, category, other_institution):
    stranger = Citizen.objects.create(
        institution=other_institution, name="Başka Kurumun Vatandaşı", phone="+905559998877"
    )

    response = client.post(CONSOLE, new_case_data(category, citizen=str(stranger.pk)))

    assert "citizen" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_caller_lookup_shows_masked_identity_and_history(
    institution, ayse, client, make_case, other_institution
):
    citizen = Citizen.objects.create(
        institution=institution, name="Mehmet Kaya", phone="+905321234567", tc_kimlik=VALID_TC
    )
    first = make_case(citizen=citizen, subject="Çukur")
    make_case(citizen=citizen, subject="Sokak lambası yanmıyor")
    from kentmasa.cases import services

    # The same person as the other institution knows them: a separate record, never shown here.
    elsewhere = Citizen.objects.create(
        institution=other_institution,
        name="Mehmet Kaya",
        phone="+905321234567",
        tc_kimlik=VALID_TC,
        email="mehmet.gizli@example.com",
    )
    services.open_case(
        institution=other_institution, channel="phone", subject="Kayseri'deki başvuru", citizen=elsewhere
    )

    for query in ("0532 123 45 67", VALID_TC, "mehmet"):
        page = client.get("/konsol/arayan", {"q": query}).content.decode()
        assert "Mehmet Kaya" in page, query
        assert "0532 *** ** 67" in page and "100******46" in page
        assert format_tracking_number(first.tracking_number) in page
        assert "Sokak lambası yanmıyor" in page and "18.03.2026 10:00" in page
        assert "Kayseri&#x27;deki başvuru" not in page and "Kayseri'deki" not in page
        assert f'data-id="{citizen.pk}"' in page
        assert f'data-id="{elsewhere.pk}"' not in page and "mehmet.gizli" not in page


def test_caller_lookup_hides_citizens_with_no_case_here(institution, ayse, client):
    Citizen.objects.create(institution=institution, name="Mehmet Kaya", phone="+905321234567")

    page = client.get("/konsol/arayan", {"q": "0532 123 45 67"}).content.decode()

    assert "Mehmet Kaya" not in page
    assert 'id="pick-caller-new"' in page and 'data-phone="0532 123 45 67"' in page


def test_category_search_folds_turkish_letters(ayse, client, category, institution, other_institution, parks):
    Category.objects.create(institution=institution, name="Park bakımı", unit=parks)
    Category.objects.create(institution=other_institution, name="Çukur (Kayseri)")
    Category.objects.create(institution=institution, name="Çukur (pasif)", active=False)

    for query in ("cukur", "ÇUKUR", "asfalt", "yol cuk"):
        page = client.get("/konsol/kategoriler", {"q": query}).content.decode()
        assert f'data-id="{category.pk}"' in page, query
        assert "Kayseri" not in page and "pasif" not in page and "Park bakımı" not in page
    assert "Park bakımı" in client.get("/konsol/kategoriler", {"category_search": "park"}).content.decode()
    assert 'role="option"' not in client.get("/konsol/kategoriler", {"q": "zzz"}).content.decode()


def test_console_form_has_labels_for_every_field(ayse, client, category):
    page = client.get(CONSOLE).content.decode()

    for field_id in (
        "id_citizen_name",
        "id_citizen_phone",
        "id_citizen_tc_kimlik",
        "id_citizen_email",
        "id_category_search",
        "id_kind",
        "id_channel",
        "id_subject",
        "id_description",
        "id_latitude",
        "id_longitude",
        "id_resolve_now",
        "id_resolution",
        "caller-lookup",
    ):
        assert f'id="{field_id}"' in page and f'for="{field_id}"' in page, field_id
    assert re.search(r'<input[^>]*id="caller-lookup"[^>]*autofocus', page)
    assert 'id="submit-case"' in page and 'type="hidden" name="category"' in page
    # Tab order follows the call: caller, citizen, category, subject, description, submit.
    order = [
        page.index(f'id="{i}"')
        for i in (
            "caller-lookup",
            "id_citizen_name",
            "id_category_search",
            "id_subject",
            "id_description",
            "submit-case",
        )
    ]
    assert order == sorted(order)


def test_unit_staff_cannot_use_the_console(client, road_staff, category):
    client.force_login(road_staff)

    assert client.get(CONSOLE).status_code == 403
    assert client.post(CONSOLE, new_case_data(category)).status_code == 403
    assert client.get("/konsol/arayan", {"q": "mehmet"}).status_code == 403
    assert Case.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith("/giris/?next=/konsol/")


@pytest.mark.parametrize(
    "role, screen",
    [
        (User.Role.OPERATOR, "/konsol/"),
        (User.Role.POLICE_OPERATOR, "/konsol/"),
        (User.Role.UNIT_STAFF, "/kuyruk/"),
        (User.Role.UNIT_MANAGER, "/kuyruk/"),
        (User.Role.FIELD_TEAM, "/kuyruk/"),
        (User.Role.ADMINISTRATOR, "/raporlar/"),
    ],
)
def test_login_sends_each_role_to_its_screen(client, make_user, role, screen):
    make_user(role, username="kullanici")

    login_page = client.get("/giris/").content.decode()
    assert 'id="id_username"' in login_page and 'id="id_password"' in login_page
    response = client.post("/giris/", {"username": "kullanici", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == screen
    assert response.status_code == 200


def test_wrong_password_stays_on_login(client, operator):
    response = client.post("/giris/", {"username": operator.username, "password": "yanlış"})
    assert response.status_code == 200 and response.wsgi_request.user.is_anonymous


def test_logout_is_a_post(ayse, client):
    response = client.post("/cikis/")
    assert response.status_code == 302 and response["Location"] == "/giris/"
    assert client.get(CONSOLE).status_code == 302


def test_turkish_by_default_and_english_on_request(ayse, client):
    turkish = client.get(CONSOLE).content.decode()
    assert '<html lang="tr">' in turkish

    english = client.get(CONSOLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and "Record the case" in english

    response = client.post("/i18n/setlang/", {"language": "en", "next": CONSOLE})
    assert response.status_code == 302
    page = client.get(CONSOLE).content.decode()
    assert '<html lang="en">' in page
    errors = client.post(CONSOLE, {"subject": ""}).content.decode()
    assert "This field is required." in errors and "Bu alan zorunludur." not in errors


# -- the console's map: the open cases in view are asked for by the browser, block by block -----------------


def located(n: int) -> dict:
    """A place in Esenler, a few metres apart for each n."""
    return {"latitude": f"{41.038 + n / 100_000:.6f}", "longitude": f"{28.891 + n / 100_000:.6f}"}


def console_map(response) -> dict:
    found = re.search(
        r'<script id="location-map-config" type="application/json">(.*?)</script>', response.text
    )
    assert found, "the console's map config is on the page"
    return json.loads(found.group(1))


def test_the_console_page_does_not_grow_with_the_open_cases(ayse, client, make_case):
    cases = [make_case(subject=f"Çukur {n}", location=located(n)) for n in range(12)]
    with CaptureQueriesContext(connection) as few:
        small = client.get(CONSOLE)
    cases += [make_case(subject=f"Çukur {n}", location=located(n)) for n in range(12, 60)]
    with CaptureQueriesContext(connection) as many:
        large = client.get(CONSOLE)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert console_map(large) == console_map(small)
    assert console_map(large)["points"] == []
    config = json.dumps(console_map(large))
    for case in cases:
        assert case.tracking_number not in config
        assert format_tracking_number(case.tracking_number) not in config
    # Ten more cases' points in the page would be a kilobyte; the latest-cases panel holds ten either way.
    assert abs(len(large.content) - len(small.content)) < 100


def test_the_console_map_asks_the_task_map_for_the_open_cases_the_operator_may_see(
    ayse, client, make_case, other_institution
):
    open_here = make_case(subject="Açık çukur", location=located(1))
    closed_here = make_case(subject="Kapanan çukur", location=located(2))
    services.resolve_on_the_spot(closed_here, actor=ayse, resolution="Çukur kapatıldı.")
    make_case(subject="Yeri yok")
    services.open_case(
        institution=other_institution, channel=Channel.PHONE, subject="Başka kurum", location=located(3)
    )

    blocks = console_map(client.get(CONSOLE))["blocks"]
    assert blocks["url"] == reverse("reports:map_points")
    assert blocks["filters"] == {"status": "active"}
    # From zoom 17 every case in the box is a point: the one open, located case of the operator's own.
    answer = client.get(blocks["url"], {**blocks["filters"], "bbox": "28.89,41.03,28.90,41.04", "zoom": 17})
    assert answer.status_code == 200
    assert [p["tracking"] for p in answer.json()["points"]] == [
        format_tracking_number(open_here.tracking_number)
    ]
    assert answer.json()["clusters"] == []
    # Zoomed out, the same case is counted in the block it falls in.
    whole = client.get(blocks["url"], {**blocks["filters"], "bbox": "25,35,45,43", "zoom": 10}).json()
    assert whole["total"] == 1


def test_a_live_refresh_of_the_console_looks_up_no_map(ayse, client, make_case):
    make_case(location=located(1))
    with CaptureQueriesContext(connection) as full:
        assert "blocks" in client.get(CONSOLE).context["map"]
    with CaptureQueriesContext(connection) as live:
        refreshed = client.get(CONSOLE, headers={"X-Live-Refresh": "1"})
    assert "blocks" not in refreshed.context["map"]
    assert len(live.captured_queries) == len(full.captured_queries) - 1  # the mahalles' extent
