"""Open311 as the clients in use ask for it (issue 19): FixMyStreet sending a city's reports from one server
and pulling their updates, ``three`` and the npm client starting at the discovery document, browser clients
on other origins, apps that send an address and no point, and the privacy of every description.

Each request below is the one the client sends: FixMyStreet's Open311.pm asks
``servicerequestupdates.xml?jurisdiction_id=…&api_key=…&start_date=…&end_date=…`` with W3C date-times in
UTC ("…Z", its DateTime::Format::W3CDTF) for the last hours and reads ``<service_request_updates>`` with one
``<request_update>`` per update; ``three`` reads ``discovery.json`` beside the endpoint it was given.
"""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel, Event, Status
from kentmasa.channels.models import Message
from kentmasa.channels.open311.tests.test_open311 import (
    API_KEY,
    BASE,
    W3C,
    as_json,
    as_xml,
    assert_errors,
    ayse_report,
    children,
    post_form,
)
from kentmasa.directory.models import Category
from kentmasa.places.address import area_key
from kentmasa.places.models import Area

pytestmark = pytest.mark.django_db

FMS_KEY = "o311-fixmystreet-key"
UPDATE_FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]


@pytest.fixture(autouse=True)
def open311_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_URL = "https://alo153.esenler.bel.tr"
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler", "kayseri.bel.tr": "kayseri"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde", FMS_KEY: {"name": "FixMyStreet", "rate": "1000/h"}},
        "rate": "1000/d",
        "key_rate": "1000/d",
    }
    settings.LANGUAGE_CODE = "tr"


def fms_time(moment: dt.datetime) -> str:
    """A time as FixMyStreet writes it (W3CDTF of a UTC DateTime): "2026-12-04T13:00:00Z"."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fms_updates(client, start: dt.datetime, end: dt.datetime, fmt: str = "xml", **extra):
    """FixMyStreet's GET of the updates, its parameters in its order, form-encoded into the query string."""
    query = {
        "jurisdiction_id": "esenler.bel.tr",
        "api_key": FMS_KEY,
        "start_date": fms_time(start),
        "end_date": fms_time(end),
        **extra,
    }
    return client.get(f"{BASE}/servicerequestupdates.{fmt}?{urlencode(query)}")


def soon() -> dt.datetime:
    """The end of FixMyStreet's window: its "now" in whole seconds is after what just happened."""
    return timezone.now() + dt.timedelta(seconds=2)


def parse_fms_updates(response) -> list[dict]:
    """What FixMyStreet reads: each <request_update>'s fields as text (XML::Simple in its Open311.pm)."""
    root = as_xml(response)
    assert root.tag == "service_request_updates"
    assert set(children(root)) <= {"request_update"}
    updates = []
    for element in root:
        assert children(element) == UPDATE_FIELDS
        updates.append({child.tag: child.text or "" for child in element})
    return updates


def reported(client, category, **changes) -> Case:
    answer = as_json(post_form(client, ayse_report(category, **changes)))[0]
    return Case.objects.get(tracking_number=answer["service_request_id"])


# --- 1. the POST rate per api_key ----------------------------------------------------------------------


def test_an_aggregator_sends_past_the_address_limit_up_to_its_keys_rate(client, category, settings):
    """FixMyStreet sends a city's reports from one server: its key's rate counts, not the address's."""
    settings.KENTMASA_OPEN311 = {
        **settings.KENTMASA_OPEN311,
        "rate": "2/h",
        "api_keys": {API_KEY: "Kent Cebimde", FMS_KEY: {"name": "FixMyStreet", "rate": "4/h"}},
        "key_rate": "3/h",
    }
    statuses = [
        post_form(client, ayse_report(category, api_key=FMS_KEY, description=f"Çukur {n}")).status_code
        for n in range(4)
    ]
    blocked = post_form(client, ayse_report(category, api_key=FMS_KEY, description="Çukur 5"), "xml")

    assert statuses == [200] * 4
    [text] = assert_errors(blocked, 429, "xml")
    assert "api_key" in text
    assert blocked["Retry-After"] == "3600"
    assert Case.objects.count() == 4
    # Another app from the same address has its own count, at the default key rate ("key_rate", 3/h; the
    # plain {key: name} form of api_keys).
    others = [
        post_form(client, ayse_report(category, description=f"Lamba {n}")).status_code for n in range(3)
    ]
    assert others == [200] * 3
    assert_errors(post_form(client, ayse_report(category, description="Lamba 4")), 429)
    assert Message.objects.filter(data__app="FixMyStreet").count() == 4


