"""The field app's other pages, reached from the phone app's header menu, in a real Chromium on a 390×844
phone with an emulated position (like test_browser_app.py).

* The menu leads to "Yeni başvuru", "Ziyaret defteri" and, for a leader, "Ekibim"; a work order's screen to
  "Tutanak yaz". Every one of those pages fits the phone: the viewport meta, no horizontal scroll, controls
  big enough to touch. Offline the app says "Bağlantı yok" instead of leaving for the browser's error page.
* Ahmet, who leads Asfalt Ekibi 1 (Mehmet and Can in it), gives Mehmet's work order to Can on /saha/ekip/:
  the database and the timeline say so, Can's app lists it and Mehmet's no longer does.
* Mehmet opens a case on the spot from the menu: a category, his position from the phone, a photo with its
  own GPS data; the case exists once, channel field, with the position, the photo's place, routed to the
  roads unit.
"""

import os
from decimal import Decimal

import pytest
from django.test import Client

from kentmasa.cases.models import Attachment, Case, Channel, Event
from kentmasa.directory.models import User
from kentmasa.field.models import FieldAction, WorkOrder
from kentmasa.field.tests import api_world
from kentmasa.field.tests.test_browser_app import HERE, PHONE, go_offline, jpeg, open_app
from kentmasa.field.tests.test_browser_app import phone as phone  # the fixture
from kentmasa.notify.models import Notification

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the camera's GPS put the photo of the new case (a few metres from the phone at HERE).
PHOTO_GPS = (41.043412, 28.876655)
# Tap targets: at least this tall in CSS pixels (Apple's 44 pt; Android's 48 dp is the app's own buttons).
TOUCH_PX = 44


@pytest.fixture
def world(transactional_db, institution, roads, parks, make_user, make_case, category):
    built = api_world.build(institution, roads, parks, make_user, make_case)
    can = make_user(User.Role.FIELD_TEAM, "can", teams=[built.team])
    can.first_name, can.last_name = "Can", "Aydın"
    can.save(update_fields=["first_name", "last_name"])
    return built, can


def api_list(user) -> list[int]:
    client = Client()
    client.force_login(user)
    answer = client.get("/saha/api/isler/")
    assert answer.status_code == 200
    return [order["id"] for order in answer.json()["work_orders"]]


def open_menu(page, link_id: str) -> None:
    page.click("#field-menu summary")
    page.click(f"#{link_id}")


def phone_friendly(page) -> dict:
    """What makes a page hard to use on the phone: its viewport meta, horizontal overflow, small controls."""
    return page.evaluate(
        """(touch) => {
          const meta = document.querySelector('meta[name=viewport]');
          const small = [];
          const controls = document.querySelectorAll(
            'main button, main select, main textarea, ' +
            'main input:not([type=hidden]):not([type=checkbox]):not([type=radio])'
          );
          controls.forEach((el) => {
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) return;  // not shown
            if (box.height < touch) {
              small.push((el.id || el.name || el.tagName) + ' ' + Math.round(box.height));
            }
          });
          const wide = [];
          document.querySelectorAll('body *').forEach((el) => {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > window.innerWidth + 1) {
              wide.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(box.right));
            }
          });
          return {
            viewport: meta ? meta.content : '',
            scroll: document.documentElement.scrollWidth,
            width: window.innerWidth,
            small: small,
            wide: wide.slice(0, 10),
          };
        }""",
        TOUCH_PX,
    )


def assert_phone_friendly(page) -> None:
    found = phone_friendly(page)
    assert "width=device-width" in found["viewport"], page.url
    assert found["width"] == PHONE["width"]
    assert found["scroll"] <= found["width"], (page.url, found["wide"])
    assert found["small"] == [], (page.url, found["small"])


def test_the_menu_leads_to_the_field_pages_each_usable_on_the_phone_and_offline_says_so(world, phone):
    built, _can = world
    order = built.order(assignee=built.ahmet)
    context = phone()
    page = open_app(context, "ahmet")
    assert page.inner_text("#field-menu summary") == "Menü"
    page.click("#field-menu summary")
    assert page.inner_text("#field-menu nav").split("\n") == ["Yeni başvuru", "Ziyaret defteri", "Ekibim"]
    assert page.eval_on_selector("#menu-new-case", "a => a.getBoundingClientRect().height") >= TOUCH_PX
    page.click("#field-menu summary")

    for link_id, path in (
        ("menu-new-case", "/saha/yeni/"),
        ("menu-visits", "/saha/ziyaret/"),
        ("menu-team", "/saha/ekip/"),
    ):
        page.goto("/saha/")
        page.wait_for_selector("#field-app[data-loaded]")
        open_menu(page, link_id)
        page.wait_for_url(f"**{path}")
        assert_phone_friendly(page)
    page.goto("/saha/ziyaret/yeni/")
    assert_phone_friendly(page)

    # The work order's screen: "Tutanak yaz" to its case's inspection report.
    page.goto(f"/saha/#is/{order.pk}")
    page.wait_for_selector("#order-report")
    assert page.inner_text("#order-report") == "Tutanak yaz"
    page.click("#order-report")
    page.wait_for_url(f"**/saha/tutanak/{order.case_id}/")
    assert_phone_friendly(page)

    # Offline: the app stays and says why instead of the browser's error page.
    page.goto("/saha/")
    page.wait_for_selector("#field-app[data-offline-ready=yes]", state="attached")
    go_offline(context)
    page.wait_for_selector("#field-app[data-online=no]", state="attached")
    open_menu(page, "menu-visits")
    page.wait_for_selector("#field-nav-note:not([hidden])")
    assert page.inner_text("#field-nav-note").startswith("Bağlantı yok")
    assert page.url.endswith("/saha/")
    assert page.is_visible("#field-orders")


