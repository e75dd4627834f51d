"""GET /api/v1/notifications and POST /api/v1/notifications/{id}/read: only the caller's own, bounded, and
bad input answered 400 (never 500)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kentmasa.directory.models import ApiToken, User
from kentmasa.notify.models import Deputy, Notification
from kentmasa.notify.tell import tell


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.esenler.example"


@pytest.fixture
def ayse(make_user, roads):
    user = make_user(User.Role.UNIT_STAFF, "ayse", units=[roads])
    user.first_name, user.last_name = "Ayşe", "Yılmaz"
    user.save()
    return user


@pytest.fixture
def api(ayse):
    _row, raw = ApiToken.issue(ayse, "test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def note(user, text, minutes_ago=0, read=False, **extra):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user, kind="assigned", text=text, created_at=at, read_at=at if read else None, **extra
    )


def test_the_list_is_mine_newest_first(api, ayse, road_staff, make_case):
    case = make_case()
    old = note(ayse, "Eski", minutes_ago=30, read=True)
    new = note(ayse, "Yeni", minutes_ago=1, case=case, link=f"/vaka/{case.tracking_number}/")
    note(road_staff, "Başkasının")
    body = api.get("/api/v1/notifications").json()
    assert [item["id"] for item in body["items"]] == [new.pk, old.pk]
    assert body["unread"] == 1
    assert (body["limit"], body["offset"]) == (20, 0)
    first = body["items"][0]
    assert first["text"] == "Yeni"
    assert first["kind"] == "assigned"
    assert first["case"] == case.tracking_number
    assert first["link"] == f"/vaka/{case.tracking_number}/"
    assert first["url"] == f"https://kentmasa.esenler.example/vaka/{case.tracking_number}/"
    assert first["read_at"] is None
    assert first["on_behalf_of"] is None
    assert first["created_at"].endswith("+03:00")
    assert body["items"][1]["read_at"] is not None


def test_unread_only_and_paging(api, ayse):
    for n in range(5):
        note(ayse, f"Bildirim {n}", minutes_ago=n, read=n % 2 == 1)
    unread = api.get("/api/v1/notifications?unread=1").json()
    assert [item["text"] for item in unread["items"]] == ["Bildirim 0", "Bildirim 2", "Bildirim 4"]
    page = api.get("/api/v1/notifications?limit=2&offset=2").json()
    assert [item["text"] for item in page["items"]] == ["Bildirim 2", "Bildirim 3"]


def test_a_deputy_sees_for_whom(api, ayse, road_manager):
    now = timezone.now()
    Deputy.objects.create(
        principal=road_manager,
        deputy=ayse,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
    )
    tell([road_manager], "escalated_1", "Vaka yükseltildi")
    [item] = api.get("/api/v1/notifications").json()["items"]
    assert item["on_behalf_of"] == {"id": road_manager.pk, "name": road_manager.get_full_name()}


def test_marking_one_read(api, ayse, road_staff):
    mine = note(ayse, "Benim")
    answer = api.post(f"/api/v1/notifications/{mine.pk}/read")
    assert answer.status_code == 200
    assert answer.json()["read_at"] is not None
    mine.refresh_from_db()
    first = mine.read_at
    assert first is not None
    api.post(f"/api/v1/notifications/{mine.pk}/read")
    mine.refresh_from_db()
    assert mine.read_at == first
    theirs = note(road_staff, "Başkasının")
    answer = api.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/notifications?limit=0"),
        ("get", "/api/v1/notifications?limit=101"),
        ("get", "/api/v1/notifications?offset=-1"),
        ("get", "/api/v1/notifications?offset=99999999999999999999"),
        ("get", "/api/v1/notifications?unread=perhaps"),
        ("get", "/api/v1/notifications?unread=%00"),
        ("get", "/api/v1/notifications?limit=%00"),
        ("post", f"/api/v1/notifications/{2**63}/read"),
        ("post", "/api/v1/notifications/0/read"),
        ("post", "/api/v1/notifications/abc/read"),
        ("post", "/api/v1/notifications/%00/read"),
    ],
)
def test_bad_input_is_400_with_a_reason(api, method, url):
    answer = getattr(api, method)(url)
    assert answer.status_code == 400, answer.content
    assert answer.json()["detail"]


def test_in_english_too(api):
    answer = api.get("/api/v1/notifications?limit=0", headers={"Accept-Language": "en"})
    assert answer.json()["detail"] == "The data sent is not valid."


def test_without_a_token_or_session_401(db, client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/1/read").status_code == 401


def test_the_session_needs_csrf_for_marking(ayse):
    mine = note(ayse, "Benim")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ayse)
    assert browser.get("/api/v1/notifications").status_code == 200
    answer = browser.post(f"/api/v1/notifications/{mine.pk}/read")
    assert answer.status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_schema_documents_both(db, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"]["/api/v1/notifications"]
    assert "post" in schema["paths"]["/api/v1/notifications/{notification_id}/read"]
