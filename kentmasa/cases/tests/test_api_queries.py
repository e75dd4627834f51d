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
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kentmasa.cases.models import Case, Citizen
from kentmasa.cases.tests.test_api import new_case, post
from kentmasa.directory.models import User

CASES = "/api/v1/cases"
HASANS_TC = "20000000046"
# Recording a case, once the process has its institution's set-up cached (kentmasa.lib.process_cache: the
# category with its service and unit, the closed days, the current privacy notice): the token with its user
# and institution; intake.open_from's transaction (a savepoint here, inside the test's transaction; BEGIN and
# COMMIT in production, which are not counted), in which the citizen is looked up by the proven TC kimlik no
# and phone and recorded under a savepoint of its own, then the case, its number and search text, its "open"
# event, the event's live event (kentmasa.notify.live) and the record of the privacy notice version given
# (kentmasa.privacy); then the case is read back for the answer (what ran after the commit, routing, may have
# changed it). Measured for a caller new to the institution (a known one saves the insert and its savepoint).
# Was 29 before the set-up cache (category, service, unit, closed days twice, notice, institution) and the
# single transaction when there is no key. Not counted here: what runs after the commit (case_event: routing,
# the receipt message, field and notification rules), which the test's transaction never commits.
CREATE_QUERIES = 14
# With an Idempotency-Key the key is looked up, then the key, the case and the key's case are written in one
# transaction around open_from's (+1 look-up, +2 savepoint, +2 the key's insert and update).
CREATE_WITH_KEY_QUERIES = 19
# The token with its user, the count, the page (everything it shows joined in) and the days off that
# count the remaining time: the same four for one case or a full page.
# +1: the access log's one insert of the listed cases (kentmasa.privacy, KVKK m.12).
# -1: the closed days come from the per-process cache (kentmasa.directory.cached).
# +1: the page's keys are read apart from its rows (SQLite sorted every joined row before the limit).
LIST_QUERIES = 5
CALLER = {"name": "Hasan Işık", "phone": "0533 765 43 21", "tc_kimlik": HASANS_TC}
NEW_CALLER = {"name": "Selin Kurt", "phone": "0533 111 22 33", "tc_kimlik": "30405060750"}


@pytest.fixture
def ayse(operator: User) -> Client:
    out = io.StringIO()
    call_command("api_token", operator.username, stdout=out, stderr=io.StringIO())
    return Client(headers={"authorization": f"Bearer {out.getvalue().strip()}"})


def record(client: Client, category, subject: str, key: str = "", caller: dict = CALLER):
    headers = {"idempotency-key": key} if key else {}
    body = new_case(category, subject=subject, citizen=caller)
    return client.post(CASES, json.dumps(body), content_type="application/json", headers=headers)


def test_recording_a_case_takes_a_fixed_number_of_queries(ayse, category, django_assert_num_queries):
    # The first opening of the institution writes its default privacy notice (which clears the set-up cache);
    # the second fills the cache, as a running process has it.
    assert post(ayse, CASES, new_case(category)).status_code == 201
    assert record(ayse, category, "Kaldırım taşı kırık").status_code == 201

    with django_assert_num_queries(CREATE_QUERIES):
        response = record(ayse, category, "Kaldırım taşı yine kırık", caller=NEW_CALLER)

    assert response.status_code == 201, response.content
    assert response.json()["category"]["id"] == category.pk
    assert response.json()["unit"]["id"] == category.unit_id
    assert Case.objects.count() == 3 and Citizen.objects.count() == 3


def test_recording_with_an_idempotency_key_takes_a_fixed_number_of_queries(
    ayse, category, django_assert_num_queries
):
    assert post(ayse, CASES, new_case(category)).status_code == 201
    assert record(ayse, category, "Kaldırım taşı kırık", key="0f8e2c1a-ilk").status_code == 201

    with django_assert_num_queries(CREATE_WITH_KEY_QUERIES):
        response = record(
            ayse, category, "Kaldırım taşı yine kırık", key="0f8e2c1a-kaldirim", caller=NEW_CALLER
        )

    assert response.status_code == 201, response.content
    assert Case.objects.count() == 3


def test_the_answer_is_the_case_as_stored(ayse, category):
    """The answer to a recording says what reading the case afterwards says."""
    created = record(ayse, category, "Kaldırım taşı kırık").json()
    number = created.pop("tracking_number")
    stored = ayse.get(f"{CASES}/{number}").json()
    stored.pop("tracking_number")
    created.pop("verification_code")
    assert created == stored


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


def test_the_count_stops_at_its_limit_and_says_so(ayse, make_case, monkeypatch):
    from kentmasa.cases.api import views

    for _ in range(5):
        make_case()
    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    page = ayse.get(CASES, {"limit": 2}).json()
    assert (page["count"], page["more"], len(page["items"])) == (3, True, 2)
    monkeypatch.setattr(views, "COUNT_LIMIT", 5)
    page = ayse.get(CASES, {"limit": 2}).json()
    assert (page["count"], page["more"]) == (5, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan")
def test_the_list_and_its_count_read_an_index_not_the_table(ayse, make_case):
    """With sequential scans off (a tiny test table would hide a missing index), neither the page nor its
    count scans cases_case: they read an index of the institution's cases, bounded by LIMIT."""
    for _ in range(3):
        make_case()
    with CaptureQueriesContext(connection) as queries:
        assert ayse.get(CASES, {"limit": 50}).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(reads) == 3  # the page's keys, its rows by key, and the count
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on cases_case" not in plan, plan
        cursor.execute("SET enable_seqscan = on")
