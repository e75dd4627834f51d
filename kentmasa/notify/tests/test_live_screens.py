"""The live screens' server side for the browser (kentmasa/static/kentmasa/live.js): the header counts as
JSON, the live parts (regions) and the stream's address on each staff page, the console's latest cases, and
the overview's figures counted at most once per few seconds for everyone who sees the same cases."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.cases.views.console import LATEST_CASES, latest_cases
from kentmasa.directory.models import Category, Unit, User
from kentmasa.notify import context as header
from kentmasa.notify.live import latest_id
from kentmasa.notify.models import Notification
from kentmasa.reports import views as reports

COUNTS = "/bildirimler/sayilar/"
OVERVIEW = "/raporlar/"


# -- reading the pages -----------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent

    def ancestors(self) -> list[Element]:
        found, node = [], self.parent
        while node is not None:
            found.append(node)
            node = node.parent
        return found


class Page(HTMLParser):
    """A page's elements with their attributes and parents (enough to ask what lies inside what)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.open[-1] if self.open else None)
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), self.open[-1] if self.open else None))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def by_id(self, element_id: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id}"
        return found[0]

    @property
    def body(self) -> dict[str, str | None]:
        return next(e for e in self.elements if e.tag == "body").attrs

    def regions(self) -> dict[str, str]:
        """id -> topics of every element marked data-live-region."""
        return {
            str(e.attrs.get("id")): e.attrs.get("data-live-region") or "case"
            for e in self.elements
            if "data-live-region" in e.attrs
        }

    def region_of(self, element_id: str) -> str | None:
        for node in self.by_id(element_id).ancestors():
            if "data-live-region" in node.attrs:
                return node.attrs.get("id")
        return None


def served(user: User | None, path: str) -> Any:
    """The page as the ASGI web process serves it: only such a page listens to the live stream."""
    client = AsyncClient()
    if user is not None:
        client.force_login(user)
    return async_to_sync(client.get)(path)


def page(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


def note(user: User, text: str = "Size bir vaka atandı", read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user,
        kind="assigned",
        text=text,
        created_at=timezone.now(),
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def administrator(make_user):
    return make_user(User.Role.ADMINISTRATOR, "yonetici")


@pytest.fixture
def park_category(institution, parks):
    return Category.objects.create(institution=institution, name="Park bankı kırık", unit=parks)


# -- the header counts ------------------------------------------------------------------------------------


def test_the_counts_need_a_signed_in_member_of_staff(client):
    answer = client.get(COUNTS)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == "no-store"
    assert "unread" not in answer.json()


def test_a_switched_off_account_gets_no_counts(client, road_staff):
    client.force_login(road_staff)
    road_staff.is_active = False
    road_staff.save()
    assert client.get(COUNTS).status_code == 401


def test_the_counts_of_a_unit_member(client, road_staff, park_staff, make_case, parks, park_category):
    note(road_staff)
    note(road_staff, "İkinci")
    note(road_staff, "Okundu", read=True)
    note(park_staff, "Başkasının")
    make_case()  # new, in roads
    make_case(subject="İkinci çukur")
    make_case(subject="Bank kırık", category=park_category)  # another unit's
    client.force_login(road_staff)

    answer = client.get(COUNTS)

    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert answer.json() == {"unread": 2, "unread_label": "2", "queue_new": 2, "queue_new_label": "2"}


def test_an_operator_works_no_unit_queue(client, operator, make_case):
    make_case()
    client.force_login(operator)
    assert client.get(COUNTS).json() == {
        "unread": 0,
        "unread_label": "0",
        "queue_new": None,
        "queue_new_label": None,
    }


def test_the_counts_stop_at_the_cap(client, road_staff):
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(user=road_staff, kind="assigned", text=f"{n}", created_at=now)
            for n in range(header.CAP + 5)
        ]
    )
    client.force_login(road_staff)
    found = client.get(COUNTS).json()
    assert found["unread"] == header.CAP + 1
    assert found["unread_label"] == "99+"


def test_the_counts_answer_get_only(client, road_staff):
    client.force_login(road_staff)
    assert client.post(COUNTS).status_code == 405


# -- the live parts of each page ----------------------------------------------------------------------------


