"""Bad input on every endpoint of the field API (/saha/api/), which kentmasa/api_fuzz.py (schemathesis over
the staff API's OpenAPI schema) does not reach: NUL bytes, lone surrogates, year 0001, keys past 64 bits,
300-character strings, the wrong JSON types, huge lists, bodies that are not JSON.

Never a 500 (nor the 503 / "error" outcome the views answer when something unexpected fails inside them).
A request refused as a whole is a 400 with a Turkish message and a code. Inside the queue (eylem) and for a
photo (foto) each action is answered on its own — a bad one is "refused" with a Turkish message, one bad
action stops none of the others — and a refusal writes nothing. Run on SQLite and PostgreSQL."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kentmasa.cases.models import Attachment, Event
from kentmasa.directory.models import Team
from kentmasa.field import services
from kentmasa.field.models import DeviceToken, FieldAction, WorkOrder
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import jpeg

pytestmark = pytest.mark.django_db

TURKISH = set("çğıöşüÇĞİÖŞÜ")
ENGLISH = re.compile(r"\b(the|is|are|must|not|send|only|this|there|no|such|of|an?)\b", re.IGNORECASE)
BIG = 2**63
LONG = "ş" * 300
NUL = "a\x00b"
SURROGATE = "\ud800"
YEAR_ONE = "0001-01-01T00:00:00"
# Values of every wrong kind for a field the API expects as text, a number or a key.
BAD_VALUES = [
    NUL,
    SURROGATE,
    "x" + SURROGATE + "y",
    YEAR_ONE,
    "0001-01-01",
    BIG,
    -BIG - 1,
    BIG * 10,
    LONG,
    "",
    None,
    True,
    1.5,
    1e309,  # json.dumps writes Infinity
    "NaN",
    [],
    [1, 2],
    {},
    {"a": 1},
]


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def phone(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raw_json(value) -> bytes:
    """JSON as a phone (or anybody) may send it: lone surrogates as \\ud800 escapes, NaN and Infinity."""
    return json.dumps(value, allow_nan=True).encode()


def post(client, url, body, content_type="application/json"):
    data = body if isinstance(body, bytes | str) else raw_json(body)
    return client.post(url, data, content_type=content_type)


def turkish(message: object) -> bool:
    """A message to show, in Turkish: Turkish letters, or at least none of the English catalogue's words."""
    if not isinstance(message, str) or not message.strip():
        return False
    return bool(TURKISH & set(message)) or not ENGLISH.search(message)


def assert_refused(response, statuses=(400,)) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert body["ok"] is False and body["code"]
    assert turkish(body["message"]), body["message"]
    return body


def nothing_written() -> tuple[int, int, int, int]:
    return (
        Event.objects.exclude(action__in=["open", "notified", "work_order_sent"]).count(),
        Attachment.objects.count(),
        DeviceToken.objects.count(),
        FieldAction.objects.exclude(outcome=FieldAction.Outcome.REFUSED).count(),
    )


NOT_JSON = [
    b"",
    b"not json",
    b"\xff\xfe\x00",
    b"\xed\xa0\x80",  # a surrogate as raw (invalid) UTF-8
    b"{",
    b'{"a": 1' + b"0" * 10_000,
    b"[" * 5000 + b"]" * 5000,
    b"null",
    b"[]",
    b"1",
    b'"text"',
]


# -- GET /saha/api/isler/ ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "lat=a%00b&lng=28",
        "lat=%ED%A0%80&lng=28",  # a surrogate, percent-encoded
        "lat=0001-01-01&lng=28",
        f"lat={BIG}&lng={BIG}",
        f"lat={'9' * 300}&lng=1",
        "lat=NaN&lng=28",
        "lat=Infinity&lng=28",
        "lat=1e309&lng=28",
        "lat=41",
        "lng=28",
        "lat=91&lng=28",
        "lat=41&lng=-181",
        "lat=41&lat=42&lng=%ff",
    ],
)
def test_todays_list_refuses_a_bad_position(world, query):
    world.order()
    response = phone(world.mehmet).get(f"/saha/api/isler/?{query}")
    assert response.status_code != 500
    assert_refused(response)


