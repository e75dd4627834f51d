"""On PostgreSQL the access log's report pages (/kvkk/erisim/) are read along their indexes, never by scanning
the log (the largest table: every read of personal data is a row): unfiltered along accesslog_institution,
per staff member along accesslog_user, per citizen along accesslog_citizen; the bounded count likewise."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client

from kentmasa.cases.models import Citizen
from kentmasa.cases.tests.keyset_walk import assert_reads, list_queries
from kentmasa.directory.models import User
from kentmasa.privacy.models import AccessLog

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans (enable_seqscan = off)"),
]
URL = "/kvkk/erisim/"
TABLE = "privacy_accesslog"


@pytest.fixture
def log(make_user, operator, institution, other_institution):
    ayse = Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")
    stranger = make_user(User.Role.OPERATOR, "baska", institution_=other_institution)
    at = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                institution_id=institution.pk if n % 4 else other_institution.pk,
                user=operator if n % 4 else stranger,
                what="case",
                citizen=ayse if n % 7 == 0 else None,
                at=at - dt.timedelta(minutes=n),
            )
            for n in range(600)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    return ayse


@pytest.mark.parametrize(
    ("params", "indexes"),
    [
        ({}, ["accesslog_institution"]),
        ({"bitis": "2026-03-01"}, ["accesslog_institution"]),
        ({"personel": "OPERATOR"}, ["accesslog_user"]),
        # A citizen's few reads: their own index, or the citizen's foreign-key index and a sort of those rows.
        ({"vatandas": "AYSE"}, ["accesslog_citizen", "privacy_accesslog_citizen_id"]),
        ({"after": "1772358000000000.300"}, ["accesslog_institution"]),
    ],
)
def test_the_report_reads_its_index(make_user, operator, log, params, indexes):
    admin = make_user(User.Role.ADMINISTRATOR, "yonetici")
    client = Client()
    client.force_login(admin)
    params = {k: {"OPERATOR": operator.pk, "AYSE": log.pk}.get(v, v) for k, v in params.items()}
    keys, count = list_queries(client, URL, params, TABLE)
    found = assert_reads(keys, TABLE, *indexes)
    if "after" in params:
        assert "at <=" in found  # a range from the cursor in the index, not a filter over the rows before it
    # The count stops at its limit along any of the log's indexes (on a test table of a few hundred rows the
    # institution's foreign-key index is as cheap as any): never a scan of the whole log.
    assert count is not None
    assert_reads(count, TABLE, "accesslog_", "privacy_accesslog_")