def assert_live_body(found: Page) -> None:
    body = found.body
    assert body.get("data-live-url") == "/canli/"
    assert body.get("data-live-counts") == COUNTS
    assert body.get("data-live-since") == str(latest_id())
    scripts = [e.attrs.get("src") or "" for e in found.elements if e.tag == "script"]
    assert any(src.endswith("kentmasa/live.js") for src in scripts)
    status = found.by_id("live-status")
    assert status.attrs.get("aria-live") == "polite"
    assert status.attrs.get("data-updated") == "Liste güncellendi"


def test_the_queue_is_live(road_staff, make_case):
    case = make_case()
    assert latest_id() > 0  # the case's opening is a live event: the page listens from after it
    found = page(served(road_staff, "/kuyruk/"))

    assert_live_body(found)
    assert found.regions() == {
        "queue-count": "case",
        "queue-rows": "case",
        "queue-bulk": "case",
        "queue-pages": "case",
    }
    assert found.region_of(f"case-{case.tracking_number}") == "queue-rows"
    assert found.region_of(f"select-{case.tracking_number}") == "queue-rows"  # ticked boxes are kept
    assert found.region_of("bulk-assign") == "queue-bulk"
    assert found.region_of("queue-filters") is None  # the filter form is the user's own
    assert "data-live-case" not in found.body
    assert "data-live-throttle" not in found.body


def test_the_case_page_refreshes_its_facts_and_timeline_never_its_forms(road_staff, make_case):
    case = make_case()
    found = page(served(road_staff, f"/vaka/{case.tracking_number}/"))

    assert_live_body(found)
    assert found.body.get("data-live-case") == str(case.pk)
    regions = found.regions()
    assert {"case-status-line", "case-details", "timeline", "attachments"} <= set(regions)
    assert found.region_of("case-status") == "case-status-line"
    assert regions["timeline"] == "case"
    # The forms the user types into are outside every live part.
    for form_id in ("comment-form", "upload-form", "id_comment-note"):
        assert found.region_of(form_id) is None, form_id
    forms = [e for e in found.elements if e.tag in ("form", "textarea", "select")]
    assert forms
    assert all(not any("data-live-region" in a.attrs for a in e.ancestors()) for e in forms)


def test_the_overview_refreshes_its_figures_at_most_every_five_seconds(administrator, make_case):
    make_case()
    found = page(served(administrator, OVERVIEW))

    assert_live_body(found)
    assert found.body.get("data-live-throttle") == "5000"
    assert set(found.regions()) == {
        "overview-as-of",
        "by-unit-region",
        "approvals-region",
        "by-service-region",
    }
    assert found.region_of("by-unit") == "by-unit-region"
    assert found.region_of("period-form") is None


def test_the_inbox_refreshes_its_list_on_notifications(road_staff):
    told = note(road_staff)
    found = page(served(road_staff, "/bildirimler/"))

    assert_live_body(found)
    assert found.regions() == {"inbox": "notification"}
    assert found.region_of(f"notification-{told.pk}") == "inbox"


def test_the_console_shows_its_latest_cases_live(operator, make_case):
    case = make_case()
    found = page(served(operator, "/konsol/"))

    assert_live_body(found)
    assert found.regions() == {"latest-cases-region": "case"}
    assert found.region_of(f"latest-{case.tracking_number}") == "latest-cases-region"
    assert found.region_of("new-case-form") is None
    assert found.region_of("caller-lookup") is None


def test_a_signed_out_visitor_gets_no_stream_and_costs_no_count(db):
    with CaptureQueriesContext(connection) as queries:
        found = page(served(None, "/giris/"))
    assert "data-live-url" not in found.body and "data-live-since" not in found.body
    assert not any(e.attrs.get("id") == "live-status" for e in found.elements)
    assert not any((e.attrs.get("src") or "").endswith("live.js") for e in found.elements)
    assert not any("notify_liveevent" in q["sql"] for q in queries.captured_queries)


def test_a_page_a_wsgi_server_served_does_not_listen(client, road_staff):
    """runserver and the tests' live_server cannot stream: their pages never open the stream."""
    client.force_login(road_staff)
    found = page(client.get("/kuyruk/"))
    assert "data-live-url" not in found.body
    assert not any((e.attrs.get("src") or "").endswith("live.js") for e in found.elements)
    assert found.regions()  # the same page, only not live


