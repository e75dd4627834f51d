"""The operations middleware, first in MIDDLEWARE: request ids, request metrics, and the ops endpoints.

``/health/live``, ``/health/ready`` and ``/metrics`` are answered here, before the other middleware: a load
balancer's check and Prometheus's scrape come over plain HTTP to the machine's address, so the host check,
the HTTPS redirect, sessions, sign-in, two-factor and rate limits must not stand in their way (and the
checks stay cheap: ~no work besides their own queries). ``KENTMASA_PUBLIC_PATHS`` names them for other
middleware that wants to know.

Every other request gets a request id (kentmasa.ops.requestid) for its log lines and tasks, echoed in the
``X-Request-ID`` response header, and is counted by view and status with its time to the headers. A
streaming response (the live screens) is counted as open until its body ends.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from kentmasa.ops import health, metrics, requestid

Handler = Callable[[HttpRequest], Any]


def _ops_view(path: str) -> Callable[[HttpRequest], HttpResponse] | None:
    if path == "/health/live":
        return lambda request: health.live()
    if path == "/health/ready":
        return lambda request: health.ready()
    if path == "/metrics":
        return metrics.view
    return None


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"  # 404s and what middleware answered before the URL was resolved
    return match.view_name or "<unnamed>"


def _count(request: HttpRequest, response: HttpResponse | StreamingHttpResponse, started: float) -> None:
    name = _view_name(request)
    metrics.LATENCY.labels(name).observe(time.perf_counter() - started)
    metrics.REQUESTS.labels(name, str(response.status_code)).inc()
    if response.streaming:
        _follow_stream(response, name)  # type: ignore[arg-type]


def _follow_stream(response: StreamingHttpResponse, name: str) -> None:
    gauge = metrics.STREAMS.labels(name)
    gauge.inc()
    if response.is_async:
        content: Any = response.streaming_content

        async def follow() -> AsyncIterator[Any]:
            try:
                async for part in content:
                    yield part
            finally:
                gauge.dec()

        response.streaming_content = follow()
    else:
        content = response.streaming_content

        def follow_sync() -> Any:
            try:
                yield from content
            finally:
                gauge.dec()

        response.streaming_content = follow_sync()


class OpsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        ops = _ops_view(request.path_info)
        if ops is not None:
            return ops(request)
        token = requestid.request_id.set(requestid.from_request(request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = requestid.request_id.get()
            _count(request, response, started)
            return response
        finally:
            requestid.request_id.reset(token)

    async def __acall__(self, request: HttpRequest) -> Any:
        ops = _ops_view(request.path_info)
        if ops is not None:
            if request.path_info == "/health/live":
                return ops(request)
            return await sync_to_async(ops)(request)
        token = requestid.request_id.set(requestid.from_request(request))
        started = time.perf_counter()
        try:
            response = await self.get_response(request)
            response["X-Request-ID"] = requestid.request_id.get()
            _count(request, response, started)
            return response
        finally:
            requestid.request_id.reset(token)
