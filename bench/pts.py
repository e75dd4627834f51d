"""Benchmark of plate reads over HTTP: reads ingested and matched against the hotlist per second.

    make bench-pts                                                       # SQLite, var/bench-pts/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_pts make bench-pts
    BENCH_BATCHES=400 BENCH_BATCH_SIZE=500 BENCH_HOTLIST=100000 BENCH_SENDERS=4 make bench-pts   # defaults

It starts the web process as production does (bench/live.py's machinery: the Procfile's ``web`` line,
gunicorn with two uvicorn workers, on a free port, against a database of its own), with a police
directorate of eight available teams, fifty registered cameras and a hotlist of BENCH_HOTLIST plates.
Then BENCH_SENDERS camera systems (threads of this process, each on its own keep-alive connection) POST
BENCH_BATCHES batches of BENCH_BATCH_SIZE reads to ``/api/v1/pts/reads`` with a plate-reads token, as fast
as the answers come. The bodies are made before the clock starts. The reads are of random legal Turkish
plates at the fifty cameras, with a few foreign and unreadable ones (2 %), one in 1,000 of a hotlisted
plate (each raises or joins an alert, telling the nearest teams: notification rows, live events); the
timestamps are of the last minutes.

Printed: reads/s ingested and matched (all batches' reads ÷ the wall time from the first POST to the last
answer), batches/s, each batch's answer time (p50, p99, max), the machine's load; and, on the same server
with the same senders, a bare Django view (``/api/v1/…`` for an address that does not exist: the whole
middleware, no database) and an empty batch (``[]``: the token's check and nothing else), with the ratio
of a batch's time to theirs. Afterwards the database is asked how many reads, hits and alerts the run
stored, so a fast but lossy run cannot pass.

Target (issue 13): ≥ 10,000 reads/s on PostgreSQL on the 2-core machine. The reads of earlier runs are
deleted before a run (the hotlist is kept); the web server's log is var/bench-pts/web-<database>.log.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import live  # bench/live.py: the web server, the database

ROOT = live.ROOT
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench-pts"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "400"))
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", "500"))
HOTLIST = int(os.environ.get("BENCH_HOTLIST", "100000"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "4"))
BARE_REQUESTS = 2000
TARGET_PG = 10_000  # reads/s
SLUG = "bench-pts-emniyet"
CENTRE = (39.7767, 30.5206)  # Eskişehir
CAMERAS = 50
HIT_RATE = 0.001
ODD_RATE = 0.02
LETTERS = "ABCDEFGHIJKLMNOPRSTUVYZ"
SHAPES = [(1, 4), (2, 3), (2, 4), (3, 2), (3, 3)]


def random_plate(rng: random.Random) -> str:
    letters, digits = rng.choice(SHAPES)
    return (
        f"{rng.randint(1, 81):02d} "
        + "".join(rng.choice(LETTERS) for _ in range(letters))
        + " "
        + "".join(rng.choice("0123456789") for _ in range(digits))
    )


# --- the directorate ----------------------------------------------------------------------------------------


def prepare() -> tuple[str, list[str]]:
    """The directorate, its teams, cameras and hotlist (kept between runs), a plate-reads token; the reads
    of earlier runs deleted. Returns the token and the hotlisted plates' keys."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from kentmasa.directory.models import ApiToken, Institution, Team, Unit, User
    from kentmasa.emergency.models import (
        Camera,
        DispatchSettings,
        HotlistEntry,
        PlateAlert,
        PlateKind,
        PlateRead,
        PlateReason,
    )
    from kentmasa.lib import plates

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    police, _ = Institution.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Ölçüm İl Emniyet Müdürlüğü",
            "kind": Institution.Kind.POLICE,
            "province": "Eskişehir",
        },
    )
    centre, _ = Unit.objects.get_or_create(institution=police, name="Haber Merkezi")
    patrol, _ = Unit.objects.get_or_create(institution=police, name="Asayiş Şube Müdürlüğü")
    DispatchSettings.objects.get_or_create(institution=police, defaults={"haber_merkezi": centre})
    now = timezone.now()
    rng = random.Random(13)
    for n in range(8):
        team, _ = Team.objects.update_or_create(
            unit=patrol,
            name=f"Ölçüm Ekibi {n + 1}",
            defaults={
                "kind": Team.Kind.POLICE,
                "status": Team.Status.AVAILABLE,
                "status_at": now,
                "latitude": round(CENTRE[0] + rng.uniform(-0.02, 0.02), 6),
                "longitude": round(CENTRE[1] + rng.uniform(-0.03, 0.03), 6),
                "accuracy_m": 10,
                "position_at": now,
            },
        )
        member, _ = User.objects.get_or_create(
            username=f"bench-pts-ekip{n + 1}",
            defaults={"role": User.Role.FIELD_TEAM, "institution": police, "mobile": f"+90532155{n:04d}"},
        )
        member.teams.set([team])
    for n in range(CAMERAS):
        Camera.objects.get_or_create(
            institution=police,
            code=f"ESK-PTS-{n:03d}",
            defaults={
                "name": f"PTS kamerası {n}",
                "latitude": round(CENTRE[0] + rng.uniform(-0.03, 0.03), 6),
                "longitude": round(CENTRE[1] + rng.uniform(-0.04, 0.04), 6),
            },
        )
    have = HotlistEntry.objects.filter(institution=police).count()
    reasons = list(PlateReason.values)
    hot_rng = random.Random(100_000)
    while have < HOTLIST:
        rows = []
        for _ in range(min(5000, HOTLIST - have)):
            found = plates.normalize(random_plate(hot_rng))
            rows.append(
                HotlistEntry(
                    institution=police,
                    plate=found.key,
                    plate_kind=PlateKind.TURKISH,
                    reason=hot_rng.choice(reasons),
                    added_at=now,
                    updated_at=now,
                )
            )
        HotlistEntry.objects.bulk_create(rows, ignore_conflicts=True)
        have = HotlistEntry.objects.filter(institution=police).count()
    PlateRead.objects.filter(institution=police).delete()
    PlateAlert.objects.filter(institution=police, closed_at__isnull=True).update(
        closed_at=now, outcome="other"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE emergency_plateread")
            cursor.execute("ANALYZE emergency_hotlistentry")
    operator, _ = User.objects.get_or_create(
        username="bench-pts-kamera", defaults={"role": User.Role.POLICE_OPERATOR, "institution": police}
    )
    _row, token = ApiToken.issue(operator, name="bench-pts", scope=ApiToken.Scope.PLATE_READS)
    keys = list(HotlistEntry.objects.filter(institution=police).values_list("plate", flat=True)[:5000])
    return token, keys


def bodies(keys: list[str], count: int) -> list[bytes]:
    """``count`` batches of reads, JSON-encoded."""
    rng = random.Random(2026)
    made = []
    for b in range(count):
        now = dt.datetime.now(dt.UTC)
        reads = []
        for k in range(BATCH_SIZE):
            roll = rng.random()
            if roll < HIT_RATE:
                plate = rng.choice(keys)
            elif roll < HIT_RATE + ODD_RATE:
                plate = rng.choice(["?", "", "B-MW 1234", "M AB 123", "34 AB? 12", "06 CD 1234"])
            else:
                plate = random_plate(rng)
            camera = rng.randrange(CAMERAS)
            read: dict[str, object] = {
                "camera": f"ESK-PTS-{camera:03d}",
                "plate": plate,
                "at": (now - dt.timedelta(seconds=rng.randint(0, 120), milliseconds=b + k)).isoformat(),
            }
            if camera % 2:  # half the cameras send their position with each read
                read["latitude"] = round(CENTRE[0] + rng.uniform(-0.03, 0.03), 6)
                read["longitude"] = round(CENTRE[1] + rng.uniform(-0.04, 0.04), 6)
            reads.append(read)
        made.append(json.dumps(reads).encode())
    return made


# --- the senders --------------------------------------------------------------------------------------------


def send_all(
    port: int, method: str, path: str, payloads: Sequence[bytes | None], token: str | None, senders: int
) -> tuple[float, list[float], list[tuple[int, bytes]]]:
    """Each payload once, by ``senders`` threads on keep-alive connections: (wall seconds, each request's
    seconds, (status, body) of each)."""
    times: list[float] = []
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()
    queue = list(enumerate(payloads))
    queue.reverse()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    _index, body = queue.pop()
                started = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                took = time.perf_counter() - started
                with lock:
                    times.append(took)
                    answers.append((response.status, data))
        finally:
            conn.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, times, answers


def ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    p50 = statistics.median(values)
    return f"p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   max {values[-1] * 1000:7.1f} ms"


def main() -> None:
    url = live.database_url(VAR, "bench-pts.sqlite3")
    VAR.mkdir(parents=True, exist_ok=True)
    env = {"DJANGO_SETTINGS_MODULE": "kentmasa.settings", "KENTMASA_VAR_DIR": str(VAR), "DATABASE_URL": url}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from kentmasa.directory.models import Institution
    from kentmasa.emergency.models import HotlistEntry, PlateAlert, PlateHit, PlateRead

    vendor = connection.vendor
    print(
        f"PTS benchmark on {vendor}: {BATCHES} batches of {BATCH_SIZE} reads, {HOTLIST:,} hotlisted plates, "
        f"{SENDERS} senders, {live.WORKERS} web workers"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    started = time.monotonic()
    token, keys = prepare()
    police = Institution.objects.get(slug=SLUG)
    print(
        f"hotlist: {HotlistEntry.objects.filter(institution=police).count():,} plates "
        f"(ready in {time.monotonic() - started:.0f} s)"
    )
    payloads = bodies(keys, BATCHES)
    warm = bodies(keys[:100], 20)
    connection.close()

    port = live.free_port()
    command = live.web_command(port)
    print("web:", " ".join(command))
    log = (VAR / f"web-{vendor}.log").open("w")
    web = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        live.wait_until_serving(port)
        time.sleep(1)
        send_all(port, "POST", "/api/v1/pts/reads", warm, token, SENDERS)  # both workers import everything
        bare_wall, bare_times, bare = send_all(
            port, "GET", "/api/v1/bench-bare-view", [None] * BARE_REQUESTS, None, SENDERS
        )
        empty_wall, empty_times, empty = send_all(
            port, "POST", "/api/v1/pts/reads", [b"[]"] * BARE_REQUESTS, token, SENDERS
        )
        run_started = dt.datetime.now(dt.UTC)
        before = live.machine_ticks()
        wall, times, answers = send_all(port, "POST", "/api/v1/pts/reads", payloads, token, SENDERS)
        machine = live.machine_load(before)
    finally:
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()

    statuses = sorted({status for status, _body in answers})
    if statuses != [200] or {s for s, _b in empty} != {200} or {s for s, _b in bare} != {404}:
        first = next((body for status, body in answers if status != 200), b"")
        raise SystemExit(f"unexpected answers: batches {statuses} {first[:300]!r}")
    results = [json.loads(body) for _status, body in answers]
    stored = sum(r["stored"] for r in results)
    rejected = sum(len(r["rejected"]) for r in results)
    hits = sum(r["hits"] for r in results)
    reads = BATCHES * BATCH_SIZE
    in_db = PlateRead.objects.filter(institution=police, received_at__gte=run_started).count()
    hits_in_db = PlateHit.objects.filter(alert__institution=police, received_at__gte=run_started).count()
    alerts = PlateAlert.objects.filter(institution=police, closed_at__isnull=True).count()
    rate = reads / wall
    batch_p50 = statistics.median(times)
    print()
    print(
        f"  {reads:,} reads in {wall:.2f} s: {rate:,.0f} reads/s ingested and matched, "
        f"{BATCHES / wall:.1f} batches/s"
    )
    print(f"  one batch of {BATCH_SIZE}:        {ms(times)}")
    print(f"  empty batch ([]):          {ms(empty_times)}   {BARE_REQUESTS / empty_wall:,.0f}/s")
    print(f"  bare Django view (404):    {ms(bare_times)}   {BARE_REQUESTS / bare_wall:,.0f}/s")
    print(
        f"  a batch takes {batch_p50 / statistics.median(bare_times):.1f}× a bare view and "
        f"{batch_p50 / statistics.median(empty_times):.1f}× an empty batch (medians); "
        f"{machine} during the batches"
    )
    print(
        f"  stored {stored:,} (in the database: {in_db:,}), rejected {rejected}, hits {hits} "
        f"(hits in the database: {hits_in_db}), open alerts {alerts}"
    )
    if in_db != stored or stored + rejected != reads:
        raise SystemExit("reads were lost")
    if vendor == "postgresql":
        verdict = "met" if rate >= TARGET_PG else "NOT met"
        print(f"  target ≥ {TARGET_PG:,} reads/s on PostgreSQL: {verdict} ({rate / TARGET_PG:.2f}×)")


if __name__ == "__main__":
    main()
