"""The staff screens and the API over real HTTP, beside a bare view and a bare insert in the same server.

    make bench-http                                    # SQLite, var/bench-http.sqlite3, 1 000 000 cases
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_http make bench-http
    BENCH_CASES=10000000 BENCH_DATABASE_URL=postgres://…/kentmasa_bench10m make bench-http

What it does: fills the database to BENCH_CASES cases if it holds fewer (bench/generate.py: COPY on
PostgreSQL; it checks the free disk first), starts the web server exactly as `make run` does (the
Procfile's ``web`` line: gunicorn with the ASGI worker, WEB_CONCURRENCY workers, default 2) on a free port
with KENTMASA_BENCH_VIEWS=1 (the two bare views, kentmasa.lib.bench_views) and KENTMASA_2FA_REQUIRED=0,
signs in three staff members through the real log-in form (an administrator, a unit manager, an operator),
issues an API token, and runs ``wrk`` (BENCH_CONNECTIONS=8 connections, 2 threads, BENCH_SECONDS=15 s
each after a 2 s warm-up; BENCH_ONLY=intake,list keeps the measures whose names contain those words, beside
the two bare views) against:

    bare view            GET  /bench/bare: a fixed text through the whole middleware stack
    bare insert          POST /bench/insert: one row inserted in a transaction
    API list             GET  /api/v1/cases?limit=50 (Bearer token; administrator)
    intake               POST /api/v1/cases, 400 different bodies (half with a category, half classified;
                         Adana points with their mahalle), token
    case page            GET  /vaka/<no>/ over 1 000 different cases (administrator)
    queue                GET  /kuyruk/ as the manager of the busiest unit
    console              GET  /konsol/ as an operator
    overview             GET  /raporlar/ as the administrator (whole institution)
    map blocks z10/z15   GET  /raporlar/harita/noktalar: the blocks a 1280×800 map of Adana asks for

One line per measure: requests/s, p50 and p99 in milliseconds, non-2xx answers or socket errors, and the
ratio to the bare view and to the bare insert (the issue's targets: API list ≥ 0.09 × bare view, intake ≥
0.3 × bare insert). Before them: the machine (cores, load average) and the database.
"""

import importlib.util
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KENTMASA_VAR_DIR", ROOT / "var"))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{VAR_DIR / 'bench-http.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")
os.environ.setdefault("KENTMASA_VAR_DIR", str(VAR_DIR))

