"""Fill a benchmark database with N realistic cases, fast: COPY on PostgreSQL, big executemany on SQLite.

    .venv/bin/python bench/generate.py                   # SQLite, var/bench-http.sqlite3, 1 000 000 cases
    BENCH_CASES=10000000 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench10m \\
        .venv/bin/python bench/generate.py

The data: one metropolitan municipality (slug "bench", Adana) with its units, a service standards table
(completion times of 1 to 30 days), categories pointing at a service and a unit, Adana's il, ilçe and
mahalle boundaries (/work/shared/data/tr-admin via settings.SHARED_DIR), citizens with Turkish names and
mobile numbers (some bring several cases), and cases received over three years: most closed or resolved
(with their answer times), some rejected or redirected, a backlog of open cases from the last four months
(received, assigned, in progress, waiting for the citizen) whose passed deadlines the sweep has marked
overdue. 85 % of the cases lie at a point inside an Adana mahalle (four in five in the four central
ilçes, a few busy mahalles) with the il, ilçe and mahalle names intake's geocoder fills; the others have
no location. Each case has its "open" timeline event and its ``search_text`` as Case.build_search_text
makes it (checked on a sample after the load).

How it is fast: the rows are made in batches with numpy and written with COPY (PostgreSQL) or executemany
in one transaction per batch of 100 000 cases (SQLite). During the load the case, citizen and event
tables have no secondary indexes and no triggers (PostgreSQL: ``DISABLE TRIGGER ALL``, which also skips
the foreign-key checks of rows made consistent here; SQLite: the triggers are dropped and created again).
Afterwards the indexes are built, the triggers come back, the overview's rollups are rebuilt (``manage.py
rebuild_rollups``), SQLite's full-text index is rebuilt, and the tables are vacuumed and analysed.

The data is kept and topped up: a second run with a larger BENCH_CASES adds the difference. Before loading,
the free disk is checked against BYTES_PER_CASE (measured; see the README) and the run stops if it is short.
"""

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SQLITE = Path(os.environ.get("KENTMASA_VAR_DIR", ROOT / "var")) / "bench-http.sqlite3"
if __name__ == "__main__" or "DJANGO_SETTINGS_MODULE" not in os.environ:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kentmasa.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from kentmasa.cases.models import Case, Citizen, Event, Status  # noqa: E402
from kentmasa.cases.tracking import make_tracking_number  # noqa: E402
from kentmasa.directory.models import Category, Institution, Service, Unit  # noqa: E402
from kentmasa.lib import turkish  # noqa: E402
from kentmasa.places.importer import import_file  # noqa: E402
from kentmasa.places.models import Area  # noqa: E402

N = int(os.environ.get("BENCH_CASES", "1000000"))
BATCH = 100_000
# Disk per case, all in (case, citizen, event, their indexes, rollups and map cells), with some head-room:
# measured 1 640-1 723 bytes on PostgreSQL (1M and 10M) and 1 993 on SQLite (1M); each load prints its own.
BYTES_PER_CASE = {"postgresql": 1900, "sqlite": 2100}
INDEX_BUILDERS = int(os.environ.get("BENCH_INDEX_BUILDERS", "2"))  # PostgreSQL: indexes built at once
SLUG = "bench"
CENTRAL = {"Seyhan", "Yüreğir", "Çukurova", "Sarıçam"}
LOCATED = 0.85
POINT_POOL = 400_000  # distinct points cases are placed on (repeat addresses, as real cities have)

