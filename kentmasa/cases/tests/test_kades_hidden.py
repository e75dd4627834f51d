"""A KADES incident is never shown to anybody outside the police (kentmasa.channels.silence): not on the
tracking page, whatever number and code are typed; not to Open311 apps, even after staff moved a report
there to a police-only topic; not on a public form as a topic to choose. Reports are for staff only, and
every page that answers without signing in is one reviewed for KADES here (the wall screens' own test is
kentmasa/reports/tests/test_wallboard.py::test_kades_cases_never_appear_on_a_board).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Case, Channel, Kind, Priority
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views.public import GRANTS_KEY, RECEIPT_KEY
from kentmasa.channels.models import Message
from kentmasa.directory.models import Category, Institution, Unit
from kentmasa.reports import urls as report_urls

pytestmark = pytest.mark.django_db

OPEN311 = "/open311/v2"
API_KEY = "o311-test-key-esenler"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_SENDERS = {}  # nothing is sent from these tests; what is sent is test_kades_silence's
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde"},
        "rate": "1000/d",
    }


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet",
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )


@pytest.fixture
def haber_merkezi(police):
    return Unit.objects.create(institution=police, name="Haber Merkezi")


@pytest.fixture
def kades_topic(police, haber_merkezi):
    return Category.objects.create(
        institution=police, name="KADES yardım çağrısı", unit=haber_merkezi, public=False
    )


@pytest.fixture
def noise_topic(police, haber_merkezi):
    return Category.objects.create(institution=police, name="Gürültü şikayeti", unit=haber_merkezi)


@pytest.fixture
def elif_(police):
    return find_or_create_citizen(
        police, name="Elif Yıldız", phone="+905329876543", email="elif.yildiz@example.com", proven=STAFF
    )


def open_case(police, topic, citizen, channel=Channel.KADES, subject="KADES ihbarı") -> Case:
    return services.open_case(
        institution=police,
        channel=channel,
        subject=subject,
        category=topic,
        citizen=citizen,
        priority=Priority.URGENT,
    )


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


def look_up(client: Client, case: Case, code: str):
    return client.post(
        reverse("public:track"), {"number": format_tracking_number(case.tracking_number), "code": code}
    )


def not_found_message(response) -> str:
    match = re.search(r'<p[^>]*id="track-error"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    assert match, "the generic not-found message is missing"
    return match.group(1).strip()


# -- the tracking page ---------------------------------------------------------------------------------------


def test_her_number_and_code_find_nothing_as_if_the_code_were_wrong(client, police, kades_topic, elif_):
    kades = open_case(police, kades_topic, elif_)
    wrong_code = f"{(int(kades.verification_code) + 1) % 10**6:06d}"

    right = look_up(client, kades, kades.verification_code)
    wrong = look_up(Client(REMOTE_ADDR="203.0.113.7"), kades, wrong_code)
    page = client.get(reverse("public:track_case", args=[kades.tracking_number]))

    assert right.status_code == wrong.status_code == 200
    assert not_found_message(right) == not_found_message(wrong)
    for response in (right, wrong):
        assert "KADES" not in response.content.decode() and "Elif" not in response.content.decode()
    assert client.session.get(GRANTS_KEY, []) == []
    assert page.status_code == 302 and page["Location"].startswith(reverse("public:track"))


def test_an_ordinary_case_of_hers_is_still_tracked(client, police, noise_topic, elif_):
    ordinary = open_case(police, noise_topic, elif_, channel=Channel.PHONE, subject="Gürültü")

    found = look_up(client, ordinary, ordinary.verification_code)
    page = client.get(found["Location"])

    assert found["Location"] == reverse("public:track_case", args=[ordinary.tracking_number])
    assert page.status_code == 200 and "Gürültü" in page.content.decode()


def test_a_case_set_to_kades_closes_to_the_browser_that_had_it_open(client, police, noise_topic, elif_):
    """A look-up stays open in the browser for two hours; the case becoming KADES closes it at once: the
    page, the photo she sent and the receipt page."""
    case = open_case(police, noise_topic, elif_, channel=Channel.PHONE, subject="Gürültü")
    sent = add_attachment(case, photo(), name="kapi.jpg", public=True)
    look_up(client, case, case.verification_code)
    session = client.session
    session[RECEIPT_KEY] = case.pk
    session.save()
    photo_url = reverse("public:photo", args=[case.tracking_number, sent.pk])
    assert client.get(reverse("public:track_case", args=[case.tracking_number])).status_code == 200
    assert client.get(photo_url).status_code == 200
    assert client.get(reverse("public:receipt")).status_code == 200

    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)

    page = client.get(reverse("public:track_case", args=[case.tracking_number]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("public:track"))
    assert client.get(photo_url).status_code == 404
    receipt = client.get(reverse("public:receipt"))
    assert receipt.status_code == 302 and receipt["Location"] == reverse("public:track")


# -- Open311 -------------------------------------------------------------------------------------------------


def report_from_an_app(client, category) -> Case:
    response = client.post(
        f"{OPEN311}/requests.json",
        data={
            "api_key": API_KEY,
            "service_code": str(category.pk),
            "lat": "41.043812",
            "long": "28.875731",
            "email": "komsu@example.com",
            "description": "Yan dairede kavga var, kadın yardım istiyor.",
            "media": SimpleUploadedFile("kapi.jpg", photo(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 200, response.content
    return Case.objects.get(channel=Channel.OPEN311)


def published(client, case: Case) -> dict[str, int | list]:
    """What an Open311 app may read of the case: the list, the request, its token and its photo."""
    listed = client.get(f"{OPEN311}/requests.json").json()
    detail = client.get(f"{OPEN311}/requests/{case.tracking_number}.json")
    by_id = client.get(f"{OPEN311}/requests.json?{urlencode({'service_request_id': case.tracking_number})}")
    token = Message.objects.get(case=case, direction=Message.Direction.IN).external_id
    attachment = case.attachments.get()
    media = client.get(f"{OPEN311}/media/{attachment.pk}-{attachment.sha256[:16]}.jpg")
    return {
        "listed": [request["service_request_id"] for request in listed],
        "by_id": [request["service_request_id"] for request in by_id.json()],
        "detail": detail.status_code,
        "token": client.get(f"{OPEN311}/tokens/{token}.json").status_code,
        "media": media.status_code,
    }


def test_open311_stops_showing_a_report_staff_moved_to_the_police_kades_topic(
    client, category, police, kades_topic, operator
):
    case = report_from_an_app(client, category)
    number = case.tracking_number
    shown = published(client, case)
    assert shown == {"listed": [number], "by_id": [number], "detail": 200, "token": 200, "media": 200}
    media_url = client.get(f"{OPEN311}/requests/{number}.json").json()[0]["media_url"]
    assert urlparse(media_url).path.startswith(f"{OPEN311}/media/")

    # The municipality hands it to the police, under the topic only the police record.
    services.transfer(case, actor=operator, institution=police, category=kades_topic)

    assert published(client, case) == {"listed": [], "by_id": [], "detail": 404, "token": 404, "media": 404}
    listed = client.get(f"{OPEN311}/requests.json").content.decode()
    assert "KADES" not in listed and "Haber Merkezi" not in listed


def test_open311_never_shows_a_report_set_to_kades(client, category):
    case = report_from_an_app(client, category)
    Case.objects.filter(pk=case.pk).update(channel=Channel.KADES)

    assert published(client, case) == {"listed": [], "by_id": [], "detail": 404, "token": 404, "media": 404}


# -- public forms --------------------------------------------------------------------------------------------


def test_the_police_form_and_open311_offer_no_kades_topic_and_refuse_one_sent_anyway(
    client, police, kades_topic, noise_topic, settings
):
    settings.KENTMASA_OPEN311 = {**settings.KENTMASA_OPEN311, "jurisdictions": {"polis": police.slug}}
    form_url = reverse("public:form", args=[police.slug])

    page = client.get(form_url).content.decode()
    posted = client.post(
        form_url,
        {
            "kind": Kind.TIP_OFF,
            "category": kades_topic.pk,
            "subject": "Yardım",
            "text": "Komşumun evinden çığlıklar geliyor.",
            "kvkk": "on",
        },
    )
    services_list = client.get(f"{OPEN311}/services.json?jurisdiction_id=polis").json()
    app_report = client.post(
        f"{OPEN311}/requests.json",
        data={
            "api_key": API_KEY,
            "jurisdiction_id": "polis",
            "service_code": str(kades_topic.pk),
            "lat": "39.7767",
            "long": "30.5206",
            "description": "Yardım",
        },
    )

    assert "Gürültü şikayeti" in page and "KADES" not in page
    assert posted.status_code == 200
    assert [e.code for e in posted.context["form"].errors.as_data()["category"]] == ["invalid_choice"]
    assert [service["service_name"] for service in services_list] == ["Gürültü şikayeti"]
    assert app_report.status_code == 404
    assert not Case.objects.exists()


# -- every page anyone can open ------------------------------------------------------------------------------

# What answers an anonymous GET, each reviewed for KADES: the application form (no police-only topic, above;
# kentmasa/cases/tests/test_public_topics.py), the tracking page (a KADES case is never found, above), the
# personal data notice, the log-in pages, the web app's manifest and service worker, and the API's schema.
# Pages behind a key are tested where they live: Open311 (above), the wall screens (test_wallboard.py), the
# tracking page of a case looked up (above).
REVIEWED_PUBLIC_PAGES = {
    "public:form",
    "public:track",
    "public:kvkk",
    # The service standards tables and the form's deadline hint: directory data, never a case
    # (test_standards_page: the police table shows its KADES row and no KADES incident).
    "standards:index",
    "standards:table",
    "standards:hint",
    "cases:login",
    "django.contrib.admin.sites.AdminSite.login",  # /admin/login/, under the log-in limits
    "admin:login",
    "manifest",
    "field:manifest",  # the field app's manifest (/saha/manifest.webmanifest): names and icons only
    "service_worker",
    "api:openapi-json",
    "api:openapi-view",
}


def _routes(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or entry.lookup_str}"


def _example(route: str) -> str | None:
    """An address for the route with made-up arguments; None for a regular expression's."""
    if any(mark in route for mark in ("^", "(?P", "\\")):
        return None
    route = re.sub(r"<int:\w+>", "1", route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "x", route)


def test_every_page_that_answers_without_signing_in_is_reviewed_for_kades(db):
    anonymous = Client(raise_request_exception=False)
    answering = set()
    for route, name in _routes(get_resolver().url_patterns):
        url = _example(route)
        if url is not None and anonymous.get(url).status_code == 200:
            answering.add(name)

    assert answering - REVIEWED_PUBLIC_PAGES == set(), (
        "A new page answers without signing in: show that no KADES case appears on it, then list it here."
    )


def test_reports_maps_and_exports_are_for_staff_only(client, police, kades_topic, elif_):
    open_case(police, kades_topic, elif_)
    login = reverse("cases:login")
    for entry in report_urls.urlpatterns:
        url = "/raporlar/" + re.sub(r"<int:\w+>", "1", str(entry.pattern))
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
