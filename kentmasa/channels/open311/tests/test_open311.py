"""Open311 GeoReport v2: Ayşe reports a pothole from an Open311 app, follows it, and nobody learns who she is.

Every endpoint is exercised in JSON and in XML against the element names of the spec
(wiki.open311.org/GeoReport_v2).
"""

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel, Citizen, Status
from kentmasa.channels.models import Message
from kentmasa.directory.models import Category

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
API_KEY = "o311-test-key-esenler"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


@pytest.fixture(autouse=True)
def open311_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler", "kayseri.bel.tr": "kayseri"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde", "o311-kayseri-only": {"name": "Erciyes", "jurisdictions": []}},
        "rate": "1000/d",
    }
    settings.LANGUAGE_CODE = "tr"


@pytest.fixture
def lights(institution, parks):
    return Category.objects.create(
        institution=institution, name="Park aydınlatması arızası", unit=parks, keywords="lamba, aydınlatma"
    )


@pytest.fixture
def kayseri_category(other_institution):
    return Category.objects.create(institution=other_institution, name="Kaldırım onarımı")


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


def ayse_report(category, **changes) -> dict:
    """What an Open311 app sends when Ayşe reports the pothole in front of her house."""
    form: dict[str, str | None] = {
        "api_key": API_KEY,
        "jurisdiction_id": "esenler.bel.tr",
        "service_code": str(category.pk),
        "lat": "41.043812",
        "long": "28.875731",
        "address_string": "Atışalanı Cd. No 12, Esenler, İstanbul",
        "email": "ayse.kaya@example.com",
        "device_id": "android-7f3a",
        "first_name": "Ayşe",
        "last_name": "Kaya",
        "phone": "0532 123 45 67",
        "description": "Evimin önünde derin bir çukur var.\nAkşamları görünmüyor.",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def post_form(client, form: dict, fmt: str = "json", headers: dict | None = None):
    """Form-encoded, as the spec sends a request."""
    return client.post(
        f"{BASE}/requests.{fmt}",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        headers=headers,
    )


def as_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version=")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, not untrusted input


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def assert_errors(response, status: int, fmt: str = "json") -> list[str]:
    """The spec's error format: a list of code + description, the code matching the HTTP status."""
    assert response.status_code == status
    if fmt == "xml":
        root = as_xml(response)
        assert root.tag == "errors" and children(root) and set(children(root)) == {"error"}
        assert all(children(error) == ["code", "description"] for error in root)
        assert {error.findtext("code") for error in root} == {str(status)}
        return [error.findtext("description", "") for error in root]
    errors = as_json(response)
    assert errors and all(set(error) == {"code", "description"} for error in errors)
    assert {error["code"] for error in errors} == {status}
    return [error["description"] for error in errors]


# --- services


def test_the_services_are_the_active_categories_of_the_jurisdiction(
    client, category, lights, kayseri_category, institution
):
    Category.objects.create(institution=institution, name="Eski konu", active=False)

    services_json = as_json(client.get(f"{BASE}/services.json"))
    root = as_xml(client.get(f"{BASE}/services.xml?jurisdiction_id=esenler.bel.tr"))

    assert [service["service_name"] for service in services_json] == [
        "Park aydınlatması arızası",
        "Yol çökmesi / çukur",
    ]
    pothole = services_json[1]
    assert list(pothole) == SERVICE_FIELDS
    assert pothole == {
        "service_code": str(category.pk),
        "service_name": "Yol çökmesi / çukur",
        "description": "Yol bakım ve onarım talepleri (15 iş günü)",
        "metadata": False,
        "type": "realtime",
        "keywords": "asfalt, çukur, bozuk, yol",
        "group": "Fen İşleri Müdürlüğü",
    }
    assert services_json[0]["keywords"] == "lamba, aydınlatma"
    assert root.tag == "services" and children(root) == ["service", "service"]
    assert children(root[1]) == SERVICE_FIELDS
    assert root[1].findtext("service_code") == str(category.pk)
    assert root[1].findtext("metadata") == "false" and root[1].findtext("group") == "Fen İşleri Müdürlüğü"

    kayseri = as_json(client.get(f"{BASE}/services.json?jurisdiction_id=kayseri.bel.tr"))
    assert [service["service_name"] for service in kayseri] == ["Kaldırım onarımı"]


def test_a_service_definition_has_no_attributes(client, category, kayseri_category):
    definition = as_json(client.get(f"{BASE}/services/{category.pk}.json"))
    root = as_xml(client.get(f"{BASE}/services/{category.pk}.xml"))

    assert definition == {"service_code": str(category.pk), "attributes": []}
    assert root.tag == "service_definition" and children(root) == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert root.findtext("service_code") == str(category.pk)
    assert attributes is not None and len(attributes) == 0

    # Another jurisdiction's category, and codes that are no category, are not found.
    for code in (kayseri_category.pk, 999999, "cukur"):
        assert_errors(client.get(f"{BASE}/services/{code}.json"), 404)
        assert_errors(client.get(f"{BASE}/services/{code}.xml"), 404, "xml")


def test_jurisdictions_unknown_or_missing_are_refused(client, category, settings):
    descriptions = assert_errors(client.get(f"{BASE}/services.json?jurisdiction_id=ankara.bel.tr"), 404)
    assert "ankara.bel.tr" in descriptions[0]
    assert_errors(client.get(f"{BASE}/services.xml?jurisdiction_id=ankara.bel.tr"), 404, "xml")

    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "default_jurisdiction": ""}
    assert "jurisdiction_id" in assert_errors(client.get(f"{BASE}/services.json"), 400)[0]


