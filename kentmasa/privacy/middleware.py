"""Writes the personal-data reads a request noted (kentmasa.lib.personal_reads) into the access log.

One bulk insert per request, after the view answered, for any answer but a server error (5xx) to a signed-in
member of staff: a 400 re-render (a form's error page) shows the data too, and views note a read only after
their access check, so a refusal notes nothing. The user is the console's session, or the API's bearer token,
whose authentication sets ``request.user`` during the view (so the user is read here, after the view, not
before it). A request that noted nothing costs one attribute look-up.
"""

import ipaddress
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase

from kentmasa.directory.models import User
from kentmasa.lib import personal_reads
from kentmasa.lib.clientip import client_ip
from kentmasa.privacy.models import AccessLog

PATH_LENGTH = 300


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
    rows = [
        AccessLog(
            institution_id=institution_id if institution_id is not None else by_case.get(read.case_id or 0),
            user_id=user.pk,
            what=read.what,
            case_id=read.case_id,
            citizen_id=read.citizen_id,
            detail=read.detail.replace("\x00", ""),
            reason=reason,
            client_ip=address,
            path=path,
        )
        for read in reads
    ]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        AccessLog.objects.bulk_create(rows)
        return
    # PostgreSQL: the log's own transaction does not wait for its WAL to reach the disk (the fsync was nearly
    # all of the log's cost on the case page, README "Access log"). The row is committed and visible at once;
    # only a crash of the database server within a fraction of a second (3 x wal_writer_delay) could lose it.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        AccessLog.objects.bulk_create(rows)


def _address(request: HttpRequest) -> str | None:
    """The client's address if it is one (a Unix socket or a test's made-up REMOTE_ADDR gives None)."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except (ImproperlyConfigured, ValueError):
        return None
