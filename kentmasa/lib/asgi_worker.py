"""gunicorn's worker class for the web process: uvicorn, without the lifespan protocol Django does not
speak, and with open live streams cut after a few seconds when the worker stops or restarts (the browsers
reconnect to another worker and resume: kentmasa.notify.stream)."""

import gc
from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "lifespan": "off",
        "timeout_graceful_shutdown": 3,
    }

    def load_wsgi(self) -> None:
        super().load_wsgi()
        # Import every view now and set everything loaded aside from the garbage collector: a full collection
        # of a loaded Django (~250 000 objects) takes ~0.2 s of CPU, and every open live stream of the worker
        # waits for it (bench/live.py, PostgreSQL: p99 143-212 ms without this, 27-34 ms with it).
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018
        gc.collect()
        gc.freeze()
