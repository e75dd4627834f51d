"""The access log's writer inserts its rows with one INSERT … VALUES statement of its own (not bulk_create's
model instances): the rows must be the ones the ORM would have stored, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.lib.personal_reads import note_read
from kentmasa.privacy import middleware
from kentmasa.privacy.middleware import AccessLogMiddleware
from kentmasa.privacy.models import AccessLog

FIELDS = (
    "institution_id",
    "user_id",
    "what",
    "case_id",
    "citizen_id",
    "detail",
    "reason",
    "client_ip",
    "path",
)


def run(user, reads, address="2001:db8::7", path="/api/v1/cases"):
    request = RequestFactory().get(f"{path}?neden=denetim", REMOTE_ADDR=address)
    request.user = user

    def view(request):
        for case_id, citizen_id, detail in reads:
            note_read(request, what="api_case_list", case_id=case_id, citizen_id=citizen_id, detail=detail)
        return HttpResponse()

    return AccessLogMiddleware(view)(request)


@pytest.mark.django_db
def test_the_rows_are_the_ones_the_orm_stores(operator):
    before = timezone.now()
    run(operator, [(7, 9, "a\x00b"), (8, None, "")])
    after = timezone.now()
    written = list(AccessLog.objects.order_by("pk"))
    # The same values saved through the ORM, read back the same way.
    for row in written:
        AccessLog.objects.create(**{name: getattr(row, name) for name in FIELDS}, at=row.at)
    saved = list(AccessLog.objects.order_by("pk"))[len(written) :]

    def shown(rows):
        return [tuple(getattr(row, name) for name in ("at", *FIELDS)) for row in rows]

    assert shown(written) == shown(saved)
    assert [(r.case_id, r.citizen_id, r.detail) for r in written] == [(7, 9, "ab"), (8, None, "")]
    assert {(r.user_id, r.institution_id, r.reason, r.client_ip, r.path) for r in written} == {
        (operator.pk, operator.institution_id, "denetim", "2001:db8::7", "/api/v1/cases")
    }
    # One time for the request's reads, aware, between the request's start and end.
    assert {r.at for r in written} == {written[0].at}
    assert before <= written[0].at <= after and written[0].at.tzinfo is not None
    assert AccessLog.objects.filter(at__gte=before - dt.timedelta(seconds=1), pk=written[0].pk).exists()


@pytest.mark.django_db
def test_an_address_that_is_none_is_stored_as_null(operator):
    run(operator, [(7, 9, "")], address="not-an-address")
    assert AccessLog.objects.get().client_ip is None


@pytest.mark.django_db
def test_many_reads_go_in_batches_of_one_statement_each_in_one_transaction(operator, monkeypatch):
    monkeypatch.setattr(middleware, "BATCH", 3)
    reads = [(case_id, case_id + 100, str(case_id)) for case_id in range(1, 8)]
    with CaptureQueriesContext(connection) as queries:
        run(operator, reads)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # 3 + 3 + 1 rows
    rows = AccessLog.objects.order_by("pk").values_list("case_id", "citizen_id", "detail")
    assert list(rows) == [(case_id, citizen_id, detail) for case_id, citizen_id, detail in reads]


@pytest.mark.django_db
def test_a_list_of_fifty_cases_is_one_statement(operator, django_assert_num_queries):
    with django_assert_num_queries(1):
        run(operator, [(n, n, "") for n in range(1, 51)])
    assert AccessLog.objects.count() == 50


@pytest.mark.django_db
def test_the_access_log_keeps_only_the_indexes_its_reports_read():
    # Each index is paid on every staff list (a row per case shown): the foreign keys to the institution and
    # the case have none of their own (migration 0005), the reports' indexes start with the institution.
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, AccessLog._meta.db_table)
    indexed = sorted(
        tuple(spec["columns"]) for spec in found.values() if spec["index"] and not spec["primary_key"]
    )
    assert indexed == [
        ("citizen_id",),
        ("institution_id", "at", "id"),
        ("institution_id", "citizen_id", "at", "id"),
        ("institution_id", "user_id", "at", "id"),
        ("user_id",),
    ]
