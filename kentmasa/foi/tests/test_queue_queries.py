"""The information service's queue costs the same number of queries for 3 rows as for 12: one calendar per
institution (cases.clock.calendar_for's ``base``), the rows' case, institution and service in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def queue_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/bilgi-edinme/")
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_the_queue_does_not_query_per_row(client, elif_, open_request):
    client.force_login(elif_)
    made = [open_request(subject=f"Bilgi {n}") for n in range(3)]
    few, _page = queue_queries(client)
    made += [open_request(subject=f"Bilgi {n}") for n in range(3, 12)]
    many, page = queue_queries(client)

    assert all(item.case.tracking_display in page for item in made)
    assert many == few, f"{few} queries for 3 rows, {many} for 12"