FIRST = (
    "Ayşe Mehmet Fatma Mustafa Emine Ahmet Hatice Ali Zeynep Hüseyin İsmail Işıl Çağla Gökhan Şükrü Ümran "
    "Özlem İbrahim Elif Oğuz Hasan Murat Yasemin Esra Kübra Burak Emre Serkan Derya Gülşen Songül Cem İlker "
    "Sevgi Tuğba Yusuf Ömer Halil Leyla Nurcan"
).split()
LAST = (
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özdemir "
    "Işık Güneş Erdoğan Polat Acar Bulut Ünal Korkmaz Özkan Tekin Keskin Avcı Sarı Kaplan Taş Bozkurt "
    "Güler Turan Uçar Altun Karakaya İnce Çakır"
).split()
STREETS = [
    "Atatürk Caddesi",
    "İnönü Bulvarı",
    "Işıklar Sokak",
    "Çukurova Bulvarı",
    "Ziyapaşa Bulvarı",
    "Turhan Cemal Beriker Bulvarı",
    "Gazipaşa Bulvarı",
    "Kuruköprü Caddesi",
    "Mücahitler Caddesi",
    "Toros Caddesi",
    "Barajyolu Caddesi",
    "62009 Sokak",
    "Şehit Yüzbaşı Sokak",
    "Karataş Yolu",
]
UNITS = [
    "Fen İşleri Dairesi Başkanlığı",
    "Temizlik İşleri Dairesi Başkanlığı",
    "Park ve Bahçeler Dairesi Başkanlığı",
    "Ulaşım Dairesi Başkanlığı",
    "Zabıta Dairesi Başkanlığı",
    "Çevre Koruma ve Kontrol Dairesi Başkanlığı",
    "İtfaiye Dairesi Başkanlığı",
    "Sağlık İşleri Dairesi Başkanlığı",
    "Sosyal Hizmetler Dairesi Başkanlığı",
    "İmar ve Şehircilik Dairesi Başkanlığı",
    "ASKİ Su ve Kanalizasyon",
    "Veteriner İşleri Müdürlüğü",
    "Kültür ve Sosyal İşler Dairesi Başkanlığı",
    "Emlak ve İstimlak Dairesi Başkanlığı",
    "Destek Hizmetleri Dairesi Başkanlığı",
    "Bilgi İşlem Dairesi Başkanlığı",
    "Afet İşleri Dairesi Başkanlığı",
    "Gençlik ve Spor Hizmetleri Dairesi Başkanlığı",
    "Kadın ve Aile Hizmetleri Dairesi Başkanlığı",
    "Etüt ve Projeler Dairesi Başkanlığı",
]
# (category, unit index, service name, completion time as the table writes it, days it allows, weight)
CATEGORIES = [
    ("Yol çukuru", 0, "Yol bakım ve onarımı", "15 İŞ GÜNÜ", 21, 9),
    ("Kaldırım onarımı", 0, "Yol bakım ve onarımı", "15 İŞ GÜNÜ", 21, 5),
    ("Asfalt yama", 0, "Asfalt yama talebi", "30 Gün", 30, 3),
    ("Çöp toplanmadı", 1, "Evsel atık toplama", "1 İŞ GÜNÜ", 1, 10),
    ("Konteyner taşması", 1, "Evsel atık toplama", "1 İŞ GÜNÜ", 1, 6),
    ("Moloz atığı", 1, "Moloz ve hafriyat kaldırma", "5 İŞ GÜNÜ", 7, 3),
    ("Park bakımı", 2, "Park ve yeşil alan bakımı", "10 İŞ GÜNÜ", 14, 4),
    ("Ağaç budama", 2, "Ağaç budama ve kesim", "15 İŞ GÜNÜ", 21, 4),
    ("Otobüs seferi", 3, "Toplu taşıma şikâyetleri", "7 Gün", 7, 5),
    ("Trafik lambası arızası", 3, "Sinyalizasyon arızaları", "2 İŞ GÜNÜ", 3, 3),
    ("Seyyar satıcı", 4, "Zabıta denetimi", "3 İŞ GÜNÜ", 4, 4),
    ("Kaldırım işgali", 4, "Zabıta denetimi", "3 İŞ GÜNÜ", 4, 4),
    ("Gürültü şikâyeti", 4, "Gürültü denetimi", "2 İŞ GÜNÜ", 3, 4),
    ("Hava kirliliği", 5, "Çevre denetimi", "10 İŞ GÜNÜ", 14, 2),
    ("Baca yangını riski", 6, "Yangın önleme denetimi", "5 İŞ GÜNÜ", 7, 1),
    ("Haşere ilaçlama", 7, "İlaçlama hizmeti", "7 Gün", 7, 4),
    ("Sosyal yardım talebi", 8, "Sosyal yardım başvurusu", "30 Gün", 30, 3),
    ("Kaçak yapı", 9, "Yapı denetimi", "30 Gün", 30, 2),
    ("Su kesintisi", 10, "Su arıza ihbarı", "1 İŞ GÜNÜ", 1, 6),
    ("Kanalizasyon taşması", 10, "Kanal arıza ihbarı", "1 İŞ GÜNÜ", 1, 4),
    ("Başıboş köpekler", 11, "Sokak hayvanları", "5 İŞ GÜNÜ", 7, 4),
    ("Kültür etkinliği", 12, "Etkinlik başvurusu", "15 İŞ GÜNÜ", 21, 1),
    ("Sokak lambası yanmıyor", 0, "Aydınlatma arızası", "3 İŞ GÜNÜ", 4, 5),
]
DETAILS = [
    "önünde",
    "karşısında",
    "köşesinde",
    "arka sokağında",
    "girişinde",
]
# (status, share of all cases); open ones are from the last OPEN_WINDOW_DAYS, the rest from three years.
MIX = [
    (Status.CLOSED, 0.66),
    (Status.RESOLVED, 0.16),
    (Status.REJECTED, 0.03),
    (Status.REDIRECTED, 0.03),
    (Status.NEW, 0.025),
    (Status.ASSIGNED, 0.03),
    (Status.IN_PROGRESS, 0.04),
    (Status.WAITING_CITIZEN, 0.015),
]
OPEN_WINDOW_DAYS = 120
CHANNELS = [("phone", 40), ("web", 20), ("mobile", 12), ("whatsapp", 8), ("sms", 5), ("cimer", 5)]
CHANNELS += [("email", 4), ("desk", 4), ("social", 2)]
KINDS = [("request", 70), ("complaint", 22), ("suggestion", 5), ("appreciation", 3)]