# bench/generate.py sets Django up on the bench database and knows how to fill it.
_spec = importlib.util.spec_from_file_location("bench_generate", Path(__file__).with_name("generate.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("bench/generate.py cannot be loaded")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from kentmasa.cases.models import OPEN_STATUSES, Case  # noqa: E402
from kentmasa.directory.models import ApiToken, Category, Institution, Unit, User  # noqa: E402
from kentmasa.lib import bench_views  # noqa: E402
from kentmasa.reports import maps  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = 2
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
ONLY = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
PASSWORD = "bench-http-Parola-2026"  # noqa: S105 (the bench database's own users)
SCREEN = (1280, 800)
CENTRE = (35.3213, 37.0000)  # Adana, by the Taşköprü
BLOCK = 8  # cells per side of a block (kentmasa/static/kentmasa/map.js)

LUA = r"""
local items = ITEMS
local headers = HEADERS
local prepared = {}
local counter = 0
function init(args)
  for i, item in ipairs(items) do
    prepared[i] = wrk.format(item[1], item[2], headers, item[3])
  end
  math.randomseed(math.floor(os.clock() * 1000000) + #prepared)
  counter = math.random(#prepared)
end
function request()
  counter = counter % #prepared + 1
  return prepared[counter]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def say(message: str = "") -> None:
    print(message, flush=True)


def lua_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string of printable text is a Lua string too


def lua_script(items: list[tuple[str, str, str | None]], headers: dict[str, str]) -> str:
    rows = ",\n".join(
        "{" + ", ".join([lua_string(m), lua_string(p), lua_string(b) if b is not None else "nil"]) + "}"
        for m, p, b in items
    )
    head = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    return LUA.replace("ITEMS", "{\n" + rows + "\n}").replace("HEADERS", "{" + head + "}")


# -- the machine and the database -----------------------------------------------------------------------


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = f" ({found.group(1).strip()})" if found else ""
    return f"{os.cpu_count()} cores{model}, load average {load}"


def database() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        else:
            import sqlite3

            version = f"SQLite {sqlite3.sqlite_version}"
            size = f"{generate.database_bytes() / 1e9:.1f} GB"
    return f"{version}, {connection.settings_dict['NAME']}, {size}"


# -- what the bench needs in the database ----------------------------------------------------------------


def prepare() -> dict[str, Any]:
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    bench_views.create_table()
    institution = Institution.objects.get(slug=generate.SLUG)
    # The busiest unit by open cases, from the rollups' source: one grouped count over the open cases.
    busiest = (
        Case.objects.filter(institution=institution, status__in=OPEN_STATUSES)
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    unit = (
        Unit.objects.get(pk=busiest["unit"]) if busiest else Unit.objects.filter(institution=institution)[0]
    )
    users = {}
    for name, role in (
        ("bench-admin", User.Role.ADMINISTRATOR),
        ("bench-manager", User.Role.UNIT_MANAGER),
        ("bench-operator", User.Role.OPERATOR),
    ):
        user = User.objects.filter(username=name).first() or User(username=name)
        user.role, user.institution, user.is_active = role, institution, True
        user.first_name, user.last_name = "Bench", role
        user.set_password(PASSWORD)
        user.save()
        if role == User.Role.UNIT_MANAGER:
            user.units.set([unit])
        users[name] = user
    ApiToken.objects.filter(user=users["bench-admin"], name="bench/over_http.py").delete()
    _, token = ApiToken.issue(users["bench-admin"], name="bench/over_http.py")
    newest = Case.objects.filter(institution=institution).order_by("-pk").values_list("pk", flat=True)[:1]
    top = newest[0] if newest else 1
    numbers = list(
        Case.objects.filter(institution=institution, pk__gt=max(0, top - 2_000_000))
        .order_by("?" if connection.vendor == "sqlite" else "pk")
        .values_list("tracking_number", flat=True)[:1000]
    )
    located = list(
        Case.objects.filter(institution=institution, latitude__isnull=False)
        .order_by("-pk")
        .values("latitude", "longitude", "province", "district", "neighbourhood", "street")[:400]
    )
    categories = list(Category.objects.filter(institution=institution, active=True).values_list("pk", "name"))
    return {
        "token": token,
        "unit": unit.name,
        "numbers": numbers,
        "located": located,
        "categories": categories,
    }


def intake_bodies(data: dict[str, Any]) -> list[str]:
    import random

    rng = random.Random(18)
    bodies = []
    for index in range(400):
        category_id, name = data["categories"][index % len(data["categories"])]
        place = data["located"][index % len(data["located"])] if data["located"] else None
        body: dict[str, Any] = {
            "channel": rng.choice(["phone", "phone", "web", "mobile", "whatsapp"]),
            "subject": name,
            "description": f"{place['street'] if place else 'Atatürk Caddesi'} no {rng.randrange(1, 200)} "
            f"önünde: {name.lower()}, {rng.randrange(2, 40)} gündür böyle.",
            "citizen": {
                "name": f"{rng.choice(generate.FIRST)} {rng.choice(generate.LAST)}",
                "phone": f"05{rng.choice(['32', '33', '42', '05', '55'])}{rng.randrange(10**7):07d}",
            },
        }
        if index % 2 == 0:
            body["category"] = category_id
        if place:
            body["location"] = {
                "latitude": str(place["latitude"]),
                "longitude": str(place["longitude"]),
                "province": place["province"],
                "district": place["district"],
                "neighbourhood": place["neighbourhood"],
            }
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def map_blocks(zoom: int) -> list[str]:
    """The blocks of BLOCK × BLOCK cells a SCREEN-sized map of Adana asks for at ``zoom`` (as map.js)."""
    per_pixel = 360.0 / (256 * 2**zoom)
    half_lon = SCREEN[0] / 2 * per_pixel
    half_lat = SCREEN[1] / 2 * per_pixel * math.cos(math.radians(CENTRE[1]))
    west, east = CENTRE[0] - half_lon, CENTRE[0] + half_lon
    south, north = CENTRE[1] - half_lat, CENTRE[1] + half_lat
    cell = maps.cell_size(zoom)
    size = cell * BLOCK
    paths = []
    for x in range(math.floor(west / size), math.floor(east / size) + 1):
        for y in range(math.floor(south / size), math.floor(north / size) + 1):
            box = [
                x * size + cell / 2,
                y * size + cell / 2,
                (x + 1) * size - cell / 2,
                (y + 1) * size - cell / 2,
            ]
            query = urllib.parse.urlencode({"bbox": ",".join(f"{v:.6f}" for v in box), "zoom": zoom})
            paths.append(f"/raporlar/harita/noktalar?{query}")
    return paths


# -- the server -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    web = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": WORKERS,
        "KENTMASA_BENCH_VIEWS": "1",
        "KENTMASA_2FA_REQUIRED": "0",
        "KENTMASA_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    say(f"server: {web}  (PORT={port}, WEB_CONCURRENCY={WORKERS})")
    with log.open("wb") as out:
        # Its own process group, so stopping it stops its workers; the access log (stdout) is dropped.
        server = subprocess.Popen(  # noqa: S603 (the project's own Procfile line)
            ["/bin/bash", "-c", f"exec {web}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def sign_in(base: str, username: str) -> str:
    """The Cookie header of a session signed in through /giris/ (the real form, CSRF token and all)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/giris/", timeout=30) as page:
        html = page.read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise SystemExit("no CSRF token on /giris/")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": found.group(1), "username": username, "password": PASSWORD}
    ).encode()
    referer = {"Referer": f"{base}/giris/"}
    request = urllib.request.Request(f"{base}/giris/", data=form, headers=referer)  # noqa: S310
    with opener.open(request, timeout=30):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"signing in as {username} failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect (to the log-in page, say) is an answer to report, not to follow


def check(base: str, path: str, headers: dict[str, str]) -> int:
    """One request first, its status: wrk counts a 3xx as success, so a screen that sends the bench to the
    log-in page would be timed as if it worked. A measure whose first answer was not 2xx says so."""
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, OSError):  # no answer within the time out: say so on the line
        return 0


