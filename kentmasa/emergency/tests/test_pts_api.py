"""Plate recognition in the JSON API (kentmasa.emergency.pts_api): the hotlist and alerts for the Haber
Merkezi's operators, the reads for the camera system's plate-reads token, which opens nothing else."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kentmasa.directory.models import ApiToken, Institution, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import HotlistEntry, PlateAlert, PlateRead
from kentmasa.emergency.tests.core_world import PASSWORD, user
from kentmasa.emergency.tests.pts_world import pts_world, read
from kentmasa.notify import stream_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pts_world()[0]


@pytest.fixture
def seda(world):
    """Seda the operator's staff token."""
    return ApiToken.issue(world.operator, "Seda'nın betikleri")[1]


@pytest.fixture
def camera_system(world):
    """The PTS camera system's token: plate reads only, issued for a service account of the directorate."""
    account = user("pts-kamera", User.Role.POLICE_OPERATOR, world.police)
    return ApiToken.issue(account, "PTS", scope=ApiToken.Scope.PLATE_READS)[1]


def call(client, method, path, token=None, body=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if method == "get":
        return client.get(path, **headers)
    data = body if isinstance(body, str | bytes) or body is None else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type="application/json", **headers)


# -- the hotlist ---------------------------------------------------------------------------------------------


def test_seda_puts_a_plate_on_the_hotlist_and_changes_it(client, world, seda):
    answer = call(
        client,
        "post",
        "/api/v1/pts/hotlist",
        seda,
        {"plate": "26 abc 123", "reason": "stolen", "note": "Beyaz Doblo", "valid_until": None},
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["plate"], body["display"], body["plate_kind"], body["reason_display"]) == (
        "26ABC123",
        "26 ABC 123",
        "turkish",
        "Çalıntı",
    )
    assert body["added_by"] == {"id": world.operator.pk, "name": "Seda Aksoy"}
    until = (timezone.now() + dt.timedelta(days=30)).isoformat()
    answer = call(
        client,
        "post",
        "/api/v1/pts/hotlist",
        seda,
        {"plate": "26-ABC-123", "reason": "wanted", "valid_until": until},
    )
    assert answer.status_code == 200
    entry = HotlistEntry.objects.get()
    assert (entry.reason, entry.note, entry.valid_until is not None) == ("wanted", "", True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plate": "?", "reason": "stolen"}, "plate"),
        ({"plate": "26 ABC\x00123", "reason": "stolen"}, "plate"),
        ({"plate": "A" * 300, "reason": "stolen"}, "plate"),
        ({"plate": "26 ABC 123", "reason": "lost"}, "reason"),
        ({"plate": "26 ABC 123"}, "reason"),
        ({"reason": "stolen"}, "plate"),
        ({"plate": "26 ABC 123", "reason": "stolen", "note": "x" * 501}, "note"),
        ({"plate": "26 ABC 123", "reason": "stolen", "valid_until": "0001-01-01T00:00:00Z"}, "valid_until"),
        (
            {"plate": "26 ABC 123", "reason": "stolen", "valid_until": "2020-01-01T00:00:00+03:00"},
            "valid_until",
        ),
        ({"plate": "26 ABC 123", "reason": "stolen", "valid_until": "9999-12-31T23:59:59"}, "valid_until"),
        ({"plate": "26 ABC 123", "reason": "stolen", "valid_until": "yarın"}, "valid_until"),
        ({"plate": 2**63, "reason": "stolen"}, "plate"),
    ],
)
def test_a_bad_hotlist_entry_is_a_400_in_turkish_naming_the_field(client, world, seda, body, field):
    answer = call(client, "post", "/api/v1/pts/hotlist", seda, body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["detail"] == "Gönderilen veriler geçersiz."
    assert list(answer.json()["errors"]) == [field]
    assert not HotlistEntry.objects.exists()


def test_the_hotlist_is_listed_by_plate_a_page_at_a_time_and_found_by_its_start(client, world, seda):
    for plate in ("26 ABC 123", "26 ABD 12", "34 XYZ 99", "06 A 1234"):
        pts.upsert_hotlist(world.police, plate=plate.replace("XYZ", "PRS"), reason="wanted", actor=None)
    page = call(client, "get", "/api/v1/pts/hotlist?limit=2&offset=1", seda).json()
    assert (page["count"], page["limit"], page["offset"]) == (4, 2, 1)
    assert [item["plate"] for item in page["items"]] == ["26ABC123", "26ABD12"]
    found = call(client, "get", "/api/v1/pts/hotlist?plate=26%20ab", seda).json()
    assert [item["display"] for item in found["items"]] == ["26 ABC 123", "26 ABD 12"]
    assert call(client, "get", "/api/v1/pts/hotlist?plate=%3F", seda).json()["count"] == 0
    assert call(client, "get", "/api/v1/pts/hotlist?limit=201", seda).status_code == 400
    assert call(client, "get", "/api/v1/pts/hotlist?reason=stolen", seda).json()["count"] == 0


def test_a_plate_is_taken_off_the_hotlist_by_any_way_of_writing_it(client, world, seda):
    pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="stolen", actor=None)
    assert call(client, "delete", "/api/v1/pts/hotlist/26%20abc%20123", seda).status_code == 204
    assert not HotlistEntry.objects.exists()
    gone = call(client, "delete", "/api/v1/pts/hotlist/26ABC123", seda)
    assert gone.status_code == 404
    assert gone.json()["detail"] == "Bu plaka aranan plakalar listesinde yok."
    assert call(client, "delete", "/api/v1/pts/hotlist/%3F", seda).status_code == 404