def say(message: str) -> None:
    print(message, flush=True)


def _weights(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], np.ndarray]:
    values = [value for value, _ in pairs]
    weights = np.array([weight for _, weight in pairs], dtype=float)
    return values, weights / weights.sum()


# -- reference data --------------------------------------------------------------------------------------


def reference_data() -> tuple[Institution, list[dict[str, Any]]]:
    """The institution, its units, services and categories; Adana's areas. Idempotent."""
    institution, _ = Institution.objects.get_or_create(
        slug=SLUG,
        defaults={"name": "Bench Büyükşehir Belediyesi", "kind": Institution.Kind.METROPOLITAN},
    )
    if institution.province != "Adana":
        Institution.objects.filter(pk=institution.pk).update(province="Adana")
        institution.refresh_from_db()
    units = [Unit.objects.get_or_create(institution=institution, name=name)[0] for name in UNITS]
    services: dict[str, Service] = {}
    categories = []
    for number, (name, unit_index, service_name, completion, days, weight) in enumerate(CATEGORIES, 1):
        if service_name not in services:
            services[service_name] = Service.objects.get_or_create(
                institution=institution,
                name=service_name,
                defaults={"unit": units[unit_index], "number": number, "completion_time": completion},
            )[0]
        service = services[service_name]
        category = Category.objects.filter(institution=institution, name=name).first()
        if category is None:
            category = Category(
                institution=institution, name=name, service=service, unit=units[unit_index], keywords=name
            )
            category.save()
        categories.append(
            {
                "id": category.pk,
                "service_id": service.pk,
                "unit_id": units[unit_index].pk,
                "name": name,
                "days": days,
                "weight": weight,
            }
        )
    load_adana_areas()
    return institution, categories