def test_a_page_without_the_header_never_reads_the_last_event(client, road_staff):
    client.force_login(road_staff)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(COUNTS)
    assert answer.status_code == 200
    assert not any("notify_liveevent" in q["sql"] for q in queries.captured_queries)


def test_a_live_refresh_leaves_the_messages_for_the_next_page(client, road_staff):
    note(road_staff)
    client.force_login(road_staff)
    client.post("/bildirimler/hepsi-okundu/")  # "All notifications are marked read."

    refreshed = client.get("/bildirimler/", headers={"X-Live-Refresh": "1"})
    assert 'id="messages"' not in refreshed.content.decode()

    shown = client.get("/bildirimler/").content.decode()
    assert 'id="messages"' in shown


def test_a_live_refresh_of_the_console_draws_no_map(client, operator, make_case):
    case = make_case(location={"latitude": 41.04, "longitude": 28.88})
    assert case.latitude is not None
    client.force_login(operator)
    # The page's map asks for the open cases in view itself (kentmasa/map_blocks.js); a refresh sets none up.
    assert client.get("/konsol/").context["map"]["blocks"]["filters"] == {"status": "active"}
    refreshed = client.get("/konsol/", headers={"X-Live-Refresh": "1"}).context["map"]
    assert "blocks" not in refreshed
    assert refreshed["points"] == []


# -- the console's latest cases -----------------------------------------------------------------------------


def test_the_console_lists_the_newest_cases_first_and_no_more_than_ten(client, operator, make_case):
    start = timezone.now() - dt.timedelta(days=1)
    made = [make_case(subject=f"Vaka {n}", received_at=start + dt.timedelta(minutes=n)) for n in range(12)]
    client.force_login(operator)

    shown = client.get("/konsol/").context["latest_cases"]

    assert LATEST_CASES == 10
    assert [c.pk for c in shown] == [c.pk for c in reversed(made)][:10]


def test_the_console_lists_no_case_of_another_institution(client, operator, make_case, other_institution):
    own = make_case()
    theirs = services.open_case(institution=other_institution, channel=Channel.PHONE, subject="Başka kurum")
    client.force_login(operator)

    html = client.get("/konsol/").content.decode()

    assert f'id="latest-{own.tracking_number}"' in html
    assert theirs.tracking_number not in html


def test_the_latest_cases_are_only_those_the_user_may_see(road_staff, make_case, park_category):
    ours = make_case()
    make_case(subject="Bank kırık", category=park_category)
    assert [c.pk for c in latest_cases(road_staff)] == [ours.pk]


def test_the_console_panel_shows_no_personal_data(client, operator, make_case):
    citizen_case = make_case(subject="Kapımın önünde çukur")
    client.force_login(operator)

    found = client.get("/konsol/").content.decode()
    panel = found[found.index('id="latest-cases-region"') :]

    assert citizen_case.tracking_display in panel
    assert "Kapımın önünde" not in panel  # the subject may name people and places: the case page has it


def test_the_console_panel_costs_one_query(client, operator, make_case):
    for n in range(3):
        make_case(subject=f"Vaka {n}")
    with CaptureQueriesContext(connection) as queries:
        assert len(latest_cases(operator)) == 3
    assert len(queries.captured_queries) == 1
    assert "LIMIT 10" in queries.captured_queries[0]["sql"]


# -- the overview's figures, counted at most once per window ------------------------------------------------


def open_total(response) -> int:
    return int(response.context["totals"]["open"])


def counted(queries: CaptureQueriesContext) -> bool:
    """Whether the overview counted its figures (grouped queries over the cases)."""
    return any("COUNT(" in q["sql"].upper() and "cases_case" in q["sql"] for q in queries.captured_queries)


def test_a_second_overview_in_the_window_does_not_count_again(client, administrator, make_case, settings):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 5
    make_case()
    client.force_login(administrator)
    first = client.get(OVERVIEW)
    assert open_total(first) == 1

    make_case(subject="Yeni gelen")
    with CaptureQueriesContext(connection) as queries:
        second = client.get(OVERVIEW)

    assert not counted(queries)
    assert open_total(second) == 1  # the figures of a moment ago
    assert second.context["now"] == first.context["now"]  # and it says when they were counted

    cache.clear()  # the window has passed
    with CaptureQueriesContext(connection) as queries:
        third = client.get(OVERVIEW)
    assert counted(queries)
    assert open_total(third) == 2


