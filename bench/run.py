"""Benchmarks of the queries that must stay fast on millions of cases. Prints figures and ratios.

    make bench                                   # SQLite, 300 000 cases in var/bench.sqlite3
    BENCH_CASES=2000000 make bench               # more rows (the data is kept and topped up between runs)
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench make bench

Measured: Turkish substring search through the index (FTS5 trigram / pg_trgm) against the same
search as a full scan, a tracking-number look-up, the first page of a unit queue, the overdue
sweep's candidate query, and the console's caller look-up by surname and by part of a number (one
citizen per case here). Each figure is the median of several runs.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases import search  # noqa: E402
from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Citizen, Status  # noqa: E402
from kentmasa.cases.queries import DEADLINE_ORDER, keyset_page  # noqa: E402
from kentmasa.cases.tracking import make_tracking_number  # noqa: E402
from kentmasa.directory.models import Institution, Unit  # noqa: E402
from kentmasa.lib import turkish  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "300000"))
BATCH = 5000
FIRST = [
    "Ayşe",
    "Mehmet",
    "Fatma",
    "Mustafa",
    "Emine",
    "Ahmet",
    "Hatice",
    "Ali",
    "Zeynep",
    "Hüseyin",
    "İsmail",
    "Işıl",
    "Çağla",
    "Gökhan",
    "Şükrü",
    "Ümran",
    "Özlem",
    "İbrahim",
    "Elif",
    "Oğuz",
]
LAST = [
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Öztürk",
    "Aydın",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özdemir",
    "Işık",
    "Güneş",
    "Erdoğan",
]
SUBJECTS = [
    "Sokakta çukur var",
    "Çöp konteyneri taştı",
    "Sokak lambası yanmıyor",
    "Park bakımsız",
    "Başıboş köpekler",
    "Kaldırım işgali",
    "Gürültü şikâyeti",
    "Otobüs seferi aksıyor",
    "Su kesintisi",
    "Kanalizasyon taşması",
    "Ağaç budama talebi",
    "Seyyar satıcı şikâyeti",
]
STREETS = [
    "Atatürk Caddesi",
    "İnönü Bulvarı",
    "Kurtuluş Mahallesi",
    "Işıklar Sokak",
    "Çukurova Bulvarı",
    "Ziyapaşa Bulvarı",
    "Turhan Cemal Beriker Bulvarı",
    "Gazipaşa Bulvarı",
    "Istanbul Caddesi",
]


def populate() -> None:
    call_command("migrate", verbosity=0)
    institution, _ = Institution.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Büyükşehir Belediyesi", "kind": Institution.Kind.METROPOLITAN}
    )
    units = [Unit.objects.get_or_create(institution=institution, name=f"Birim {i}")[0] for i in range(20)]
    have = Case.objects.count()
    if have >= N:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    rng = random.Random(have)
    now = timezone.now()
    statuses = [
        Status.NEW,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
        Status.CLOSED,
        Status.CLOSED,
        Status.CLOSED,
    ]
    started = time.perf_counter()
    next_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    while have < N:
        size = min(BATCH, N - have)
        with transaction.atomic():
            citizens = Citizen.objects.bulk_create(
                [
                    Citizen(
                        institution=institution,
                        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        phone=f"+90532{rng.randrange(10**7):07d}",
                    )
                    for _ in range(size)
                ]
            )
            if citizens[0].pk is None:  # databases without RETURNING for bulk inserts
                citizens = list(Citizen.objects.order_by("-pk")[:size])[::-1]
            cases = []
            for i, citizen in enumerate(citizens):
                received = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365 * 3))
                subject = rng.choice(SUBJECTS)
                description = f"{rng.choice(STREETS)} no {rng.randrange(1, 200)} önünde. {subject}."
                number = make_tracking_number(received.year, next_id + i)
                cases.append(
                    Case(
                        pk=next_id + i,
                        tracking_number=number,
                        verification_code="000000",
                        institution=institution,
                        channel="phone",
                        status=rng.choice(statuses),
                        citizen=citizen,
                        subject=subject,
                        description=description,
                        unit=rng.choice(units),
                        received_at=received,
                        due_at=received + dt.timedelta(days=rng.randrange(1, 30)),
                        search_text=turkish.fold(f"{number} {subject} {description} {citizen.name}"),
                    )
                )
            Case.objects.bulk_create(cases)
        next_id += size
        have += size
        print(f"  inserted {have:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def search_first_page(query: str) -> list[tuple[int]]:
    """What the queue's search box runs: matching cases, newest first, first page."""
    found = search.search_cases(Case.objects.all(), query).order_by("-received_at")
    return list(found.values_list("pk")[:50])