# -- Adana's mahalles and points inside them (bench/map.py uses these too) ---------------------------------


def load_adana_areas() -> None:
    """Adana's il, ilçe and mahalle boundaries from the tr-admin GeoJSON, unless they are loaded."""
    if Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD, province_code="01").exists():
        return
    say("  loading Adana's il, ilçe and mahalle boundaries")
    data = settings.SHARED_DIR / "data" / "tr-admin"
    adana = lambda props: str(props.get("cityId", props.get("id"))) == "1"  # noqa: E731
    for file_name, kind in (
        ("iller.geojson", Area.Kind.PROVINCE),
        ("ilceler-5-il.geojson", Area.Kind.DISTRICT),
        ("mahalleler-adana.geojson", Area.Kind.NEIGHBOURHOOD),
    ):
        import_file(data / file_name, kind=kind, keep=adana)


def points_inside(geometry: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` random (lon, lat) points strictly inside ``geometry`` (rejection sampling in its box)."""
    min_x, min_y, max_x, max_y = geometry.bounds
    found = np.empty((0, 2))
    while len(found) < count:
        candidates = rng.uniform((min_x, min_y), (max_x, max_y), size=(max(64, 3 * count), 2))
        found = np.vstack(
            [found, candidates[shapely.contains_xy(geometry, candidates[:, 0], candidates[:, 1])]]
        )
    return found[:count]


def adana_mahalles() -> list[tuple[str, str, BaseGeometry]]:
    data = settings.SHARED_DIR / "data" / "tr-admin"
    towns = {
        feature["properties"]["id"]: feature["properties"]["name"]
        for feature in json.loads((data / "ilceler-5-il.geojson").read_text())["features"]
        if feature["properties"]["cityId"] == 1
    }
    return [
        (towns[feature["properties"]["townId"]], feature["properties"]["name"], shape(feature["geometry"]))
        for feature in json.loads((data / "mahalleler-adana.geojson").read_text())["features"]
    ]


def point_pool(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """POINT_POOL points inside Adana's mahalles: (lat, lon) strings, and each point's ilçe and mahalle."""
    mahalles = adana_mahalles()
    weights = np.array([4.0 if district in CENTRAL else 1.0 for district, _, _ in mahalles])
    weights[rng.choice(len(mahalles), size=40, replace=False)] *= 10  # a few busy mahalles
    picks = np.sort(rng.choice(len(mahalles), size=POINT_POOL, p=weights / weights.sum()))
    lats, lons, districts, names = [], [], [], []
    for index, count in zip(*np.unique(picks, return_counts=True), strict=True):
        district, name, geometry = mahalles[index]
        found = points_inside(geometry, int(count), rng)
        lons.append(found[:, 0])
        lats.append(found[:, 1])
        districts += [district] * int(count)
        names += [name] * int(count)
    lat = np.char.mod("%.6f", np.concatenate(lats))
    lon = np.char.mod("%.6f", np.concatenate(lons))
    return lat, lon, districts, names


# -- loading ---------------------------------------------------------------------------------------------


class Loader:
    """Writes rows of one model with its concrete columns; the ones not given get their field's default."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [str(f.column) for f in self.fields]

    def constant(self, field: models.Field[Any, Any]) -> Any:
        if isinstance(field, models.JSONField):
            return json.dumps(field.get_default())
        if field.has_default() or not field.null:
            value = field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{self.table}.{field.column}: no value and no default")
            return field.get_db_prep_save(value, connection)
        return None

    def rows(self, given: dict[str, Any], size: int) -> Iterator[tuple[Any, ...]]:
        unknown = set(given) - set(self.columns)
        if unknown:
            raise ValueError(f"{self.table}: no columns {sorted(unknown)}")
        streams = [
            given[f.column] if f.column in given else repeat(self.constant(f), size) for f in self.fields
        ]
        return zip(*streams, strict=False)

    def write(self, given: dict[str, Any], size: int) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN") as copy:
                    for row in self.rows(given, size):
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in self.columns)
                cursor.cursor.executemany(
                    f"INSERT INTO {self.table} ({quoted}) VALUES ({marks})",  # noqa: S608 (model's own names)
                    self.rows(given, size),
                )


def times(seconds: np.ndarray) -> list[str | None]:
    """Unix seconds (NaN: none) as the text each database stores a timestamp as."""
    missing = np.isnan(seconds)
    text = np.datetime_as_string(np.nan_to_num(seconds).astype("int64").astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00")
    out: list[str | None] = text.tolist()
    for index in np.flatnonzero(missing):
        out[index] = None
    return out


def _max_id(model: type[models.Model]) -> int:
    return int(model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0)


TABLES = (Case, Citizen, Event)


def _pg_take_apart() -> list[str]:
    """Drop the secondary indexes of the big tables (not those behind constraints) and switch off their
    triggers (rollups, cells, foreign-key checks); returns the statements that put the indexes back."""
    restore = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            for name, definition in cursor.fetchall():
                restore.append(definition)
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER ALL')
    return restore


def _pg_put_back(restore: list[str]) -> None:
    """Build the indexes again, two at a time on connections of their own (a GIN index builds on one core),
    the trigram and word indexes first since they take longest; then switch the triggers back on."""
    import psycopg

    params = connection.get_connection_params()
    ordered = sorted(restore, key=lambda definition: "USING gin" not in definition)

    def build(definition: str) -> str:
        started = time.perf_counter()
        with psycopg.connect(**params, autocommit=True) as own:
            own.execute("SET maintenance_work_mem = '1GB'")
            own.execute("SET max_parallel_maintenance_workers = 2")
            own.execute(definition)
        return f"  {definition[:110]}… {time.perf_counter() - started:.0f} s"

    with ThreadPoolExecutor(max_workers=INDEX_BUILDERS) as pool:
        for line in pool.map(build, ordered):
            say(line)
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" ENABLE TRIGGER ALL')


def _sqlite_take_apart() -> list[str]:
    tables = [model._meta.db_table for model in TABLES]
    marks = ", ".join("?" for _ in tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "  # noqa: S608
            f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
            tables,
        )
        found = cursor.fetchall()
        for kind, name, _ in found:
            cursor.execute(f'DROP {kind.upper()} "{name}"')
    return [sql for _, _, sql in found]


def _sqlite_put_back(restore: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in restore:
            started = time.perf_counter()
            cursor.execute(statement)
            say(f"  {' '.join(statement.split())[:110]}… {time.perf_counter() - started:.0f} s")
        # The full-text tables (FTS5) over these tables: their triggers were off during the load.
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
        contents = {f"content='{model._meta.db_table}'" for model in TABLES}
        for name, sql in cursor.fetchall():
            if any(content in sql.replace('"', "'") for content in contents):
                started = time.perf_counter()
                cursor.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # noqa: S608 (FTS table names)
                say(f"  full-text index {name} rebuilt, {time.perf_counter() - started:.0f} s")


def database_bytes() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    name = Path(str(connection.settings_dict["NAME"]))
    return sum(p.stat().st_size for p in name.parent.glob(name.name + "*") if p.is_file())


def disk_path() -> Path:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            try:
                cursor.execute("SHOW data_directory")
                return Path(cursor.fetchone()[0])
            except Exception:  # noqa: BLE001 (not a superuser: the best guess is the root)
                return Path("/")
    return Path(str(connection.settings_dict["NAME"])).parent


def check_disk(missing: int) -> None:
    need = missing * BYTES_PER_CASE[connection.vendor]
    where = disk_path()
    free = shutil.disk_usage(where if where.exists() else Path("/")).free
    say(
        f"  disk: {missing:,} cases more need about {need / 1e9:.1f} GB "
        f"({BYTES_PER_CASE[connection.vendor]} bytes a case); {free / 1e9:.1f} GB free at {where}"
    )
    if need * 1.1 > free:
        raise SystemExit(f"not enough disk: need {need * 1.1 / 1e9:.1f} GB with a 10 % margin")


def create_database() -> None:
    """PostgreSQL: create the bench database when it does not exist yet (no createdb needed first)."""
    import psycopg

    params = connection.get_connection_params()
    name = params["dbname"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"  creating database {name}")
            admin.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')


def generate(n: int = N) -> None:
    """Make the database hold at least ``n`` cases of the bench institution (migrating it first; creating
    a PostgreSQL database that does not exist yet)."""
    if connection.vendor == "sqlite":
        Path(str(connection.settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    else:
        create_database()
    call_command("migrate", verbosity=0)
    institution, categories = reference_data()
    have = Case.objects.filter(institution=institution).count()
    if have >= n:
        say(f"  {have:,} cases there already")
        return
    missing = n - have
    check_disk(missing)
    before = database_bytes()
    started = time.perf_counter()
    rng = np.random.default_rng(have)
    now = timezone.now()
    now_s = now.timestamp()
    say("  placing points in Adana's mahalles")
    pool_lat, pool_lon, pool_district, pool_mahalle = point_pool(rng)
    pool_district_a = np.array(pool_district, dtype=object)
    pool_mahalle_a = np.array(pool_mahalle, dtype=object)

    cat_weights = np.array([c["weight"] for c in categories], dtype=float)
    cat_weights /= cat_weights.sum()
    cat_id = np.array([c["id"] for c in categories])
    cat_service = np.array([c["service_id"] for c in categories])
    cat_unit = np.array([c["unit_id"] for c in categories])
    cat_days = np.array([c["days"] for c in categories], dtype=float)
    cat_name = [c["name"] for c in categories]
    cat_fold = [turkish.fold(name) for name in cat_name]
    statuses, status_p = _weights(MIX)
    status_values = np.array([str(s) for s in statuses], dtype=object)
    open_codes = {i for i, s in enumerate(statuses) if s in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)}
    channels, channel_p = _weights(CHANNELS)
    kinds, kind_p = _weights(KINDS)
    first_fold = [turkish.fold(x) for x in FIRST]
    last_fold = [turkish.fold(x) for x in LAST]
    street_fold = [turkish.fold(x) for x in STREETS]
    detail_fold = [turkish.fold(x) for x in DETAILS]
    pg = connection.vendor == "postgresql"
    if pg:
        restore = _pg_take_apart()
    else:
        restore = _sqlite_take_apart()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
    case_id = _max_id(Case) + 1
    citizen_id = _max_id(Citizen) + 1
    event_id = _max_id(Event) + 1
    case_loader, citizen_loader, event_loader = Loader(Case), Loader(Citizen), Loader(Event)
    three_years = 3 * 365 * 86400.0
    try:
        done = 0
        while done < missing:
            size = min(BATCH, missing - done)
            ids = np.arange(case_id, case_id + size)
            # Citizens: about 0.7 per case; a case's citizen is one of this batch's (repeat callers).
            people = max(1, int(size * 0.7))
            person_ids = np.arange(citizen_id, citizen_id + people)
            first = rng.integers(len(FIRST), size=people)
            last = rng.integers(len(LAST), size=people)
            phone_digits = np.char.mod("%07d", rng.integers(10**7, size=people))
            operator = rng.choice(["532", "533", "542", "505", "555", "541", "544"], size=people)
            phone = np.char.add(np.char.add("+90", operator), phone_digits).tolist()
            names = [f"{FIRST[a]} {LAST[b]}" for a, b in zip(first.tolist(), last.tolist(), strict=True)]
            name_keys = [
                f"{first_fold[a]} {last_fold[b]}" for a, b in zip(first.tolist(), last.tolist(), strict=True)
            ]
            person_received = now_s - rng.uniform(0, three_years, size=people)
            with transaction.atomic():
                citizen_loader.write(
                    {
                        "id": person_ids.tolist(),
                        "institution_id": repeat(institution.pk),
                        "name": names,
                        "phone": phone,
                        "name_key": name_keys,
                        "created_at": times(person_received),
                    },
                    people,
                )
                who = rng.integers(people, size=size)
                # Statuses, times and deadlines.
                status = rng.choice(len(statuses), size=size, p=status_p)
                is_open = np.isin(status, list(open_codes)) | (
                    status == statuses.index(Status.WAITING_CITIZEN)
                )
                age = np.where(
                    is_open,
                    rng.exponential(OPEN_WINDOW_DAYS / 3 * 86400.0, size=size).clip(
                        60, OPEN_WINDOW_DAYS * 86400.0
                    ),
                    rng.uniform(60, three_years, size=size),
                )
                received = np.round(now_s - age)
                category = rng.choice(len(categories), size=size, p=cat_weights)
                days = cat_days[category]
                due = received + days * 86400.0
                running = np.isin(status, list(open_codes))
                overdue = np.where(running & (due < now_s), due + 60, np.nan)
                waiting = status == statuses.index(Status.WAITING_CITIZEN)
                paused = np.where(
                    waiting, received + rng.uniform(0.1, 0.9, size=size) * np.minimum(age, 86400 * 5), np.nan
                )
                finished = ~is_open
                answer = received + np.minimum(days * 86400.0 * rng.uniform(0.05, 1.4, size=size), age * 0.9)
                resolved_codes = [statuses.index(Status.RESOLVED), statuses.index(Status.CLOSED)]
                resolved = np.where(np.isin(status, resolved_codes), answer, np.nan)
                closed = np.where(
                    finished & (status != statuses.index(Status.RESOLVED)),
                    np.minimum(answer + rng.uniform(0, 3 * 86400.0, size=size), now_s - 30),
                    np.nan,
                )
                acted = np.where(
                    status == statuses.index(Status.NEW), np.nan, received + np.minimum(age * 0.5, 3600 * 4)
                )
                located = rng.random(size) < LOCATED
                point = rng.integers(POINT_POOL, size=size)
                lat = [v if here else None for v, here in zip(pool_lat[point].tolist(), located, strict=True)]
                lon = [v if here else None for v, here in zip(pool_lon[point].tolist(), located, strict=True)]
                district = np.where(located, pool_district_a[point], "").tolist()
                mahalle = np.where(located, pool_mahalle_a[point], "").tolist()
                province = np.where(located, "Adana", "").tolist()
                street = rng.integers(len(STREETS), size=size)
                number = rng.integers(1, 200, size=size)
                detail = rng.integers(len(DETAILS), size=size)
                years = (np.datetime64("1970") + received.astype("timedelta64[s]")).astype(
                    "datetime64[Y]"
                ).astype(int) + 1970
                tracking = [
                    make_tracking_number(y, i) for y, i in zip(years.tolist(), ids.tolist(), strict=True)
                ]
                subjects, descriptions, search_texts, street_names, building = [], [], [], [], []
                for k, (t, c, s, no, d, p) in enumerate(
                    zip(
                        tracking,
                        category.tolist(),
                        street.tolist(),
                        number.tolist(),
                        detail.tolist(),
                        who.tolist(),
                        strict=True,
                    )
                ):
                    subject = cat_name[c]
                    description = f"{STREETS[s]} no {no} {DETAILS[d]}: {turkish.lower(subject)}."
                    subjects.append(subject)
                    descriptions.append(description)
                    street_names.append(STREETS[s] if located[k] else "")
                    building.append(str(no) if located[k] else "")
                    national = "0" + phone[p][3:]
                    search_texts.append(
                        f"{t} {cat_fold[c]} {street_fold[s]} no {no} {detail_fold[d]}: {cat_fold[c]}. "
                        f"{name_keys[p]} {national} {national[1:]}"
                    )
                case_loader.write(
                    {
                        "id": ids.tolist(),
                        "tracking_number": tracking,
                        "verification_code": repeat("000000"),
                        "institution_id": repeat(institution.pk),
                        "kind": rng.choice(kinds, size=size, p=kind_p).tolist(),
                        "channel": rng.choice(channels, size=size, p=channel_p).tolist(),
                        "status": status_values[status].tolist(),
                        "priority": rng.choice([1, 2, 2, 2, 2, 2, 3, 4], size=size).tolist(),
                        "citizen_id": person_ids[who].tolist(),
                        "subject": subjects,
                        "description": descriptions,
                        "latitude": lat,
                        "longitude": lon,
                        "province": province,
                        "district": district,
                        "neighbourhood": mahalle,
                        "street": street_names,
                        "building_no": building,
                        "category_id": cat_id[category].tolist(),
                        "service_id": cat_service[category].tolist(),
                        "unit_id": cat_unit[category].tolist(),
                        "received_at": times(received),
                        "due_at": times(due),
                        "paused_at": times(paused),
                        "overdue_since": times(overdue),
                        "acted_at": times(acted),
                        "resolution": np.where(
                            np.isnan(resolved), "", "Ekiplerimizce yerinde giderilmiştir."
                        ).tolist(),
                        "resolved_at": times(resolved),
                        "closed_at": times(closed),
                        "rejection_reason": np.where(
                            status == statuses.index(Status.REJECTED), "Mükerrer başvuru.", ""
                        ).tolist(),
                        "redirected_to": np.where(
                            status == statuses.index(Status.REDIRECTED), "Adana Valiliği", ""
                        ).tolist(),
                        "search_text": search_texts,
                        "updated_at": repeat(times(np.array([now_s]))[0]),
                    },
                    size,
                )
                event_loader.write(
                    {
                        "id": list(range(event_id, event_id + size)),
                        "case_id": ids.tolist(),
                        "at": times(received),
                        "action": repeat("open"),
                        "to_status": repeat("new"),
                        "public": repeat(True),
                        "data": repeat("{}"),
                    },
                    size,
                )
            case_id += size
            citizen_id += people
            event_id += size
            done += size
            rate = done / (time.perf_counter() - started)
            say(f"  loaded {have + done:,} cases ({time.perf_counter() - started:.0f} s, {rate:,.0f}/s)")
    finally:
        say("  building the indexes, putting the triggers back")
        if pg:
            _pg_put_back(restore)
        else:
            _sqlite_put_back(restore)
    _fix_sequences()
    say("  rebuilding the rollups (manage.py rebuild_rollups)")
    call_command("rebuild_rollups")
    say("  vacuum and analyse")
    with connection.cursor() as cursor:
        if pg:
            for model in (*TABLES, Category, Unit):
                cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    grown = database_bytes() - before
    say(
        f"generated {missing:,} cases in {elapsed / 60:.1f} min ({missing / elapsed:,.0f} cases/s); "
        f"the database grew {grown / 1e9:.2f} GB, {grown / missing:,.0f} bytes a case "
        f"(now {database_bytes() / 1e9:.2f} GB)"
    )
    _check_sample()


def _fix_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
            cursor.execute(f'SELECT setval({sequence}, (SELECT max(id) FROM "{table}"))')  # noqa: S608


def _check_sample() -> None:
    """The generated search_text is what the domain would have written."""
    for case in Case.objects.select_related("citizen").order_by("-pk")[:3]:
        if case.search_text != case.build_search_text():
            raise SystemExit(f"search_text differs from build_search_text() on case {case.pk}")


def main() -> None:
    say(f"kentmasa bench data on {connection.vendor} ({connection.settings_dict['NAME']}), {N:,} cases")
    generate(N)


if __name__ == "__main__":
    main()
