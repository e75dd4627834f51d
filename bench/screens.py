"""The staff case lists timed through their real views (Django's test client: middleware, ORM, template) on
a generated database. Prints p50 / p95 in ms, the SQL queries of each screen and their time in one run, one
line per screen.

    # a database bench/run.py populated (institution "bench"), migrated:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench .venv/bin/python bench/screens.py
    DATABASE_URL=sqlite:////path/to/bench.sqlite3 .venv/bin/python bench/screens.py

Screens: the unit queue /kuyruk/ for an operator (the whole institution) and for a unit member (one unit),
with a status filter, the overdue filter and a search, its next page and a page 10,000 cases deep, and
the operator console /konsol/. Two users are added to the institution if missing (bench-operator,
bench-unit); nothing else is written. BENCH_REPEAT sets the runs per screen (default 15).
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from kentmasa.cases import queries  # noqa: E402
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Status  # noqa: E402
from kentmasa.directory.models import Institution, Unit, User  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
DEEP = 10_000  # how far into the whole institution's queue the deep page starts
KEYSET = hasattr(queries, "keyset_page")  # this tree pages by cursor (else by ?page=N)


def user(username: str, role: str, institution: Institution, unit: Unit | None = None) -> User:
    found, _created = User.objects.get_or_create(
        username=username, defaults={"role": role, "institution": institution}
    )
    if unit is not None:
        found.units.add(unit)
    return found


def deep_page(institution: Institution) -> dict[str, str]:
    """The query parameters of the page that starts DEEP cases into the institution's queue."""
    if not KEYSET:
        return {"page": str(DEEP // 50 + 1)}
    active = Case.objects.filter(institution=institution, status__in=ACTIVE_STATUSES, due_at__isnull=False)
    row = active.order_by("due_at", "pk").values("due_at", "pk")[DEEP - 1 : DEEP].get()
    return {"after": queries.Cursor(row["due_at"], row["pk"]).encode()}


def next_page(client: Client, path: str, params: dict[str, str]) -> dict[str, str]:
    """The query parameters of the second page, as the first page links to it."""
    if not KEYSET:
        return {**params, "page": "2"}
    found = re.search(r'rel="next" href="\?[^"]*after=([^"&]+)', client.get(path, params).content.decode())
    if found is None:
        raise SystemExit(f"{path}: no next page")
    return {**params, "after": found.group(1)}


def measure(client: Client, name: str, path: str, params: dict[str, str]) -> None:
    settings.DEBUG = True  # collect the queries of one run
    reset_queries()
    response = client.get(path, params)
    count = len(connection.queries)
    sql = sum(float(query["time"]) for query in connection.queries) * 1000
    settings.DEBUG = False
    if response.status_code != 200:
        raise SystemExit(f"{name}: HTTP {response.status_code}")
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(path, params)
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
    size = len(response.content) // 1024
    print(
        f"{name:<46} p50 {statistics.median(runs):8.1f} ms  p95 {p95:8.1f} ms"
        f"  {count:3d} queries ({sql:6.1f} ms SQL)  {size:4d} KiB",
        flush=True,
    )


def main() -> None:
    institution = Institution.objects.get(slug="bench")
    unit = Unit.objects.filter(institution=institution).order_by("pk").first()
    if unit is None:
        raise SystemExit("no units: populate the database with bench/run.py first")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Pages link their static files by name: no collectstatic manifest is needed to time them.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": static}
    operator = user("bench-operator", User.Role.OPERATOR, institution)
    member = user("bench-unit", User.Role.UNIT_STAFF, institution, unit)
    total = Case.objects.filter(institution=institution).count()
    paging = "keyset" if KEYSET else "offset"
    print(f"screens on {connection.vendor}, {total:,} cases, {REPEAT} runs each, {paging} paging", flush=True)

    whole = Client()
    whole.force_login(operator)
    one = Client()
    one.force_login(member)
    queue = "/kuyruk/"
    measure(whole, "queue, whole institution, page 1", queue, {})
    measure(whole, "queue, whole institution, page 2", queue, next_page(whole, queue, {}))
    measure(whole, f"queue, whole institution, {DEEP:,} cases deep", queue, deep_page(institution))
    measure(whole, "queue, whole institution, status in progress", queue, {"status": Status.IN_PROGRESS})
    measure(whole, "queue, whole institution, overdue", queue, {"overdue": "on"})
    measure(whole, "queue, whole institution, search “çukur”", queue, {"q": "çukur"})
    measure(one, "queue, one unit, page 1", queue, {})
    measure(one, "queue, one unit, page 2", queue, next_page(one, queue, {}))
    measure(one, "queue, one unit, status new", queue, {"status": Status.NEW})
    measure(one, "queue, one unit, overdue", queue, {"overdue": "on"})
    measure(one, "queue, one unit, search “lamba”", queue, {"q": "lamba"})
    measure(whole, "operator console /konsol/", "/konsol/", {})


if __name__ == "__main__":
    main()
