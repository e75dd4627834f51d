"""Housekeeping: what piles up and is needed by nobody after a while, deleted in small batches.

- expired sessions (Django's ``clearsessions``, but in batches through the ``expire_date`` index);
- finished task results (django_tasks_db rows that succeeded or failed more than ``TASK_RESULT_DAYS`` ago,
  through the ``finished_at`` index migration ops.0002 adds), with their request ids (ops.TaskOrigin);
- delivery attempts of staff notifications (notify.Delivery: push, SMS, e-mail; sent or failed) whose
  notification is older than ``DELIVERY_DAYS``. The notification itself stays in the person's inbox, and the
  case's timeline names who was told by what in its own event, so nothing a case shows is deleted; messages
  to and from citizens (channels.Message) are the case's record and are left to the retention rules (KVKK);
- heartbeats of task workers gone for a day.

Every step deletes at most ``BATCH`` rows per statement and ``MAX_BATCHES`` statements per run, by primary
key, so a run never holds long locks and a backlog is worked off over a few runs. Idempotent and safe with
several workers at once: two runs picking the same rows delete them once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Model, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.notify.models import Delivery
from kentmasa.ops.models import TaskOrigin, WorkerHeartbeat


def option(name: str) -> int:
    return int(settings.KENTMASA_HOUSEKEEPING[name])


def _in_batches(pick: Callable[[int], list], model: type[Model]) -> int:
    """Delete the rows ``pick(batch)`` names, batch after batch, until it names fewer than a batch."""
    batch = option("BATCH")
    deleted = 0
    for _ in range(option("MAX_BATCHES")):
        keys = pick(batch)
        if keys:
            deleted += model._default_manager.filter(pk__in=keys).delete()[0]
        if len(keys) < batch:
            break
    return deleted


def _first(queryset: QuerySet, batch: int) -> list:
    return list(queryset.values_list("pk", flat=True)[:batch])


def expired_sessions(now: dt.datetime) -> int:
    return _in_batches(lambda n: _first(Session.objects.filter(expire_date__lt=now), n), Session)


def old_task_results(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=option("TASK_RESULT_DAYS"))
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    deleted = _in_batches(lambda n: _first(finished, n), DBTaskResult)
    origins = TaskOrigin.objects.filter(created_at__lt=cutoff)
    return deleted + _in_batches(lambda n: _first(origins, n), TaskOrigin)


def _old_deliveries(cutoff: dt.datetime, batch: int) -> list[int]:
    """Finished deliveries in id order (ids grow with time), up to the first whose notification is recent:
    the primary key is walked, no unindexed time column is scanned."""
    rows = (
        Delivery.objects.filter(state__in=[Delivery.State.SENT, Delivery.State.FAILED])
        .order_by("pk")
        .values_list("pk", "notification__created_at")[:batch]
    )
    keys: list[int] = []
    for key, created in rows:
        if created >= cutoff:
            return keys  # fewer than a batch: the walk stops here
        keys.append(key)
    return keys


def old_deliveries(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=option("DELIVERY_DAYS"))
    return _in_batches(lambda n: _old_deliveries(cutoff, n), Delivery)


def gone_workers(now: dt.datetime) -> int:
    gone = WorkerHeartbeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1))
    return _in_batches(lambda n: _first(gone, n), WorkerHeartbeat)


def run(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "sessions": expired_sessions(now),
        "task_results": old_task_results(now),
        "deliveries": old_deliveries(now),
        "workers": gone_workers(now),
    }
