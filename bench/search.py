"""Search at scale: the queries the API list and the queue send for a search, timed with the match set read
apart (kentmasa.cases.search._fenced) and without (the list's ordered query filtering row by row).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench10m .venv/bin/python bench/search.py
    BENCH_EXPLAIN=1 ...   # also prints EXPLAIN (ANALYZE, BUFFERS) of the API list's page query
    BENCH_FENCE=on        # only with the matches read apart (off: only without; both, the default)
    BENCH_TIMEOUT_MS=60000  # PostgreSQL: a query stops after this long and is reported as "timeout"

For each query: the API list's page (newest 50 of the institution, ``-received_at``) and its count up to
10,000, and the queue's first page (the active cases by deadline, kentmasa.cases.queries.keyset_page) and its
count, as those views build them. Prints the best of BENCH_REPEAT runs (default 3) in ms, and the count.
Reads only; nothing is written.
"""

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

from django.db import OperationalError, connection, transaction  # noqa: E402

from kentmasa.cases import search  # noqa: E402
from kentmasa.cases.models import ACTIVE_STATUSES, Case  # noqa: E402
from kentmasa.cases.queries import bounded_count, keyset_page  # noqa: E402
from kentmasa.directory.models import Institution  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
EXPLAIN = bool(os.environ.get("BENCH_EXPLAIN"))
WAYS = {"both": (False, True), "on": (True,), "off": (False,)}[os.environ.get("BENCH_FENCE", "both")]
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT_MS", "60000"))  # PostgreSQL: a query stops after this long


def queries(institution: Institution) -> list[str]:
    cases = Case.objects.filter(institution=institution)
    newest = cases.order_by("-pk").values_list("tracking_number", flat=True)
    return [
        "ışıklar sokak no 17",
        "no 17",
        "D:3",
        str(newest.first()),  # a tracking number
        "zeynep yılmaz",  # a citizen's name
        "caddesi",  # a long word a third of the cases have
        "baca yangını",  # a category of about one case in a hundred
        "asansör",  # a word no case has
    ]


def best(work: Callable[[], object]) -> tuple[float, object]:
    """The best time of REPEAT runs; a run stopped by BENCH_TIMEOUT_MS (statement_timeout) counts as that
    long, once, with the count "timeout"."""
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                result = work()
        except OperationalError:
            return (time.perf_counter() - started) * 1000, "timeout"
        times.append((time.perf_counter() - started) * 1000)
    return min(times), result


def api_list(institution: Institution, query: str) -> int:
    cases = search.search_cases(Case.objects.filter(institution=institution), query)
    cases = cases.order_by("-received_at", "-pk")
    list(cases.values_list("pk", flat=True)[:50])
    return bounded_count(cases).count


def queue(institution: Institution, query: str) -> int:
    active = Case.objects.filter(institution=institution, status__in=ACTIVE_STATUSES)
    cases = search.search_cases(active, query)
    keyset_page(cases, "due_at", size=50)
    return bounded_count(cases).count


SCREENS: list[tuple[str, Callable[[Institution, str], int]]] = [("api", api_list), ("queue", queue)]


def explain(institution: Institution, query: str) -> None:
    cases = search.search_cases(Case.objects.filter(institution=institution), query)
    page = cases.order_by("-received_at", "-pk").values_list("pk", flat=True)[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\n".join("    " + row[0] for row in cursor.fetchall()))


def main() -> None:
    institution = Institution.objects.get(slug="bench")
    if TIMEOUT and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [TIMEOUT])
    total = Case.objects.filter(institution=institution).count()
    print(f"search on {connection.vendor}, {total:,} cases, best of {REPEAT}", flush=True)
    for query in queries(institution):
        line = [f"{query!r:<24}"]
        for fenced in WAYS:
            search.FENCE = fenced
            for name, screen in SCREENS:
                ms, count = best(functools.partial(screen, institution, query))
                line.append(f"{name}{'+fence' if fenced else ''} {ms:8.1f} ms ({count})")
        print("  ".join(line), flush=True)
        if EXPLAIN:
            for fenced in WAYS:
                search.FENCE = fenced
                print(f"  API page, {'fenced' if fenced else 'not fenced'}:")
                explain(institution, query)
    search.FENCE = True


if __name__ == "__main__":
    main()
