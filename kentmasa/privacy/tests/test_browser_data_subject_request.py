"""A KVKK application from the desk to the export, in a real Chromium.

Ayşe comes to the desk and asks what the municipality holds on her. The administrator at the desk records
a "KVKK başvurusu" with her identity card seen and her TC kimlik no typed from it; the application's page
shows the identity proven at the desk, its 30-day clock and her earlier pothole case. He chooses the rights
she asks for (learn, information) and downloads the export: a PDF with her case and without her neighbour's.
"""

import datetime as dt
import os
import re

import pytest

from kentmasa.cases import services as cases
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Channel
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.privacy.models import DataSubjectRequest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AYSE_TC = "10000000146"


def test_a_kvkk_application_from_the_desk_to_the_export(
    new_page, make_user, institution, category, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_user(User.Role.ADMINISTRATOR, "admin")
    ayse = find_or_create_citizen(
        institution, name="Ayşe Kaya", tc_kimlik=AYSE_TC, phone="+905321234567", proven=STAFF
    )
    neighbour = find_or_create_citizen(institution, name="Veli Komşu", tc_kimlik="17291716060", proven=STAFF)
    received = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")
    for citizen, subject in ((ayse, "Gül Sokak çukuru"), (neighbour, "Komşunun gürültü şikâyeti")):
        cases.open_case(
            institution=institution,
            channel=Channel.PHONE,
            subject=subject,
            citizen=citizen,
            received_at=received,
        )

    page = new_page()
    page.goto("/giris/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto("/kanal/masa/")
    page.fill("#id_citizen_name", "Ayşe Kaya")
    page.fill("#id_citizen_phone", "0532 123 45 67")
    page.fill("#id_citizen_tc_kimlik", AYSE_TC)
    page.select_option("#id_kind", "data_subject_request")
    page.focus("#id_category_search")
    page.keyboard.type("çukur")
    page.wait_for_selector("#category-options [role=option]")
    page.keyboard.press("Enter")
    page.fill("#id_subject", "KVKK başvurusu")
    page.fill("#id_description", "Hakkımda tutulan kişisel verileri öğrenmek istiyorum.")
    page.select_option("#id_identity_document", "id_card")
    page.check("#id_identity_seen")
    page.click("#submit-desk-case")
    page.wait_for_selector("#new-tracking-number")

    request = DataSubjectRequest.objects.select_related("case").get()
    assert request.identity_method == "desk" and request.identity_by.username == "admin"

    page.goto("/kvkk/basvurular/")
    row = page.locator(f"#dsr-{request.pk}")
    assert "Masada" in row.inner_text() or "desk" in row.inner_text().lower()
    row.locator("a").click()
    page.wait_for_url(re.compile(rf"/kvkk/basvurular/{request.pk}/$"))
    assert page.get_attribute("#dsr-identity", "data-proven") == "yes"
    assert request.due_at.astimezone().strftime("%d.%m.%Y") in page.inner_text("#dsr-due")
    assert "Gül Sokak çukuru" in page.inner_text("#dsr-cases")
    assert "Komşunun" not in page.inner_text("#dsr-cases")

    page.check("#dsr-types-form input[value=learn]")
    page.check("#dsr-types-form input[value=information]")
    page.click("#dsr-types-form button[type=submit]")
    page.wait_for_selector("#dsr-message")
    assert "(m.11/a)" in page.inner_text("#dsr-types") or "11/a" in page.inner_text("#dsr-types")

    with page.expect_download() as download:
        page.click("#dsr-export-json")
    path = download.value.path()
    text = path.read_text(encoding="utf-8")
    assert "Gül Sokak çukuru" in text and "Komşunun" not in text and AYSE_TC in text

    response = page.request.get(f"/kvkk/basvurular/{request.pk}/disa-aktar.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.reload()
    assert "TL" in page.inner_text("#dsr-fee")