# -- wrk --------------------------------------------------------------------------------------------------


def run_wrk(base: str, script: str, seconds: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
        result = subprocess.run(  # noqa: S603
            [*command, "-s", lua.name, base], capture_output=True, text=True, check=False
        )
    finally:
        os.unlink(lua.name)
    found = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", result.stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"wrk failed: {result.stdout}\n{result.stderr}")
    requests, duration, p50, p99, status, socket_errors = (int(x) for x in found.groups())
    return {
        "rps": requests / (duration / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "non2xx": status,
        "errors": socket_errors,
        "requests": requests,
    }


def drain(base: str, limit: float = 180.0) -> float:
    """Wait until the server has finished what wrk left in flight (a slow screen's queued requests would
    otherwise be timed in the next measure): until three bare requests in a row answer within 250 ms (a
    loaded machine answers the bare view in tens of milliseconds; a busy server not before a slow request)."""
    started = time.monotonic()
    fast = 0
    while fast < 3 and time.monotonic() - started < limit:
        before = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/bench/bare", timeout=limit) as answer:  # noqa: S310
                answer.read()
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
        fast = fast + 1 if time.monotonic() - before < 0.25 else 0
    return time.monotonic() - started


def measure(base: str, items: list[tuple[str, str, str | None]], headers: dict[str, str]) -> dict[str, float]:
    script = lua_script(items, headers)
    if WARMUP:
        run_wrk(base, script, WARMUP)
        drain(base)
    result = run_wrk(base, script, SECONDS)
    result["drain"] = drain(base)
    return result


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is missing: install it (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk)"
        )
    say(f"kentmasa over HTTP: {connection.vendor}, {generate.N:,} cases")
    generate.generate(generate.N)
    data = prepare()
    cases = Case.objects.count()
    say(f"machine: {machine()}")
    say(f"database: {database()}, {cases:,} cases; the queue's unit: {data['unit']}")
    connection.close()  # the server's workers are the only users of the database from here on
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = VAR_DIR / f"bench-http-server-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    server = start_server(port, log)
    try:
        sessions = {name: sign_in(base, name) for name in ("bench-admin", "bench-manager", "bench-operator")}
        token = {"Authorization": f"Bearer {data['token']}"}
        admin = {"Cookie": sessions["bench-admin"]}
        as_json = {**token, "Content-Type": "application/json"}
        z10, z15 = map_blocks(10), map_blocks(15)
        plan: list[tuple[str, list[tuple[str, str, str | None]], dict[str, str]]] = [
            ("bare view", [("GET", "/bench/bare", None)], {}),
            ("bare insert", [("POST", "/bench/insert", "x")], {"Content-Type": "text/plain"}),
            ("API list GET /api/v1/cases?limit=50", [("GET", "/api/v1/cases?limit=50", None)], token),
            (
                "intake POST /api/v1/cases",
                [("POST", "/api/v1/cases", b) for b in intake_bodies(data)],
                as_json,
            ),
            ("case page /vaka/<no>/", [("GET", f"/vaka/{n}/", None) for n in data["numbers"]], admin),
            (
                "queue /kuyruk/ (manager of the busiest unit)",
                [("GET", "/kuyruk/", None)],
                {"Cookie": sessions["bench-manager"]},
            ),
            (
                "console /konsol/ (operator)",
                [("GET", "/konsol/", None)],
                {"Cookie": sessions["bench-operator"]},
            ),
            ("overview /raporlar/ (administrator)", [("GET", "/raporlar/", None)], admin),
            (f"map blocks, zoom 10 ({len(z10)} blocks)", [("GET", p, None) for p in z10], admin),
            (f"map blocks, zoom 15 ({len(z15)} blocks)", [("GET", p, None) for p in z15], admin),
        ]
        if ONLY:  # BENCH_ONLY=intake,list: those measures only, beside the two bare views
            plan = [m for m in plan if m[0].startswith("bare") or any(w in m[0] for w in ONLY)]
        say(
            f"wrk: {THREADS} threads, {CONNECTIONS} connections, {SECONDS} s a measure after {WARMUP} s "
            f"warm-up; server log {log}"
        )
        say()
        heads = f"{'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'×bare':>7} {'×insert':>8}"
        say(f"{'measure':<52} {heads}")
        results: dict[str, dict[str, float]] = {}
        for label, items, headers in plan:
            method, path, _ = items[0]
            status = check(base, path, headers) if method == "GET" else 200
            result = measure(base, items, headers)
            results[label] = result
            bare = results.get("bare view", result)["rps"]
            insert = results.get("bare insert", result)["rps"]
            errors = int(result["non2xx"] + result["errors"])
            say(
                f"{label:<52} {result['rps']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} {errors:7d} "
                f"{result['rps'] / bare:7.3f} {result['rps'] / insert:8.3f}"
                + ("" if 200 <= status < 300 else f"   (! the first request answered {status or 'nothing'})")
                + ("" if result["requests"] else f"   (! no request finished within {SECONDS} s)")
                + (f"   (server busy {result['drain']:.0f} s after)" if result["drain"] > 5 else "")
            )
        api = results.get("API list GET /api/v1/cases?limit=50")
        intake = results.get("intake POST /api/v1/cases")
        say()
        if api is not None:
            say(f"target: API list {api['rps'] / results['bare view']['rps']:.3f} × bare view (≥ 0.09)")
        if intake is not None:
            say(f"target: intake {intake['rps'] / results['bare insert']['rps']:.3f} × bare insert (≥ 0.3)")
    finally:
        stop_server(server)
        say(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
