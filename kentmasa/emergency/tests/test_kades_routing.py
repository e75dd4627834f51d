"""Which police directorate a KADES alert goes to: the one whose province holds the point (the real il and
ilçe boundaries of Eskişehir and Kayseri are loaded), else KENTMASA_KADES_INSTITUTION."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from kentmasa.directory.models import Institution
from kentmasa.emergency import kades
from kentmasa.emergency.models import Incident
from kentmasa.emergency.tests.core_world import PERSON, police_world
from kentmasa.places import geocode
from kentmasa.places.importer import import_tr_admin
from kentmasa.places.models import Area

pytestmark = pytest.mark.django_db

ADALAR = (39.7766, 30.515)  # Odunpazarı, Eskişehir
KAYSERI = (38.7205, 35.4826)  # Kocasinan / Melikgazi, Kayseri
KIZILAY = (39.9208, 32.8541)  # Ankara: no boundaries loaded


def _remove_areas() -> None:
    for kind in (Area.Kind.NEIGHBOURHOOD, Area.Kind.DISTRICT, Area.Kind.PROVINCE):
        Area.objects.filter(kind=kind).delete()
    geocode.invalidate()


@pytest.fixture(scope="module")
def areas(django_db_setup, django_db_blocker):
    """The il and ilçe of Eskişehir (26) and Kayseri (38), committed for this module and removed after it."""
    path = Path(django_settings.SHARED_DIR) / "data" / "tr-admin"
    if not (path / "iller.geojson").exists():
        pytest.fail(f"The real boundaries are needed for these tests: {path} (set KENTMASA_SHARED_DIR)")
    with django_db_blocker.unblock():
        _remove_areas()
        import_tr_admin(path, cities=(26, 38))
        yield
        _remove_areas()


@pytest.fixture
def world(areas, settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = "sir"
    world = police_world()
    kayseri = Institution.objects.create(
        slug="kayseri-emniyet",
        name="Kayseri İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="KAYSERİ",  # written in capitals: compared Turkish-folded
    )
    settings.KENTMASA_KADES_INSTITUTION = kayseri.slug  # the fallback is not the Eskişehir directorate
    world.kayseri = kayseri  # type: ignore[attr-defined]
    return world


def receive(point, alert_id="K-1"):
    return kades.receive_alert(
        {"alert_id": alert_id, "latitude": point[0], "longitude": point[1], "person": dict(PERSON)}
    )


def test_the_directorate_of_the_province_that_holds_the_point_gets_it(world):
    incident, created = receive(ADALAR)
    assert created and incident.institution == world.police
    case = incident.case
    assert (case.institution, case.province, case.district) == (world.police, "Eskişehir", "Odunpazarı")
    other, _ = receive(KAYSERI, "K-2")
    assert other.institution == world.kayseri


def test_a_point_outside_every_loaded_province_goes_to_the_fallback(world):
    incident, _ = receive(KIZILAY)
    assert incident.institution == world.kayseri


def test_a_directorate_without_its_province_written_is_not_found_by_the_point(world):
    Institution.objects.filter(pk=world.police.pk).update(province="")
    incident, _ = receive(ADALAR)
    assert incident.institution == world.kayseri


def test_a_municipality_of_the_province_is_never_chosen(world, settings):
    Institution.objects.create(
        slug="eskisehir-bb", name="Eskişehir BB", kind="metropolitan", province="Eskişehir"
    )
    Institution.objects.filter(pk=world.police.pk).update(province="")
    settings.KENTMASA_KADES_INSTITUTION = ""
    with pytest.raises(kades.Refused) as refused:
        receive(ADALAR)
    assert refused.value.status == 503
    assert not Incident.objects.exists()
