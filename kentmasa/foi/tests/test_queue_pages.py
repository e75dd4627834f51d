"""The information service's queue pages by keyset (kentmasa.cases.queries.keyset_page): forward and back
every request once in (check_due_at, id) order, the total counted up to a limit, a bad or forged cursor the
first page; on PostgreSQL its reads go along foi_open_queue / foi_queue, never a scan of the table."""

import datetime as dt

import pytest
from django.db import connection

from kentmasa.cases.tests.keyset_walk import (
    assert_bad_cursors_show_the_first_page,
    assert_reads,
    list_queries,
    walk,
)
from kentmasa.foi import views
from kentmasa.foi.models import FoiRequest, Stage

pytestmark = pytest.mark.django_db
QUEUE = "/bilgi-edinme/"


@pytest.fixture
def requests(open_request, monkeypatch):
    """Eight open requests, three of them due at the same moment (the key breaks the tie), and one decided;
    three a page."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    made = [open_request(subject=f"Bilgi {n}") for n in range(9)]
    base = made[0].check_due_at
    for n, item in enumerate(made):
        due = base + dt.timedelta(hours=n if n > 3 else 0)
        FoiRequest.objects.filter(pk=item.pk).update(check_due_at=due)
    FoiRequest.objects.filter(pk=made[-1].pk).update(stage=Stage.DECIDED)
    return made


def ordered(**filters) -> list[int]:
    return list(
        FoiRequest.objects.filter(**filters).order_by("check_due_at", "pk").values_list("pk", flat=True)
    )


def test_the_queue_pages_forward_and_back_every_open_request_once(client, elif_, requests):
    client.force_login(elif_)
    forward, backward = walk(client, QUEUE)
    assert forward == backward == ordered(stage__in=["checking", "incomplete", "processing", "awaiting_fee"])
    assert len(forward) == 8
    html = client.get(QUEUE).content.decode()
    assert 'id="foi-count">Bu listede 8 kayıt<' in html
    # One stage: its own list, the filter kept in the page links.
    forward, backward = walk(client, QUEUE, {"asama": "decided"})
    assert forward == backward == ordered(stage="decided")


def test_a_bad_cursor_shows_the_first_page(client, elif_, requests):
    client.force_login(elif_)
    assert_bad_cursors_show_the_first_page(client, QUEUE)


def test_a_unit_member_pages_through_their_units_requests_only(client, ali, requests):
    client.force_login(ali)  # roads: no information request is theirs
    forward, backward = walk(client, QUEUE)
    assert forward == backward == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (enable_seqscan = off)")
@pytest.mark.parametrize(("params", "index"), [({}, "foi_open_queue"), ({"asama": "decided"}, "foi_queue")])
def test_the_queue_reads_its_index(client, elif_, requests, params, index):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE foi_foirequest")
    client.force_login(elif_)
    keys, count = list_queries(client, QUEUE, params, "foi_foirequest")
    assert_reads(keys, "foi_foirequest", index)
    assert count is not None
    # The bounded count along any index of the institution's requests (on a test table its foreign-key index
    # costs the same as the queue's; PostgreSQL breaks that tie differently from run to run), never a scan.
    assert_reads(count, "foi_foirequest", "foi_open_queue", "foi_queue", "foi_foirequest_institution_id")
