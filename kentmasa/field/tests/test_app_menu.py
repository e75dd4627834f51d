"""The field app's header menu (/saha/): the office pages a field user works — "Yeni başvuru" (/saha/yeni/),
"Ziyaret defteri" (/saha/ziyaret/) and, for a team leader, "Ekibim" (/saha/ekip/) — and on a work order
"Tutanak yaz" (/saha/tutanak/<case>/) for those who may write inspection reports
(kentmasa.field.inspections.may_write). The links are network pages: field.js stops them offline with a
Turkish note (data-network; the browser test shows it)."""

import json
import re

import pytest
from django.test import Client

from kentmasa.cases import services as cases
from kentmasa.field import inspections
from kentmasa.field.tests import api_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def menu_links(page: str) -> dict[str, tuple[str, str]]:
    """id → (href, label) of the links in the header's menu."""
    menu = re.search(r'<details class="field-menu" id="field-menu">(.*?)</details>', page, re.S)
    assert menu, "no menu in the header"
    links = re.findall(r'<a href="([^"]+)" id="([\w-]+)" data-network>([^<]+)</a>', menu.group(1))
    return {link_id: (href, label) for href, link_id, label in links}


def test_a_member_has_yeni_basvuru_and_ziyaret_defteri_in_turkish_and_they_open(world):
    client = signed_in(world.mehmet)
    page = client.get("/saha/").content.decode()
    assert ">Menü</summary>" in page
    assert menu_links(page) == {
        "menu-new-case": ("/saha/yeni/", "Yeni başvuru"),
        "menu-visits": ("/saha/ziyaret/", "Ziyaret defteri"),
    }
    assert 'id="field-nav-note"' in page
    for href in ("/saha/yeni/", "/saha/ziyaret/"):
        assert client.get(href).status_code == 200, href
    # Not a leader: no "Ekibim", and the leader's page is refused.
    assert client.get("/saha/ekip/").status_code == 403


def test_a_team_leader_also_has_ekibim(world):
    client = signed_in(world.ahmet)
    links = menu_links(client.get("/saha/").content.decode())
    assert links["menu-team"] == ("/saha/ekip/", "Ekibim")
    assert list(links) == ["menu-new-case", "menu-visits", "menu-team"]
    assert client.get("/saha/ekip/").status_code == 200


def test_the_scripts_texts_for_the_report_link_and_the_offline_note_are_turkish(world):
    page = signed_in(world.mehmet).get("/saha/").content.decode()
    block = re.search(r'<script id="field-texts" type="application/json">(.*?)</script>', page, re.S)
    texts = json.loads(block.group(1))
    assert texts["write_report"] == "Tutanak yaz"
    assert texts["needs_network"].startswith("Bağlantı yok: bu sayfa için bağlantı gerekir.")


def test_each_work_order_carries_its_report_page_for_those_who_may_write_and_it_opens(world):
    order = world.order()
    client = signed_in(world.mehmet)
    listed = client.get("/saha/api/isler/").json()["work_orders"]
    assert [o["id"] for o in listed] == [order.pk]
    assert listed[0]["inspection_url"] == f"/saha/tutanak/{order.case_id}/"
    page = client.get(listed[0]["inspection_url"])
    assert page.status_code == 200
    assert 'name="findings"' in page.content.decode()


def test_no_report_page_where_the_user_may_not_write(world, make_user):
    order = world.order()
    other = world.case(subject="Başka çukur")
    # Zeynep (parks team) has no work order on these cases: she cannot see them, so she may not write.
    assert inspections.writable_cases(world.zeynep, {order.case_id, other.pk}) == set()
    assert inspections.writable_cases(world.mehmet, {order.case_id}) == {order.case_id}
    # A merged case takes no report (may_write says the same).
    cases.merge(order.case, actor=None, into=other)
    order.case.refresh_from_db()
    assert not inspections.may_write(world.mehmet, order.case)
    assert inspections.writable_cases(world.mehmet, {order.case_id}) == set()
    # An inactive member: none.
    world.mehmet.is_active = False
    world.mehmet.save(update_fields=["is_active"])
    assert inspections.writable_cases(world.mehmet, {other.pk}) == set()