def test_a_leader_gives_a_work_order_to_another_member_on_the_phone(world, phone):
    built, can = world
    order = built.order(assignee=built.mehmet, instructions="Soğuk asfalt ile yamayın.")
    assert order.pk in api_list(built.mehmet) and order.pk not in api_list(can)

    context = phone()
    page = open_app(context, "ahmet")
    open_menu(page, "menu-team")
    page.wait_for_url("**/saha/ekip/")
    assert_phone_friendly(page)
    item = f"#leader-order-{order.pk}"
    assert "Mehmet Demir" in page.inner_text(item)
    page.select_option(f"#id_wo{order.pk}-assignee", label="Can Aydın")
    with page.expect_navigation():
        page.click(f"#reassign-{order.pk}")
    assert "Work order reassigned" not in page.content()
    assert "Can Aydın" in page.inner_text(item)

    order.refresh_from_db()
    assert order.assignee_id == can.pk
    line = Event.objects.get(case=order.case, action="work_order_reassigned")
    assert line.actor_id == built.ahmet.pk and line.data["assignee"] == can.pk
    assert "Can Aydın" in line.note
    assert FieldAction.objects.filter(user=built.ahmet, kind="reassign", work_order=order).count() == 1
    assert Notification.objects.filter(user=can, kind="work_order", link=f"/saha/#is/{order.pk}").exists()
    # Can's phone lists it now, Mehmet's no longer; the leader still sees all of the team's.
    assert order.pk in api_list(can)
    assert order.pk not in api_list(built.mehmet)
    assert order.pk in api_list(built.ahmet)
    can_phone = open_app(phone(), "can")
    assert can_phone.is_visible(f"#field-orders > li[data-id='{order.pk}']")
    mehmet_phone = open_app(phone(), "mehmet")
    assert mehmet_phone.query_selector(f"#field-orders > li[data-id='{order.pk}']") is None


def test_a_member_opens_a_case_on_the_spot_from_the_app(world, phone, category):
    built, _can = world
    context = phone()
    page = open_app(context, "mehmet")
    open_menu(page, "menu-new-case")
    page.wait_for_url("**/saha/yeni/")
    assert_phone_friendly(page)
    page.select_option("#id_category", label=category.name)
    page.fill("#id_description", "Kaldırımda derin çukur, yayalar yola iniyor.")
    page.click("[data-field-position] [data-locate]")
    page.wait_for_function("() => document.querySelector('#id_latitude').value !== ''")
    assert page.input_value("#id_latitude") == f"{HERE['latitude']:.6f}"
    assert page.input_value("#id_longitude") == f"{HERE['longitude']:.6f}"
    photo = jpeg((1200, 900), (90, 90, 90), gps=PHOTO_GPS)
    page.set_input_files("#id_photos", {"name": "cukur.jpg", "mimeType": "image/jpeg", "buffer": photo})
    with page.expect_navigation():
        page.click("#field-case-submit")

    opened = Case.objects.filter(channel=Channel.FIELD)
    assert opened.count() == 1
    case = opened.get()
    assert case.category_id == category.pk
    assert case.unit_id == built.roads.pk  # routed like any other case: the category's unit
    assert case.latitude == Decimal(f"{HERE['latitude']:.6f}")
    assert case.longitude == Decimal(f"{HERE['longitude']:.6f}")
    assert Event.objects.filter(case=case, action="open", actor=built.mehmet).count() == 1
    stored = Attachment.objects.get(case=case)
    assert stored.kind == Attachment.Kind.PHOTO
    assert stored.position_source == "photo"
    assert stored.latitude is not None and stored.longitude is not None
    assert (float(stored.latitude), float(stored.longitude)) == pytest.approx(PHOTO_GPS, abs=1e-5)
    assert stored.taken_at is not None
    # The phone is told where it went (a field user does not see the case afterwards: back to a fresh form).
    said = page.inner_text("main")
    assert case.tracking_display in said and built.roads.name in said
    assert page.url.endswith("/saha/yeni/")
    assert page.input_value("#id_description") == ""
    assert WorkOrder.objects.count() == 0
