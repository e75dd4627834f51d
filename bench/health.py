"""What /health/live, /health/ready and /metrics cost over HTTP (README "Health and metrics").

It migrates a fresh SQLite database in var/bench-health/ (or uses BENCH_DATABASE_URL), starts the web process
as production does (gunicorn, two uvicorn workers), records a worker heartbeat, and sends requests from
CONCURRENCY client threads over keep-alive connections for SECONDS per address. Prints requests/s and the
median and p99 latency.

    .venv/bin/python bench/health.py
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
TOKEN = "bench-token"  # noqa: S105 - the bench server's own, set below


def hammer(path: str, headers: dict[str, str]) -> tuple[float, list[float], int]:
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            bad += response.status != 200
        with lock:
            times.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(times) / (time.monotonic() - began), times, errors


def main() -> None:
    var = ROOT / "var" / "bench-health"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KENTMASA_VAR_DIR": str(var),
        "KENTMASA_METRICS_TOKEN": TOKEN,
        "PORT": str(PORT),
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        env.pop("DATABASE_URL", None)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    beat = "from django.utils import timezone; from kentmasa.ops.models import WorkerHeartbeat as W; "
    beat += "W.objects.update_or_create(worker='bench', defaults={'seen_at': timezone.now()})"
    subprocess.run([python, "manage.py", "shell", "-c", beat], cwd=ROOT, env=env, check=True)  # noqa: S603
    web = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "kentmasa.asgi:application",
            "--worker-class",
            "kentmasa.lib.asgi_worker.Worker",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                connection.request("GET", "/health/live")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("the web process did not start")
                time.sleep(0.2)
        print(f"{CONCURRENCY} clients, {SECONDS:.0f} s each, 2 web workers")
        for path, headers in (
            ("/health/live", {}),
            ("/health/ready", {}),
            ("/metrics", {"Authorization": f"Bearer {TOKEN}"}),
        ):
            hammer(path, headers)  # warm up: imports, the migrations check
            rate, times, errors = hammer(path, headers)
            times.sort()
            p50 = statistics.median(times) * 1000
            p99 = times[int(len(times) * 0.99)] * 1000
            print(f"{path:15} {rate:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   errors {errors}")
    finally:
        web.terminate()
        web.wait(10)


if __name__ == "__main__":
    main()