def test_without_a_jurisdiction_table_the_institution_slug_is_the_jurisdiction(
    client, category, other_institution, settings
):
    settings.KENTMASA_OPEN311 = {"api_keys": {API_KEY: "Kent Cebimde"}}

    esenler = as_json(client.get(f"{BASE}/services.json?jurisdiction_id=esenler"))

    assert [service["service_code"] for service in esenler] == [str(category.pk)]
    # Two institutions and no default: a client must say which one it means.
    assert_errors(client.get(f"{BASE}/services.json"), 400)
    other_institution.kind = "external"
    other_institution.save()
    assert as_json(client.get(f"{BASE}/services.json")) == esenler
    assert_errors(client.get(f"{BASE}/services.json?jurisdiction_id=kayseri"), 404)


def test_other_methods_are_refused_in_the_error_format(client, category):
    response = client.delete(f"{BASE}/services.xml")
    assert_errors(response, 405, "xml")
    assert response["Allow"] == "GET, HEAD, OPTIONS"  # OPTIONS: a browser's preflight (CORS)
    assert client.put(f"{BASE}/requests.json").status_code == 405


# --- reporting


def test_ayse_reports_a_pothole_and_a_case_is_opened(client, category):
    response = post_form(client, ayse_report(category), headers={"Accept-Language": "en"})

    answer = as_json(response)
    case = Case.objects.get()
    assert response.status_code == 200
    assert answer == [
        {
            "service_request_id": case.tracking_number,
            "service_notice": (
                "Passed to Fen İşleri Müdürlüğü. The service standard gives an answer by "
                f"{timezone.localtime(case.due_at):%d.%m.%Y %H:%M}."
            ),
            "account_id": None,
        }
    ]
    assert (case.channel, case.category, case.unit.name, case.status) == (
        Channel.OPEN311,
        category,
        "Fen İşleri Müdürlüğü",
        Status.NEW,
    )
    assert case.subject == "Evimin önünde derin bir çukur var."
    assert case.description == "Evimin önünde derin bir çukur var.\nAkşamları görünmüyor."
    assert (str(case.latitude), str(case.longitude)) == ("41.043812", "28.875731")
    assert case.address_text == "Atışalanı Cd. No 12, Esenler, İstanbul"
    assert case.due_at is not None
    citizen = case.citizen
    assert (citizen.name, citizen.phone, citizen.email) == (
        "Ayşe Kaya",
        "+905321234567",
        "ayse.kaya@example.com",
    )
    message = Message.objects.get()
    assert (message.channel, message.direction, message.case, message.address) == (
        "open311",
        "in",
        case,
        "+905321234567",
    )
    assert message.data["app"] == "Kent Cebimde" and message.data["device_id"] == "android-7f3a"


def test_the_answer_in_xml_uses_the_spec_elements(client, category):
    root = as_xml(post_form(client, ayse_report(category), "xml"))

    case = Case.objects.get()
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == ["service_request_id", "service_notice", "account_id"]
    assert root[0].findtext("service_request_id") == case.tracking_number
    assert root[0].find("account_id").text is None


