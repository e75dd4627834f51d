"""Fixtures of the routing tests: a few real-shaped places, Adana with its district municipalities, and the
labelled Turkish complaint sample (fixtures/complaints_sample.csv) with categories for Esenler."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from kentmasa.directory.models import Category, Institution, Unit
from kentmasa.places import geocode
from kentmasa.places.address import area_key
from kentmasa.places.models import Area
from kentmasa.routing import classifier, training

SAMPLE = Path(__file__).parent / "fixtures" / "complaints_sample.csv"


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts with no classifier and no area index loaded in memory."""
    training.forget_loaded()
    geocode.invalidate()
    yield
    training.forget_loaded()
    geocode.invalidate()


def _area(kind, name, code, province_code, west, south, east, north, parent=None):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return Area.objects.create(
        kind=kind,
        name=name,
        display_name=name,
        name_key=area_key(name),
        code=code,
        parent=parent,
        province_code=province_code,
        geometry=json.dumps({"type": "Polygon", "coordinates": [ring]}),
        min_lon=west,
        min_lat=south,
        max_lon=east,
        max_lat=north,
        centroid_lat=(south + north) / 2,
        centroid_lon=(west + east) / 2,
    )


@pytest.fixture
def areas(db):
    """Boxes where the real places are: İstanbul with Esenler (and its mahalle Turgut Reis) and Bağcılar
    side by side; Adana with Seyhan and Çukurova."""
    istanbul = _area("il", "İstanbul", "34", "34", 28.0, 40.8, 29.5, 41.4)
    esenler = _area("ilce", "Esenler", "3401", "34", 28.85, 41.02, 28.90, 41.07, istanbul)
    turgut_reis = _area(
        "mahalle", "Turgut Reis Mahallesi", "340101", "34", 28.86, 41.04, 28.87, 41.05, esenler
    )
    bagcilar = _area("ilce", "Bağcılar", "3402", "34", 28.80, 41.02, 28.85, 41.07, istanbul)
    adana = _area("il", "Adana", "01", "01", 35.0, 36.8, 35.7, 37.3)
    seyhan = _area("ilce", "Seyhan", "0101", "01", 35.25, 36.95, 35.35, 37.05, adana)
    cukurova = _area("ilce", "Çukurova", "0102", "01", 35.25, 37.05, 35.35, 37.12, adana)
    return SimpleNamespace(
        istanbul=istanbul,
        esenler=esenler,
        turgut_reis=turgut_reis,
        bagcilar=bagcilar,
        adana=adana,
        seyhan=seyhan,
        cukurova=cukurova,
        in_turgut_reis={"latitude": 41.045, "longitude": 28.865},
        in_esenler={"latitude": 41.03, "longitude": 28.88},
        in_bagcilar={"latitude": 41.045, "longitude": 28.82},
        in_seyhan={"latitude": 37.0, "longitude": 35.3},
        in_cukurova={"latitude": 37.08, "longitude": 35.3},
    )


@pytest.fixture
def adana(db):
    """Adana Büyükşehir with two district municipalities below it, as seed 004 describes the forwarding."""
    metropolitan = Institution.objects.create(
        slug="adana-bb",
        name="Adana Büyükşehir Belediyesi",
        kind=Institution.Kind.METROPOLITAN,
        province="Adana",
    )
    districts = {}
    for name in ("Seyhan", "Çukurova"):
        municipality = Institution.objects.create(
            slug=area_key(name) + "-belediyesi",
            name=f"{name} Belediyesi",
            kind=Institution.Kind.DISTRICT,
            parent=metropolitan,
            province="Adana",
            district=name,
        )
        cleaning = Unit.objects.create(institution=municipality, name="Temizlik İşleri Müdürlüğü")
        Category.objects.create(institution=municipality, name="Çöp toplanmaması", unit=cleaning)
        districts[name] = municipality
    roads = Unit.objects.create(institution=metropolitan, name="Yol Yapım Dairesi Başkanlığı")
    parks = Unit.objects.create(institution=metropolitan, name="Park ve Bahçeler Dairesi Başkanlığı")
    cleaning = Unit.objects.create(institution=metropolitan, name="Temizlik İşleri Dairesi Başkanlığı")
    return SimpleNamespace(
        institution=metropolitan,
        seyhan=districts["Seyhan"],
        cukurova=districts["Çukurova"],
        roads=roads,
        parks=parks,
        cleaning=cleaning,
        pothole=Category.objects.create(institution=metropolitan, name="Yol çukuru", unit=roads),
        garbage=Category.objects.create(institution=metropolitan, name="Çöp toplanmaması", unit=cleaning),
        tree=Category.objects.create(institution=metropolitan, name="Ağaç budama", unit=parks),
    )


@pytest.fixture
def sample():
    return classifier.read_csv(SAMPLE)


@pytest.fixture
def sample_categories(institution, roads, parks):
    """Esenler's categories named as the sample's labels, each with its unit."""
    units = {
        "Yol ve kaldırım": roads,
        "Park ve yeşil alan": parks,
        "Çöp ve temizlik": Unit.objects.create(institution=institution, name="Temizlik İşleri Müdürlüğü"),
        "Su ve kanalizasyon": Unit.objects.create(
            institution=institution, name="Altyapı Koordinasyon Müdürlüğü"
        ),
        "Gürültü ve zabıta": Unit.objects.create(institution=institution, name="Zabıta Müdürlüğü"),
    }
    return {
        name: Category.objects.create(institution=institution, name=name, unit=unit)
        for name, unit in units.items()
    }


@pytest.fixture
def trained(institution, sample, sample_categories):
    """Esenler's classifier, trained on the whole sample."""
    texts, names = sample
    ids = [str(sample_categories[name].pk) for name in names]
    return training.train(institution, texts, ids)


@pytest.fixture
def adana_trained(adana, sample):
    """Adana's classifier, trained on the sample's road, garbage and park texts."""
    texts, names = sample
    by_label = {
        "Yol ve kaldırım": adana.pothole,
        "Çöp ve temizlik": adana.garbage,
        "Park ve yeşil alan": adana.tree,
    }
    pairs = [(t, str(by_label[n].pk)) for t, n in zip(texts, names, strict=True) if n in by_label]
    return training.train(adana.institution, [t for t, _ in pairs], [i for _, i in pairs])


@pytest.fixture
def open_case(django_capture_on_commit_callbacks):
    """Open a case the way intake does and let everything that follows its commit run (routing, replies)."""
    from kentmasa.cases import services
    from kentmasa.cases.models import Case, Channel

    def open_(institution, subject, description="", **kwargs):
        kwargs.setdefault("channel", Channel.WEB)
        with django_capture_on_commit_callbacks(execute=True):
            case = services.open_case(
                institution=institution, subject=subject, description=description, **kwargs
            )
        return Case.objects.get(pk=case.pk)

    return open_