def test_posts_without_a_known_key_count_against_their_address(client, category, settings):
    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "rate": "2/h"}

    first = post_form(client, ayse_report(category, api_key=None))
    second = post_form(client, ayse_report(category, api_key="guessed-key"))
    third = post_form(client, ayse_report(category, api_key="another-guess"))

    assert_errors(first, 403)
    assert_errors(second, 403)
    assert_errors(third, 429)
    assert third["Retry-After"] == "3600"
    # A known key from that address still goes through: guesses do not block the real app.
    assert post_form(client, ayse_report(category, api_key=FMS_KEY)).status_code == 200
    assert Case.objects.count() == 1


def test_the_default_key_rate_is_far_above_one_persons(settings):
    from kentmasa.channels.open311.access import DEFAULT_KEY_RATE

    settings.KENTMASA_OPEN311 = {"api_keys": {API_KEY: "Kent Cebimde"}}
    assert DEFAULT_KEY_RATE == "300/m"
    assert settings.KENTMASA_PUBLIC_RATE == "10/m"


# --- 2. servicerequestupdates (FixMyStreet's updates extension) ----------------------------------------


@pytest.fixture
def worked_case(client, category, road_staff):
    """Ayşe's pothole, reported through FixMyStreet and worked on: started, an internal note, a note to
    her, her own message, resolved with a note that names her and her phone."""
    case = reported(client, category, api_key=FMS_KEY)
    services.start(case, actor=road_staff)
    case.refresh_from_db()
    services.comment(case, actor=road_staff, note="İç not: ekip Mehmet'in telefonu 0532 999 88 77")
    services.comment(case, actor=road_staff, note="Ekibimiz yarın sabah gelecek.", public=True)
    services.comment(case, actor=None, note="Ben Ayşe, 0532 123 45 67", public=True, from_citizen=True)
    services.resolve(
        case,
        actor=road_staff,
        resolution=(
            "Ayşe Hanım, çukur 18.03.2026 10:45'te kapatıldı. Bilgi: 0532 123 45 67, ayse.kaya@example.com"
        ),
    )
    return Case.objects.get(pk=case.pk)


def test_fixmystreet_pulls_status_changes_and_public_notes(client, worked_case):
    now = soon()

    updates = parse_fms_updates(fms_updates(client, now - dt.timedelta(hours=2), now))

    assert [update["service_request_id"] for update in updates] == [worked_case.tracking_number] * 4
    assert [update["status"] for update in updates] == ["OPEN", "IN_PROGRESS", "IN_PROGRESS", "FIXED"]
    events = {str(event.pk): event for event in worked_case.events.all()}
    assert [events[update["update_id"]].action for update in updates] == [
        "open",
        "start",
        "comment",
        "resolve",
    ]
    assert updates[2]["description"] == "Ekibimiz yarın sabah gelecek."
    fixed = updates[3]["description"]
    assert fixed == "*** Hanım, çukur 18.03.2026 10:45'te kapatıldı. Bilgi: ***, ***"
    assert all(W3C.match(update["updated_datetime"]) for update in updates)
    assert all(update["media_url"] == "" for update in updates)
    body = fms_updates(client, now - dt.timedelta(hours=2), now).content.decode()
    for private in ("İç not", "0532 999 88 77", "Ben Ayşe", "0532 123 45 67", "ayse.kaya", "Kaya"):
        assert private not in body
    # The ids stay: asked again, the same updates come back with the same ids (FixMyStreet adds each once).
    again = parse_fms_updates(fms_updates(client, now - dt.timedelta(hours=2), now))
    assert [update["update_id"] for update in again] == [update["update_id"] for update in updates]


def test_updates_in_json_and_with_the_specs_statuses_only(client, worked_case, settings):
    now = soon()
    updates = as_json(fms_updates(client, now - dt.timedelta(hours=1), now, "json"))
    assert [list(update) for update in updates] == [UPDATE_FIELDS] * 4
    assert updates[3]["status"] == "FIXED" and updates[3]["media_url"] is None

    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "extended_statuses": False}
    plain = as_json(fms_updates(client, now - dt.timedelta(hours=1), now, "json"))
    assert [update["status"] for update in plain] == ["open", "open", "open", "closed"]


