"""gunicorn's settings for kentmasa-web.service (``--config``): the Procfile's command as a file, plus the
hook prometheus_client's multiprocess mode needs."""

import os

wsgi_app = "kentmasa.asgi:application"
worker_class = "kentmasa.lib.asgi_worker.Worker"
bind = os.environ.get("KENTMASA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
graceful_timeout = 5
accesslog = "-"
# The reverse proxy on this machine is the only client; its X-Forwarded-* headers are read by Django
# (KENTMASA_TRUSTED_PROXIES, SECURE_PROXY_SSL_HEADER), not by gunicorn.
forwarded_allow_ips = "127.0.0.1,::1"


def child_exit(server, worker):
    """A worker ended: drop its live gauges (open streams) from the multiprocess files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
