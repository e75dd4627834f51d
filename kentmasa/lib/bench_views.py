"""Two bare views for bench/over_http.py: the ceilings the screens are compared with, in the same server.

Mounted only when ``KENTMASA_BENCH_VIEWS`` is on (kentmasa/urls.py; never in production): ``/bench/bare``
answers a fixed text through the whole middleware stack, ``/bench/insert`` (POST) inserts one row into
``bench_insert`` in a transaction. bench/over_http.py creates that table with raw SQL in the bench database;
it is no model and no migration, so production schemas never hold it.
"""

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

TABLE = "bench_insert"


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
