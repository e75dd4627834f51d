"""Writes the personal-data reads a request noted (kentmasa.lib.personal_reads) into the access log.

One insert statement per request, after the view answered, for any answer but a server error (5xx) to
a signed-in member of staff: a 400 re-render (a form's error page) shows the data too, and views note a read
only after their access check, so a refusal notes nothing. The user is the console's session, or the API's
bearer token, whose authentication sets ``request.user`` during the view (so the user is read here, after the
view, not before it). A request that noted nothing costs one attribute look-up.
"""

import ipaddress
from collections.abc import Callable
from contextlib import nullcontext

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from kentmasa.directory.models import User
from kentmasa.lib import personal_reads
from kentmasa.lib.clientip import client_ip
from kentmasa.privacy.models import AccessLog

PATH_LENGTH = 300
# The access log's columns as ``write`` gives them, and the rows of one INSERT (10 values each: well below
# SQLite's 32 766 and PostgreSQL's 65 535 parameters a statement).
COLUMNS = ("at", "institution", "user", "what", "case", "citizen", "detail", "reason", "client_ip", "path")
BATCH = 500


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        reads: list[personal_reads.Read] | None = getattr(request, personal_reads.ATTRIBUTE, None)
        if reads and response.status_code < 500:
            write(request, reads)
        return response


def write(request: HttpRequest, reads: list[personal_reads.Read]) -> None:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:
        return
    institution_id = user.institution_id
    by_case: dict[int, int] = {}
    if institution_id is None:  # a superuser without an institution: each read goes to its case's institution
        from kentmasa.cases.models import Case

        ids = {read.case_id for read in reads if read.case_id is not None}
        by_case = dict(Case.objects.filter(pk__in=ids).values_list("pk", "institution_id")) if ids else {}
    reason = personal_reads.reason_of(request)
    address = _address(request)
    path = request.path[:PATH_LENGTH].replace("\x00", "")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ip = connection.ops.adapt_ipaddressfield_value(address)
    rows = [
        (
            now,
            institution_id if institution_id is not None else by_case.get(read.case_id or 0),
            user.pk,
            read.what,
            read.case_id,
            read.citizen_id,
            read.detail.replace("\x00", ""),
            reason,
            ip,
            path,
        )
        for read in reads
    ]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        _insert(rows)
        return
    # PostgreSQL: the log's own transaction does not wait for its WAL to reach the disk (the fsync was nearly
    # all of the log's cost on the case page, README "Access log"). The row is committed and visible at once;
    # only a crash of the database server within a fraction of a second (3 x wal_writer_delay) could lose it.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _insert(rows)


def _insert(rows: list[tuple]) -> None:
    """The rows in one INSERT … VALUES statement (per BATCH rows), the values as the model's fields would
    store them (``write`` adapts the time and address): bulk_create's model instances and its SQL compiler
    cost a 50-case API list more than the rest of its view (privacy.tests: the rows equal the ORM's)."""
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    fields = {field.name: field for field in AccessLog._meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(fields[name].column or fields[name].attname) for name in COLUMNS
    )
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with transaction.atomic() if len(rows) > BATCH else nullcontext(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join([one] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 (names from the model)
                [value for row in batch for value in row],
            )


def _address(request: HttpRequest) -> str | None:
    """The client's address if it is one (a Unix socket or a test's made-up REMOTE_ADDR gives None)."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except (ImproperlyConfigured, ValueError):
        return None
