"""Intake (``POST /api/v1/cases``) in-process, through Django's test client on a generated database: the
same 400 bodies as bench/over_http.py (half with a category, half left to the classifier), each request
committed for real, so the "open" event's receivers (routing, the citizen's receipt, notify, field) run
after the commit as they do under the server. Prints, for each half: SQL queries per intake and ms per
intake (median, p95), the whole request's queries of one intake, and with BENCH_PROFILE=1 a cProfile of the
timed requests grouped by module.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_intake_1m .venv/bin/python bench/intake.py
    KENTMASA_VAR_DIR=/tmp/x .venv/bin/python bench/intake.py          # SQLite, var/bench-http.sqlite3

The database must have been filled by bench/over_http.py or bench/generate.py; every run adds
BENCH_REPEAT (default 200) cases and their citizens. BENCH_SHOW=1 lists every query of one intake of
each half.
"""

import cProfile
import importlib.util
import os
import pstats
import statistics
import time
from collections import defaultdict
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_over_http", Path(__file__).with_name("over_http.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/over_http.py cannot be loaded")
over_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(over_http)  # sets Django up on BENCH_DATABASE_URL (or the SQLite bench file)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
SHOW = os.environ.get("BENCH_SHOW") == "1"


def post(client: Client, body: str) -> None:
    response = client.post("/api/v1/cases", body, content_type="application/json")
    if response.status_code != 201:
        raise SystemExit(f"intake answered {response.status_code}: {response.content[:300]!r}")


def main() -> None:
    data = over_http.prepare()
    bodies = over_http.intake_bodies(data)
    halves = {"with a category": bodies[0::2], "classified": bodies[1::2]}
    client = Client(headers={"authorization": f"Bearer {data['token']}"})
    print(f"intake in-process: {connection.vendor}, {connection.settings_dict['NAME']}")
    print(f"machine: {over_http.machine()}")
    for body in bodies[:20]:  # warm: the token, the set-up caches, the classifier
        post(client, body)
    profiler = cProfile.Profile() if PROFILE else None
    for name, group in halves.items():
        counts = []
        for index, body in enumerate(group[: min(40, REPEAT)]):
            with CaptureQueriesContext(connection) as queries:
                post(client, body)
            counts.append(len(queries.captured_queries))
            if SHOW and index == 0:
                print(f"-- the queries of one intake, {name}:")
                for number, query in enumerate(queries.captured_queries):
                    print(f"   {number:3d} {query['time']:>6} {query['sql'][:160]}")
        times, cpu = [], []
        for index in range(REPEAT):
            body = group[index % len(group)]
            started, started_cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            post(client, body)
            if profiler is not None:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        print(
            f"{name:<16} queries {min(counts)}–{max(counts)} (median {statistics.median(counts):.0f}), "
            f"ms per intake: median {statistics.median(times):.1f}, p95 {times[int(len(times) * 0.95)]:.1f}, "
            f"mean {statistics.fmean(times):.1f} over {REPEAT}; "
            f"this process's CPU {statistics.fmean(cpu):.1f} ms (the rest: waiting on the database)"
        )
    if profiler is not None:
        stats = pstats.Stats(profiler)
        total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
        by_area: dict[str, float] = defaultdict(float)
        for (filename, _line, _func), row in stats.stats.items():  # type: ignore[attr-defined]
            by_area[_area(filename)] += row[2]  # own time
        print(f"\nown time by area ({total * 1000 / (2 * REPEAT):.1f} ms of Python per intake):")
        for area, seconds in sorted(by_area.items(), key=lambda item: -item[1])[:25]:
            print(f"  {seconds / total * 100:5.1f} %  {area}")
        print("\ncumulative, top 60:")
        stats.sort_stats("cumulative").print_stats(60)
        print("\nown time, top 30:")
        stats.sort_stats("tottime").print_stats(30)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _area(filename: str) -> str:
    """A module's area: kentmasa's app, a library's top package, or Python itself."""
    parts = Path(filename).parts
    if "kentmasa" in parts:
        at = len(parts) - 1 - parts[::-1].index("kentmasa")
        return "/".join(parts[at : at + 3])
    if "site-packages" in parts:
        at = parts.index("site-packages")
        return "/".join(parts[at + 1 : at + 3])
    return filename if filename.startswith(("~", "<")) else "python: " + Path(filename).name


if __name__ == "__main__":
    main()
