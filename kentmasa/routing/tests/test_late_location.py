"""A point that comes after the case (WhatsApp: the photo first, the location second) goes through
services.set_location and is routed as if the case had come with it."""

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Case, Event
from kentmasa.directory.models import Unit
from kentmasa.routing.models import Competence, RoutingFlag, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def locate(django_capture_on_commit_callbacks):
    """services.set_location with what follows its commit (routing) run, as a channel would call it."""

    def locate_(case, point, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            services.set_location(case, **point, **kwargs)
        return Case.objects.get(pk=case.pk)

    return locate_


def test_a_late_point_fills_the_mahalle_and_routes_like_a_point_given_at_opening(
    institution, category, areas, open_case, locate
):
    north = Unit.objects.create(institution=institution, name="Fen İşleri Kuzey Şefliği")
    RoutingRule.objects.create(institution=institution, category=category, area=areas.turgut_reis, unit=north)
    with_point = open_case(institution, "Yolda çukur", category=category, location=areas.in_turgut_reis)
    late = open_case(institution, "Yolda çukur", category=category)
    assert late.unit == category.unit and late.neighbourhood == ""

    late = locate(late, areas.in_turgut_reis, address_text="Turgut Reis, Atatürk Cd.")

    places = ("province", "district", "neighbourhood", "latitude", "longitude")
    assert [getattr(late, f) for f in places] == [getattr(with_point, f) for f in places]
    assert (late.province, late.district, late.neighbourhood) == (
        "İstanbul",
        "Esenler",
        "Turgut Reis Mahallesi",
    )
    assert late.address_text == "Turgut Reis, Atatürk Cd."
    assert late.unit == with_point.unit == north
    assert [e.action for e in late.events.order_by("pk")] == ["open", "locate", "transfer"]
    located = late.events.get(action="locate")
    assert located.actor is None and located.data["neighbourhood"] == "Turgut Reis Mahallesi"


def test_a_late_point_outside_the_territory_is_flagged_and_the_case_stays(
    institution, category, areas, open_case, locate
):
    case = open_case(institution, "Yolda çukur", category=category)
    assert not RoutingFlag.objects.filter(case=case, kind="territory").exists()
    case = locate(case, areas.in_bagcilar)
    assert case.district == "Bağcılar" and case.institution == institution
    flag = RoutingFlag.objects.get(case=case, kind="territory")
    assert "Bağcılar" in flag.place and flag.cleared_at is None


def test_a_district_matter_the_router_categorised_goes_to_the_district_of_its_late_point(
    adana, adana_trained, areas, open_case, locate
):
    Competence.objects.create(institution=adana.institution, category=adana.garbage, level="district")
    case = open_case(adana.institution, "Çöp toplanmıyor", "Sokağımızın çöpleri günlerdir alınmıyor")
    assert case.institution == adana.institution and case.category == adana.garbage

    case = locate(case, areas.in_cukurova)

    assert case.institution == adana.cukurova
    there = adana.cukurova.categories.get()
    assert (case.category, case.unit, case.district) == (there, there.unit, "Çukurova")
    assert [e.action for e in case.events.order_by("pk")] == ["open", "categorise", "locate", "transfer"]


def test_once_a_person_acted_a_late_point_is_only_flagged(
    institution, category, roads, areas, open_case, locate, road_staff
):
    north = Unit.objects.create(institution=institution, name="Fen İşleri Kuzey Şefliği")
    RoutingRule.objects.create(institution=institution, category=category, area=areas.turgut_reis, unit=north)
    case = open_case(institution, "Yolda çukur", category=category)
    case = services.start(case, actor=road_staff)
    case = locate(case, areas.in_turgut_reis)
    assert case.neighbourhood == "Turgut Reis Mahallesi" and case.unit == roads
    assert not Event.objects.filter(case=case, action="transfer").exists()


def test_a_case_with_a_point_keeps_it_and_nothing_is_written(institution, category, areas, open_case, locate):
    case = open_case(institution, "Yolda çukur", category=category, location=areas.in_turgut_reis)
    case = locate(case, areas.in_bagcilar)
    assert case.neighbourhood == "Turgut Reis Mahallesi"
    assert not Event.objects.filter(case=case, action="locate").exists()


@pytest.mark.parametrize("point", [(91, 28.9), (41.0, -181), ("nan", 28.9), ("kuzey", 28.9)])
def test_coordinates_off_the_globe_are_refused(institution, category, open_case, point):
    case = open_case(institution, "Yolda çukur", category=category)
    with pytest.raises(services.TransitionError):
        services.set_location(case, latitude=point[0], longitude=point[1])
    case.refresh_from_db()
    assert case.latitude is None and not Event.objects.filter(case=case, action="locate").exists()
