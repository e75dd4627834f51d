"""The OpenAPI schema says what the API does: the answers each operation can give, the rules of its input,
and times with offsets any client can read.
"""

import datetime as dt
import io
import json
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.test import Client

from kentmasa.cases.models import Case

CASES = "/api/v1/cases"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def schema(client, db) -> dict:
    return json.loads(client.get("/api/v1/openapi.json").content)


@pytest.fixture
def mert(road_manager) -> Client:
    out = io.StringIO()
    call_command("api_token", road_manager.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})


def test_the_schema_is_strict_json_without_repeated_keys(client, db):
    """Swagger UI (and YAML-minded clients) refuse a document with a key twice, e.g. two "201" answers."""
    repeated: list[str] = []

    def no_repeats(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_repeats)
    assert repeated == []


def statuses(schema: dict, path: str, method: str) -> list[str]:
    return sorted(schema["paths"][f"/api/v1{path}"][method]["responses"])


def test_every_operation_lists_the_statuses_it_can_answer(schema):
    assert statuses(schema, "/cases", "get") == ["200", "400", "401", "414"]
    assert statuses(schema, "/cases", "post") == ["201", "400", "401", "403", "414", "422"]
    assert statuses(schema, "/cases/{tracking_number}", "get") == ["200", "400", "401", "404", "414"]
    assert statuses(schema, "/cases/{tracking_number}/events", "get") == ["200", "400", "401", "404", "414"]
    assert statuses(schema, "/cases/{tracking_number}/transitions", "post") == [
        "200",
        "202",  # held for approval (kentmasa.notify.approvals)
        "400",
        "401",
        "403",
        "404",
        "409",
        "414",
    ]
    assert statuses(schema, "/categories", "get") == ["200", "400", "401", "414"]
    assert statuses(schema, "/services", "get") == ["200", "400", "401", "414"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    assert schema["paths"]["/api/v1/cases"]["post"]["responses"]["422"]["content"] == error
    # 414 comes from the web server in front, without a body of ours.
    assert "content" not in schema["paths"]["/api/v1/cases"]["post"]["responses"]["414"]


def test_the_subject_may_not_be_blank_and_the_schema_says_so(schema, operator, category):
    subject = schema["components"]["schemas"]["CaseIn"]["properties"]["subject"]
    assert (subject["minLength"], subject["maxLength"]) == (1, 200)
    blank = re.compile(subject["pattern"])  # the same class in Python's re and in ECMA-262
    out = io.StringIO()
    call_command("api_token", operator.username, stdout=out, stderr=io.StringIO())
    ayse = Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})

    for text in ["", " ", "\u3000", "\x1f\x1c", "\ufeff", "\u2028\t"]:
        assert blank.search(text) is None
        response = ayse.post(CASES, json.dumps({"channel": "phone", "subject": text}), "application/json")
        assert response.status_code == 400 and list(response.json()["errors"]) == ["subject"], repr(text)
    for text in ["Çukur", " x "]:
        assert blank.search(text)
        response = ayse.post(CASES, json.dumps({"channel": "phone", "subject": text}), "application/json")
        assert response.status_code == 201
    assert Case.objects.count() == 2


def rule_for(schema: dict, name: str) -> dict:
    """The branch of TransitionIn's anyOf for one transition, without its name."""
    branches = schema["components"]["schemas"]["TransitionIn"]["anyOf"]
    [branch] = [branch for branch in branches if branch["properties"]["name"] == {"const": name}]
    properties = {key: value for key, value in branch["properties"].items() if key != "name"}
    return {key: value for key, value in branch.items() if key != "properties"} | (
        {"properties": properties} if properties else {}
    )


def test_the_schema_states_what_each_transition_needs(schema):
    assert rule_for(schema, "assign") == {
        "anyOf": [
            {"required": ["assignee"], "properties": {"assignee": {"type": "integer"}}},
            {"required": ["team"], "properties": {"team": {"type": "integer"}}},
        ]
    }
    transfer = rule_for(schema, "transfer")["anyOf"]
    assert [option["required"] for option in transfer] == [["unit"], ["institution"]]
    assert rule_for(schema, "redirect")["required"] == ["to"]
    assert rule_for(schema, "merge")["required"] == ["into"]
    resolve = rule_for(schema, "resolve")["anyOf"]
    assert [option["required"] for option in resolve] == [["resolution"], ["note"]]
    assert [option["required"] for option in rule_for(schema, "reject")["anyOf"]] == [["reason"], ["note"]]
    [others] = [
        branch["properties"]["name"]["enum"]
        for branch in schema["components"]["schemas"]["TransitionIn"]["anyOf"]
        if "enum" in branch["properties"]["name"]
    ]
    assert "start" in others and "close" in others and "assign" not in others


def test_an_assignment_without_assignee_or_team_is_refused_as_the_schema_says(mert, make_case):
    case = make_case()

    response = mert.post(
        f"{CASES}/{case.tracking_number}/transitions", {"name": "assign"}, "application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"assignee": ["Başvurunun atanacağı kişiyi ya da ekibi seçin."]}


def test_ids_and_pages_have_their_bounds_in_the_schema(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, 10_000)
    assert parameters["category"]["anyOf"][0] == {"maximum": 2**63 - 1, "minimum": 1, "type": "integer"}
    assert "2000-01-01 to 2099-12-31" in parameters["received_from"]["description"]
    header = schema["paths"]["/api/v1/cases"]["post"]["parameters"][0]
    assert header["in"] == "header" and header["name"] == "Idempotency-Key"
    assert header["schema"]["anyOf"][0]["pattern"] == "^[!-~]{1,255}$"
    replayed = schema["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["headers"]["Idempotent-Replayed"]
    assert replayed["schema"] == {"type": "string", "enum": ["true"]}


def test_times_before_standard_time_are_shown_in_utc(mert, make_case):
    """Istanbul kept local mean time (+01:55:52) until 1910; RFC 3339 offsets have no seconds."""
    old = make_case(received_at=dt.datetime(1900, 6, 1, 12, 0, tzinfo=dt.UTC))

    data = mert.get(f"{CASES}/{old.tracking_number}").json()

    assert data["received_at"] == "1900-06-01T12:00:00Z"
    assert RFC3339.match(data["received_at"])
    events = mert.get(f"{CASES}/{old.tracking_number}/events").json()
    assert all(RFC3339.match(event["at"]) for event in events)


def test_times_are_shown_in_the_configured_time_zone(mert, make_case, settings):
    case = make_case(received_at=dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.UTC))
    assert mert.get(f"{CASES}/{case.tracking_number}").json()["received_at"] == "2026-03-18T10:00:00+03:00"

    settings.TIME_ZONE = "Europe/Berlin"
    data = mert.get(f"{CASES}/{case.tracking_number}").json()

    assert data["received_at"] == "2026-03-18T08:00:00+01:00"
    due = dt.datetime.fromisoformat(data["due_at"])
    assert due.utcoffset() == due.astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).utcoffset()
    assert due == Case.objects.get().due_at


@pytest.mark.parametrize("path", ["/nothing", "/cases/26/0000012/events", "/cases//events", "/cases/"])
def test_any_other_address_under_the_api_is_a_json_404(mert, path):
    response = mert.get(f"/api/v1{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"detail": "Bulunamadı.", "code": "not_found"}