def test_updates_leave_out_kades_other_channels_and_other_jurisdictions(
    client, worked_case, make_case, road_staff, other_institution, kayseri_category
):
    phone_case = make_case(received_at=timezone.now())
    services.start(phone_case, actor=road_staff)
    kades = make_case(channel=Channel.KADES, received_at=timezone.now())
    services.start(kades, actor=road_staff)
    kayseri_case = reported(client, kayseri_category, jurisdiction_id="kayseri.bel.tr", api_key=FMS_KEY)
    now = soon()

    esenler = parse_fms_updates(fms_updates(client, now - dt.timedelta(hours=1), now))
    kayseri = parse_fms_updates(
        fms_updates(client, now - dt.timedelta(hours=1), now, jurisdiction_id="kayseri.bel.tr")
    )

    assert {update["service_request_id"] for update in esenler} == {worked_case.tracking_number}
    assert {update["service_request_id"] for update in kayseri} == {kayseri_case.tracking_number}


def test_rejected_redirected_and_merged_as_fixmystreet_states(client, category, road_manager):
    from kentmasa.channels.open311.updates import FMS_STATUSES

    case = reported(client, category)
    services.reject(case, actor=road_manager, reason="Özel mülk içinde; belediyenin görevi değil.")
    now = soon()

    [_opened, rejected] = parse_fms_updates(fms_updates(client, now - dt.timedelta(hours=1), now))

    assert rejected["status"] == "NO_FURTHER_ACTION"
    assert rejected["description"] == "Özel mülk içinde; belediyenin görevi değil."
    assert FMS_STATUSES[Status.REDIRECTED] == "NOT_COUNCILS_RESPONSIBILITY"
    assert FMS_STATUSES[Status.MERGED] == "DUPLICATE"
    assert set(FMS_STATUSES) == set(Status)


