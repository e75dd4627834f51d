"""Walking a keyset-paged staff list through its view, as a person clicking "next" and then "previous" would.

Used by the lists' tests in several apps (foi, privacy, field, emergency, notify, retention, accounts): every
row once, in order, forward and back; and a bad or forged cursor shows the first page, never an error.
"""

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
