"""The request id: one per web request, in every log line of it and of the tasks it enqueued.

It comes from ``X-Request-ID`` when a trusted proxy is in front (``KENTMASA_TRUSTED_PROXIES`` > 0: the proxy
sets the header, so a client cannot choose it; Caddy's ``{http.request.uuid}``, nginx's ``$request_id``) and
is checked to be a short token; otherwise it is made here. It lives in a context variable, which asgiref
carries into the thread a sync view runs in.

Tasks: when a task is enqueued during a request, the task result's id and the request id are written to
:class:`~kentmasa.ops.models.TaskOrigin`; when a worker starts the task it reads the row back, and the
task's log lines (and the worker's "finished" line) carry the same id. Task signals, not a wrapper around
each ``enqueue``: every app's tasks get it without knowing about it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest

logger = logging.getLogger(__name__)

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kentmasa_request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("kentmasa_task_id", default="")

_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def new_id() -> str:
    return uuid.uuid4().hex


def from_request(request: HttpRequest) -> str:
    """The proxy's X-Request-ID if we sit behind trusted proxies and it is a short token, else a new id."""
    if int(getattr(settings, "KENTMASA_TRUSTED_PROXIES", 0) or 0) > 0:
        given = str(request.META.get("HTTP_X_REQUEST_ID", ""))
        if _TOKEN.fullmatch(given):
            return given
    return new_id()


class ContextFilter(logging.Filter):
    """Puts ``request_id`` and ``task_id`` on every record (empty outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.task_id = task_id.get()
        return True


def _enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    current = request_id.get()
    if not current:
        return
    from kentmasa.ops.models import TaskOrigin

    try:
        TaskOrigin.objects.create(task_id=task_result.id, request_id=current)
    except DatabaseError:  # never fail the request over a log aid (e.g. the table is not migrated yet)
        logger.warning("could not record the request id of task %s", task_result.id, exc_info=True)


def _started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from kentmasa.ops.models import TaskOrigin

    task_id.set(str(task_result.id))
    try:
        origin = (
            TaskOrigin.objects.filter(task_id=task_result.id).values_list("request_id", flat=True).first()
        )
    except DatabaseError:
        origin = None
    request_id.set(origin or "")


def _finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    task_id.set("")
    request_id.set("")


def connect_task_signals() -> None:
    from django_tasks.signals import task_enqueued, task_finished, task_started

    task_enqueued.connect(_enqueued, dispatch_uid="kentmasa.ops.enqueued")
    task_started.connect(_started, dispatch_uid="kentmasa.ops.started")
    # After django_tasks_db's own receiver (connected first), so its "finished" line still carries the ids.
    task_finished.connect(_finished, dispatch_uid="kentmasa.ops.finished")