def test_an_apps_typed_contact_data_never_joins_a_record(client, category, lights):
    # Anyone can type Ayşe's e-mail and phone into an app: each report keeps its own record (cases.citizens).
    post_form(client, ayse_report(category))
    post_form(client, ayse_report(lights, description="Parkta lamba yanmıyor.", first_name="", last_name=""))

    assert Case.objects.count() == 2 and Citizen.objects.count() == 2
    assert not Citizen.objects.filter(phone_verified=True).exists()


def test_an_address_alone_is_a_location(client, category):
    form = ayse_report(category, lat=None, long=None, address_string="Menderes Mh. 123. Sk.")
    assert post_form(client, form).status_code == 200
    case = Case.objects.get()
    assert case.latitude is None and case.address_text == "Menderes Mh. 123. Sk."


def test_a_wrong_or_missing_api_key_is_refused_and_nothing_is_recorded(client, category):
    wrong = post_form(client, ayse_report(category, api_key="guessed"))
    missing = post_form(client, ayse_report(category, api_key=None), "xml")
    elsewhere = post_form(client, ayse_report(category, api_key="o311-kayseri-only"))

    assert "api_key" in assert_errors(wrong, 403)[0]
    assert "api_key" in assert_errors(missing, 403, "xml")[0]
    assert "api_key" in assert_errors(elsewhere, 403)[0]
    assert not Case.objects.exists() and not Message.objects.exists() and not Citizen.objects.exists()


def test_missing_fields_are_all_named_in_one_answer(client, category):
    form = ayse_report(category, service_code=None, lat=None, long=None, address_string=None)

    json_errors = assert_errors(post_form(client, form), 400)
    xml_errors = assert_errors(post_form(client, form, "xml"), 400, "xml")

    assert len(json_errors) == 2 and "service_code" in json_errors[0]
    assert "lat" in json_errors[1] and "address_string" in json_errors[1]
    assert xml_errors == json_errors
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "changes, word",
    [
        ({"lat": "91", "long": "28.8"}, "lat"),
        ({"lat": "41.0", "long": None}, "lat"),
        ({"phone": "12"}, ""),
        ({"email": "ayse@"}, "email"),
        ({"description": "x" * 4001}, "description"),
        ({"media_url": "file:///etc/passwd"}, "media_url"),
    ],
)
def test_invalid_fields_are_refused_with_400(client, category, changes, word):
    descriptions = assert_errors(post_form(client, ayse_report(category, **changes)), 400)
    assert word in descriptions[0]
    assert not Case.objects.exists() and not Citizen.objects.exists()


def test_an_unknown_service_is_not_found(client, category, kayseri_category):
    for code in (kayseri_category.pk, "999999"):
        assert (
            "service_code"
            in assert_errors(post_form(client, ayse_report(category, service_code=code)), 404)[0]
        )
    assert not Case.objects.exists()


def test_open311_is_an_api_without_csrf_tokens(category):
    app = Client(enforce_csrf_checks=True)
    assert post_form(app, ayse_report(category)).status_code == 200


def test_a_photo_sent_with_the_report_is_stored_and_linked(client, category):
    form = ayse_report(category)
    form["media"] = SimpleUploadedFile("cukur.jpg", photo_bytes(), content_type="image/jpeg")

    response = client.post(f"{BASE}/requests.json", data=form)  # multipart, as many apps send it

    assert response.status_code == 200
    case = Case.objects.get()
    attachment = case.attachments.get()
    assert (attachment.kind, attachment.public, attachment.original_name) == ("photo", True, "cukur.jpg")
    assert attachment.event == case.events.get(action="open")
    shown = as_json(client.get(f"{BASE}/requests/{case.tracking_number}.json"))[0]
    photo = client.get(urlparse(shown["media_url"]).path)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content) == attachment.file.open("rb").read()
    # The address cannot be guessed from the attachment's id alone.
    assert client.get(f"{BASE}/media/{attachment.pk}-0000000000000000.jpg").status_code == 404


def test_a_file_that_is_no_photo_is_refused_and_nothing_is_recorded(client, category):
    form = ayse_report(category)
    form["media"] = SimpleUploadedFile("cukur.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")

    descriptions = assert_errors(client.post(f"{BASE}/requests.xml", data=form), 400, "xml")

    assert descriptions[0].startswith("media:")
    assert not Case.objects.exists() and not Message.objects.exists()


