"""The operations side's periodic tasks (KENTMASA_PERIODIC_TASKS)."""

from __future__ import annotations

import os
import socket

from django.utils import timezone
from django_tasks import TaskContext, task

from kentmasa.ops import housekeeping
from kentmasa.ops.models import WorkerHeartbeat


@task(takes_context=True)
def heartbeat(context: TaskContext) -> str:
    """Periodic: the worker that runs it records that it is alive (``/health/ready``, the metrics)."""
    ids = context.task_result.worker_ids
    worker = (ids[-1] if ids else f"{socket.gethostname()}:{os.getpid()}")[:100]
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now()})
    return worker


@task()
def housekeep() -> dict[str, int]:
    """Periodic: :func:`kentmasa.ops.housekeeping.run` (batched, idempotent; several workers may run it)."""
    return housekeeping.run()
