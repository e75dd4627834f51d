"""The real boundaries (SHARED_DIR/data/tr-admin), loaded once per test module and removed after it."""

from pathlib import Path

import pytest
from django.conf import settings

from kentmasa.places import geocode
from kentmasa.places.importer import import_tr_admin
from kentmasa.places.models import Area

DEMO_CITIES = (1, 26, 34, 38, 46)  # Adana, Eskişehir, İstanbul, Kayseri, Kahramanmaraş


def tr_admin_dir() -> Path:
    path = Path(settings.SHARED_DIR) / "data" / "tr-admin"
    if not (path / "mahalleler-adana.geojson").exists():
        pytest.fail(f"The real boundaries are needed for these tests: {path} (set KENTMASA_SHARED_DIR)")
    return path


def remove_all_areas() -> None:
    # Children first: a parent is protected while it has any.
    for kind in (Area.Kind.NEIGHBOURHOOD, Area.Kind.DISTRICT, Area.Kind.PROVINCE):
        Area.objects.filter(kind=kind).delete()
    geocode.invalidate()


@pytest.fixture(scope="module")
def adana(django_db_setup, django_db_blocker):
    """Il and ilçe of the five demo cities and all mahalles of Adana, committed for the whole module.

    Loading them takes a few seconds, so each module that needs them loads them once; the tests run
    in their own transactions on top and leave them as they were.
    """
    with django_db_blocker.unblock():
        remove_all_areas()
        reports = import_tr_admin(
            tr_admin_dir(), cities=DEMO_CITIES, mahalle_files=["mahalleler-adana.geojson"]
        )
        yield reports
        remove_all_areas()