def test_a_media_url_is_kept_for_staff_and_shown_back(client, category):
    link = "https://foto.example.com/cukur/81.jpg"
    post_form(client, ayse_report(category, media_url=link))

    case = Case.objects.get()
    shown = as_json(client.get(f"{BASE}/requests/{case.tracking_number}.json"))[0]

    assert link in case.description
    assert shown["media_url"] == link
    assert shown["description"] == "Evimin önünde derin bir çukur var.\nAkşamları görünmüyor."


# --- retries


@pytest.fixture
def clock(monkeypatch):
    """Time that moves only when the test says so."""

    class Clock:
        now = dt.datetime(2026, 11, 23, 14, 0, 30, tzinfo=dt.UTC)

        def advance(self, **delta):
            self.now += dt.timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


def test_a_retried_post_within_a_minute_is_the_same_request(client, category, clock):
    first = as_json(post_form(client, ayse_report(category)))
    clock.advance(seconds=55)  # a new minute has begun: the retry is found by what it says
    again = as_json(post_form(client, ayse_report(category)))
    clock.advance(minutes=2)
    later = as_json(post_form(client, ayse_report(category)))

    assert again == first
    assert later[0]["service_request_id"] != first[0]["service_request_id"]
    assert Case.objects.count() == 2 and Message.objects.count() == 2


def test_the_same_text_from_another_device_is_another_request(client, category, clock):
    post_form(client, ayse_report(category))
    post_form(client, ayse_report(category, device_id="iphone-22"))
    assert Case.objects.count() == 2


def test_an_idempotency_key_answers_every_retry_with_the_first_request(client, category, clock):
    first = as_json(post_form(client, ayse_report(category), headers={"Idempotency-Key": "k-1"}))
    clock.advance(hours=3)
    # The same key: even with other content and hours later, it is the first request.
    again = as_json(
        post_form(client, ayse_report(category, description="Tekrar"), headers={"Idempotency-Key": "k-1"})
    )
    other = as_json(post_form(client, ayse_report(category), headers={"Idempotency-Key": "k-2"}))

    assert again == first
    assert other[0]["service_request_id"] != first[0]["service_request_id"]
    assert Case.objects.count() == 2


def test_posts_are_rate_limited_per_api_key(client, category, settings):
    """The key's rate counts (an aggregator sends every report from one server), not the address's; the
    address's rate counts POSTs without a known key (test_open311_clients)."""
    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "rate": "1/h", "key_rate": "2/h"}
    statuses = [
        post_form(client, ayse_report(category, description=f"Çukur {n}")).status_code for n in range(2)
    ]

    blocked = post_form(client, ayse_report(category, description="Çukur 3"), "xml")

    assert statuses == [200, 200]
    assert_errors(blocked, 429, "xml")
    assert blocked["Retry-After"] == "3600"
    assert Case.objects.count() == 2
    neighbour = Client(REMOTE_ADDR="203.0.113.9")
    assert post_form(neighbour, ayse_report(category, description="Çukur 4")).status_code == 429


# --- tokens


def test_in_batch_mode_a_token_leads_to_the_request(client, category, settings):
    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "type": "batch"}

    answer = as_json(post_form(client, ayse_report(category)))[0]
    token = answer["token"]
    by_token = as_json(client.get(f"{BASE}/tokens/{token}.json"))
    root = as_xml(client.get(f"{BASE}/tokens/{token}.xml"))

    case = Case.objects.get()
    assert "service_request_id" not in answer and list(answer) == ["token", "service_notice", "account_id"]
    assert as_json(client.get(f"{BASE}/services.json"))[0]["type"] == "batch"
    assert by_token == [{"service_request_id": case.tracking_number, "token": token}]
    assert root.tag == "service_requests" and children(root[0]) == ["service_request_id", "token"]
    assert root[0].findtext("service_request_id") == case.tracking_number
    assert_errors(client.get(f"{BASE}/tokens/{token}.json?jurisdiction_id=kayseri.bel.tr"), 404)
    assert_errors(client.get(f"{BASE}/tokens/nosuchtoken.xml"), 404, "xml")


# --- following a request


@pytest.fixture
def reported(client, category):
    post_form(client, ayse_report(category))
    return Case.objects.get()


