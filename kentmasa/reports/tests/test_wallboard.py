"""Wall screens: the kiosk link (unknown, revoked, re-issued), the figures and their cache, the unit board's
limits, KADES never on a board, no personal data, the admin's issue and revoke, the stream's scope, and the
demo's boards."""

import asyncio
import datetime as dt
import re
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Citizen
from kentmasa.cases.transitions import event_label
from kentmasa.directory.models import Unit, User
from kentmasa.notify import stream
from kentmasa.notify.live import publish
from kentmasa.notify.models import LiveEvent
from kentmasa.reports import wallboard
from kentmasa.reports.models import Wallboard
from kentmasa.reports.wallboard import WallboardScope

ISTANBUL_DAY_START_HOUR_UTC = 21  # Europe/Istanbul is UTC+3 all year


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """The figures' cache lives in the test database's cache table, which a transactional test's flush does
    not empty: each test that uses the database starts and ends with it empty."""
    uses = {"db", "transactional_db"} & set(request.fixturenames)
    if not uses:
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in uses else "db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def asphalt(institution, roads):
    """A şube below the roads unit: a roads board counts it too."""
    return Unit.objects.create(institution=institution, parent=roads, name="Asfalt Şefliği")


@pytest.fixture
def institution_board(institution):
    return Wallboard.issue(institution, "Alo 153 salonu")


@pytest.fixture
def roads_board(institution, roads, asphalt):
    return Wallboard.issue(institution, "Fen İşleri koridoru", unit=roads)


def figure(html: str, name: str) -> str:
    label = r'<span class="tile-label">[^<]*</span>'
    match = re.search(rf'data-figure="{name}">\s*{label}\s*<span[^>]*>([^<]*)<', html)
    assert match, f"no {name} figure"
    return match.group(1).strip()


def page(client, raw: str, **params) -> str:
    response = client.get(Wallboard.path_for(raw), params)
    assert response.status_code == 200
    return response.content.decode()


# -- the link ------------------------------------------------------------------------------------------------


def test_only_the_hash_of_the_token_is_kept(institution_board):
    board, raw = institution_board
    board.refresh_from_db()
    assert raw not in (board.key_hash, board.key_prefix) and board.key_hash == Wallboard.hash_key(raw)
    assert raw.startswith(board.key_prefix) and len(raw) >= 40


def test_a_board_opens_without_signing_in_and_is_never_stored_or_indexed(client, institution_board):
    _board, raw = institution_board
    response = client.get(Wallboard.path_for(raw))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="tr">' in html and "Adana Büyükşehir Belediyesi" in html and "Alo 153 salonu" in html
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"
    # The one script is a file (the Content-Security-Policy allows no inline script).
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/kentmasa/wallboard.js" defer>']
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert f'data-stream-url="/pano/{raw}/canli/"' in html
    assert f'data-fragment-url="/pano/{raw}/?parca=1"' in html


def test_an_unknown_or_revoked_link_is_a_plain_404(client, institution_board):
    board, raw = institution_board
    unknown = client.get(Wallboard.path_for("x" * 43))
    assert unknown.status_code == 404
    text = unknown.content.decode()
    assert "geçersiz ya da iptal edilmiş" in text and "not valid or has been revoked" in text
    assert unknown["Cache-Control"] == "no-store" and "noindex" in unknown["X-Robots-Tag"]
    assert client.get(Wallboard.path_for(raw)).status_code == 200
    board.revoke()
    assert client.get(Wallboard.path_for(raw)).status_code == 404
    assert client.get(Wallboard.path_for(raw), {"parca": "1"}).status_code == 404
    assert client.get(f"/pano/{raw}/canli/").status_code == 404


def test_a_new_link_replaces_the_old_one_and_brings_a_revoked_board_back(client, institution_board):
    board, old = institution_board
    board.revoke()
    new = board.reissue()
    assert client.get(Wallboard.path_for(old)).status_code == 404
    assert client.get(Wallboard.path_for(new)).status_code == 200
    assert client.get(f"/pano/{old}/canli/").status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "a" * 5000,
        "%00",
        "abc%00def" * 5,
        "ş" * 40,
        "%C5%9F" * 30,
        "..",
        "%2e%2e",
        "' OR 1=1 --",
        "%FF%FE",
        "a%2Fb",
        "🙂" * 30,
        "A" * 43,
    ],
)
def test_no_token_string_causes_an_error(client, institution_board, token):
    for address in (f"/pano/{token}/", f"/pano/{token}/?parca=1", f"/pano/{token}/canli/"):
        response = client.get(address)
        assert response.status_code in (400, 404), (address, response.status_code)


