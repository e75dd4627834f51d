"""The unit's review screen (/saha/birim/) and the visit log (/saha/ziyaretler/) page by keyset: forward and
back every row once in order, each user's scope kept, a bad or forged cursor the first page; on PostgreSQL
the pages are read along workorder_review_waiting / workorder_reviewed / visit_institution."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.tests.keyset_walk import (
    assert_bad_cursors_show_the_first_page,
    assert_reads,
    list_queries,
    walk,
)
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.field import office_views
from kentmasa.field.models import Visit, WorkOrder
from kentmasa.field.tests import api_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(institution, roads, parks, make_user, make_case, monkeypatch):
    monkeypatch.setattr(office_views, "PAGE_SIZE", 2)
    return api_world.build(institution, roads, parks, make_user, make_case)


@pytest.fixture
def reports(world):
    """Eight reported roads work orders (two finished at one moment, three reviewed)."""
    now = timezone.now()
    made = [world.order(world.case()) for _ in range(8)]
    for n, order in enumerate(made):
        WorkOrder.objects.filter(pk=order.pk).update(
            status=WorkOrder.Status.FAILED if n % 2 else WorkOrder.Status.DONE,
            finished_at=now - dt.timedelta(hours=max(n, 1)),
            reviewed_at=now - dt.timedelta(minutes=n // 2) if n >= 5 else None,
        )
    return made


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_review_screen_pages_forward_and_back_in_the_units_scope(client, world, reports):
    signed_in(client, world.clerk)
    url = reverse("field:office_unit")
    waiting = WorkOrder.objects.filter(unit=world.roads, reviewed_at__isnull=True, finished_at__isnull=False)
    forward, backward = walk(client, url)
    assert forward == backward == list(waiting.order_by("finished_at", "pk").values_list("pk", flat=True))
    assert len(forward) == 5
    reviewed = WorkOrder.objects.filter(unit=world.roads, reviewed_at__isnull=False)
    forward, backward = walk(client, url, {"incelenen": "1"})
    assert forward == backward == list(reviewed.order_by("-reviewed_at", "-pk").values_list("pk", flat=True))
    assert len(forward) == 3
    first = client.get(url, {"incelenen": "1"})
    assert f'href="?incelenen=1&amp;after={first.context["page"].next}"' in first.content.decode()
    assert_bad_cursors_show_the_first_page(client, url)
    assert_bad_cursors_show_the_first_page(client, url, {"incelenen": "1"})


def test_the_visit_log_pages_forward_and_back_newest_first(client, world, institution, make_user):
    start = timezone.now() - dt.timedelta(days=2)
    other = make_user(User.Role.FIELD_TEAM, "other_field")
    for n in range(8):  # two at each moment: the key breaks the tie
        Visit.objects.create(
            institution=institution,
            kind=Visit.Kind.HOUSE,
            place=f"Gül Sokak {n}",
            started_at=start + dt.timedelta(hours=n // 2),
            created_by=world.mehmet if n != 3 else other,
            created_at=start,
        )
    url = reverse("field:office_visits")
    signed_in(client, world.mehmet)  # a field user: their own visits only
    mine = Visit.objects.filter(created_by=world.mehmet).order_by("-started_at", "-pk")
    forward, backward = walk(client, url)
    assert forward == backward == list(mine.values_list("pk", flat=True))
    assert len(forward) == 7
    assert_bad_cursors_show_the_first_page(client, url)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (enable_seqscan = off)")
@pytest.mark.parametrize(
    ("params", "index"), [({}, "workorder_review_waiting"), ({"incelenen": "1"}, "workorder_reviewed")]
)
def test_the_review_screen_reads_its_partial_indexes(client, world, reports, params, index):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE field_workorder")
    signed_in(client, world.clerk)
    keys, _count = list_queries(client, reverse("field:office_unit"), params, "field_workorder")
    assert_reads(keys, "field_workorder", index)