# -- who may -------------------------------------------------------------------------------------------------


def test_a_plate_reads_token_may_post_reads_and_nothing_else(client, world, camera_system):
    posted = call(client, "post", "/api/v1/pts/reads", camera_system, [read("26 ABC 124")])
    assert posted.status_code == 200
    assert PlateRead.objects.count() == 1
    for method, path in [
        ("get", "/api/v1/pts/alerts"),
        ("get", "/api/v1/pts/hotlist"),
        ("post", "/api/v1/pts/hotlist"),
        ("delete", "/api/v1/pts/hotlist/26ABC124"),
        ("get", "/api/v1/cases"),
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/categories"),
    ]:
        answer = call(client, method, path, camera_system, {"plate": "26 ABC 124", "reason": "stolen"})
        assert answer.status_code == 401, (method, path)
    # The live stream (an ASGI view: the test client gets 503 from it) asks the same question.
    assert stream_views._token_user(camera_system) is None
    assert not HotlistEntry.objects.exists()


def test_a_revoked_plate_reads_token_posts_nothing(client, world, camera_system):
    ApiToken.objects.filter(scope=ApiToken.Scope.PLATE_READS).update(revoked=True)
    assert call(client, "post", "/api/v1/pts/reads", camera_system, [read()]).status_code == 401
    assert not PlateRead.objects.exists()


def test_seda_may_post_reads_with_her_staff_token_or_her_session(world, seda):
    client = Client()
    assert call(client, "post", "/api/v1/pts/reads", seda, [read()]).status_code == 200
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=world.operator.username, password=PASSWORD)
    refused = call(browser, "post", "/api/v1/pts/reads", None, [read()])
    assert refused.status_code == 403  # no CSRF token
    browser.get("/haber-merkezi/")
    token = browser.cookies["csrftoken"].value
    accepted = call(browser, "post", "/api/v1/pts/reads", None, [read()], HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert PlateRead.objects.count() == 2


def test_only_police_operators_of_a_police_institution(client, world, institution, make_user):
    clerk = make_user(User.Role.ADMINISTRATOR, "belediye_admin")  # a municipality's administrator
    clerk_token = ApiToken.issue(clerk)[1]
    member_token = ApiToken.issue(world.members[world.teams[0].pk][0])[1]
    supervisor_token = ApiToken.issue(world.supervisor)[1]
    for token in (clerk_token, member_token, supervisor_token):
        for method, path, body in [
            ("post", "/api/v1/pts/reads", [read()]),
            ("get", "/api/v1/pts/alerts", None),
            ("post", "/api/v1/pts/hotlist", {"plate": "26 ABC 123", "reason": "stolen"}),
        ]:
            answer = call(client, method, path, token, body)
            assert answer.status_code == 403, (method, path)
            assert answer.json()["code"] == "forbidden"
    belediye_reads = ApiToken.issue(clerk, scope=ApiToken.Scope.PLATE_READS)[1]
    assert call(client, "post", "/api/v1/pts/reads", belediye_reads, [read()]).status_code == 403
    assert not PlateRead.objects.exists()
    assert not HotlistEntry.objects.exists()


# -- reads ---------------------------------------------------------------------------------------------------


def test_the_camera_system_posts_a_batch_and_a_hotlisted_plate_raises_an_alert(client, world, camera_system):
    pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="terror", actor=None)
    batch = [read("26 ABC 124"), read("26abc123"), read(at="dün"), read("?")]
    answer = call(client, "post", "/api/v1/pts/reads", camera_system, batch)
    assert answer.status_code == 200
    alert = PlateAlert.objects.get()
    assert answer.json() == {
        "received": 4,
        "stored": 3,
        "rejected": [
            {"index": 2, "errors": {"at": ["Zamanı ISO 8601 olarak verin, ör. 2026-03-18T14:05:09+03:00."]}}
        ],
        "hits": 1,
        "alerts": [alert.pk],
    }