def test_a_request_is_shown_with_every_spec_field(client, reported):
    shown = as_json(client.get(f"{BASE}/requests/{reported.tracking_number}.json"))
    root = as_xml(client.get(f"{BASE}/requests/{reported.tracking_number}.xml"))

    assert len(shown) == 1 and list(shown[0]) == REQUEST_FIELDS
    request = shown[0]
    assert {
        key: request[key] for key in ("service_request_id", "status", "service_name", "service_code")
    } == {
        "service_request_id": reported.tracking_number,
        "status": "open",
        "service_name": "Yol çökmesi / çukur",
        "service_code": str(reported.category_id),
    }
    assert request["status_notes"] == "Alındı"
    assert request["agency_responsible"] == "Fen İşleri Müdürlüğü"
    assert (request["lat"], request["long"]) == (41.043812, 28.875731)
    assert request["address"] == "Atışalanı Cd. No 12, Esenler, İstanbul"
    assert request["media_url"] is None and request["zipcode"] is None
    for stamp in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(request[stamp]) and request[stamp].endswith("+03:00")
    assert dt.datetime.fromisoformat(request["expected_datetime"]) == reported.due_at.replace(microsecond=0)
    assert root.tag == "service_requests" and children(root) == ["request"]
    assert children(root[0]) == REQUEST_FIELDS
    assert root[0].findtext("status") == "open" and root[0].findtext("lat") == "41.043812"
    assert root[0].findtext("requested_datetime") == request["requested_datetime"]


def test_a_resolved_request_is_closed_with_the_answer_as_its_notes(client, reported, road_staff):
    services.resolve(reported, actor=road_staff, resolution="Çukur asfaltla kapatıldı.")

    shown = as_json(client.get(f"{BASE}/requests/{reported.tracking_number}.json"))[0]
    root = as_xml(client.get(f"{BASE}/requests/{reported.tracking_number}.xml"))

    assert (shown["status"], shown["status_notes"]) == ("closed", "Çukur asfaltla kapatıldı.")
    assert shown["service_notice"] is None
    assert root[0].findtext("status") == "closed"
    assert root[0].findtext("status_notes") == "Çukur asfaltla kapatıldı."


def test_a_request_transferred_elsewhere_is_still_found_where_it_was_sent(
    client, reported, operator, other_institution, kayseri_category
):
    services.transfer(
        reported, actor=operator, institution=other_institution, category=kayseri_category, note="Yetki"
    )

    shown = as_json(client.get(f"{BASE}/requests/{reported.tracking_number}.json"))[0]
    in_kayseri = client.get(f"{BASE}/requests.json?jurisdiction_id=kayseri.bel.tr")

    assert (shown["status"], shown["agency_responsible"]) == ("open", "Kayseri Büyükşehir Belediyesi")
    assert shown["service_name"] == "Kaldırım onarımı"
    assert ids(in_kayseri) == [reported.tracking_number]


def test_a_rejected_request_is_closed_with_the_reason(client, reported, road_manager):
    services.reject(reported, actor=road_manager, reason="Yol Karayolları'nın sorumluluğunda.")
    shown = as_json(client.get(f"{BASE}/requests/{reported.tracking_number}.json"))[0]
    assert (shown["status"], shown["status_notes"]) == ("closed", "Yol Karayolları'nın sorumluluğunda.")


def test_waiting_for_the_citizen_is_still_open(client, reported, road_staff):
    services.ask_citizen(reported, actor=road_staff, question="Kapı numarası nedir?")
    shown = as_json(client.get(f"{BASE}/requests/{reported.tracking_number}.json"))[0]
    assert shown["status"] == "open"


def test_unknown_and_other_channels_requests_are_not_found(client, reported, make_case):
    phone_case = make_case()  # taken by the call centre: its number alone must not open it
    for number in ("2600000000", "cukur", phone_case.tracking_number):
        assert_errors(client.get(f"{BASE}/requests/{number}.json"), 404)
        assert_errors(client.get(f"{BASE}/requests/{number}.xml"), 404, "xml")
    assert_errors(
        client.get(f"{BASE}/requests/{reported.tracking_number}.json?jurisdiction_id=kayseri.bel.tr"), 404
    )


