"""Walking a keyset-paged staff list through its view, as a person clicking "next" and then "previous" would.

Used by the lists' tests in several apps (foi, privacy, field, emergency, notify, retention, accounts): every
row once, in order, forward and back; and a bad or forged cursor shows the first page, never an error.
"""

import re
from collections.abc import Callable
from typing import Any

# Cursors no list may choke on: NUL bytes, huge numbers, the year 1, a key past a bigint, garbage.
BAD_CURSORS = [
    "\x00",
    "1\x00.2",
    "9" * 400,
    "99999999999999999.9223372036854775807",
    "-62135596800000000.1",  # 0001-01-01
    "0.99999999999999999999",
    "1.0",
    "-.0",
    "abc",
    "1.2.3",
    "١٢.٣",
    "' OR 1=1 --",
]


def walk(
    client: Any,
    path: str,
    params: dict | None = None,
    *,
    key: Callable[[Any], Any] = lambda row: row.pk,
    page_name: str = "page",
    limit: int = 100,
) -> tuple[list, list]:
    """The rows' keys page by page from the first page to the last following ``next``, and from the last
    back to the first following ``previous`` (each page's rows in list order); asserts every answer is 200."""
    params = dict(params or {})
    forward: list = []
    pages = []
    response = client.get(path, params)
    for _ in range(limit):
        assert response.status_code == 200, response.status_code
        page = response.context[page_name]
        pages.append(page)
        forward.extend(key(row) for row in page.rows)
        if page.next is None:
            break
        response = client.get(path, {**params, "after": page.next})
    else:
        raise AssertionError("more pages than the walk's limit")
    backward: list = []
    page = pages[-1]
    backward[:0] = [key(row) for row in page.rows]
    for _ in range(limit):
        if page.previous is None:
            break
        response = client.get(path, {**params, "before": page.previous})
        assert response.status_code == 200, response.status_code
        page = response.context[page_name]
        backward[:0] = [key(row) for row in page.rows]
    else:
        raise AssertionError("more pages than the walk's limit")
    assert page.first, "walking back did not end on the first page"
    return forward, backward


def first_page_keys(client: Any, path: str, params: dict | None = None, page_name: str = "page") -> list:
    response = client.get(path, params or {})
    assert response.status_code == 200
    return [row.pk for row in response.context[page_name].rows]


def assert_bad_cursors_show_the_first_page(
    client: Any, path: str, params: dict | None = None, page_name: str = "page"
) -> None:
    first = first_page_keys(client, path, params, page_name)
    for text in BAD_CURSORS:
        for name in ("after", "before"):
            response = client.get(path, {**(params or {}), name: text})
            if "\x00" in text:  # refused by the middleware before any view (kentmasa.lib.edge): a clear 400
                assert response.status_code == 400, (name, text, response.status_code)
                continue
            assert response.status_code == 200, (name, text, response.status_code)
            page = response.context[page_name]
            assert page.first, (name, text)
            assert [row.pk for row in page.rows] == first, (name, text)


# -- PostgreSQL plans (the pattern of kentmasa/cases/tests/test_plans.py) ------------------------------------


def plan(sql: str) -> str:
    """PostgreSQL's plan for ``sql`` with sequential scans off: on a test table of a few rows a Seq Scan is
    the cheapest plan for anything, so without the switch a missing index would go unnoticed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        found = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def indexes_used(found: str) -> set[str]:
    return {
        a or b
        for a, b in re.findall(
            r"Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)", found
        )
    }


def list_queries(client: Any, path: str, params: dict | None, table: str) -> tuple[str, str | None]:
    """The SQL of the list's key read (the page picked from the index: ``SELECT "table"."id" … LIMIT n``)
    and of its bounded count (None when the list shows no count) that the view at ``path`` sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.status_code
    sent = [query["sql"] for query in captured.captured_queries]
    keys = [q for q in sent if q.startswith(f'SELECT "{table}"."id" AS "pk", ') and " LIMIT " in q]
    assert keys, sent
    counts = [q for q in sent if q.startswith("SELECT COUNT(*)") and f'"{table}"' in q and "LIMIT 10001" in q]
    return keys[0], counts[0] if counts else None


def assert_reads(sql: str, table: str, *indexes: str) -> str:
    """``sql`` reads ``table`` along one of ``indexes`` (a name, or the start of one, as
    "privacy_accesslog_citizen_id" for Django's foreign-key index) and never scans it whole."""
    found = plan(sql)
    assert f"Seq Scan on {table}" not in found, found
    assert any(used.startswith(index) for used in indexes_used(found) for index in indexes), found
    return found
