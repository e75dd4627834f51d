"""The administrator configures the directory through the Django admin, in Turkish."""

import pytest
from django.urls import reverse

from kentmasa.directory.models import Service, User

pytestmark = pytest.mark.django_db

MODELS = ["institution", "unit", "team", "user", "applicationplace", "service", "category"]


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_add_page_opens_in_turkish(admin_client, model, category, road_team, road_staff):
    changelist = admin_client.get(reverse(f"admin:directory_{model}_changelist"))
    add = admin_client.get(reverse(f"admin:directory_{model}_add"))

    assert changelist.status_code == 200
    assert "Değiştirmek için" in changelist.text
    assert "Site yönetimi" in changelist.text or "Django yönetimi" in changelist.text
    assert add.status_code == 200
    assert " ekle" in add.text


def test_change_pages_open_for_the_fixtures(admin_client, institution, category, road_team, road_staff):
    for obj in (
        institution,
        category.unit,
        road_team,
        road_staff,
        category.service.first_application_place,
        category.service,
        category,
    ):
        url = reverse(f"admin:directory_{obj._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200, url


def test_the_service_list_shows_how_the_completion_time_was_read(admin_client, service):
    Service.objects.create(
        institution=service.institution, name="KADES", completion_time="anlık olarak bildirilir"
    )

    page = admin_client.get(reverse("admin:directory_service_changelist")).text

    assert "15 İŞ GÜNÜ *BİRDEN FAZLA KURUMU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ" in page
    assert "15 iş günü" in page
    assert "30 iş günü" in page
    assert "KADES" in page


def test_a_service_whose_time_cannot_be_read_shows_why(admin_client, service):
    Service.objects.filter(pk=service.pk).update(completion_time="yakında")

    page = admin_client.get(reverse("admin:directory_service_change", args=[service.pk])).text

    assert "Tamamlanma süresi okunamadı: &quot;yakında&quot;" in page


def test_the_service_list_searches_by_name(admin_client, service):
    Service.objects.create(
        institution=service.institution, name="Zabıta şikayetleri", completion_time="10 GÜN"
    )

    page = admin_client.get(reverse("admin:directory_service_changelist"), {"q": "zabıta"}).text

    assert "Zabıta şikayetleri" in page
    assert "Yol bakım ve onarım talepleri" not in page


def test_a_category_picks_its_service_and_unit_by_autocomplete(admin_client, service):
    page = admin_client.get(reverse("admin:directory_category_add")).text

    assert page.count("admin-autocomplete") >= 2
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "directory", "model_name": "category", "field_name": "service", "term": "yol"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Yol bakım ve onarım talepleri"]


def test_a_staff_member_is_given_an_institution_and_a_role(admin_client, institution, roads):
    response = admin_client.post(
        reverse("admin:directory_user_add"),
        {
            "username": "ayse",
            "password1": "kentmasa-guclu-parola-1",
            "password2": "kentmasa-guclu-parola-1",
            "usable_password": "true",
            "role": "unit_staff",
            "institution": institution.pk,
        },
    )

    assert response.status_code == 302
    ayse = User.objects.get(username="ayse")
    assert (ayse.role, ayse.institution) == ("unit_staff", institution)