def test_todays_list_ignores_other_parameters_however_bad(world):
    order = world.order()
    response = phone(world.mehmet).get(f"/saha/api/isler/?id={BIG}&page=%ED%A0%80&x={'ş' * 300}&lat=")
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["work_orders"]] == [order.pk]


# -- POST /saha/api/eylem/ -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", NOT_JSON)
def test_the_queue_refuses_what_is_not_json_or_not_a_list_of_actions(world, body):
    world.order()
    before = nothing_written()
    assert_refused(post(phone(world.mehmet), "/saha/api/eylem/", body))
    assert nothing_written() == before


@pytest.mark.parametrize(
    "body",
    [
        {"actions": None},
        {"actions": "set_out"},
        {"actions": {"0": {}}},
        {"actions": 1},
        {"actions": [{}] * 51},
        {"actions": [1] * 100_000},  # a huge list
        {"nothing": []},
    ],
)
def test_the_queue_refuses_the_wrong_shape(world, body):
    before = nothing_written()
    assert_refused(post(phone(world.mehmet), "/saha/api/eylem/", body))
    assert nothing_written() == before


def test_the_queue_refuses_a_form_or_text_body(world):
    client = phone(world.mehmet)
    assert_refused(client.post("/saha/api/eylem/", {"actions": "x"}))
    assert_refused(post(client, "/saha/api/eylem/", "actions=x", content_type="text/plain"))


FIELDS = ["id", "kind", "work_order", "at", "text", "latitude", "longitude", "accuracy", "reason", "assignee"]


def good_action(order: WorkOrder, kind: str = "set_out") -> dict:
    return api_world.action(kind, order)


@pytest.mark.parametrize("field", FIELDS)
def test_each_bad_value_in_an_action_is_answered_on_its_own_never_an_error(world, field):
    order = world.order()
    client = phone(world.ahmet)  # the leader: "reassign" is his to send
    kinds = {
        "text": "note",
        "latitude": "arrived",
        "longitude": "arrived",
        "accuracy": "arrived",
        "reason": "failed",
        "assignee": "reassign",
    }
    actions = []
    for value in BAD_VALUES:
        item = good_action(order, kinds.get(field, "note"))
        if item["kind"] == "note":
            item["text"] = "Not"
        item[field] = value
        actions.append(item)
    response = post(client, "/saha/api/eylem/", {"actions": actions[:50]})
    assert response.status_code == 200, response.content[:300]
    results = response.json()["results"]
    assert len(results) == len(actions[:50])
    for value, result in zip(BAD_VALUES, results, strict=False):
        assert result["outcome"] in ("applied", "refused", "conflict"), (field, value, result)
        if result["outcome"] != "applied":
            assert turkish(result["message"]), (field, value, result)
    # Whatever was refused left the work order as it was (only a kind of its own may have moved it).
    order.refresh_from_db()
    assert order.status in WorkOrder.OPEN or field in ("kind", "reason")


def test_a_refused_action_changes_nothing(world):
    order = world.order()
    before = nothing_written()
    bad = [
        {**good_action(order, "arrived"), "latitude": BIG},
        {**good_action(order, "failed"), "reason": BIG},
        {**good_action(order, "set_out"), "work_order": BIG},
        {**good_action(order, "set_out"), "id": NUL},
        {**good_action(order, "set_out"), "kind": LONG},
        {**good_action(order, "reassign"), "assignee": BIG},
        1,
        None,
        [],
        "set_out",
    ]
    results = post(phone(world.mehmet), "/saha/api/eylem/", {"actions": bad}).json()["results"]
    assert [r["outcome"] for r in results] == ["refused"] * len(bad)
    assert all(turkish(r["message"]) for r in results)
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.ASSIGNED and order.arrived_at is None
    assert nothing_written() == before


