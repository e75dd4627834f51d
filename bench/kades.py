"""Benchmark of a KADES alert's way to the Haber Merkezi: from the gateway's POST to the alarm on a console.

    make bench-kades                                                 # SQLite, var/bench-kades/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_kades make bench-kades
    BENCH_ALERTS=200 BENCH_CONSOLES=1 BENCH_IDLE_STREAMS=20 make bench-kades          # the defaults

It starts the web process as production does (bench/live.py's machinery: the Procfile's ``web`` line,
gunicorn with two uvicorn workers, on a free port against a database of its own), opens BENCH_CONSOLES
streams of a police operator of the directorate and BENCH_IDLE_STREAMS streams of a municipality's staff
(they hear none of it: the idle load the workers carry), in a process of their own (bench/live.py's
client). Then it plays the KADES gateway: BENCH_ALERTS alerts, each a new ``alert_id`` from one of forty
women at a point in Eskişehir, signed with the webhook's secret and POSTed to ``/kanal/kades/`` one after
the other, 200–400 ms apart, each on a new connection as the gateway's would be. The police operator
"has the board open" (``emergency.services.touch_presence`` every 10 s, as the board's page does), so the
alerts do not go to the duty supervisor as well.

Measured, for every alert and console (``time.time()`` of this machine throughout):

- POST → console: from just before the request is sent to the client's reading of the SSE ``alarm`` event
  with change ``kades`` whose ``seq`` is the alert's live event. What the target is checked against: it
  holds the webhook's whole work up to its commit, so it is an upper bound of "accepted → shown".
- 200 → console: from the webhook's answer (committed before it answers) to the console; below zero when the
  console had it before the gateway had its answer.
- POST → 200: the webhook's own time; live event written (its ``at``, inside the webhook's transaction) →
  console: commit, wake-up, read, fan-out.

Targets (issue 12): p99 ≤ 1 s on SQLite, ≤ 200 ms on PostgreSQL. The raw times of the last run are kept in
var/bench-kades/last-<database>.json, the web server's log in var/bench-kades/web-<database>.log.
"""

from __future__ import annotations

import dataclasses
import gc
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import live  # bench/live.py: the web server, the stream clients, the database

from kentmasa.lib.signatures import hmac_sha256  # pure: no Django needed

ROOT = live.ROOT
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench-kades"))
ALERTS = int(os.environ.get("BENCH_ALERTS", "200"))
CONSOLES = int(os.environ.get("BENCH_CONSOLES", "1"))
IDLE_STREAMS = int(os.environ.get("BENCH_IDLE_STREAMS", "20"))
WARM_UP_ALERTS = 10  # not measured: the first locate() loads the areas' index, the first views are imported
TARGET_P99 = live.TARGET_P99
SECRET = "bench-kades-secret"  # noqa: S105 (the benchmark's own server)
SLUG = "bench-kades-emniyet"
CENTRE = (39.7767, 30.5206)  # Eskişehir
PRESENCE_EVERY = 10.0
WEBHOOK = "/kanal/kades/"


# --- the directorate ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Fixture:
    console_token: str
    idle_token: str
    operator_id: int
    persons: list[dict[str, str]]


def _areas() -> None:
    """Eskişehir's il, ilçe and mahalle boundaries, so the webhook finds the directorate as in production."""
    from django.conf import settings

    from kentmasa.places.importer import import_tr_admin
    from kentmasa.places.models import Area

    if not Area.objects.filter(kind=Area.Kind.PROVINCE, name="Eskişehir").exists():
        data = Path(settings.SHARED_DIR) / "data" / "tr-admin"
        import_tr_admin(data, cities=[26], mahalle_files=["mahalleler-eskisehir.geojson"])


