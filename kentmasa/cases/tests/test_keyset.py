"""Keyset pages and bounded counts (kentmasa.cases.queries): every row exactly once, in order, forwards and
backwards; cursors that are not ours give the first page; a total past the limit is "10.000+"."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from kentmasa.cases import queries
from kentmasa.cases.models import Case
from kentmasa.cases.queries import BoundedCount, Cursor, bounded_count, keyset_page

pytestmark = pytest.mark.django_db

QUEUE = "/kuyruk/"
BAD_CURSORS = [
    "",
    "abc",
    "1.2\x00",
    "-1.5",
    "1.0",
    "1.-3",
    f"1.{2**63}",
    f"1.{2**64 + 1}",
    "0001-01-01T00:00:00.5",
    "-62135596800000000.5",  # year 0001, a sign the cursor never has
    "99999999999999999.1",  # year 5138: past any case's time
    "1" * 60,
    " 1.2",
    "1.2 ",
    "1,2",
    "\u0661.\u0662",  # Arabic-Indic digits: not ASCII
    "-.",
    "-.0",
]


def test_a_cursor_reads_back_as_written():
    moment = dt.datetime(2026, 3, 18, 7, 0, 0, 123456, tzinfo=dt.UTC)
    assert Cursor.decode(Cursor(moment, 42).encode()) == Cursor(moment, 42)
    assert Cursor.decode(Cursor(None, 7).encode()) == Cursor(None, 7)
    assert Cursor.decode(Cursor(moment, 2**63 - 1).encode()) == Cursor(moment, 2**63 - 1)
    before_1970 = dt.datetime(1969, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert Cursor.decode(Cursor(before_1970, 1).encode()) is None  # never written: cases are newer


@pytest.mark.parametrize("text", BAD_CURSORS)
def test_anything_else_is_no_cursor(text):
    assert Cursor.decode(text) is None


@pytest.fixture
def listed(make_case):
    """Eleven cases: deadlines with ties, and three without a deadline."""
    cases = [make_case() for _ in range(11)]
    base = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    dues = [base, base, base + dt.timedelta(hours=1), None, base - dt.timedelta(days=2), base, None]
    dues += [base + dt.timedelta(days=3), base + dt.timedelta(hours=1), None, base - dt.timedelta(days=2)]
    for case, due in zip(cases, dues, strict=True):
        Case.objects.filter(pk=case.pk).update(due_at=due)
    return Case.objects.filter(pk__in=[c.pk for c in cases])


def soonest_first(rows) -> list[int]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return [c.pk for c in sorted(rows, key=lambda c: (c.due_at is None, c.due_at or far, c.pk))]


@pytest.mark.parametrize("size", [1, 3, 4, 11, 20])
def test_pages_forward_and_back_hold_every_row_once_in_order(listed, size):
    expected = soonest_first(listed)
    pages, after = [], None
    while True:
        page = keyset_page(listed, "due_at", size=size, after=after)
        pages.append([c.pk for c in page])
        assert page.first == (after is None)
        if page.next is None:
            break
        after = Cursor.decode(page.next)
    assert [pk for chunk in pages for pk in chunk] == expected
    assert all(len(chunk) == size for chunk in pages[:-1])
    # And back from the last page, by the "previous" links, to the first.
    back, before = [pages[-1]], page.previous
    while before is not None:
        page = keyset_page(listed, "due_at", size=size, before=Cursor.decode(before))
        back.append([c.pk for c in page])
        before = page.previous
    assert back[::-1] == pages


def test_descending_pages_newest_first(listed):
    expected = [c.pk for c in sorted(listed, key=lambda c: (c.received_at, c.pk), reverse=True)]
    seen, after = [], None
    while True:
        page = keyset_page(listed, "received_at", size=4, descending=True, after=after)
        seen += [c.pk for c in page]
        if page.next is None:
            break
        after = Cursor.decode(page.next)
    assert seen == expected


def test_a_previous_page_shorter_than_a_page_is_the_first_page(listed):
    second = keyset_page(
        listed, "due_at", size=4, after=Cursor.decode(keyset_page(listed, "due_at", size=4).next)
    )
    # A cursor just after the first row: fewer than a page lies before it, so the first page is shown whole.
    first_row = soonest_first(listed)[0]
    case = Case.objects.get(pk=first_row)
    page = keyset_page(listed, "due_at", size=4, before=Cursor(case.due_at, case.pk + 0))
    assert page.first and page.previous is None
    assert [c.pk for c in page] == soonest_first(listed)[:4]
    assert second.previous is not None


def test_the_count_stops_at_the_limit(listed):
    assert bounded_count(listed) == BoundedCount(11, more=False)
    assert bounded_count(listed, limit=11) == BoundedCount(11, more=False)
    assert bounded_count(listed, limit=10) == BoundedCount(10, more=True)


def test_counts_are_written_with_turkish_thousands():
    with translation.override("tr"):
        assert BoundedCount(10_000, more=True).text == "10.000+"
        assert BoundedCount(1_234, more=False).text == "1.234"
    with translation.override("en"):
        assert BoundedCount(10_000, more=True).text == "10,000+"


@pytest.fixture
def hasan(client, road_manager):
    client.force_login(road_manager)
    return road_manager


def rows_of(response) -> list[str]:
    return re.findall(r'<tr id="case-(\d+)"', response.content.decode())


@pytest.mark.parametrize("name", ["after", "before"])
@pytest.mark.parametrize("text", BAD_CURSORS)
def test_the_queue_shows_its_first_page_for_a_bad_cursor(hasan, client, make_case, name, text):
    case = make_case(received_at=timezone.now() - dt.timedelta(days=1))
    response = client.get(QUEUE, {name: text})
    if "\x00" in text:  # refused by the middleware before any view (kentmasa/lib: a clear 400)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert rows_of(response) == [case.tracking_number]
    assert response.context["page"].first


def test_the_queue_says_more_than_the_limit(hasan, client, make_case, monkeypatch):
    for days in (1, 2, 3):
        make_case(received_at=timezone.now() - dt.timedelta(days=days))
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    page = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    count = re.search(r'<p class="count" id="queue-count"[^>]*>([^<]*)</p>', page).group(1)
    assert count == "2+ açık başvuru"
    assert len(rows_of_text(page)) == 3  # the count is bounded, the page is not cut by it
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    page = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert re.search(r'id="queue-count"[^>]*>3 açık başvuru</p>', page)


def rows_of_text(page: str) -> list[str]:
    return re.findall(r'<tr id="case-(\d+)"', page)


def test_a_deadline_moved_between_the_key_read_and_the_row_read_skips_nothing(listed, monkeypatch):
    """The cursors come from the keys the page was picked by: had the next cursor been taken from the re-read
    row, a deadline extended between the two reads would make the next page jump past the cases between."""
    expected = soonest_first(listed)
    last_of_first_page = expected[2]
    read_rows = queries._rows

    def rows_after_an_extension(rows, keys):
        Case.objects.filter(pk=last_of_first_page).update(due_at=timezone.now() + dt.timedelta(days=3650))
        return read_rows(rows, keys)

    monkeypatch.setattr(queries, "_rows", rows_after_an_extension)
    first = keyset_page(listed, "due_at", size=3)
    monkeypatch.setattr(queries, "_rows", read_rows)
    second = keyset_page(listed, "due_at", size=3, after=Cursor.decode(first.next))
    assert [c.pk for c in first] == expected[:3]
    assert [c.pk for c in second][:3] == expected[3:6]