def test_a_note_with_lone_surrogates_and_nul_is_stored_without_them(world):
    order = world.order()
    note = {**good_action(order, "note"), "text": "Ön" + SURROGATE + "ce\x00 " + LONG}
    result = post(phone(world.mehmet), "/saha/api/eylem/", {"actions": [note]}).json()["results"][0]
    assert result["outcome"] == "applied"
    stored = Event.objects.get(case=order.case, action="work_order_note").note
    assert SURROGATE not in stored and "\x00" not in stored and stored.startswith("Önce")


# -- POST /saha/api/foto/ ------------------------------------------------------------------------------------


def photo_form(order, **changes) -> dict[str, object]:
    form: dict[str, object] = {
        "id": str(api_world.uuid.uuid4()),
        "work_order": str(order.pk),
        "phase": "before",
        "taken_at": "",
        "latitude": "",
        "longitude": "",
        "source": "phone",
        "file": SimpleUploadedFile("foto.jpg", jpeg(), content_type="image/jpeg"),
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {"id": NUL},
        {"id": LONG},
        {"id": str(BIG)},
        {"work_order": str(BIG)},
        {"work_order": str(-BIG - 1)},
        {"work_order": NUL},
        {"work_order": LONG},
        {"phase": LONG},
        {"phase": NUL},
        {"taken_at": NUL},
        {"taken_at": LONG},
        {"latitude": str(BIG), "longitude": "28"},
        {"latitude": "NaN", "longitude": "Infinity"},
        {"latitude": NUL, "longitude": NUL},
        {"file": SimpleUploadedFile("x.jpg", b"", content_type="image/jpeg")},
        {"file": SimpleUploadedFile("x.jpg", b"not a photo" * 100, content_type="image/jpeg")},
        {"file": None},
    ],
)
def test_a_bad_photo_is_refused_with_a_turkish_message_and_stores_nothing(world, changes):
    order = world.order()
    response = phone(world.mehmet).post("/saha/api/foto/", photo_form(order, **changes))
    assert response.status_code in (200, 400), response.content[:300]
    body = response.json()
    outcome = body.get("outcome", "refused")
    assert outcome == "refused", body
    assert turkish(body["message"]), body
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"taken_at": YEAR_ONE},
        {"taken_at": "9999-12-31T23:59:59+14:00"},
        {"source": LONG},
        {"file": SimpleUploadedFile("a\x00b" + "ş" * 300 + ".jpg", jpeg(), content_type="image/jpeg")},
    ],
)
def test_an_impossible_time_a_long_source_or_a_bad_file_name_still_keep_the_photo(world, changes):
    order = world.order()
    response = phone(world.mehmet).post("/saha/api/foto/", photo_form(order, **changes))
    assert response.status_code == 200
    assert response.json()["outcome"] == "applied"
    stored = Attachment.objects.get()
    assert stored.taken_at is not None and 2000 < stored.taken_at.year < 9999


@pytest.mark.parametrize("body", [*NOT_JSON[:4], b'{"file": "x"}'])
def test_a_photo_that_is_not_a_multipart_form_is_refused(world, body):
    world.order()
    response = post(phone(world.mehmet), "/saha/api/foto/", body)
    assert response.status_code in (200, 400)
    body = response.json()
    assert body.get("outcome", "refused") == "refused" and turkish(body["message"])
    assert not Attachment.objects.exists()


# -- POST /saha/api/konum/ and /saha/api/durum/ --------------------------------------------------------------


@pytest.fixture
def on_duty(world):
    services.set_duty(world.mehmet, "on_duty", team=world.team.pk)
    return world


@pytest.mark.parametrize("body", NOT_JSON)
def test_a_position_that_is_not_json_is_a_400(on_duty, body):
    assert_refused(post(phone(on_duty.mehmet), "/saha/api/konum/", body))


