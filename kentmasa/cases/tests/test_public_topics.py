"""Police-only topics (a KADES alert, a camera footage request) never reach the public: the web form and
Open311 neither list nor accept them, while staff still record them at the console."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from kentmasa.cases.models import Case, Kind
from kentmasa.directory.models import Category

pytestmark = pytest.mark.django_db

OPEN311 = "/open311/v2"
API_KEY = "o311-test-key-esenler"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde"},
        "rate": "1000/d",
    }


@pytest.fixture
def kades(institution, roads):
    return Category.objects.create(
        institution=institution,
        name="KADES yardım çağrısı",
        unit=roads,
        keywords="kades şiddet",
        public=False,
    )


def application(category) -> dict:
    return {
        "kind": Kind.TIP_OFF,
        "category": category.pk,
        "subject": "Yardım",
        "text": "Komşumun evinden çığlıklar geliyor, yardım gerekiyor.",
        "name": "",
        "phone": "",
        "email": "",
        "tc_kimlik": "",
        "kvkk": "on",
        "website": "",
    }


def test_a_new_topic_is_public_unless_the_administrator_says_otherwise(institution, category, kades):
    assert category.public is True and kades.public is False


def test_the_public_form_neither_lists_nor_accepts_a_police_only_topic(client, institution, category, kades):
    form_url = reverse("public:form", args=[institution.slug])

    page = client.get(form_url).content.decode()
    refused = client.post(form_url, application(kades))
    accepted = client.post(form_url, application(category))

    assert "Yol çökmesi / çukur" in page and "KADES" not in page
    assert refused.status_code == 200
    assert [error.code for error in refused.context["form"].errors.as_data()["category"]] == [
        "invalid_choice"
    ]
    assert accepted.status_code == 302
    assert list(Case.objects.values_list("category", flat=True)) == [category.pk]


def open311_report(client, category):
    return client.post(
        f"{OPEN311}/requests.json",
        data=urlencode(
            {
                "api_key": API_KEY,
                "service_code": str(category.pk),
                "lat": "41.043812",
                "long": "28.875731",
                "email": "ayse.kaya@example.com",
                "description": "Evimin önünde yardım gerekiyor.",
            }
        ),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


def test_open311_neither_lists_nor_accepts_a_police_only_topic(client, category, kades):
    services = client.get(f"{OPEN311}/services.json").json()
    definition = client.get(f"{OPEN311}/services/{kades.pk}.json")
    refused = open311_report(client, kades)
    accepted = open311_report(client, category)

    assert [service["service_name"] for service in services] == ["Yol çökmesi / çukur"]
    assert definition.status_code == 404
    assert refused.status_code == 404 and "service_code" in refused.json()[0]["description"]
    assert accepted.status_code == 200
    assert list(Case.objects.values_list("category", flat=True)) == [category.pk]


def test_staff_still_find_the_police_only_topic_at_the_console(client, operator, kades):
    client.force_login(operator)

    options = client.get(reverse("cases:category_options"), {"q": "kades"}).content.decode()

    assert f'data-id="{kades.pk}"' in options


def test_the_administrator_sets_who_sees_a_topic(admin_client, kades):
    change = admin_client.get(reverse("admin:directory_category_change", args=[kades.pk])).content.decode()
    police_only = admin_client.get(reverse("admin:directory_category_changelist"), {"public__exact": "0"})

    assert 'name="public"' in change and "başvuru formunda" in change
    assert list(police_only.context["cl"].result_list) == [kades]