def test_updates_are_read_in_a_bounded_window_oldest_first(client, category, road_staff, monkeypatch):
    from kentmasa.channels.open311 import updates as updates_module

    case = reported(client, category)
    services.start(case, actor=road_staff)
    services.resolve(case, actor=road_staff, resolution="Onarıldı.")
    long_ago = timezone.now() - dt.timedelta(days=200)
    opened = case.events.get(action="open")
    Event.objects.filter(pk=opened.pk).update(at=long_ago)
    now = soon()

    recent = parse_fms_updates(fms_updates(client, now - dt.timedelta(hours=1), now))
    # start_date alone, 210 days ago: the 90 days from it (not "since then until now", which is refused).
    old = as_json(
        client.get(
            f"{BASE}/servicerequestupdates.json", {"start_date": fms_time(long_ago - dt.timedelta(days=10))}
        )
    )
    # end_date alone: the 90 days before it.
    before = as_json(client.get(f"{BASE}/servicerequestupdates.json", {"end_date": fms_time(now)}))
    monkeypatch.setattr(updates_module, "MAX_UPDATES", 1)
    first_only = as_json(client.get(f"{BASE}/servicerequestupdates.json"))

    assert [update["status"] for update in recent] == ["IN_PROGRESS", "FIXED"]
    assert [update["update_id"] for update in old] == [str(opened.pk)]
    assert [update["status"] for update in before] == ["IN_PROGRESS", "FIXED"]
    assert [update["status"] for update in first_only] == ["IN_PROGRESS"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00Z"}, "start_date"),
        ({"end_date": "9999-12-31T23:59:59Z"}, "end_date"),
        ({"start_date": str(2**63)}, "start_date"),
        ({"start_date": "2026-13-45"}, "start_date"),
        ({"start_date": "dün"}, "start_date"),
        ({"end_date": "2026-03-18T10:00:00+99:00"}, "end_date"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_windows_are_refused_in_the_error_format(client, institution, query, expected, fmt):
    for endpoint in ("servicerequestupdates", "requests"):
        response = client.get(f"{BASE}/{endpoint}.{fmt}", query)
        [text] = assert_errors(response, 400, fmt)
        assert expected in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_and_huge_numbers_are_refused_in_the_error_format(client, category, fmt):
    nul = client.get(f"{BASE}/servicerequestupdates.{fmt}?start_date=2026-03-18%00")
    huge_id = client.get(f"{BASE}/requests/{2**63}.{fmt}")
    huge_list = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": str(2**63)})
    huge_code = client.get(f"{BASE}/services/{2**63}.{fmt}")
    huge_point = post_form(client, ayse_report(category, lat=str(2**63), long="28.9"), fmt)

    assert_errors(nul, 400, fmt)
    assert nul["Access-Control-Allow-Origin"] == "*"
    assert_errors(huge_id, 404, fmt)
    assert huge_list.status_code == 200
    assert_errors(huge_code, 404, fmt)
    assert_errors(huge_point, 400, fmt)


# --- 3. CORS ------------------------------------------------------------------------------------------


def test_other_origins_read_every_answer_without_credentials(client, category):
    origin = {"Origin": "https://harita.example.org"}
    services_answer = client.get(f"{BASE}/services.json", headers=origin)
    refusal = client.get(f"{BASE}/requests/123.json", headers=origin)

    for response in (services_answer, refusal):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
    assert services_answer.status_code == 200 and refusal.status_code == 404


@pytest.mark.parametrize("path", ["services.json", "requests.xml", "servicerequestupdates.json"])
def test_a_browsers_preflight_is_answered(client, category, path):
    response = client.options(
        f"{BASE}/{path}",
        headers={
            "Origin": "https://harita.example.org",
            "Access-Control-Request-Method": "POST" if path.startswith("requests") else "GET",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )

    assert response.status_code == 204 and response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    methods = set(response["Access-Control-Allow-Methods"].split(", "))
    assert methods == (
        {"GET", "HEAD", "OPTIONS", "POST"} if path.startswith("requests") else {"GET", "HEAD", "OPTIONS"}
    )
    assert {"content-type", "idempotency-key"} <= {
        header.strip().lower() for header in response["Access-Control-Allow-Headers"].split(",")
    }
    assert "Access-Control-Allow-Credentials" not in response


def test_a_post_from_another_origin_goes_through_with_its_key_and_without_csrf(category):
    browser = Client(enforce_csrf_checks=True)
    origin = {"Origin": "https://harita.example.org"}

    accepted = post_form(browser, ayse_report(category), headers=origin)
    refused = post_form(browser, ayse_report(category, api_key=None, description="Başka"), headers=origin)

    assert accepted.status_code == 200, accepted.content
    assert accepted["Access-Control-Allow-Origin"] == "*"
    assert_errors(refused, 403)
    assert Case.objects.count() == 1
    # Other methods: 405 with Allow, still readable from the other origin.
    deleted = browser.delete(f"{BASE}/requests.json", headers=origin)
    assert_errors(deleted, 405)
    assert "OPTIONS" in deleted["Allow"] and deleted["Access-Control-Allow-Origin"] == "*"


# --- 4. discovery ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/open311/discovery", f"{BASE}/discovery"])
def test_three_starts_at_discovery_and_follows_the_endpoint(client, category, settings, path):
    settings.KENTMASA_OPEN311 = {
        **settings.KENTMASA_OPEN311,
        "contact": "Alo 153, acikveri@esenler.bel.tr",
        "key_service": "https://alo153.esenler.bel.tr/open311-anahtar/",
    }
    document = as_json(client.get(f"{path}.json"))

    assert list(document) == ["changeset", "contact", "key_service", "endpoints"]
    assert document["contact"] == "Alo 153, acikveri@esenler.bel.tr"
    assert document["key_service"] == "https://alo153.esenler.bel.tr/open311-anahtar/"
    [endpoint] = document["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "https://alo153.esenler.bel.tr/open311/v2",
        "changeset": document["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    assert dt.datetime.fromisoformat(document["changeset"]).tzinfo is not None
    # What `three` does next: the endpoint's url + "/services.json", on this server.
    services_path = endpoint["url"].removeprefix(settings.KENTMASA_PUBLIC_URL) + "/services.json"
    assert [service["service_name"] for service in as_json(client.get(services_path))] == [category.name]

    root = as_xml(client.get(f"{path}.xml"))
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert endpoints is not None
    [xml_endpoint] = endpoints
    assert xml_endpoint.tag == "endpoint"
    assert children(xml_endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert [format.text for format in xml_endpoint.find("formats")] == ["text/xml", "application/json"]
    assert {format.tag for format in xml_endpoint.find("formats")} == {"format"}
    assert xml_endpoint.findtext("url") == "https://alo153.esenler.bel.tr/open311/v2"


def test_a_test_installation_says_so_in_discovery(client, settings):
    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "endpoint_type": "test"}
    assert as_json(client.get("/open311/discovery.json"))["endpoints"][0]["type"] == "test"
    assert client.get("/open311/discovery.json")["Access-Control-Allow-Origin"] == "*"


# --- 5. requests sent with an address only ----------------------------------------------------------------


def _area(kind, name, parent=None, lat=41.04, lon=28.87, code="1"):
    return Area.objects.create(
        kind=kind,
        name=name,
        display_name=name,
        name_key=area_key(name),
        code=code,
        parent=parent,
        province_code="34",
        geometry='{"type": "Polygon", "coordinates": []}',
        min_lon=lon - 0.01,
        min_lat=lat - 0.01,
        max_lon=lon + 0.01,
        max_lat=lat + 0.01,
        centroid_lat=lat,
        centroid_lon=lon,
    )


@pytest.fixture
def esenler_areas(db):
    istanbul = _area(Area.Kind.PROVINCE, "İstanbul", lat=41.1, lon=28.9, code="34")
    esenler = _area(Area.Kind.DISTRICT, "Esenler", istanbul, lat=41.04, lon=28.88, code="3401")
    return _area(
        Area.Kind.NEIGHBOURHOOD, "Atışalanı Mahallesi", esenler, lat=41.047312, lon=28.869441, code="340101"
    )


def test_an_address_only_request_gets_its_mahalles_point(client, category, esenler_areas):
    form = ayse_report(
        category, lat=None, long=None, address_string="Atışalanı Mah. Cumhuriyet Cd. No 12, Esenler"
    )
    answer = as_json(post_form(client, form))[0]
    case = Case.objects.get(tracking_number=answer["service_request_id"])

    [shown] = as_json(client.get(f"{BASE}/requests/{case.tracking_number}.json"))
    root = as_xml(client.get(f"{BASE}/requests/{case.tracking_number}.xml"))

    assert (shown["lat"], shown["long"]) == (41.047312, 28.869441)
    assert root.find("request").findtext("lat") == "41.047312"
    assert case.neighbourhood.startswith("Atışalanı") and case.district == "Esenler"
    # Marked as found from the address, not measured, on the opening and on the message.
    assert case.events.get(action="open").data["point"] == "geocoded_from_address"
    assert Message.objects.get(case=case).data["point"] == "geocoded_from_address"


def test_an_address_no_mahalle_fits_stays_without_a_point(client, category, esenler_areas):
    sent = reported(client, category, lat=None, long=None, address_string="Bilinmeyen Mah. No 3, Esenler")
    measured = reported(client, category, description="Başka bir çukur", address_string="Atışalanı Mah. No 1")

    [shown] = as_json(client.get(f"{BASE}/requests/{sent.tracking_number}.json"))

    assert shown["lat"] is None and shown["long"] is None
    assert "point" not in sent.events.get(action="open").data
    # A point the client sent is kept as sent, never replaced by the mahalle's.
    assert (str(measured.latitude), str(measured.longitude)) == ("41.043812", "28.875731")
    assert "point" not in Message.objects.get(case=measured).data


# --- 6. what GET descriptions hide ----------------------------------------------------------------------


def test_descriptions_hide_what_is_personal_and_keep_other_numbers(client, category):
    text = (
        "AYŞE KAYA yazıyor: 18.03.2026 10:45'te çukura düştüm, fotoğraf 20260318104512.jpg. "
        "Arayın: +90 (532) 123-45-67 ya da 0 532 123 45 67, ev 0212 440 11 90, "
        "e-posta ayse.kaya@example.com. "
        "TC 10000000146. Plaka 34 ABC 123 olan araç. Önceki başvuru 2600012347, saat 1733300000. "
        "Sayaç no 12345678901. Ayse'nin komşusu Kayahan Bey."
    )
    case = reported(client, category, description=text)

    [shown] = as_json(client.get(f"{BASE}/requests/{case.tracking_number}.json"))

    assert shown["description"] == (
        "*** *** yazıyor: 18.03.2026 10:45'te çukura düştüm, fotoğraf 20260318104512.jpg. "
        "Arayın: *** ya da ***, ev ***, e-posta ***. "
        "TC ***. Plaka 34 ABC 123 olan araç. Önceki başvuru 2600012347, saat 1733300000. "
        "Sayaç no 12345678901. ***'nin komşusu Kayahan Bey."
    )


# --- 7. requests.json: start_date alone, long ago ---------------------------------------------------------


def test_an_old_start_date_alone_reads_the_90_days_from_it(client, category):
    case = reported(client, category)
    long_ago = timezone.now() - dt.timedelta(days=200)
    Case.objects.filter(pk=case.pk).update(received_at=long_ago)
    recent = reported(client, category, description="Yeni çukur")

    old = as_json(
        client.get(f"{BASE}/requests.json", {"start_date": fms_time(long_ago - dt.timedelta(days=5))})
    )
    late = as_json(
        client.get(f"{BASE}/requests.json", {"end_date": fms_time(long_ago + dt.timedelta(days=5))})
    )
    now = as_json(client.get(f"{BASE}/requests.json"))

    assert [request["service_request_id"] for request in old] == [case.tracking_number]
    assert [request["service_request_id"] for request in late] == [case.tracking_number]
    assert [request["service_request_id"] for request in now] == [recent.tracking_number]


@pytest.fixture
def kayseri_category(other_institution):
    return Category.objects.create(institution=other_institution, name="Kaldırım onarımı")
