"""The service standard on the public form, in a real Chromium: Ayşe picks a topic and sees its completion
time and deadline change with it, then follows the link to the institution's standards table, where the
row of her topic is marked and the first and second application places stand under the table."""

import os
import re

import pytest
from playwright.sync_api import expect

from kentmasa.cases import standards
from kentmasa.directory.models import Category, Service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def park_topic(institution, parks, places):
    service = Service.objects.create(
        institution=institution,
        unit=parks,
        number=2,
        name="Park ve yeşil alan bakımı",
        documents="1- Dilekçe",
        completion_time="30 GÜN",
        first_application_place=places[0],
        second_application_place=places[1],
    )
    return Category.objects.create(institution=institution, name="Park bakımı", service=service, unit=parks)


def test_the_hint_follows_the_topic_and_its_link_opens_the_standards_table(
    new_page, institution, category, park_topic
):
    page = new_page()
    page.goto(f"/basvuru/{institution.slug}/")
    hint = page.locator("#standard-hint-text")
    expect(hint).to_be_empty()

    page.select_option("#id_category", str(category.pk))
    road_due = standards.hint(institution, category).due_text
    expect(hint).to_have_text(
        f"Hizmet standardı: 15 iş günü. Başvurunuzu şimdi gönderirseniz son tarih: {road_due}."
    )

    page.select_option("#id_category", str(park_topic.pk))
    park_due = standards.hint(institution, park_topic).due_text
    expect(hint).to_have_text(
        f"Hizmet standardı: 30 gün. Başvurunuzu şimdi gönderirseniz son tarih: {park_due}."
    )
    assert park_due != road_due
    link = page.locator("#standard-hint-link")
    expect(link).to_have_attribute("href", re.compile(rf"#hizmet-{park_topic.service_id}$"))

    with page.expect_popup() as opened:
        link.click()
    table = opened.value
    table.wait_for_load_state()
    expect(table).to_have_title("Esenler Belediyesi hizmet standartları")
    # One printed table per publishing unit (roads, then parks), each with its places.
    expect(table.locator("table")).to_have_count(2)
    expect(table.locator("table").last.get_by_role("columnheader")).to_have_text(
        [
            "Sıra No",
            "Hizmetin Adı",
            "Başvuruda İstenilen Belgeler",
            "Hizmetin Tamamlanma Süresi (En Geç)",
        ]
    )
    row = table.locator(f"#hizmet-{park_topic.service_id}")
    expect(row).to_contain_text("Park ve yeşil alan bakımı")
    expect(row).to_contain_text("30 GÜN")
    # The row the link points at is marked (:target), and the places stand under the table.
    assert row.evaluate("element => element.matches(':target')")
    expect(table.get_by_role("heading", name=re.compile("^İlk Müracaat Yeri")).last).to_be_visible()
    expect(table.get_by_role("heading", name=re.compile("^İkinci Müracaat Yeri")).last).to_be_visible()
    expect(table.get_by_text("Ayşe Yılmaz").last).to_be_visible()
    # The footer links the same page from every citizen page of the institution.
    expect(page.locator("#footer-standards")).to_have_attribute("href", f"/standartlar/{institution.slug}/")


def test_without_a_topic_list_the_form_shows_the_web_row_at_once(new_page, other_institution):
    Service.objects.create(
        institution=other_institution,
        number=7,
        name="Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları",
        completion_time="10 GÜN",
        channels=["web"],
    )
    page = new_page()
    page.goto(f"/basvuru/{other_institution.slug}/")

    due = standards.hint(other_institution, None).due_text
    expect(page.locator("#standard-hint-text")).to_have_text(
        f"Hizmet standardı: 10 gün. Başvurunuzu şimdi gönderirseniz son tarih: {due}."
    )
