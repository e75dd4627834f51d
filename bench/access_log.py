"""What the KVKK access log costs the case page: the real view through Django's test client, with
and without the privacy middleware (and so without the read it writes), and the middleware's own work
alone (one noted read written in one insert), which the page's noise on a busy machine can hide.
Prints ms per request, the difference and the ratio.

    make bench-access-log                                  # SQLite, var/bench-access-log.sqlite3
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_access make bench-access-log

The two clients take turns in rounds (ROUNDS x PER_ROUND requests each), so a slow moment of the machine falls
on both; each figure is the median of the rounds' means. Target: at most 1 ms added.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-access-log.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases import services  # noqa: E402
from kentmasa.cases.models import Channel, Citizen  # noqa: E402
from kentmasa.directory.models import Institution, User  # noqa: E402
from kentmasa.lib.personal_reads import note_read, noted_reads  # noqa: E402
from kentmasa.privacy.middleware import write  # noqa: E402
from kentmasa.privacy.models import AccessLog  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "20"))
MIDDLEWARE = "kentmasa.privacy.middleware.AccessLogMiddleware"


def world() -> tuple[User, str]:
    institution, _ = Institution.objects.get_or_create(
        slug="bench-erisim", defaults={"name": "Erişim Belediyesi", "kind": Institution.Kind.DISTRICT}
    )
    user, made = User.objects.get_or_create(
        username="bench-erisim", defaults={"role": User.Role.OPERATOR, "institution": institution}
    )
    if made:
        user.set_password("bench-erisim-1")
        user.save()
    citizen, _ = Citizen.objects.get_or_create(
        institution=institution, phone="+905321234567", defaults={"name": "Ayşe Kaya"}
    )
    case = services.open_case(
        institution=institution,
        channel=Channel.PHONE,
        subject="Sokakta çukur var",
        description="Atatürk Caddesi üzerinde büyük bir çukur oluştu.",
        citizen=citizen,
        received_at=timezone.now(),
    )
    return user, f"/vaka/{case.tracking_number}/"


def mean_ms(client: Client, url: str, cpu: list[float]) -> float:
    """Wall-clock ms per request; the process's own CPU ms per request is appended to ``cpu`` (steadier on a
    busy machine, but without the PostgreSQL server's share)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(PER_ROUND):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    cpu.append((time.process_time() - start_cpu) * 1000 / PER_ROUND)
    return (time.perf_counter() - start) * 1000 / PER_ROUND


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    setup_test_environment()
    # Static files by their plain names, as the tests do: no collectstatic needed before the bench.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    user, url = world()
    logged = Client()
    logged.force_login(user)
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != MIDDLEWARE]):
        plain = Client()
        plain.force_login(user)
        plain.get(url)  # loads its middleware chain without ours
    logged.get(url)
    before = AccessLog.objects.count()
    with_log: list[float] = []
    without: list[float] = []
    with_cpu: list[float] = []
    without_cpu: list[float] = []
    for _ in range(ROUNDS):
        with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != MIDDLEWARE]):
            without.append(mean_ms(plain, url, without_cpu))
        with_log.append(mean_ms(logged, url, with_cpu))
    written = AccessLog.objects.count() - before
    a, b = statistics.median(without), statistics.median(with_log)
    print(f"database: {connection.vendor}; {ROUNDS} rounds of {PER_ROUND} case-page requests each way")
    print(f"case page without the access log: {a:8.2f} ms/request")
    print(f"case page with the access log:    {b:8.2f} ms/request  ({written} rows written)")
    print(f"added: {b - a:+.2f} ms/request   ratio: {b / a:.3f}   (target: at most +1 ms)")
    ca, cb = statistics.median(without_cpu), statistics.median(with_cpu)
    print(
        f"this process's CPU: {ca:.2f} -> {cb:.2f} ms/request, added {cb - ca:+.2f} ms, ratio {cb / ca:.3f}"
    )
    alone: list[float] = []
    alone_cpu: list[float] = []
    for _ in range(ROUNDS):
        requests = [RequestFactory().get(url, REMOTE_ADDR="10.0.0.1") for _ in range(PER_ROUND)]
        start, start_cpu = time.perf_counter(), time.process_time()
        for request in requests:
            request.user = user
            note_read(request, what="case", case_id=1, citizen_id=1)
            write(request, noted_reads(request))
        alone.append((time.perf_counter() - start) * 1000 / PER_ROUND)
        alone_cpu.append((time.process_time() - start_cpu) * 1000 / PER_ROUND)
    print(
        f"the middleware's work alone (note + one insert): {statistics.median(alone):.3f} ms/request wall, "
        f"{statistics.median(alone_cpu):.3f} ms this process's CPU"
    )


if __name__ == "__main__":
    main()