def test_a_batch_sent_again_with_its_idempotency_key_is_answered_as_the_first_time(
    client, world, camera_system
):
    batch = [read("26 ABC 124"), read("26 ABC 125")]
    first = call(client, "post", "/api/v1/pts/reads", camera_system, batch, HTTP_IDEMPOTENCY_KEY="b-0001")
    again = call(client, "post", "/api/v1/pts/reads", camera_system, batch, HTTP_IDEMPOTENCY_KEY="b-0001")
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert PlateRead.objects.count() == 2
    spaced = call(client, "post", "/api/v1/pts/reads", camera_system, batch, HTTP_IDEMPOTENCY_KEY="b 0002")
    assert spaced.status_code == 400
    assert list(spaced.json()["errors"]) == ["Idempotency-Key"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "İstek gövdesi geçerli bir JSON değil."),
        (b"\xff\xfe", "İstek gövdesi geçerli bir JSON değil."),
        (b"[" * 100_000 + b"]" * 100_000, "İstek gövdesi geçerli bir JSON değil."),
        (b'{"camera": "K", "plate": "26 ABC 123"}', "Okumaları bir liste olarak gönderin."),
        (b"null", "Okumaları bir liste olarak gönderin."),
    ],
)
def test_a_body_that_is_no_list_of_reads_is_a_400(client, world, camera_system, body, message):
    answer = call(client, "post", "/api/v1/pts/reads", camera_system, body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"__all__": [message]}


def test_more_than_5000_reads_is_a_400_and_nothing_is_stored(client, world, camera_system):
    answer = call(client, "post", "/api/v1/pts/reads", camera_system, [read()] * 5001)
    assert answer.status_code == 400
    assert answer.json()["errors"]["__all__"] == ["Bir grupta en çok 5000 okuma olabilir (bunda 5001 var)."]
    assert not PlateRead.objects.exists()


def test_surrogates_and_nul_in_a_read_never_reach_the_database(client, world, camera_system):
    # JSON may carry a lone surrogate ("\\ud800"), which no database stores, and NUL ("\\u0000").
    now = timezone.now().isoformat()
    body = (
        '[{"camera": "K\\ud800", "plate": "26 ABC\\u0000 123", "at": "NOW"},'
        '{"camera": "K1", "plate": "26 \\udfff ABC", "at": "NOW"},'
        '{"camera": "K2", "plate": "26 ABC\\u0000 124", "at": "NOW"}]'
    ).replace("NOW", now)
    answer = call(client, "post", "/api/v1/pts/reads", camera_system, body)
    assert answer.status_code == 200
    assert answer.json()["rejected"] == [
        {"index": 0, "errors": {"camera": ["Kameranın kimliği geçerli bir metin değil."]}}
    ]
    stored = list(
        PlateRead.objects.order_by("pk").values_list("camera_code", "plate_raw", "plate", "plate_kind")
    )
    assert stored == [("K1", "26  ABC", "", "unreadable"), ("K2", "26 ABC 124", "26ABC124", "turkish")]


# -- alerts --------------------------------------------------------------------------------------------------


def test_seda_lists_the_alerts(client, world, seda):
    for n in range(3):
        pts.upsert_hotlist(world.police, plate=f"26 ABC {n:03d}", reason="stolen", actor=None)
    pts.ingest(world.police, [read(f"26 ABC {n:03d}") for n in range(3)])
    closed = PlateAlert.objects.get(plate="26ABC000")
    pts.close_alert(closed, "false_read", actor=world.operator)
    page = call(client, "get", "/api/v1/pts/alerts", seda).json()
    assert [item["plate"] for item in page["items"]] == ["26ABC002", "26ABC001"]
    first = page["items"][0]
    assert first["last_hit"]["camera"] == "ESK-PTS-001"
    assert first["last_hit"]["camera_name"] == "Adalar Köprüsü"
    assert [team["name"] for team in first["teams"]] == ["Yunus Ekibi 1", "Yunus Ekibi 2", "Yunus Ekibi 3"]
    assert first["reason_display"] == "Çalıntı"
    closed_page = call(client, "get", "/api/v1/pts/alerts?status=closed", seda).json()
    assert [(item["plate"], item["outcome"]) for item in closed_page["items"]] == [("26ABC000", "false_read")]
    assert len(call(client, "get", "/api/v1/pts/alerts?status=all&limit=2", seda).json()["items"]) == 2
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat().replace("+", "%2B")
    assert call(client, "get", f"/api/v1/pts/alerts?since={later}", seda).json()["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00Z",
        "since=9999-01-01T00:00:00Z",
        "since=dün",
        "limit=0",
        "limit=201",
        "status=x",
        "offset=9223372036854775808",
    ],
)
def test_a_bad_alert_filter_is_a_400(client, world, seda, query):
    answer = call(client, "get", f"/api/v1/pts/alerts?{query}", seda)
    assert answer.status_code == 400


def test_another_directorates_alerts_are_not_listed(client, world, seda):
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    pts.upsert_hotlist(ankara, plate="26 ABC 123", reason="stolen", actor=None)
    pts.ingest(ankara, [read("26 ABC 123")])
    assert PlateAlert.objects.count() == 1
    assert call(client, "get", "/api/v1/pts/alerts?status=all", seda).json()["items"] == []


def test_the_schema_describes_the_operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"post"} <= set(paths["/api/v1/pts/reads"])
    body = paths["/api/v1/pts/reads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array" and body["maxItems"] == 5000
    assert set(body["items"]["properties"]) == {"camera", "plate", "at", "latitude", "longitude"}
    assert {"get", "post"} <= set(paths["/api/v1/pts/hotlist"])
    assert "delete" in paths["/api/v1/pts/hotlist/{plate}"]
    assert "get" in paths["/api/v1/pts/alerts"]
