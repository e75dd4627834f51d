"""What the operations side keeps: the workers' heartbeats and the request a task was enqueued in."""

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """A task worker that ran the periodic heartbeat task (kentmasa.ops.tasks.heartbeat) at ``seen_at``.

    django_tasks_db records no heartbeat of its own, so the worker proves it is alive by running a task the
    periodic runner enqueues every interval: a fresh row means the runner enqueues *and* a worker runs.
    One row per worker id; rows of workers gone for a day are deleted by the housekeeping.
    """

    worker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seen_at"], name="heartbeat_seen")]

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class TaskOrigin(models.Model):
    """The request id a background task was enqueued under, so the worker's log lines for it carry it.

    django_tasks_db's row has no room for it (a kwarg would reach the task function), hence this side table,
    keyed by the task result's id and pruned with the task results.
    """

    task_id = models.UUIDField(primary_key=True)
    request_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="taskorigin_created")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.request_id}"
