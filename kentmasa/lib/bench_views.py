"""Two bare views for bench/over_http.py: the ceilings the screens are compared with, in the same server.

Mounted only when ``KENTMASA_BENCH_VIEWS`` is on (kentmasa/urls.py; never in production): ``/bench/bare``
answers a fixed text through the whole middleware stack, ``/bench/insert`` (POST) inserts one row into
``bench_insert`` in a transaction. bench/over_http.py creates that table (``create_table``, raw SQL) in the
bench database; it is no model and no migration, so production schemas never hold it.
"""

from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

TABLE = "bench_insert"


def create_table(using: BaseDatabaseWrapper = connection) -> None:
    key = "bigserial PRIMARY KEY" if using.vendor == "postgresql" else "integer PRIMARY KEY AUTOINCREMENT"
    kind = "timestamptz" if using.vendor == "postgresql" else "datetime"
    with using.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id {key}, at {kind} NOT NULL, note varchar(100) NOT NULL)"
        )


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (at, note) VALUES (%s, %s)",  # noqa: S608 (a constant table name)
                [timezone.now(), request.body[:100].decode("utf-8", "replace")],
            )
    except DatabaseError:
        return HttpResponse("no bench_insert table: bench/over_http.py creates it", status=503)
    return HttpResponse("ok", content_type="text/plain", status=201)