def test_last_seen_is_noted_at_most_once_a_minute(client, institution_board):
    board, raw = institution_board
    assert board.last_seen_at is None
    client.get(Wallboard.path_for(raw))
    board.refresh_from_db()
    first = board.last_seen_at
    assert first is not None
    client.get(Wallboard.path_for(raw))
    board.refresh_from_db()
    assert board.last_seen_at == first
    Wallboard.objects.filter(pk=board.pk).update(last_seen_at=first - dt.timedelta(minutes=2))
    client.get(Wallboard.path_for(raw))
    board.refresh_from_db()
    assert board.last_seen_at is not None and board.last_seen_at > first - dt.timedelta(seconds=1)


# -- the figures ---------------------------------------------------------------------------------------------


def test_day_start_is_midnight_in_istanbul():
    late_evening_utc = dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC)  # 01:30 on the 4th in Istanbul
    start = wallboard.day_start(late_evening_utc)
    assert start == dt.datetime(2026, 12, 3, ISTANBUL_DAY_START_HOUR_UTC, 0, tzinfo=dt.UTC)


def test_figures_count_open_overdue_today_and_the_oldest_waiting(
    client, institution_board, make_case, road_manager
):
    board, raw = institution_board
    now = timezone.now()
    today = wallboard.day_start(now)
    oldest = make_case(subject="En eski", received_at=dt.datetime.fromisoformat("2026-03-02T09:15+03:00"))
    make_case(subject="Geçen ay", received_at=now - dt.timedelta(days=30))
    make_case(subject="Bu sabah", received_at=today + dt.timedelta(seconds=1))
    make_case(subject="Dün gece", received_at=today - dt.timedelta(minutes=1))
    done = make_case(subject="Bitti", received_at=dt.datetime.fromisoformat("2026-01-05T09:00+03:00"))
    services.resolve(done, actor=road_manager, resolution="Yapıldı.")
    figures = wallboard.compute(board.institution_id, None, now)
    assert figures["open"] == 4  # the resolved one is not open
    # Deadlines are 15 working days after receipt: only the two received months ago are past theirs.
    assert figures["overdue"] == 2
    assert figures["today"] == 1
    assert figures["oldest"] == oldest.received_at
    html = page(client, raw)
    assert figure(html, "open") == "4" and figure(html, "overdue") == "2" and figure(html, "today") == "1"
    waiting = figure(html, "oldest")
    assert "ay" in waiting or "gün" in waiting, waiting  # "9 ay, 1 hafta" and the like, in Turkish
    assert "2 Mart, 09:15" in html


