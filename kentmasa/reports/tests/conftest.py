"""Adana for the map tests: the metropolitan municipality, and a few real mahalles of the tr-admin GeoJSON
loaded through the places importer.

Seyhan's old town: Sarıyakup, Türkocağı and Ulucamii side by side, each a few hundred metres across, and
Bahçelievler, a name both Seyhan and Yüreğir have. Named points inside each are where the cases lie.
"""

import datetime as dt
import functools
import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.models import Institution, User
from kentmasa.places.importer import import_features
from kentmasa.places.models import Area

TR_ADMIN = settings.SHARED_DIR / "data" / "tr-admin"
SEYHAN, YUREGIR = "1", "2"
MAHALLE_IDS = {"10", "12", "4", "70", "112"}  # Sarıyakup, Türkocağı, Ulucamii, Bahçelievler ×2

# (latitude, longitude) inside each mahalle's real boundary.
SARIYAKUP = (36.98209, 35.32907)
TURKOCAGI = (36.98186, 35.33304)
ULUCAMII = (36.98496, 35.33240)
BAHCELIEVLER_SEYHAN = (37.00053, 35.28986)
BAHCELIEVLER_YUREGIR = (36.95687, 35.36140)
MARCH_20 = dt.datetime.fromisoformat("2026-03-20T10:00+03:00")
MARCH_25 = dt.datetime.fromisoformat("2026-03-25T10:00+03:00")


@functools.cache
def _features(name: str) -> tuple[dict, ...]:
    return tuple(json.loads((TR_ADMIN / name).read_text(encoding="utf-8"))["features"])


def adana_features() -> list[dict]:
    il = [f for f in _features("iller.geojson") if str(f["properties"]["id"]) == "1"]
    ilceler = [
        f
        for f in _features("ilceler-5-il.geojson")
        if f["properties"]["cityId"] == 1 and str(f["properties"]["id"]) in {SEYHAN, YUREGIR}
    ]
    mahalleler = [
        f for f in _features("mahalleler-adana.geojson") if str(f["properties"]["id"]) in MAHALLE_IDS
    ]
    return [*il, *ilceler, *mahalleler]


@pytest.fixture
def institution(db):
    """Overrides the shared Esenler: the map tests run in Adana, whose boundaries are loaded."""
    return Institution.objects.create(
        slug="adana-bb",
        name="Adana Büyükşehir Belediyesi",
        kind=Institution.Kind.METROPOLITAN,
        province="Adana",
    )


@pytest.fixture
def adana(db):
    """The areas, by short name. Sarıyakup has 2 000 residents on record, Türkocağı 500, the rest none."""
    report = import_features(adana_features(), source="test")
    assert not report.skipped, report.skipped
    mahalle = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD)
    areas = {
        "adana": Area.objects.get(kind=Area.Kind.PROVINCE, code="1"),
        "seyhan": Area.objects.get(kind=Area.Kind.DISTRICT, code=SEYHAN),
        "yuregir": Area.objects.get(kind=Area.Kind.DISTRICT, code=YUREGIR),
        "sariyakup": mahalle.get(code="10"),
        "turkocagi": mahalle.get(code="12"),
        "ulucamii": mahalle.get(code="4"),
        "bahcelievler_seyhan": mahalle.get(code="70"),
        "bahcelievler_yuregir": mahalle.get(code="112"),
    }
    Area.objects.filter(pk=areas["sariyakup"].pk).update(population=2000)
    Area.objects.filter(pk=areas["turkocagi"].pk).update(population=500)
    for area in areas.values():
        area.refresh_from_db()
    return areas


def place(point: tuple[float, float], district: str, neighbourhood: str, **extra) -> dict:
    """The location a case is opened with, as intake writes it."""
    return {
        "latitude": f"{point[0]:.6f}",
        "longitude": f"{point[1]:.6f}",
        "province": "Adana",
        "district": district,
        "neighbourhood": neighbourhood,
        **extra,
    }


def nudge(point: tuple[float, float], metres_north: float = 0, metres_east: float = 0) -> tuple[float, float]:
    """A point a few metres away (good enough at Adana's latitude: 1° of longitude ≈ 89 km)."""
    return (round(point[0] + metres_north / 111_320, 6), round(point[1] + metres_east / 88_960, 6))


@pytest.fixture
def administrator(make_user):
    return make_user(User.Role.ADMINISTRATOR, "yonetici")


