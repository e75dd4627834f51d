"""Schemathesis against the staff API, driven by the API's own schema (/api/v1/openapi.json).

Run it with ``make fuzz-api`` (on PostgreSQL: ``DATABASE_URL=postgres://… make fuzz-api``); ``.ci/run``
runs it on PostgreSQL after the suite. It is a pytest module outside the suite's ``test_*.py`` names, so
``make test`` does not collect it; pytest-django gives it a throwaway test database, never the configured one.

* The app is called in-process through WSGI (``schemathesis.openapi.from_wsgi``): no port, no server to stop.
* A small institution is seeded (units, teams, categories, cases in different statuses) with an
  administrator whose API token every request carries. Three in four requests to one case's address use a
  seeded case, so transitions really run; the fourth a generated tracking number.
* Plate recognition (``/pts/…``) is called as a police directorate's operator (half of the reads with the
  camera system's plate-reads token); half the plates in a path are one on the seeded hotlist.
* Every operation of the schema is fuzzed with valid and with invalid input (schemathesis' positive and
  negative generation, one pytest test each), with a fixed seed and a bounded number of examples, except
  long-lived streams (``text/event-stream``).
* Each answer must pass the checks named in CHECKS: no 5xx, a status the operation documents, the
  documented content type, a body and headers matching the response's schema. A documented 404 for a
  made-up tracking number is a correct answer, not a failure.

Schemathesis' own pytest integration (``schema.parametrize``) does not run under pytest 9.2, so the
operations are parametrized here and each runs a Hypothesis test over ``operation.as_strategy``.
``FUZZ_API_EXAMPLES`` (default 150 per operation and mode) and ``FUZZ_API_SEED`` change the run.
"""

import io
import os

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.directory.models import ApiToken, Category, Team, User
from kentmasa.emergency import pts
from kentmasa.emergency.tests.core_world import police_world

SEED = int(os.environ.get("FUZZ_API_SEED", "20260318"))
EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "150"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def is_stream(operation) -> bool:
    """An operation that answers with a long-lived stream: a fuzzer would wait on it forever."""
    responses = operation.definition.raw.get("responses", {})
    return any("text/event-stream" in (answer.get("content") or {}) for answer in responses.values())


# Reading the schema needs no database: only the requests made in the tests do.
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
OPERATIONS = [operation for operation in (result.ok() for result in SCHEMA.get_all_operations())]
OPERATIONS = [operation for operation in OPERATIONS if not is_stream(operation)]


@pytest.fixture
def one_connection():
    """Keep the test's database connection across requests, as Django's test client does: the WSGI handler
    would otherwise close it after each answer, and with it the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(one_connection, institution, roads, parks, road_team, category, make_user):
    """Esenler with its Roads and Parks units, and the cases an administrator's software works on."""
    lights = Category.objects.create(institution=institution, name="Park aydınlatması", unit=parks)
    Team.objects.create(unit=parks, name="Bakım Ekibi")
    admin = make_user(User.Role.ADMINISTRATOR, "fuzz_admin")
    staff = make_user(User.Role.UNIT_STAFF, "fuzz_staff", units=[roads])
    opened = services.open_case(
        institution=institution, channel=Channel.PHONE, subject="Okul önünde çukur", category=category
    )
    assigned = services.open_case(
        institution=institution, channel=Channel.WEB, subject="Asfalt çöktü", category=category
    )
    services.open_case(
        institution=institution, channel=Channel.WEB, subject="Lamba yanmıyor", category=lights
    )
    services.assign(assigned, actor=admin, assignee=staff)
    resolved = services.open_case(
        institution=institution, channel=Channel.OPEN311, subject="Kaldırım kırık", category=category
    )
    services.assign(resolved, actor=admin, team=road_team)
    services.resolve(resolved, actor=admin, resolution="Kaldırım onarıldı.")
    out = io.StringIO()
    call_command("api_token", admin.username, stdout=out, stderr=io.StringIO())
    police = police_world()
    pts.upsert_hotlist(police.police, plate="26 ABC 123", reason="stolen", actor=None)
    pts.ingest(
        police.police, [{"camera": "ESK-PTS-001", "plate": "26ABC123", "at": "2026-01-02T03:04:05+03:00"}]
    )
    return {
        "token": out.getvalue().strip(),
        "tracking_numbers": [opened.tracking_number, assigned.tracking_number, resolved.tracking_number],
        "police_token": ApiToken.issue(police.operator)[1],
        "reads_token": ApiToken.issue(police.operator, scope=ApiToken.Scope.PLATE_READS)[1],
    }


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_the_api_keeps_its_schema(operation, mode, seeded):
    numbers = seeded["tracking_numbers"]
    headers = {"Authorization": f"Bearer {seeded['token']}"}

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # the same run every time: nothing replayed from an example database
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=3))
    def answers_as_documented(case, pick):
        if "tracking_number" in (case.path_parameters or {}) and pick < len(numbers):
            case.path_parameters["tracking_number"] = numbers[pick]
        if "/pts/" in operation.path:
            reads = operation.path.endswith("/reads") and pick % 2
            headers["Authorization"] = f"Bearer {seeded['reads_token' if reads else 'police_token']}"
            if "plate" in (case.path_parameters or {}) and pick < 2:
                case.path_parameters["plate"] = "26 ABC 123"
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    answers_as_documented()
