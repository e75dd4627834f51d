"""The API's hot paths take a fixed number of queries: Ayşe the operator records a case for a caller, and the
call-centre software pages through the cases list however many cases the page holds.

The counts are exact and the same on SQLite and PostgreSQL; a change that adds a query per case, or one
to every request, shows up here. Each measured request follows one like it, so what a process does once
(the token's first use, the institution's calendar) is not counted.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from kentmasa.cases.models import Case, Citizen
from kentmasa.cases.tests.test_api import new_case, post
from kentmasa.directory.models import User

CASES = "/api/v1/cases"
HASANS_TC = "20000000046"
# The token with its user; the category's check; the Idempotency-Key looked up, then inserted under a
# savepoint; the institution and the category; intake.open_from's savepoint, in which the citizen is looked
# up by the proven TC kimlik no and phone and recorded (a savepoint of its own), the service, unit and days
# off give the deadline, and the case, its number and its "open" event are written (another savepoint);
# the key gets its case; the case is read back and its remaining time counted for the answer. The "open"
# event's live event (kentmasa.notify.live) is one more insert.
# +2 KVKK: the current privacy notice (one query) and the record of the version given (kentmasa.privacy).
CREATE_QUERIES = 29
# The token with its user, the count, the page (everything it shows joined in) and the days off that
# count the remaining time: the same four for one case or a full page.
# +1: the access log's one insert of the listed cases (kentmasa.privacy, KVKK m.12).
LIST_QUERIES = 5


@pytest.fixture
def ayse(operator: User) -> Client:
    out = io.StringIO()
    call_command("api_token", operator.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})


def test_recording_a_case_takes_a_fixed_number_of_queries(ayse, category, django_assert_num_queries):
    assert post(ayse, CASES, new_case(category)).status_code == 201
    caller = {"name": "Hasan Işık", "phone": "0533 765 43 21", "tc_kimlik": HASANS_TC}

    with django_assert_num_queries(CREATE_QUERIES):
        response = ayse.post(
            CASES,
            json.dumps(new_case(category, subject="Kaldırım taşı kırık", citizen=caller)),
            content_type="application/json",
            headers={"idempotency-key": "0f8e2c1a-kaldirim"},
        )

    assert response.status_code == 201, response.content
    assert Case.objects.count() == 2 and Citizen.objects.count() == 2


@pytest.mark.parametrize("cases", [1, 20])
def test_the_cases_list_takes_the_same_queries_for_one_case_or_twenty(
    ayse, make_case, cases, django_assert_num_queries
):
    for _ in range(cases):
        make_case()
    assert ayse.get(CASES).status_code == 200

    with django_assert_num_queries(LIST_QUERIES):
        response = ayse.get(CASES, {"limit": 50})

    assert response.json()["count"] == cases