@pytest.mark.parametrize("field", ["latitude", "longitude", "accuracy", "team"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_position_is_refused_and_not_kept(on_duty, field, value):
    body = {"latitude": "41.04", "longitude": "28.88", "accuracy": 10, "team": on_duty.team.pk, field: value}
    response = post(phone(on_duty.mehmet), "/saha/api/konum/", body)
    assert response.status_code != 500
    if response.status_code == 204:
        # Only a real position passes (1.5° is one), and leaving out what may be left out.
        allowed: dict[str, list[object]] = {
            "latitude": [1.5],
            "longitude": [1.5],
            "accuracy": ["", None, 1.5],
            "team": ["", None],
        }
        assert value in allowed[field], value
        return
    assert_refused(response, (400, 403))
    on_duty.team.refresh_from_db()
    assert on_duty.team.latitude is None


@pytest.mark.parametrize("body", NOT_JSON)
def test_a_duty_that_is_not_json_is_a_400(world, body):
    assert_refused(post(phone(world.mehmet), "/saha/api/durum/", body))


@pytest.mark.parametrize("field", ["status", "team"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_duty_is_refused_and_changes_nothing(world, field, value):
    body = {"status": "on_duty", "team": world.team.pk, field: value}
    response = post(phone(world.mehmet), "/saha/api/durum/", body)
    assert response.status_code != 500
    if response.status_code == 200:
        assert field == "team" and value in ("", None), value  # no team named: the user's only team
        return
    assert_refused(response, (400, 403))
    world.team.refresh_from_db()
    assert world.team.status != Team.Status.AVAILABLE or not services.on_duty(world.team)


# -- /saha/api/cihaz/ ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", NOT_JSON[1:])
def test_a_device_request_that_is_not_json_is_a_400(world, body):
    assert_refused(post(phone(world.mehmet), "/saha/api/cihaz/", body))
    assert not DeviceToken.objects.exists()


@pytest.mark.parametrize("label", [BIG, None, True, 1.5, [], {}, ["x"]])
def test_a_device_name_that_is_not_text_is_a_400(world, label):
    assert_refused(post(phone(world.mehmet), "/saha/api/cihaz/", {"label": label}))
    assert not DeviceToken.objects.exists()


@pytest.mark.parametrize("label", [NUL, SURROGATE, "Tel" + SURROGATE + "efon", LONG, YEAR_ONE])
def test_a_device_name_of_bad_text_is_cleaned_and_cut(world, label):
    response = post(phone(world.mehmet), "/saha/api/cihaz/", {"label": label})
    assert response.status_code == 201
    stored = DeviceToken.objects.get().label
    assert "\x00" not in stored and SURROGATE not in stored and len(stored) <= 200


@pytest.mark.parametrize("pk", [str(BIG), str(BIG * 10), "9" * 300, "0"])
def test_revoking_a_device_that_is_not_there_is_a_404_in_turkish(world, pk):
    response = post(phone(world.mehmet), f"/saha/api/cihaz/{pk}/iptal/", {})
    assert_refused(response, (404,))


@pytest.mark.parametrize(
    "header",
    [
        "Device " + "x" * 300,
        "Device a\x00b",
        "Device ",
        "Device kmd_" + "ş" * 50,
    ],
)
def test_a_bad_device_key_is_a_401_in_turkish(world, header):
    client = Client()
    try:
        response = client.post(
            "/saha/api/eylem/",
            raw_json({"actions": []}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
    except UnicodeEncodeError:  # the test client cannot send it; a real client cannot either
        return
    assert_refused(response, (400, 401))


def test_a_wrong_method_is_a_405_in_turkish(world):
    client = phone(world.mehmet)
    for url in ("/saha/api/eylem/", "/saha/api/foto/", "/saha/api/konum/", "/saha/api/durum/"):
        assert_refused(client.get(url), (405,))
    assert_refused(client.put("/saha/api/isler/", b"{}", content_type="application/json"), (405,))
    assert_refused(client.delete("/saha/api/cihaz/"), (405,))
