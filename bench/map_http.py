"""The task map's blocks over real HTTP alone: bench/over_http.py's server, sign-in and wrk, its "map blocks"
measures and the bare view beside them, without the other measures (no intake: nothing is written but the
bench users and sessions). For a before/after around a change of the map's cells.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench10m BENCH_MAP_ZOOMS=10,15 \\
        .venv/bin/python bench/map_http.py

The database must be generated already (bench/generate.py); it is not topped up here.
"""

import importlib.util
import os
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_over_http", Path(__file__).with_name("over_http.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/over_http.py cannot be loaded")
over_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(over_http)

from django.db import connection  # noqa: E402

ZOOMS = [int(z) for z in os.environ.get("BENCH_MAP_ZOOMS", "10,15").split(",") if z.strip()]


def main() -> None:
    say = over_http.say
    say(f"map blocks over HTTP: {connection.vendor}")
    over_http.prepare()
    say(f"machine: {over_http.machine()}")
    say(f"database: {over_http.database()}")
    connection.close()
    port = over_http.free_port()
    base = f"http://127.0.0.1:{port}"
    over_http.VAR_DIR.mkdir(parents=True, exist_ok=True)
    log = over_http.VAR_DIR / f"bench-map-http-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    server = over_http.start_server(port, log)
    try:
        admin = {"Cookie": over_http.sign_in(base, "bench-admin")}
        plan: list[tuple[str, list[tuple[str, str, str | None]], dict[str, str]]] = [
            ("bare view", [("GET", "/bench/bare", None)], {})
        ]
        for zoom in ZOOMS:
            paths = over_http.map_blocks(zoom)
            plan.append(
                (f"map blocks, zoom {zoom} ({len(paths)} blocks)", [("GET", p, None) for p in paths], admin)
            )
        say(f"wrk: {over_http.CONNECTIONS} connections, {over_http.SECONDS} s a measure; server log {log}")
        say(f"{'measure':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'×bare':>7}")
        bare = None
        for label, items, headers in plan:
            status = over_http.check(base, items[0][1], headers)
            result = over_http.measure(base, items, headers)
            bare = bare or result["rps"]
            errors = int(result["non2xx"] + result["errors"])
            say(
                f"{label:<40} {result['rps']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} {errors:7d} "
                f"{result['rps'] / bare:7.3f}" + ("" if 200 <= status < 300 else f"   (! answered {status})")
            )
    finally:
        over_http.stop_server(server)
        say(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
