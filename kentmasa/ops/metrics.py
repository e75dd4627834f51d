"""Prometheus metrics at ``/metrics`` (prometheus_client), for an operator's Prometheus only.

Two kinds, so that every figure is right however many processes serve the site:

- **Per request** (counted in the web processes by :class:`kentmasa.ops.middleware.OpsMiddleware`): requests
  by view (the URL's name, never the raw path: bounded label values) and status, latency histograms by view,
  streams open by view. gunicorn runs several workers, each with its own counters; with
  ``PROMETHEUS_MULTIPROC_DIR`` set (deploy/kentmasa-web.service does) they are written to files there and a
  scrape of any worker adds all of them up (prometheus_client's multiprocess mode; open streams are a
  ``livesum`` gauge: a dead worker's streams drop out). Without it each process reports its own (one process
  locally, tests).
- **From the database, at scrape time** (:class:`DatabaseCollector`): the task queue, worker heartbeat, cases
  opened and deliveries by channel over the last ``KENTMASA_METRICS_WINDOW`` seconds, overdue cases. Any
  process gives the same answer, also for work done by the task workers (which serve no HTTP). Every query
  is bounded for 10 million cases: counts run through indexes over a recent window, or stop at
  ``KENTMASA_METRICS_COUNT_CAP``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from kentmasa.cases.models import OPEN_STATUSES, Case
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib.clientip import client_ip
from kentmasa.notify.models import Delivery, Notification
from kentmasa.ops.health import oldest_ready_age, worker_age

REQUESTS = Counter(
    "kentmasa_http_requests", "HTTP requests answered, by view (URL name) and status", ["view", "status"]
)
LATENCY = Histogram(
    "kentmasa_http_request_duration_seconds",
    "Time to the response's headers, by view (a stream's headers go out at once; its length is not timed)",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STREAMS = Gauge(
    "kentmasa_streams_open",
    "Streaming responses (live screens' server-sent events) open now, by view",
    ["view"],
    multiprocess_mode="livesum",
)


def first_id_since(model: type[Model], field: str, since: dt.datetime) -> int | None:
    """The smallest id of a row whose ``field`` is at or after ``since``, found by bisecting the primary key.

    For tables whose only time column is unindexed but grows with the id (rows stamped when inserted):
    about 25 primary-key look-ups for 10 million rows instead of a scan. Approximate where the times are
    not in id order (a few rows at the edge of the window). None for an empty table.
    """
    ids = model._default_manager.order_by("pk").values_list("pk", flat=True)
    low = ids.first()
    high = ids.last()
    if low is None or high is None:
        return None
    high += 1  # "no row is recent enough" is high + 1
    while low < high:
        middle = (low + high) // 2
        row = model._default_manager.filter(pk__gte=middle).order_by("pk").values_list("pk", field).first()
        if row is None or (row[1] is not None and row[1] >= since):
            high = middle
        else:
            low = row[0] + 1
    return int(low)


def capped_count(queryset: Any, cap: int) -> int:
    """COUNT over at most ``cap`` + 1 rows: a figure past the cap says "at least", never scans millions."""
    return int(queryset.values("pk")[: cap + 1].count())


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes (every 15-60 s): a dozen indexed queries."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        window = settings.KENTMASA_METRICS_WINDOW
        since = now - dt.timedelta(seconds=window)
        cap = settings.KENTMASA_METRICS_COUNT_CAP

        ready = DBTaskResult.objects.ready()
        yield GaugeMetricFamily(
            "kentmasa_tasks_ready",
            f"Tasks waiting for a worker (counted up to {cap})",
            value=capped_count(ready, cap),
        )
        yield GaugeMetricFamily(
            "kentmasa_tasks_running",
            "Tasks a worker is running now",
            value=capped_count(DBTaskResult.objects.running(), cap),
        )
        yield GaugeMetricFamily(
            "kentmasa_tasks_oldest_ready_seconds",
            "How long the longest-waiting runnable task has waited",
            value=oldest_ready_age(now),
        )
        age = worker_age(now)
        yield GaugeMetricFamily(
            "kentmasa_worker_heartbeat_age_seconds",
            "Seconds since a task worker last ran the heartbeat task (+Inf: never)",
            value=float("inf") if age is None else age,
        )

        # Cases received in the window, per channel: through (institution, -received_at), one range per
        # institution (a few dozen), so only the window's rows are read.
        institutions = list(Institution.objects.values_list("pk", flat=True)[:10_000])
        opened = GaugeMetricFamily(
            "kentmasa_cases_opened_window",
            f"Cases received in the last {window} seconds, by channel",
            labels=["channel"],
        )
        cases = (
            Case.objects.filter(institution_id__in=institutions, received_at__gte=since)
            .values("channel")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in cases:
            opened.add_metric([row["channel"]], row["n"])
        yield opened

        # Overdue now (the case page's "late": past the deadline, open, the clock running), through
        # (institution, status, due_at): only late rows are read, and at most the cap of them.
        overdue = Case.objects.filter(
            institution_id__in=institutions,
            status__in=OPEN_STATUSES,
            due_at__lt=now,
            overdue_since__isnull=False,
            clock_stopped_at__isnull=True,
        )
        yield GaugeMetricFamily(
            "kentmasa_cases_overdue",
            f"Open cases past their deadline (counted up to {cap})",
            value=capped_count(overdue, cap),
        )

        # Staff notifications' deliveries (push, SMS, e-mail) of notifications made in the window.
        deliveries = GaugeMetricFamily(
            "kentmasa_deliveries_window",
            f"Staff notification deliveries of the last {window} seconds, by medium and state",
            labels=["medium", "state"],
        )
        first = first_id_since(Notification, "created_at", since)
        if first is not None:
            sent = (
                Delivery.objects.filter(notification_id__gte=first)
                .values("medium", "state")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for attempt in sent:
                deliveries.add_metric([attempt["medium"], attempt["state"]], attempt["n"])
        yield deliveries

        # Answers to citizens (SMS, e-mail, WhatsApp, X) made in the window, by channel and state.
        messages = GaugeMetricFamily(
            "kentmasa_messages_out_window",
            f"Messages to citizens made in the last {window} seconds, by channel and state",
            labels=["channel", "state"],
        )
        first = first_id_since(Message, "created_at", since)
        if first is not None:
            out = (
                Message.objects.filter(pk__gte=first, direction=Message.Direction.OUT)
                .values("channel", "state")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for message in out:
                messages.add_metric([message["channel"], message["state"]], message["n"])
        yield messages


logger = logging.getLogger(__name__)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.KENTMASA_METRICS_ALLOW]


def refusal(request: HttpRequest) -> int | None:
    """None when the scrape may go on; 404 while metrics are off (neither a token nor networks are set),
    403 unless every check that is set passes (the bearer token, the client's network)."""
    token = settings.KENTMASA_METRICS_TOKEN
    try:
        networks = _allowed_networks()
    except (TypeError, ValueError):  # "10.0.0.0/33", a host name: refuse every scrape, not answer 500
        logger.error(
            "KENTMASA_METRICS_ALLOW holds something that is not a network: %r",
            settings.KENTMASA_METRICS_ALLOW,
        )
        return 403
    if not token and not networks:
        return 404
    if token:
        scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            return 403
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except (ImproperlyConfigured, ValueError):
            return 403
        if not any(address in network for network in networks):
            return 403
    return None


def exposition() -> bytes:
    """The text format: the request metrics (all processes' in multiprocess mode) and the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return processes + generate_latest(database)


def view(request: HttpRequest) -> HttpResponse:
    status = refusal(request)
    if status is not None:
        return HttpResponse(status=status, content_type="text/plain")
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