def test_the_oldest_waiting_reads_in_english_for_an_english_screen(client, institution_board, make_case):
    _board, raw = institution_board
    make_case(received_at=timezone.now() - dt.timedelta(days=3, hours=5))
    html = client.get(Wallboard.path_for(raw), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert figure(html, "oldest") == "3\xa0days, 5\xa0hours"


def test_a_unit_board_counts_its_unit_and_the_units_below_it_only(
    client, roads_board, institution_board, make_case, roads, asphalt, parks
):
    board, raw = roads_board
    make_case(subject="Yol", unit=roads)
    asphalt_case = make_case(subject="Asfalt", unit=asphalt, category=None)
    park_case = make_case(subject="Park", unit=parks, category=None)
    unrouted = make_case(subject="Birimsiz", category=None)
    figures = wallboard.compute(board.institution_id, board.unit_ids(), timezone.now())
    assert figures["open"] == 2
    tracking = {change["tracking"] for change in figures["changes"]}
    assert asphalt_case.tracking_number in tracking
    assert park_case.tracking_number not in tracking and unrouted.tracking_number not in tracking
    assert figures["units"] is not None
    assert {row["name"] for row in figures["units"]} == {roads.name, asphalt.name}
    html = page(client, raw)
    assert figure(html, "open") == "2" and park_case.tracking_display not in html and parks.name not in html
    # The institution's board has every unit, and the cases not yet routed.
    _whole, whole_raw = institution_board
    html = page(client, whole_raw)
    assert figure(html, "open") == "4"
    assert all(name in html for name in (roads.name, asphalt.name, parks.name, "Henüz yönlendirilmemiş"))


def test_a_single_unit_board_has_no_unit_table(client, institution, parks, make_case):
    board, raw = Wallboard.issue(institution, "Park", unit=parks)
    make_case(unit=parks, category=None)
    assert wallboard.compute(institution.pk, board.unit_ids(), timezone.now())["units"] is None
    assert 'id="units-heading"' not in page(client, raw)


def test_the_last_changes_show_the_change_without_any_person(
    client, institution_board, make_case, road_manager, road_staff, institution
):
    _board, raw = institution_board
    citizen = Citizen.objects.create(
        institution=institution,
        name="Zeynep Kaya",
        phone="+905321234567",
        email="zeynep.kaya@example.com",
        address="Atatürk Caddesi No 5",
    )
    case = make_case(
        citizen=citizen,
        subject="Zeynep Hanımın kapısının önü",
        description="Gizli açıklama: 0532 123 45 67",
        location={"province": "Adana", "district": "Seyhan", "neighbourhood": "Sarıyakup Mh."},
    )
    services.assign(case, actor=road_manager, assignee=road_staff)
    services.comment(case, actor=road_manager, note="Gizli not: komşusu şikâyetçi")  # bookkeeping: not listed
    html = page(client, raw)
    changes = html[html.index('id="board-changes"') :]
    assert changes.count("<li data-tracking") == 2  # opened, assigned
    assert case.tracking_display in changes and "Sarıyakup Mh." in changes and "Yol çökmesi" in changes
    assert event_label("assign") in changes and event_label("open") in changes
    assert str(event_label("comment")) not in changes
    fragment = client.get(Wallboard.path_for(raw), {"parca": "1"}).content.decode()
    for private in (
        "Zeynep",
        "Kaya",
        "0532",  # not "532": a timestamp's microseconds may hold it
        "5321234567",
        "123 45 67",
        "example.com",
        "Atatürk Caddesi",
        "Gizli",
        road_staff.first_name,
        road_manager.first_name,
        road_staff.username,
    ):
        assert private not in html, private
        assert private not in fragment, private


def test_the_fragment_is_only_the_figures(client, institution_board, make_case):
    _board, raw = institution_board
    make_case()
    html = page(client, raw, parca="1")
    assert html.startswith('<div id="board-figures"') and "<html" not in html and "<script" not in html
    seq = int(re.search(r'data-seq="(\d+)"', html).group(1))
    assert seq == LiveEvent.objects.latest("pk").pk


def test_kades_cases_never_appear_on_a_board(client, institution_board, roads_board, make_case, roads):
    board, raw = institution_board
    unit_board, unit_raw = roads_board
    make_case(subject="Sıradan")
    kades = make_case(
        subject="KADES ihbarı",
        channel=Channel.KADES,
        unit=roads,
        received_at=timezone.now(),
        location={"province": "Adana", "district": "Seyhan", "neighbourhood": "Gizli Mh."},
    )
    for b, r in ((board, raw), (unit_board, unit_raw)):
        figures = wallboard.compute(b.institution_id, b.unit_ids(), timezone.now())
        assert figures["open"] == 1 and figures["today"] == 0
        assert kades.tracking_number not in {change["tracking"] for change in figures["changes"]}
        assert all(row["open"] <= 1 for row in figures["units"] or [])
        for html in (page(client, r), page(client, r, parca="1")):
            assert kades.tracking_display not in html and "Gizli Mh." not in html
    # Nor on the stream.
    rows = [row for row in stream._rows(0, 1000) if row.case_id == kades.pk]
    assert rows
    for scope in (WallboardScope.of(board, "tr"), WallboardScope.of(unit_board, "tr")):
        assert not any(scope.allows(row) for row in rows)


# -- the cache and the queries -------------------------------------------------------------------------------


def test_figures_are_counted_once_for_every_screen_of_the_same_cases(institution, make_case, settings):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 5
    first, _raw = Wallboard.issue(institution, "Sol TV")
    second, _raw2 = Wallboard.issue(institution, "Sağ TV")
    make_case()
    assert wallboard.board_figures(first)["open"] == 1
    make_case()
    with CaptureQueriesContext(connection) as queries:
        cached = wallboard.board_figures(second)
    # The other screen's count, a few seconds old: one read of the cache table, no count of cases.
    assert cached["open"] == 1
    assert len(queries) == 1 and "cases_case" not in queries[0]["sql"]
    cache.clear()
    assert wallboard.board_figures(second)["open"] == 2


def test_no_cache_when_the_setting_is_zero(institution, make_case, settings):
    settings.KENTMASA_LIVE_FIGURES_SECONDS = 0
    board, _raw = Wallboard.issue(institution, "TV")
    make_case()
    assert wallboard.board_figures(board)["open"] == 1
    make_case()
    assert wallboard.board_figures(board)["open"] == 2


def test_the_board_costs_the_same_few_queries_for_many_cases(
    client, institution_board, roads_board, make_case, parks, asphalt, django_assert_max_num_queries
):
    _board, raw = institution_board
    _unit_board, unit_raw = roads_board

    def add(count: int) -> None:
        for i in range(count):
            case = make_case(subject=f"Çukur {i}", unit=[parks, asphalt][i % 2], category=None)
            services.start(case, actor=None)

    def queries(address: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    for address in (Wallboard.path_for(raw), Wallboard.path_for(unit_raw)):
        client.get(address)  # "last seen" noted: not again within the minute
    add(3)
    # The board, the cache (a read, and a write of five statements), the live position, the counts (the
    # place rollups per unit, the unswept late cases, today's cases, the oldest open case: four queries,
    # kentmasa.reports.cells), the last changes and their cases; a unit board reads its units' tree.
    few = {address: queries(address) for address in (Wallboard.path_for(raw), Wallboard.path_for(unit_raw))}
    assert all(count <= 17 for count in few.values()), few
    add(25)
    many = {address: queries(address) for address in few}
    assert many == few
    # Another screen within the cache's seconds: the board and the cache, nothing counted.
    client.get(Wallboard.path_for(raw))
    with django_assert_max_num_queries(2):
        assert client.get(Wallboard.path_for(raw), {"parca": "1"}).status_code == 200


# -- the admin -----------------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, institution, db):
    superuser = User.objects.create_superuser(
        "kok", "kok@example.com", "kentmasa-test-1", institution=institution
    )
    client.force_login(superuser)
    return client


def link_in(html: str) -> str:
    match = re.search(r"(http://[^\s<]+/pano/([A-Za-z0-9_-]+)/)", html)
    assert match, "no link in the page"
    return match.group(2)


def test_the_admin_issues_a_link_once(superuser_client, institution, roads, settings):
    settings.KENTMASA_PUBLIC_URL = "http://ekran.example.org"
    response = superuser_client.post(
        "/admin/reports/wallboard/add/",
        {"institution": institution.pk, "unit": roads.pk, "name": "Fen İşleri koridoru"},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    raw = link_in(html)
    assert f"http://ekran.example.org/pano/{raw}/" in html
    board = Wallboard.objects.get()
    assert board.unit == roads and board.created_by is not None and board.created_by.username == "kok"
    assert Wallboard.authenticate(raw) == board
    # Shown once: neither the list nor the board's own page shows it again.
    for address in ("/admin/reports/wallboard/", f"/admin/reports/wallboard/{board.pk}/change/"):
        again = superuser_client.get(address).content.decode()
        assert raw not in again and board.key_prefix in again


def test_the_admin_refuses_a_unit_of_another_institution(superuser_client, institution, other_institution):
    stranger = Unit.objects.create(institution=other_institution, name="Başka birim")
    response = superuser_client.post(
        "/admin/reports/wallboard/add/",
        {"institution": institution.pk, "unit": stranger.pk, "name": "Yanlış"},
    )
    assert response.status_code == 200 and not Wallboard.objects.exists()


def test_the_admin_revokes_and_issues_new_links(superuser_client, client, institution_board, roads_board):
    board, raw = institution_board
    unit_board, unit_raw = roads_board
    changelist = "/admin/reports/wallboard/"
    response = superuser_client.post(
        changelist, {"action": "revoke", "_selected_action": [board.pk]}, follow=True
    )
    assert "İptal edilen bağlantı: 1" in response.content.decode()
    board.refresh_from_db()
    unit_board.refresh_from_db()
    assert board.revoked and not unit_board.revoked
    assert Wallboard.authenticate(raw) is None and Wallboard.authenticate(unit_raw) == unit_board
    response = superuser_client.post(
        changelist, {"action": "issue_new_links", "_selected_action": [board.pk]}, follow=True
    )
    new = link_in(response.content.decode())
    assert new != raw and Wallboard.authenticate(new) == board and Wallboard.authenticate(raw) is None
    assert "revoked=yes" in superuser_client.get(changelist).content.decode()
    assert superuser_client.get(changelist, {"revoked": "no"}).status_code == 200


def test_staff_without_the_admin_cannot_reach_the_boards(client, make_user):
    operator = make_user(User.Role.OPERATOR, "operator")
    client.force_login(operator)
    response = client.get("/admin/reports/wallboard/add/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# -- the stream ----------------------------------------------------------------------------------------------


def row(**fields) -> stream.Row:
    base: dict[str, Any] = {
        "id": 7,
        "at": timezone.now(),
        "topic": "case",
        "change": "assign",
        "institution_id": None,
        "unit_id": None,
        "team_id": None,
        "user_id": None,
        "case_id": 3,
        "places": (),
        "data": {"tracking": "2026000123", "channel": "phone", "status": "assigned", "assignee": 9},
    }
    base.update(fields)
    return stream.Row(**base)


def test_the_stream_scope_sends_its_cases_only(
    institution_board, roads_board, institution, other_institution, roads, asphalt, parks
):
    whole = WallboardScope.of(institution_board[0], "tr")
    unit = WallboardScope.of(roads_board[0], "tr")
    ours = row(institution_id=institution.pk, unit_id=roads.pk)
    assert whole.allows(ours) and unit.allows(ours)
    assert unit.allows(row(institution_id=institution.pk, unit_id=asphalt.pk))
    assert whole.allows(row(institution_id=institution.pk, unit_id=parks.pk))
    assert not unit.allows(row(institution_id=institution.pk, unit_id=parks.pk))
    assert not unit.allows(row(institution_id=institution.pk, unit_id=None))
    assert whole.allows(row(institution_id=institution.pk, unit_id=None))
    assert not whole.allows(row(institution_id=other_institution.pk, unit_id=None))
    kades = row(institution_id=institution.pk, unit_id=roads.pk, data={"tracking": "1", "channel": "kades"})
    assert not whole.allows(kades) and not unit.allows(kades)
    notification = row(
        topic="notification", institution_id=institution.pk, user_id=5, data={"text": "Size iş atandı"}
    )
    assert not whole.allows(notification) and not unit.allows(notification)
    for topic in ("team", "alarm"):
        assert not whole.allows(row(topic=topic, institution_id=institution.pk, unit_id=roads.pk))


def test_the_stream_sends_the_tracking_number_the_change_and_its_time_only(institution_board, institution):
    scope = WallboardScope.of(institution_board[0], "tr")
    shown = scope.payload(row(institution_id=institution.pk, unit_id=4, team_id=2))
    assert shown is not None
    name, data = shown
    assert name == "case"
    assert set(data) == {"seq", "at", "tracking", "change", "label"}
    assert data["tracking"] == "2026000123" and data["label"] == event_label("assign") and data["seq"] == 7
    assert data["at"].endswith("+03:00")
    english = WallboardScope.of(institution_board[0], "en").payload(row(institution_id=institution.pk))
    with translation.override("en"):
        assert english is not None and english[1]["label"] == event_label("assign") != data["label"]


def test_a_case_change_reaches_the_board_stream_as_it_is_published(
    institution_board, roads_board, make_case, parks, road_manager, road_staff
):
    whole = WallboardScope.of(institution_board[0], "tr")
    unit = WallboardScope.of(roads_board[0], "tr")
    before = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    road_case = make_case()
    services.assign(road_case, actor=road_manager, assignee=road_staff)
    park_case = make_case(unit=parks, category=None)
    publish("notification", "assigned", institution_id=None, user_id=road_staff.pk, data={"text": "x"})
    rows = stream._rows(before, 100)
    road_rows = [r for r in rows if r.case_id == road_case.pk]
    park_rows = [r for r in rows if r.case_id == park_case.pk]
    assert {r.change for r in road_rows} >= {"open", "assign"}
    assert all(whole.allows(r) and unit.allows(r) for r in road_rows)
    assert park_rows and all(whole.allows(r) and not unit.allows(r) for r in park_rows)
    assert [r for r in rows if r.topic == "notification" and (whole.allows(r) or unit.allows(r))] == []


def test_the_stream_answers_a_live_board_as_an_event_stream(
    transactional_db, async_client, institution_board
):
    # (Transactional: before streaming, the view closes the connection its look-up opened.) The async test
    # client makes an ASGI request, as the web process does; a WSGI one is refused (503).
    _board, raw = institution_board
    # Not read: the stream runs until the screen goes.
    response = async_to_sync(async_client.get)(f"/pano/{raw}/canli/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    assert connection.connection is None  # an open screen holds no database connection
    assert async_to_sync(async_client.get)(f"/pano/{raw}/canli/", {"since": "yedi"}).status_code == 400


def test_under_a_wsgi_server_a_live_boards_stream_is_refused(client, institution_board):
    _board, raw = institution_board
    assert client.get(f"/pano/{raw}/canli/").status_code == 503


def test_still_live_follows_revoke_and_reissue(institution_board, roads_board, roads, asphalt):
    board, _raw = institution_board
    unit_board, _unit_raw = roads_board
    assert wallboard.still_live(board.pk, board.key_hash) == (True, None)
    live, units = wallboard.still_live(unit_board.pk, unit_board.key_hash)
    assert live and set(units or []) == {roads.pk, asphalt.pk}
    old_hash = unit_board.key_hash
    unit_board.reissue()
    assert wallboard.still_live(unit_board.pk, old_hash) == (False, None)
    board.revoke()
    assert wallboard.still_live(board.pk, board.key_hash) == (False, None)


@pytest.mark.django_db(transaction=True)
def test_an_open_stream_ends_when_its_board_is_revoked(institution):
    board, _raw = Wallboard.issue(institution, "TV")
    scope = WallboardScope.of(board, "tr")

    def revoke() -> None:  # in another thread, as the admin would: with its own connection, closed after
        try:
            board.revoke()
        finally:
            connection.close()

    async def refresh_twice() -> tuple[bool, bool]:
        try:
            first = await scope.refresh()
            await asyncio.get_running_loop().run_in_executor(None, revoke)
            return first, await scope.refresh()
        finally:
            await stream.shutdown()

    assert asyncio.run(refresh_twice()) == (True, False)


# -- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_issues_new_links_for_its_two_boards(client, institution):
    from kentmasa.demo import wallboards as demo_boards
    from kentmasa.demo.notifications import APPROVAL_DEPARTMENT

    department = Unit.objects.create(institution=institution, name=APPROVAL_DEPARTMENT)
    Unit.objects.create(institution=institution, name="Yol Bakım Şube Müdürlüğü", parent=department)
    first = demo_boards.issue()
    assert [shown.where for shown in first] == [institution.name, APPROVAL_DEPARTMENT]
    assert all(shown.link.startswith("http") and "/pano/" in shown.link for shown in first)
    second = demo_boards.issue()
    assert Wallboard.objects.count() == 2
    for old, new in zip(first, second, strict=True):
        assert old.link != new.link
        assert client.get(urlsplit(old.link).path).status_code == 404
        assert client.get(urlsplit(new.link).path).status_code == 200


def test_make_run_prints_the_demo_boards_links(db, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("load_demo", cases=0, stdout=out)
    links = re.findall(r"Duvar ekranı: (http://\S+/pano/\S+/)", out.getvalue())
    assert len(links) == 2
    assert all(client.get(urlsplit(link).path).status_code == 200 for link in links)
    again = StringIO()
    call_command("load_demo", cases=0, stdout=again)
    assert "zaten yüklü" in again.getvalue()
    assert all(client.get(urlsplit(link).path).status_code == 404 for link in links)  # re-issued