def test_the_figures_expire_after_the_configured_seconds(client, administrator, make_case, settings):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 3
    make_case()
    client.force_login(administrator)
    before = timezone.now()
    client.get(OVERVIEW)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM kentmasa_cache")
        rows = [(key, expires) for key, expires in cursor.fetchall() if "overview" in key]
    assert len(rows) == 1
    expires = rows[0][1]
    if isinstance(expires, str):  # SQLite gives the text it stores
        expires = dt.datetime.fromisoformat(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, dt.UTC)
    assert before + dt.timedelta(seconds=1) < expires <= timezone.now() + dt.timedelta(seconds=3)

    # A figure past its time is counted again.
    key = rows[0][0].split(":", 2)[-1]  # the cache's own prefix and version come first
    cache.touch(key, 0)
    make_case(subject="Yeni gelen")
    assert open_total(client.get(OVERVIEW)) == 2


def test_zero_seconds_counts_every_time(client, administrator, make_case, settings):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 0
    make_case()
    client.force_login(administrator)
    assert open_total(client.get(OVERVIEW)) == 1
    make_case(subject="Yeni gelen")
    assert open_total(client.get(OVERVIEW)) == 2


def test_readers_who_see_other_cases_never_share_figures(
    client, administrator, road_manager, make_case, park_category, make_user, roads, parks, settings
):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 5
    make_case()
    make_case(subject="Bank kırık", category=park_category)
    client.force_login(administrator)
    assert open_total(client.get(OVERVIEW)) == 2

    client.force_login(road_manager)
    assert open_total(client.get(OVERVIEW)) == 1

    park_manager = make_user(User.Role.UNIT_MANAGER, "park_manager", units=[parks])
    client.force_login(park_manager)
    assert open_total(client.get(OVERVIEW)) == 1
    assert [row["name"] for row in client.get(OVERVIEW).context["by_unit"]] == [parks.name]

    # A manager of a unit above both sees both (their scope is the subtree).
    above = Unit.objects.create(institution=roads.institution, name="Fen İşleri Daire Başkanlığı")
    Unit.objects.filter(pk__in=[roads.pk, parks.pk]).update(parent=above)
    head = make_user(User.Role.UNIT_MANAGER, "daire_baskani", units=[above])
    client.force_login(head)
    assert open_total(client.get(OVERVIEW)) == 2


def test_each_period_has_figures_of_its_own(client, administrator, make_case):
    make_case(received_at=dt.datetime.fromisoformat("2026-03-18T10:00+03:00"))
    make_case(received_at=dt.datetime.fromisoformat("2026-04-18T10:00+03:00"))
    client.force_login(administrator)
    assert open_total(client.get(OVERVIEW)) == 2
    assert open_total(client.get(OVERVIEW, {"received_from": "2026-04-01"})) == 1
    assert open_total(client.get(OVERVIEW, {"received_to": "2026-03-31"})) == 1
    assert open_total(client.get(OVERVIEW, {"received_from": "2026-04-01", "received_to": "2026-03-31"})) == 0


def test_the_scope_key_follows_what_the_reader_may_see(
    administrator, road_manager, operator, make_user, roads
):
    assert reports._scope_key(administrator) == reports._scope_key(operator)  # both see the institution
    assert reports._scope_key(road_manager) != reports._scope_key(administrator)
    other = make_user(User.Role.UNIT_MANAGER, "other_roads_manager", units=[roads])
    assert reports._scope_key(other) == reports._scope_key(road_manager)  # same units, same figures


def test_a_page_sent_back_for_a_form_does_not_listen(road_staff, make_case):
    """A form sent back with its errors is a page at the form's address (a POST-only view): refreshing it
    would ask that address for a 405 every few seconds for as long as the page stayed open."""
    case = make_case()
    client = AsyncClient()
    client.force_login(road_staff)
    answer = async_to_sync(client.post)(f"/vaka/{case.tracking_number}/yorum/", {"comment-note": ""})
    assert answer.status_code == 400
    assert "data-live-url" not in Page(answer.content.decode()).body
    assert "data-live-url" in page(served(road_staff, f"/vaka/{case.tracking_number}/")).body
