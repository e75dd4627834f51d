"""``/health/live`` and ``/health/ready``: for load balancers and process supervisors, every few seconds.

Both answer JSON with no personal data, 200 when healthy and 503 when not, and are answered by
:class:`kentmasa.ops.middleware.OpsMiddleware` before any other middleware: no session, no host check, no
HTTPS redirect, no rate limit, no sign-in (a health check from the load balancer comes over plain HTTP to an
address, not the site's name).

- live: the process answers. It touches nothing.
- ready: the database answers (``SELECT 1``); every migration is applied (checked once per process, then
  remembered: an applied migration does not come undone while the process runs); a task worker ran the
  heartbeat task within ``KENTMASA_HEALTH_WORKER_SECONDS``; the oldest task waiting to run has waited less
  than ``KENTMASA_HEALTH_QUEUE_SECONDS``. A few indexed queries (~1 ms).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max, Min
from django.http import JsonResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.ops.models import WorkerHeartbeat

_migrated = threading.Event()


def _json(body: dict[str, Any], ok: bool) -> JsonResponse:
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    # A failing check is an answer, not a server error: not logged as one every few seconds (django.request).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def live() -> JsonResponse:
    return _json({"status": "ok"}, True)


def unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """``app.name`` of every migration ``migrate`` would apply now."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def forget_migrations() -> None:
    """Check the migrations again on the next call (tests; a process never needs it)."""
    _migrated.clear()


def oldest_ready_age(now: dt.datetime) -> float:
    """Seconds the longest-waiting runnable task has waited (0 when none waits). Through the ready index."""
    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("run_after"))["oldest"]
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def worker_age(now: dt.datetime) -> float | None:
    """Seconds since a worker last ran the heartbeat task, or None if none ever did."""
    seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    return (now - seen).total_seconds() if seen else None


def ready() -> JsonResponse:
    checks: dict[str, Any] = {}
    ok = True
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        return _json({"status": "fail", "checks": {"database": "fail"}}, False)
    try:
        if not _migrated.is_set():
            missing = unapplied_migrations()
            if missing:
                ok = False
                checks["migrations"] = {"status": "fail", "unapplied": len(missing), "first": missing[0]}
            else:
                _migrated.set()
        if _migrated.is_set():
            checks["migrations"] = "ok"
        now = timezone.now()
        age = worker_age(now)
        limit = settings.KENTMASA_HEALTH_WORKER_SECONDS
        worker_ok = age is not None and age <= limit
        ok &= worker_ok
        checks["worker"] = {
            "status": "ok" if worker_ok else "fail",
            "seen_seconds_ago": None if age is None else round(age, 1),
            "limit": limit,
        }
        waited = oldest_ready_age(now)
        limit = settings.KENTMASA_HEALTH_QUEUE_SECONDS
        queue_ok = waited <= limit
        ok &= queue_ok
        checks["queue"] = {
            "status": "ok" if queue_ok else "fail",
            "oldest_seconds": round(waited, 1),
            "limit": limit,
        }
    except DatabaseError:
        # A table missing (not migrated) or the database going away half-way.
        ok = False
        checks.setdefault("migrations", "fail")
    return _json({"status": "ok" if ok else "fail", "checks": checks}, ok)
