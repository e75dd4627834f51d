"""The staff case lists read along their indexes on PostgreSQL, never by scanning cases_case.

Each test captures the SQL a real view (or the sweep) sends and asks PostgreSQL for its plan with
``enable_seqscan = off``: on a test database of a few rows a sequential scan is the cheapest plan for any
query, so without it a missing index would go unnoticed; with it, a query no index serves still shows a
Seq Scan (PostgreSQL falls back to one when nothing else can answer).
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases.models import Case, Status
from kentmasa.cases.views.console import latest_cases
from kentmasa.escalation import services as escalation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="query plans are PostgreSQL's (EXPLAIN with enable_seqscan = off); SQLite has no such switch",
    ),
]

QUEUE = "/kuyruk/"
QUEUE_INDEXES = ("case_institution_active", "case_institution_queue")


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_reads(sql: str, *indexes: str) -> str:
    """``sql`` is planned along one of ``indexes`` and never scans the case table whole."""
    found = plan(sql)
    assert "Seq Scan on cases_case" not in found, found
    used = {
        a or b
        for a, b in re.findall(
            r"Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)", found
        )
    }
    assert used & set(indexes), found
    return found


def sent(client, path: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def page_query(queries: list[str]) -> str:
    """The queue page's first read: the cases with a deadline from the cursor on."""
    return next(q for q in queries if q.startswith('SELECT "cases_case"."id"') and "LIMIT 51" in q)


def count_query(queries: list[str]) -> str:
    return next(q for q in queries if q.startswith("SELECT COUNT(*)") and "LIMIT 10001" in q)


@pytest.fixture
def cases(make_case, roads, parks):
    """Three open cases of the roads unit among a few hundred others (closed ones, other units'), with the
    table analysed: the planner then weighs the indexes as it does on a full table, not by a coin toss
    between equally cheap one-row plans."""
    now = timezone.now()
    mine = [make_case(received_at=now - dt.timedelta(days=days)) for days in (1, 2, 3)]
    model = Case.objects.get(pk=mine[0].pk)
    crowd = []
    for i in range(600):
        model.pk = None
        model.tracking_number = f"9{i:08d}"
        model.status = Status.CLOSED if i % 3 else Status.NEW
        model.unit = parks if i % 2 else roads
        model.due_at = now - dt.timedelta(days=i % 90)
        crowd.append(Case(**{f.attname: getattr(model, f.attname) for f in Case._meta.concrete_fields}))
    Case.objects.bulk_create(crowd)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    return mine


@pytest.mark.parametrize("params", [{}, {"overdue": "on"}, {"q": "çukur"}])
def test_the_whole_institutions_queue_reads_its_active_index(client, operator, cases, params):
    client.force_login(operator)
    queries = sent(client, QUEUE, params)
    # A filter the index does not hold (overdue, words) is checked on the rows either queue index finds.
    assert_reads(page_query(queries), *(("case_institution_active",) if not params else QUEUE_INDEXES))
    # The bounded count reads either index: on a test table of a few hundred rows their costs are a tie that
    # PostgreSQL's sampled statistics break either way from run to run (both stop at the count's LIMIT).
    assert_reads(count_query(queries), "case_institution_active", "case_institution_queue")


def test_the_whole_institutions_queue_by_status(client, operator, cases):
    client.force_login(operator)
    queries = sent(client, QUEUE, {"status": "new"})
    assert_reads(page_query(queries), "case_institution_active", "case_institution_queue")
    assert_reads(count_query(queries), "case_institution_active", "case_institution_queue")


@pytest.mark.parametrize("params", [{}, {"status": "new"}, {"overdue": "on"}])
def test_a_units_queue_reads_the_units_index(client, road_staff, cases, params):
    client.force_login(road_staff)
    queries = sent(client, QUEUE, params)
    assert_reads(page_query(queries), "case_unit_active", "case_unit_queue")
    assert_reads(count_query(queries), "case_unit_active", "case_unit_queue")


@pytest.mark.parametrize("who", ["operator", "road_staff"])
def test_the_next_page_starts_at_its_cursor_in_the_index(client, request, make_case, cases, who):
    now = timezone.now()
    for days in range(52):
        make_case(received_at=now - dt.timedelta(days=days + 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    client.force_login(request.getfixturevalue(who))
    first = client.get(QUEUE).content.decode()
    after = re.search(r'rel="next" href="\?after=([^"]+)"', first).group(1)
    sql = page_query(sent(client, QUEUE, {"after": after}))
    found = assert_reads(sql, "case_institution_active" if who == "operator" else "case_unit_active")
    assert "due_at >=" in found  # a range from the cursor, not a filter over the rows before it


def test_the_consoles_latest_cases_read_the_recent_index(operator, cases):
    with CaptureQueriesContext(connection) as captured:
        latest_cases(operator)
    [sql] = [q["sql"] for q in captured.captured_queries if "cases_case" in q["sql"]]
    assert_reads(sql, "case_institution_recent")


def test_the_sweeps_candidates_read_the_sweep_index(make_case):
    late = make_case(received_at=timezone.now() - dt.timedelta(days=60))
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=30))
    with CaptureQueriesContext(connection) as captured:
        escalation.sweep(timezone.now())
    candidates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "cases_case"."id"') and '"cases_case"."due_at" <' in q["sql"]
    ]
    assert candidates
    for sql in candidates:
        assert_reads(sql, "case_sweep")
