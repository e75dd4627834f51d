"""Benchmark of the live stream: time from the commit of a change to its arrival at connected clients.

    make bench-live                                                  # SQLite, var/bench-live/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_live make bench-live
    BENCH_CLIENTS=200 BENCH_CHANGES=100 BENCH_IDLE_SECONDS=30 make bench-live     # the defaults

It starts the web process as production does (the Procfile's ``web`` line: gunicorn with two uvicorn
workers) on a free port against its own database, opens BENCH_CLIENTS server-sent-event streams to
``/api/v1/stream`` with a staff token (raw asyncio sockets reading HTTP/1.1 chunks, in a process of their
own so that the writer never holds them up), then comments on cases through the domain function
(``kentmasa.cases.services.comment``) in this process, one transaction each, 50–100 ms apart. A change's
commit time is taken by the first ``on_commit`` callback of its transaction; its arrival time is when a
client has read the chunk carrying the event whose ``seq`` is the change's live event id. Both clocks are
this machine's ``time.time()``.

Idle cost: the CPU time (utime + stime from /proc) of the gunicorn master and its workers over
BENCH_IDLE_SECONDS, first with no stream open (before any client connects: no hub runs), then with every
stream open and nothing happening. Targets (issue 11): p99 ≤ 1 s on SQLite, ≤ 200 ms on PostgreSQL, the
idle streams under 10 % of one core.

Also printed, to tell where time goes: latency by worker (which worker took a stream is read from
/proc/net/tcp), changes that reached even the first stream of a worker late (the worker stood still),
the spread from first to last client of one change (the fan-out), the workers' memory, threads and
database connections (on PostgreSQL also the peak while the streams opened at once), the machine's own
load, and what one full garbage collection of a loaded Django costs. The raw arrivals of the last run are
kept in var/bench-live/last-<database>.json, the web server's log in var/bench-live/web-<database>.log.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import http.client
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench-live"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "200"))
CHANGES = int(os.environ.get("BENCH_CHANGES", "100"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "30"))
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))
TARGET_P99 = {"sqlite": 1.0, "postgresql": 0.2}
TARGET_IDLE_CORE = 0.10
TICK = os.sysconf("SC_CLK_TCK")


# --- the clients (a process of their own: ``live.py --clients HOST PORT TOKEN COUNT``) -------------------


@dataclasses.dataclass
class Client:
    index: int
    arrivals: dict[int, float] = dataclasses.field(default_factory=dict)  # seq -> time.time() on arrival
    port: int = 0  # the client's own port: the server's side tells which worker took the connection
    ready: bool = False
    error: str = ""
    events: int = 0
    watch: tuple[str, ...] = ("case",)  # the SSE event names whose arrivals are timed (bench/kades.py: alarm)


def parse_events(buffer: str, client: Client, now: float) -> str:
    """Take the complete events (blank-line separated) off ``buffer``; return what is left."""
    buffer = buffer.replace("\r\n", "\n")
    while "\n\n" in buffer:
        block, buffer = buffer.split("\n\n", 1)
        name, data = "message", []
        for line in block.split("\n"):
            field, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "retry":
                client.ready = True
            elif field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            client.events += 1
            if name in client.watch:
                seq = int(json.loads("\n".join(data))["seq"])
                client.arrivals.setdefault(seq, now)
    return buffer


async def read_stream(client: Client, host: str, port: int, token: str, ready: asyncio.Queue[int]) -> None:
    signalled = False
    try:
        reader, writer = await asyncio.open_connection(host, port)
        client.port = int(writer.get_extra_info("sockname")[1])
        writer.write(
            (
                f"GET /api/v1/stream HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                "Accept: text/event-stream\r\nAccept-Language: tr\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = head.split("\r\n", 1)[0]
        if " 200 " not in f"{status} ":
            raise RuntimeError(status)
        if "transfer-encoding: chunked" not in head.lower():
            raise RuntimeError("not chunked")
        buffer = ""
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise RuntimeError("closed by the server")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                raise RuntimeError("the stream ended")
            chunk = await reader.readexactly(size + 2)
            now = time.time()
            buffer = parse_events(buffer + chunk[:-2].decode(), client, now)
            if client.ready and not signalled:
                signalled = True
                ready.put_nowait(client.index)
    except asyncio.CancelledError:
        raise
    except (OSError, RuntimeError, ValueError, asyncio.IncompleteReadError) as error:
        client.error = f"{type(error).__name__}: {error}"
    finally:
        if not signalled:
            ready.put_nowait(-1)


async def run_clients(
    host: str, port: int, token: str, count: int, watch: tuple[str, ...] = ("case",)
) -> None:
    """Open ``count`` streams; print "ready <n>" once each has its retry line (or failed), then keep reading
    until a line comes on stdin, and print every client's arrivals (of the ``watch`` events) as JSON."""
    # The measuring instrument must not pause: no cyclic garbage collection here (what the clients allocate
    # is freed by reference counting; a full collection would hold every arrival back at once).
    gc.disable()
    clients = [Client(i, watch=watch) for i in range(count)]
    ready: asyncio.Queue[int] = asyncio.Queue()
    tasks = []
    for client in clients:
        tasks.append(asyncio.create_task(read_stream(client, host, port, token, ready)))
        await asyncio.sleep(0.002)  # a quick ramp, not one burst of SYNs
    for _ in range(count):
        await ready.get()
    print(f"ready {sum(c.ready for c in clients)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = [{"arrivals": c.arrivals, "error": c.error, "events": c.events, "port": c.port} for c in clients]
    print(json.dumps(result), flush=True)


# --- the server ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def web_command(port: int) -> list[str]:
    """The Procfile's web line, its ${NAME:-default}s filled in."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    values = {"PORT": str(port), "WEB_CONCURRENCY": str(WORKERS)}
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m[1], m[2]), line.removeprefix("web:"))
    return shlex.split(line)


def wait_until_serving(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 401"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the web server did not answer")


def warm_up(port: int, token: str) -> None:
    """A few API requests at once, so both workers have imported the views before memory is read."""

    def get(_n: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(get, range(24)))
    if set(statuses) != {200}:
        raise SystemExit(f"warm-up requests answered {sorted(set(statuses))}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (every thread), in seconds."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


def worker_of_client(port: int, workers: list[int]) -> dict[int, int]:
    """{client port: worker pid} for the open connections to the server's ``port``."""
    owner = {}
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    owner[target[8:-1]] = pid
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if int(local.rsplit(":", 1)[1], 16) == port and inode in owner:
                    found[int(remote.rsplit(":", 1)[1], 16)] = owner[inode]
    return found


def machine_ticks() -> tuple[int, int, int]:
    """Busy, all and stolen clock ticks of the whole machine (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields), fields[7]


def machine_load(before: tuple[int, int, int]) -> str:
    busy, total, steal = (now - then for now, then in zip(machine_ticks(), before, strict=True))
    return f"the machine {busy / max(total, 1) * 100:.0f} % busy (steal {steal / max(total, 1) * 100:.1f} %)"


def measure_cpu(pids: list[int], seconds: float) -> float:
    """The share of one core these processes used over ``seconds``."""
    before, started = cpu_seconds(pids), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pids) - before) / (time.monotonic() - started)


# --- the database -------------------------------------------------------------------------------------------


def database_url(var: Path = VAR, sqlite_name: str = "bench-live.sqlite3") -> str:
    """BENCH_DATABASE_URL (its database made if missing), else a SQLite file under ``var``."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        var.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{var / sqlite_name}"
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


class PeakConnections(threading.Thread):
    """PostgreSQL: the most connections to the bench database at any moment while it runs (every 5 ms)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.peak, self.done = url, 0, threading.Event()

    def run(self) -> None:
        import psycopg

        name = urlsplit(self.url).path.lstrip("/")
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                time.sleep(0.005)

    def stop(self) -> int:
        self.done.set()
        self.join(5)
        return self.peak


def database_connections(vendor: str, workers: list[int], name: str) -> str:
    """How many database connections the web workers hold open."""
    if vendor == "postgresql":
        from django.db import DatabaseError, connection

        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                row = cursor.fetchone()
        except DatabaseError as error:
            return f"unknown ({error})".strip()
        finally:
            connection.close()
        return f"{row[0] if row else '?'} (pg_stat_activity, besides this process)"
    files = 0
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                files += os.readlink(fd).endswith("bench-live.sqlite3")
    return (
        f"the hub's one per worker; {files} descriptors of the database file (SQLite keeps a closed"
        " connection's while another connection of the process holds its lock, and reuses it)"
    )


@dataclasses.dataclass
class Fixture:
    token: str
    cases: list[Any]


def prepare() -> Fixture:
    from django.core.management import call_command

    from kentmasa.cases import services
    from kentmasa.cases.models import Case, Channel
    from kentmasa.directory.models import ApiToken, Institution, Unit, User

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    institution, _ = Institution.objects.get_or_create(
        slug="bench-live", defaults={"name": "Canlı Ekran Belediyesi", "kind": Institution.Kind.DISTRICT}
    )
    unit, _ = Unit.objects.get_or_create(institution=institution, name="Fen İşleri Müdürlüğü")
    user = User.objects.filter(username="bench-live").first()
    if user is None:
        user = User.objects.create_user(
            username="bench-live", role=User.Role.UNIT_STAFF, institution=institution, first_name="Bench"
        )
        user.units.set([unit])
    cases = list(Case.objects.filter(institution=institution).order_by("pk")[:5])
    while len(cases) < 5:
        cases.append(
            services.open_case(
                institution=institution,
                channel=Channel.PHONE,
                subject=f"Sokak lambası yanmıyor {len(cases) + 1}",
                unit=unit,
            )
        )
    _row, raw = ApiToken.issue(user, name="bench-live")
    return Fixture(raw, cases)


def write_changes(cases: list[Any], count: int) -> tuple[dict[int, float], list[float]]:
    """Comment ``count`` times; return {live event id: commit time} and the commit-to-return times."""
    from django.db import transaction

    from kentmasa.cases import services
    from kentmasa.notify.models import LiveEvent

    gc.collect()
    gc.freeze()  # no full collection of Django's objects between a commit and its stamp
    rng = random.Random(11)
    committed: dict[int, float] = {}
    returned: list[float] = []
    stamp: list[float] = []

    def committing() -> None:  # registered first, so it runs first after COMMIT
        stamp.append(time.time())

    for k in range(count):
        case = rng.choice(cases)
        stamp.clear()
        with transaction.atomic():
            transaction.on_commit(committing)
            services.comment(case, actor=None, note=f"Ölçüm notu {k + 1}")
        returned.append(time.time() - stamp[0])
        row = LiveEvent.objects.filter(case_id=case.pk, change="comment").order_by("-pk").first()
        assert row is not None  # noqa: S101
        committed[row.pk] = stamp[0]
        time.sleep(rng.uniform(0.05, 0.1))
    return committed, returned


# --- the run ------------------------------------------------------------------------------------------------


def full_collection() -> tuple[int, float]:
    """Objects the garbage collector tracks in a process with every view loaded, and the CPU time of one
    full collection (a web worker's event loop, and each of its streams, waits that long)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view, as a worker has after its first requests)
    gc.unfreeze()
    gc.collect()
    started = time.thread_time()
    gc.collect()
    return len(gc.get_objects()), time.thread_time() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    url = database_url()
    VAR.mkdir(parents=True, exist_ok=True)
    env_for_web = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kentmasa.settings",
        "KENTMASA_VAR_DIR": str(VAR),
        "DATABASE_URL": url,
    }
    os.environ.update(DATABASE_URL=url, KENTMASA_VAR_DIR=str(VAR), DJANGO_SETTINGS_MODULE="kentmasa.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    vendor = connection.vendor
    print(f"live stream benchmark on {vendor}: {CLIENTS} clients, {CHANGES} changes, {WORKERS} web workers")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    fixture = prepare()
    connection.close()

    port = free_port()
    command = web_command(port)
    print("web:", " ".join(command))
    log_path = VAR / f"web-{vendor}.log"
    log = log_path.open("w")
    web = subprocess.Popen(command, cwd=ROOT, env=env_for_web, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    clients: subprocess.Popen[str] | None = None
    try:
        wait_until_serving(port)
        time.sleep(1)  # the second worker to finish booting
        warm_up(port, fixture.token)
        time.sleep(2)  # startup work to settle
        workers = children(web.pid)
        processes = [web.pid, *workers]
        print(f"master {web.pid}, workers {workers}")
        memory_before = {pid: rss_mb(pid) for pid in workers}
        print(f"idle, no stream open, {IDLE_SECONDS:.0f} s …", flush=True)
        idle_none = measure_cpu(processes, IDLE_SECONDS)

        sampler = PeakConnections(url) if vendor == "postgresql" else None
        if sampler is not None:
            sampler.start()
        started = time.monotonic()
        clients = subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--clients", "127.0.0.1", str(port), fixture.token, str(CLIENTS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert clients.stdin is not None and clients.stdout is not None  # noqa: S101
        line = clients.stdout.readline().split()
        connected = int(line[1]) if line[:1] == ["ready"] else 0
        print(f"{connected} of {CLIENTS} streams open in {time.monotonic() - started:.1f} s")
        opening_peak = sampler.stop() if sampler is not None else None
        time.sleep(2)
        per_worker = {pid: (sockets(pid), threads(pid)) for pid in workers}
        worker_of = worker_of_client(port, workers)
        db_held = database_connections(vendor, workers, settings.DATABASES["default"]["NAME"])
        print(f"idle, {connected} streams open, {IDLE_SECONDS:.0f} s …", flush=True)
        idle_streams = measure_cpu(processes, IDLE_SECONDS)
        memory_streams = {pid: rss_mb(pid) for pid in workers}

        print(f"writing {CHANGES} changes …", flush=True)
        busy_before, busy_started = cpu_seconds(processes), time.monotonic()
        client_before = cpu_seconds([clients.pid])
        machine_before = machine_ticks()
        committed, returned = write_changes(fixture.cases, CHANGES)
        rate = CHANGES / (time.monotonic() - busy_started)
        connection.close()
        time.sleep(2)  # the last change's way to the clients
        elapsed = time.monotonic() - busy_started
        busy = (cpu_seconds(processes) - busy_before) / elapsed
        client_busy = (cpu_seconds([clients.pid]) - client_before) / elapsed
        machine_writing = machine_load(machine_before)

        clients.stdin.write("stop\n")
        clients.stdin.flush()
        answer = clients.stdout.readline()
        clients.wait(10)
        raw = {"committed": committed, "workers": worker_of, "clients": "CLIENTS"}
        (VAR / f"last-{vendor}.json").write_text(json.dumps(raw).replace('"CLIENTS"', answer.strip()))
        results = json.loads(answer)
    finally:
        if clients is not None and clients.poll() is None:
            clients.kill()
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()

    latencies: list[float] = []
    by_worker: dict[int, list[float]] = {pid: [] for pid in workers}
    missing: list[tuple[int, int]] = []
    spread: list[float] = []
    errors = [(i, r["error"]) for i, r in enumerate(results) if r["error"]]
    # A change that reached even the first stream of a worker late: that worker stood still (a full garbage
    # collection, the CPU taken by another process); late on every worker at once: the machine or database.
    late_after = 0.1 + (settings.KENTMASA_LIVE["POLL"] if vendor == "sqlite" else 0.0)
    late: dict[int, int] = {pid: 0 for pid in workers}
    late_everywhere = 0
    for seq, at in committed.items():
        firsts: dict[int, float] = {}
        for result in results:
            arrived = result["arrivals"].get(str(seq))
            if arrived is not None and (pid := worker_of.get(result["port"])) is not None:
                firsts[pid] = min(firsts.get(pid, arrived), arrived)
        slow = [pid for pid, first in firsts.items() if first - at > late_after]
        for pid in slow:
            late[pid] += 1
        late_everywhere += bool(slow) and len(slow) == len(firsts)
    for seq, at in committed.items():
        times = []
        for i, result in enumerate(results):
            arrived = result["arrivals"].get(str(seq))
            if arrived is None:
                if not result["error"]:
                    missing.append((i, seq))
                continue
            latencies.append(arrived - at)
            times.append(arrived)
            if (pid := worker_of.get(result["port"])) is not None:
                by_worker[pid].append(arrived - at)
        if times:
            spread.append(max(times) - min(times))

    ms = 1000.0
    target = TARGET_P99[vendor]
    print()
    print(f"live stream on {vendor}: {connected} clients, {len(workers)} workers, {len(committed)} changes")
    if errors:
        print(f"  streams that failed: {len(errors)}, e.g. {errors[:3]}")
        causes = sorted(
            {line for line in log_path.read_text().splitlines() if re.match(r"^\w[\w.]*Error: ", line)}
        )
        print(f"  the web server's log ({log_path}) says: {causes[:3]}")
    expected = len(committed) * (len(results) - len(errors))
    print(f"  arrived {len(latencies)} of {expected} (client, change) pairs; missing {len(missing)}")
    if missing:
        print(f"  missing (client, seq), first 20: {missing[:20]}")
    if latencies:
        p50, p99, worst = statistics.median(latencies), percentile(latencies, 99), max(latencies)
        head = f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'target p99':>11} {'p99/target':>11}"
        print(f"  {'commit → client':28} {head}")
        print(
            f"  {'':28} {p50 * ms:8.1f} {p99 * ms:8.1f} {worst * ms:8.1f} {target * ms:9.0f} ms"
            f" {p99 / target:10.2f}×"
        )
        for pid, values in by_worker.items():
            if values:
                print(
                    f"  {f'worker {pid}, {len(values) // max(len(committed), 1)} streams':28}"
                    f" {statistics.median(values) * ms:8.1f} {percentile(values, 99) * ms:8.1f}"
                    f" {max(values) * ms:8.1f}"
                )
        print(
            f"  changes late (> {late_after * ms:.0f} ms) at every stream of a worker: "
            + ", ".join(f"worker {pid} {count}" for pid, count in late.items())
            + f"; at every worker at once {late_everywhere}"
        )
        print(
            f"  fan-out, first → last client of one change: p50 {statistics.median(spread) * ms:.1f} ms,"
            f" max {max(spread) * ms:.1f} ms"
        )
    print(
        "  writer: commit → comment() returned (its on_commit work):"
        f" p50 {statistics.median(returned) * ms:.1f} ms, max {max(returned) * ms:.1f} ms"
    )
    poll = settings.KENTMASA_LIVE["POLL"] if vendor == "sqlite" else settings.KENTMASA_LIVE["PG_POLL"]
    print(f"  hub wake-up: {'polling every' if vendor == 'sqlite' else 'NOTIFY, else a poll every'} {poll} s")
    print()
    print(f"  web CPU (master + workers), share of one core over {IDLE_SECONDS:.0f} s:")
    print(f"    no stream open             {idle_none * 100:6.2f} %")
    print(
        f"    {connected} streams open, idle   {idle_streams * 100:6.2f} %"
        f"   target < {TARGET_IDLE_CORE * 100:.0f} %"
        f"  ({idle_streams / TARGET_IDLE_CORE:.2f}× the target; the streams' own share"
        f" {(idle_streams - idle_none) * 100:.2f} %)"
    )
    print(
        f"    writing {rate:.0f} changes/s        {busy * 100:6.2f} %"
        f"   (the clients' own process: {client_busy * 100:.1f} %; {machine_writing})"
    )
    for pid in workers:
        sock, thread_count = per_worker[pid]
        print(
            f"  worker {pid}: RSS {memory_before[pid]:.0f} MB → {memory_streams[pid]:.0f} MB with streams;"
            f" {sock} sockets, {thread_count} threads"
        )
    print(f"  database connections with the streams open: {db_held}")
    if opening_peak is not None:
        print(
            f"  database connections at the peak while the {CLIENTS} streams opened at once: {opening_peak}"
        )
    print(f"  load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    objects, pause = full_collection()
    print(
        f"  one full garbage collection of {objects:,} objects (this process, every view loaded):"
        f" {pause * ms:.0f} ms CPU"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--clients"]:
        _flag, host, port, token, count = sys.argv[1:6]
        asyncio.run(run_clients(host, int(port), token, int(count)))
    else:
        main()