def _persons(rng: random.Random, count: int) -> list[dict[str, str]]:
    from stdnum.tr import tckimlik

    names = ["Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Merve", "Gül", "Derya", "Sevgi"]
    surnames = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan"]
    persons = []
    for _ in range(count):
        body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        persons.append(
            {
                "tc_kimlik_no": body + tckimlik.calc_check_digits(body),
                "name": f"{rng.choice(names)} {rng.choice(surnames)}",
                "phone": f"+90532{rng.randint(0, 9999999):07d}",
            }
        )
    return persons


def prepare() -> Fixture:
    """The police directorate as the demo sets it up (its Haber Merkezi, the KADES category, a supervisor,
    eight available teams with positions), an operator and a municipality's member of staff with tokens."""
    from django.core.management import call_command
    from django.utils import timezone

    from kentmasa.directory.models import ApiToken, Category, Institution, Service, Team, Unit, User
    from kentmasa.emergency.models import DispatchSettings

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    _areas()
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
    service, _ = Service.objects.get_or_create(
        institution=police, name="KADES ihbarları", defaults={"unit": centre, "completion_time": "10 dakika"}
    )
    category, _ = Category.objects.get_or_create(
        institution=police,
        name="KADES yardım çağrısı",
        defaults={"service": service, "unit": centre, "public": False},
    )
    supervisor, _ = User.objects.get_or_create(
        username="bench-kades-amir",
        defaults={"role": User.Role.POLICE_OPERATOR, "institution": police, "mobile": "+905321550001"},
    )
    settings_, _ = DispatchSettings.objects.get_or_create(institution=police)
    settings_.haber_merkezi, settings_.kades_category = centre, category
    settings_.save()
    settings_.supervisors.add(supervisor)
    now = timezone.now()
    rng = random.Random(6284)
    for n in range(8):
        Team.objects.update_or_create(
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
    operator, _ = User.objects.get_or_create(
        username="bench-kades-polis", defaults={"role": User.Role.POLICE_OPERATOR, "institution": police}
    )
    town, _ = Institution.objects.get_or_create(
        slug="bench-kades-belediye", defaults={"name": "Ölçüm Belediyesi", "kind": Institution.Kind.DISTRICT}
    )
    roads, _ = Unit.objects.get_or_create(institution=town, name="Fen İşleri Müdürlüğü")
    clerk = User.objects.filter(username="bench-kades-birim").first()
    if clerk is None:
        clerk = User.objects.create_user(
            username="bench-kades-birim", role=User.Role.UNIT_STAFF, institution=town
        )
        clerk.units.set([roads])
    _row, console_token = ApiToken.issue(operator, name="bench-kades")
    _row, idle_token = ApiToken.issue(clerk, name="bench-kades")
    return Fixture(console_token, idle_token, operator.pk, _persons(rng, 40))


# --- the gateway --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Sent:
    alert_id: str
    posted: float  # time.time() just before the request
    answered: float  # once the whole answer was read
    status: int
    body: str


def send(port: int, payload: dict[str, Any]) -> Sent:
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = "sha256=" + hmac_sha256(SECRET, body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        posted = time.time()
        conn.request(
            "POST",
            WEBHOOK,
            body=body,
            headers={"Content-Type": "application/json", "X-Kentmasa-Signature": signature},
        )
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Sent(payload["alert_id"], posted, time.time(), response.status, text)
    finally:
        conn.close()


def play_gateway(port: int, fixture: Fixture, count: int, *, label: str) -> list[Sent]:
    """``count`` new alerts, 200–400 ms apart; the operator's presence kept fresh meanwhile."""
    from django.db import connection
    from django.utils import timezone

    from kentmasa.directory.models import User
    from kentmasa.emergency import services

    operator = User.objects.get(pk=fixture.operator_id)
    rng = random.Random(f"{label}-{ALERTS}")
    sent: list[Sent] = []
    presence_at = 0.0
    gc.collect()
    gc.freeze()
    for k in range(count):
        if time.monotonic() - presence_at > PRESENCE_EVERY:
            services.touch_presence(operator)
            connection.close()
            presence_at = time.monotonic()
        payload = {
            "alert_id": f"bench-{label}-{int(time.time())}-{k}-{rng.randrange(16**6):06x}",
            "at": timezone.localtime().isoformat(timespec="seconds"),
            "latitude": round(CENTRE[0] + rng.uniform(-0.015, 0.015), 6),
            "longitude": round(CENTRE[1] + rng.uniform(-0.02, 0.02), 6),
            "accuracy_m": rng.randint(5, 40),
            "person": rng.choice(fixture.persons),
            "event": "alert",
        }
        sent.append(send(port, payload))
        time.sleep(rng.uniform(0.2, 0.4))
    gc.unfreeze()
    return sent


def live_events(sent: list[Sent]) -> dict[str, tuple[int, float]]:
    """alert_id → (the seq of its "kades" alarm, when that live event was written)."""
    from kentmasa.emergency.models import Incident
    from kentmasa.notify.models import LiveEvent

    incidents: dict[object, str | None] = dict(
        Incident.objects.filter(alert_id__in=[s.alert_id for s in sent]).values_list("pk", "alert_id")
    )
    found: dict[str, tuple[int, float]] = {}
    rows = (
        LiveEvent.objects.filter(topic="alarm", change="kades").order_by("pk").values_list("pk", "at", "data")
    )
    for pk, at, data in rows.iterator():
        alert_id = incidents.get((data or {}).get("incident"))
        if alert_id is not None and alert_id not in found:
            found[alert_id] = (pk, at.timestamp())
    return found


# --- the run ------------------------------------------------------------------------------------------------


def start_clients(port: int, token: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--clients", "127.0.0.1", str(port), token, str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def ready(clients: subprocess.Popen[str]) -> int:
    assert clients.stdout is not None  # noqa: S101
    line = clients.stdout.readline().split()
    return int(line[1]) if line[:1] == ["ready"] else 0


def stop(clients: subprocess.Popen[str]) -> list[dict[str, Any]]:
    assert clients.stdin is not None and clients.stdout is not None  # noqa: S101
    clients.stdin.write("stop\n")
    clients.stdin.flush()
    answer = clients.stdout.readline()
    clients.wait(10)
    result: list[dict[str, Any]] = json.loads(answer)
    return result


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), live.percentile(values, 99), max(values)


def row(name: str, values: list[float], target: float | None = None) -> str:
    if not values:
        return f"  {name:34} (none)"
    p50, p99, worst = summary(values)
    ms = 1000.0
    line = f"  {name:34} {p50 * ms:8.1f} {p99 * ms:8.1f} {worst * ms:8.1f}"
    if target is not None:
        line += f" {target * ms:9.0f} ms {p99 / target:10.2f}×"
    return line


def main() -> None:
    url = live.database_url(VAR, "bench-kades.sqlite3")
    VAR.mkdir(parents=True, exist_ok=True)
    env = {
        "DJANGO_SETTINGS_MODULE": "kentmasa.settings",
        "KENTMASA_VAR_DIR": str(VAR),
        "DATABASE_URL": url,
        "KENTMASA_KADES_WEBHOOK_SECRET": SECRET,
        "KENTMASA_KADES_INSTITUTION": SLUG,
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    vendor = connection.vendor
    print(
        f"KADES benchmark on {vendor}: {ALERTS} alerts, {CONSOLES} police console stream(s),"
        f" {IDLE_STREAMS} idle streams, {live.WORKERS} web workers"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    fixture = prepare()
    connection.close()

    port = live.free_port()
    command = live.web_command(port)
    print("web:", " ".join(command))
    log_path = VAR / f"web-{vendor}.log"
    log = log_path.open("w")
    web = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    consoles = idle = None
    try:
        live.wait_until_serving(port)
        time.sleep(1)
        live.warm_up(port, fixture.console_token)
        consoles = start_clients(port, fixture.console_token, CONSOLES)
        idle = start_clients(port, fixture.idle_token, IDLE_STREAMS)
        open_consoles, open_idle = ready(consoles), ready(idle)
        print(
            f"{open_consoles} of {CONSOLES} console streams and {open_idle} of {IDLE_STREAMS} idle streams"
            " open"
        )
        warm = play_gateway(port, fixture, WARM_UP_ALERTS, label="warm")
        refused = [s for s in warm if s.status != 200]
        if refused:
            raise SystemExit(
                f"the webhook refused the warm-up alerts: {refused[0].status} {refused[0].body[:300]}"
            )
        time.sleep(1)
        print(f"sending {ALERTS} alerts …", flush=True)
        machine_before = live.machine_ticks()
        started = time.monotonic()
        sent = play_gateway(port, fixture, ALERTS, label=vendor)
        rate = ALERTS / (time.monotonic() - started)
        machine = live.machine_load(machine_before)
        time.sleep(2)  # the last alert's way to the consoles
        console_results, idle_results = stop(consoles), stop(idle)
    finally:
        for clients in (consoles, idle):
            if clients is not None and clients.poll() is None:
                clients.kill()
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()

    events = live_events(sent)
    connection.close()
    accepted = [s for s in sent if s.status == 200]
    post_to_console: list[float] = []
    answer_to_console: list[float] = []
    written_to_console: list[float] = []
    missing = 0
    for s in accepted:
        seq, written = events.get(s.alert_id, (None, 0.0))
        for result in console_results:
            arrived = result["arrivals"].get(str(seq)) if seq is not None else None
            if arrived is None:
                missing += 1
                continue
            post_to_console.append(arrived - s.posted)
            answer_to_console.append(arrived - s.answered)
            written_to_console.append(arrived - written)
    idle_heard = sum(len(r["arrivals"]) for r in idle_results)
    errors = [r["error"] for r in console_results + idle_results if r["error"]]
    (VAR / f"last-{vendor}.json").write_text(
        json.dumps(
            {
                "sent": [dataclasses.asdict(s) for s in sent],
                "events": events,
                "consoles": console_results,
            }
        )
    )

    target = TARGET_P99[vendor]
    print()
    print(
        f"KADES alert → police console on {vendor}: {len(sent)} alerts ({rate:.1f}/s),"
        f" {len(accepted)} accepted"
    )
    if len(accepted) < len(sent):
        bad = next(s for s in sent if s.status != 200)
        print(f"  refused: {len(sent) - len(accepted)}, e.g. {bad.status} {bad.body[:200]}")
    print(
        f"  arrived {len(post_to_console)} of {len(accepted) * len(console_results)} (console, alert) pairs;"
        f" missing {missing}; alarms heard by the {len(idle_results)} idle streams: {idle_heard}"
    )
    if errors:
        print(f"  streams that failed: {len(errors)}, e.g. {errors[:3]}")
    print(f"  {'':34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'target p99':>11} {'p99/target':>11}")
    print(row("POST → console", post_to_console, target))
    print(row("200 → console", answer_to_console))
    print(row("POST → 200 (the webhook)", [s.answered - s.posted for s in accepted]))
    print(
        row(
            "POST → live event written",
            [events[s.alert_id][1] - s.posted for s in accepted if s.alert_id in events],
        )
    )
    print(row("live event written → console", written_to_console))
    from django.conf import settings

    poll = settings.KENTMASA_LIVE["POLL"] if vendor == "sqlite" else settings.KENTMASA_LIVE["PG_POLL"]
    print(f"  hub wake-up: {'polling every' if vendor == 'sqlite' else 'NOTIFY, else a poll every'} {poll} s")
    print(f"  during the alerts: {machine}; load average (1 min) at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--clients"]:
        import asyncio

        _flag, host, port, token, count = sys.argv[1:6]
        asyncio.run(live.run_clients(host, int(port), token, int(count), watch=("alarm",)))
    else:
        main()
