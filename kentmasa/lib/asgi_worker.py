"""gunicorn's worker class for the web process: uvicorn, without the lifespan protocol Django does not
speak, and with open live streams cut after a few seconds when the worker stops or restarts (the browsers
reconnect to another worker and resume: kentmasa.notify.stream)."""

from typing import Any, ClassVar

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **UvicornWorker.CONFIG_KWARGS,
        "lifespan": "off",
        "timeout_graceful_shutdown": 3,
    }