def test_no_personal_data_is_ever_shown(client, category, road_staff):
    report = ayse_report(
        category,
        description="Ayşe Kaya yazıyor: çukur büyüdü. Beni 0532 123 45 67'den ya da ayse.kaya@example.com "
        "adresinden arayın. TC 10000000146.",
    )
    post_form(client, report)
    case = Case.objects.get()
    services.resolve(case, actor=road_staff, resolution="Sayın Ayşe Kaya, çukur kapatıldı.")

    bodies = [
        client.get(f"{BASE}/requests/{case.tracking_number}.{fmt}").content.decode()
        for fmt in ("json", "xml")
    ] + [client.get(f"{BASE}/requests.{fmt}").content.decode() for fmt in ("json", "xml")]

    for body in bodies:
        assert case.tracking_number in body and "çukur büyüdü" in body and "çukur kapatıldı" in body
        for personal in ("Ayşe", "Kaya", "532", "123 45 67", "ayse.kaya", "example.com", "10000000146"):
            assert personal not in body, personal
        assert "android-7f3a" not in body


# --- searching


@pytest.fixture
def history(make_case, category, lights, road_staff):
    """Open311 reports over the last months: one old, one resolved, one open about the park lights."""
    now = timezone.now()
    old = make_case(channel=Channel.OPEN311, received_at=now - dt.timedelta(days=120), subject="Eski çukur")
    resolved = make_case(channel=Channel.OPEN311, received_at=now - dt.timedelta(days=20), subject="Çukur")
    services.resolve(resolved, actor=road_staff, resolution="Kapatıldı.")
    lamp = make_case(
        channel=Channel.OPEN311, category=lights, received_at=now - dt.timedelta(days=2), subject="Lamba"
    )
    phoned = make_case(received_at=now - dt.timedelta(days=1))
    return {"old": old, "resolved": resolved, "lamp": lamp, "phoned": phoned}


def ids(response) -> list[str]:
    return [request["service_request_id"] for request in as_json(response)]


def test_requests_default_to_the_last_90_days_newest_first(client, history):
    listed = ids(client.get(f"{BASE}/requests.json"))
    root = as_xml(client.get(f"{BASE}/requests.xml"))

    assert listed == [history["lamp"].tracking_number, history["resolved"].tracking_number]
    assert root.tag == "service_requests" and children(root) == ["request", "request"]
    assert all(children(request) == REQUEST_FIELDS for request in root)
    assert [request.findtext("service_request_id") for request in root] == listed


def test_requests_by_status_service_and_dates(client, history, lights):
    lamp, resolved, old = history["lamp"], history["resolved"], history["old"]
    now = timezone.now()

    def search(**params):
        return ids(client.get(f"{BASE}/requests.json?{urlencode(params)}"))

    assert search(status="open") == [lamp.tracking_number]
    assert search(status="closed") == [resolved.tracking_number]
    assert search(status="open,closed") == [lamp.tracking_number, resolved.tracking_number]
    assert search(service_code=str(lights.pk)) == [lamp.tracking_number]
    assert search(service_code=f"{lights.pk},{old.category_id}") == [
        lamp.tracking_number,
        resolved.tracking_number,
    ]
    start = timezone.localtime(now - dt.timedelta(days=150)).isoformat(timespec="seconds")
    end = timezone.localtime(now - dt.timedelta(days=70)).isoformat(timespec="seconds")
    assert search(start_date=start, end_date=end) == [old.tracking_number]
    utc = (now - dt.timedelta(days=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert search(start_date=utc, status="closed") == [resolved.tracking_number]
    assert search(end_date=(now - dt.timedelta(days=100)).strftime("%Y-%m-%d")) == [old.tracking_number]


def test_a_list_of_ids_overrides_every_other_argument(client, history):
    wanted = [
        history["old"].tracking_number,
        history["lamp"].tracking_number,
        history["phoned"].tracking_number,
    ]
    listed = ids(client.get(f"{BASE}/requests.json?service_request_id={','.join(wanted)}&status=closed"))
    assert listed == [history["lamp"].tracking_number, history["old"].tracking_number]


@pytest.mark.parametrize(
    "query, word",
    [
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"),
        ("start_date=yesterday", "start_date"),
        ("status=pending", "status"),
        ("service_code=cukur", "service_code"),
    ],
)
def test_a_bad_search_is_refused_with_400(client, history, query, word):
    assert word in assert_errors(client.get(f"{BASE}/requests.json?{query}"), 400)[0]
    assert_errors(client.get(f"{BASE}/requests.xml?{query}"), 400, "xml")
