"""Intake flags a case outside the institution's territory or competence with where it should go."""

import pytest

from kentmasa.directory.models import Institution
from kentmasa.routing.models import Competence, RoutingFlag

pytestmark = pytest.mark.django_db


def flags(case):
    return {f.kind: f for f in RoutingFlag.objects.filter(case=case)}


def test_a_point_in_the_neighbouring_district_is_flagged_for_its_municipality(
    institution, category, areas, open_case
):
    """Esenler Belediyesi is told of a pothole whose point lies in Bağcılar."""
    bagcilar = Institution.objects.create(
        slug="bagcilar", name="Bağcılar Belediyesi", kind="district", province="İstanbul", district="Bağcılar"
    )
    case = open_case(institution, "Yolda çukur", category=category, location=areas.in_bagcilar)
    flag = flags(case)["territory"]
    assert flag.target_institution == bagcilar
    assert flag.place == "Bağcılar / İstanbul"
    assert case.institution == institution and case.status == "new"  # flagged, never moved by itself


def test_a_point_in_another_province_is_flagged_even_when_its_institution_is_not_in_kentmasa(
    institution, category, areas, open_case
):
    case = open_case(institution, "Yolda çukur", category=category, location=areas.in_seyhan)
    assert flags(case)["territory"].target_institution is None
    assert flags(case)["territory"].place == "Seyhan / Adana"


def test_without_a_point_the_typed_province_and_district_are_used(institution, category, areas, open_case):
    inside = open_case(
        institution, "Çukur", category=category, location={"province": "İSTANBUL", "district": "ESENLER"}
    )
    outside = open_case(
        institution, "Çukur", category=category, location={"province": "istanbul", "district": "bagcilar"}
    )
    assert "territory" not in flags(inside)
    assert "territory" in flags(outside)


def test_a_point_inside_the_territory_raises_no_flag(institution, category, areas, open_case):
    case = open_case(institution, "Yolda çukur", category=category, location=areas.in_turgut_reis)
    assert flags(case) == {}


def test_a_district_level_category_is_flagged_for_the_district_municipality_where_the_point_lies(
    adana, areas, open_case
):
    """Seed 004: a record that concerns a district municipality goes to that municipality's unit."""
    Competence.objects.create(
        institution=adana.institution, category=adana.garbage, level="district", note="5216 s. Kanun md. 7"
    )
    case = open_case(
        adana.institution, "Çöpler alınmıyor", category=adana.garbage, location=areas.in_cukurova
    )
    flag = flags(case)["competence"]
    assert flag.target_institution == adana.cukurova
    assert flag.reason == "5216 s. Kanun md. 7"
    assert case.institution == adana.institution  # an operator chose the category: flagged, not moved

    elsewhere = open_case(
        adana.institution, "Çöpler alınmıyor", category=adana.garbage, location=areas.in_seyhan
    )
    assert flags(elsewhere)["competence"].target_institution == adana.seyhan
    metropolitan = open_case(adana.institution, "Çukur", category=adana.pothole, location=areas.in_seyhan)
    assert "competence" not in flags(metropolitan)


def test_a_district_municipality_flags_a_metropolitan_matter_for_its_parent(adana, areas, open_case):
    garbage_here = adana.seyhan.categories.get()
    Competence.objects.create(institution=adana.seyhan, category=garbage_here, level="metropolitan")
    case = open_case(adana.seyhan, "Ana caddede çöp", category=garbage_here, location=areas.in_seyhan)
    assert flags(case)["competence"].target_institution == adana.institution