@pytest.fixture
def transitions(administrator, road_manager, road_staff, parks) -> Callable[[object], dict[str, Callable]]:
    """Given a case to merge into: each transition of kentmasa.cases.transitions as a function of a case (in
    a status it may leave), for the tests that check the rollups follow every one of them."""

    def runs(target) -> dict[str, Callable]:
        run = {
            "assign": lambda c: services.assign(c, actor=road_manager, assignee=road_staff),
            "start": lambda c: services.start(c, actor=road_manager),
            "ask_citizen": lambda c: services.ask_citizen(c, actor=road_manager, question="Adres?"),
            "citizen_answered": lambda c: services.citizen_answered(
                services.ask_citizen(c, actor=road_manager, question="Adres?"),
                actor=road_manager,
                answer="Burası.",
            ),
            "resolve": lambda c: services.resolve(c, actor=road_manager, resolution="Yapıldı."),
            "resolve_on_the_spot": lambda c: services.resolve_on_the_spot(
                c, actor=administrator, resolution="Tamam."
            ),
            "close": lambda c: services.close(
                services.resolve(c, actor=road_manager, resolution="Yapıldı."), actor=administrator
            ),
            "reopen": lambda c: services.reopen(
                services.resolve(c, actor=road_manager, resolution="Yapıldı."),
                actor=administrator,
                note="Olmamış.",
            ),
            "reject": lambda c: services.reject(c, actor=road_manager, reason="Özel mülk."),
            "transfer": lambda c: services.transfer(c, actor=administrator, unit=parks),
            "redirect": lambda c: services.redirect(c, actor=administrator, to="Karayolları"),
            "merge": lambda c: services.merge(c, actor=administrator, into=target),
        }
        assert set(run) == set(TRANSITIONS), "a new transition: add it here"
        return run

    return runs


@pytest.fixture
def old_town(adana, make_case, road_manager, parks):
    """Eight located cases and one without a place.

    Sarıyakup: an overdue pothole, one reported yesterday (5 m south) and one resolved (5 m east).
    Türkocağı: an overdue pothole and a broken park bench (parks unit, no deadline) by WhatsApp.
    Ulucamii: one reported yesterday. Bahçelievler (Seyhan): overdue. Bahçelievler (Yüreğir): resolved.
    """
    yesterday = timezone.now() - dt.timedelta(days=1)
    seyhan = "Seyhan"
    cases = {
        "sariyakup_late": make_case(
            subject="Sarıyakup'ta çukur", location=place(SARIYAKUP, seyhan, "Sarıyakup Mh.")
        ),
        "sariyakup_new": make_case(
            subject="Sarıyakup'ta yeni çukur",
            received_at=yesterday,
            location=place(nudge(SARIYAKUP, metres_north=-5), seyhan, "Sarıyakup Mahallesi"),
        ),
        "sariyakup_done": make_case(
            subject="Sarıyakup'ta kapanan çukur",
            location=place(nudge(SARIYAKUP, metres_east=5), seyhan, "Sarıyakup Mh."),
        ),
        "turkocagi_late": make_case(
            subject="Türkocağı'nda çukur", location=place(TURKOCAGI, seyhan, "Türkocağı Mh.")
        ),
        "turkocagi_bench": make_case(
            subject="Park bankı kırık",
            category=None,
            unit=parks,
            channel=Channel.WHATSAPP,
            location=place(nudge(TURKOCAGI, metres_north=8), seyhan, "Türkocağı Mh."),
        ),
        "ulucamii_new": make_case(
            subject="Ulucami önünde çukur",
            received_at=yesterday,
            location=place(ULUCAMII, seyhan, "Ulucamii Mh."),
        ),
        "bahcelievler_late": make_case(
            subject="Bahçelievler'de çukur", location=place(BAHCELIEVLER_SEYHAN, seyhan, "Bahçelievler Mh.")
        ),
        "yuregir_done": make_case(
            subject="Yüreğir'de çukur", location=place(BAHCELIEVLER_YUREGIR, "Yüreğir", "Bahçelievler Mh.")
        ),
        "nowhere": make_case(subject="Yeri belli değil"),
    }
    # Both received 18.03.2026 10:00: answered in 2 and in 7 days.
    services.resolve(cases["sariyakup_done"], actor=road_manager, resolution="Asfaltlandı.", now=MARCH_20)
    services.resolve(cases["yuregir_done"], actor=road_manager, resolution="Asfaltlandı.", now=MARCH_25)
    return cases