def timed(function: Callable[[], object], repeat: int = 7) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def full_scan_search(words: list[str]) -> int:
    """The same filter without the index: the baseline the index is measured against."""
    qs = Case.objects.all()
    for word in words:
        qs = qs.filter(search_text__contains=word)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            return len(list(qs.order_by("-received_at").values_list("pk", flat=True)[:50]))
    return len(list(qs.order_by("-received_at").values_list("pk", flat=True)[:50]))


def full_scan_citizens(column: str, text: str) -> int:
    """The caller look-up's filter without its trigram index."""
    qs = Citizen.objects.filter(**{f"{column}__contains": text})
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_indexscan = off")
        return len(list(qs.values_list("pk", flat=True)[:20]))


def main() -> None:
    print(f"kentmasa benchmarks on {connection.vendor}, {N:,} cases")
    populate()
    total = Case.objects.count()
    sample = (
        Case.objects.order_by("?").values_list("tracking_number", "unit_id").first()
        if total < 10**6
        else Case.objects.filter(pk=total // 2).values_list("tracking_number", "unit_id").first()
    )
    if sample is None:
        raise SystemExit("no cases to measure")
    number, unit_id = sample
    rows: list[tuple[str, float, float | None]] = []

    # What the queue's search box runs: matching cases, newest first, first page.
    # Short words and numbers ("no", "17", "D:3") go through the word index (kentmasa.cases.search).
    for query in [
        "ÖZLEM ÇETİN",
        "ışıklar sokak no 17",
        "no 17",
        "D:3",
        "çukur 17",
        "Istanbul caddesi no 120 gurultu",
    ]:
        folded = turkish.fold(query).split()
        indexed = timed(partial(search_first_page, query))
        scan = timed(partial(full_scan_search, folded), repeat=3)
        rows.append((f"search “{query}”", indexed, scan))

    rows.append(
        (
            "tracking number look-up",
            timed(lambda: list(search.search_cases(Case.objects.all(), number or "").values_list("pk"))),
            None,
        )
    )
    unit_active = Case.objects.filter(unit_id__in=[unit_id], status__in=ACTIVE_STATUSES)
    rows.append(
        (
            "unit queue, page 1 of 50 (index paging vs rows)",
            timed(lambda: list(keyset_page(unit_active.select_related("citizen"), "due_at", size=50))),
            timed(lambda: list(unit_active.order_by(*DEADLINE_ORDER).select_related("citizen")[:50])),
        )
    )
    rows.append(
        (
            "sweep candidates (500)",
            timed(
                lambda: list(
                    Case.objects.filter(
                        status__in=OPEN_STATUSES, escalation_level=0, due_at__lt=timezone.now()
                    )
                    .order_by("pk")
                    .values_list("pk", flat=True)[:500]
                )
            ),
            None,
        )
    )

    institution = Institution.objects.get(slug="bench")
    # A surname nobody has and a piece that fits few numbers: the look-ups a full scan does worst.
    for query, column, text in [("Çiftçi", "name_key", "ciftci"), ("123 45 67", "phone", "1234567")]:
        rows.append(
            (
                f"caller look-up “{query}”",
                timed(partial(search.find_citizens, query, institution)),
                timed(partial(full_scan_citizens, column, text), repeat=3),
            )
        )

    print("\nnewest 50 matches of each search; median of 7 runs (3 for full scans)")
    print(f"{'query':44} {'indexed ms':>11} {'full scan ms':>13} {'ratio':>7}")
    for name, fast, slow in rows:
        if slow is None:
            print(f"{name:44} {fast:11.2f} {'':>13} {'':>7}")
        else:
            print(f"{name:44} {fast:11.2f} {slow:13.1f} {slow / fast:6.0f}×")


if __name__ == "__main__":
    main()
