"""Which routing rule decides the unit: area + keywords > area > keywords > the category's own unit."""

from types import SimpleNamespace

import pytest

from kentmasa.directory.models import Unit
from kentmasa.routing import intake, jurisdiction, rules
from kentmasa.routing.models import RoutingRule

POTHOLE, TREE = 1, 2
MAHALLE, ILCE, OTHER_ILCE = 10, 20, 30


def rule(pk, *, category=POTHOLE, area=None, area_kind="", keywords="", priority=0, active=True):
    return SimpleNamespace(
        pk=pk,
        category_id=category,
        area_id=area,
        area_kind=area_kind,
        keywords=keywords,
        priority=priority,
        active=active,
        unit=f"unit of rule {pk}",
    )


def facts(text="Sokakta derin çukur var", category=POTHOLE, areas=(MAHALLE, ILCE)):
    return rules.Facts.of(category, areas, text)


AREA_AND_KEYWORDS = rule(1, area=ILCE, area_kind="ilce", keywords="çukur")
AREA_ONLY = rule(2, area=MAHALLE, area_kind="mahalle")
KEYWORDS_ONLY = rule(3, keywords="derin, obruk")


def test_an_area_and_keyword_rule_beats_an_area_rule_which_beats_a_keyword_rule():
    every = [KEYWORDS_ONLY, AREA_ONLY, AREA_AND_KEYWORDS]
    assert rules.choose(every, facts()) is AREA_AND_KEYWORDS
    assert rules.choose([KEYWORDS_ONLY, AREA_ONLY], facts()) is AREA_ONLY
    assert rules.choose([KEYWORDS_ONLY], facts()) is KEYWORDS_ONLY


def test_no_matching_rule_leaves_the_unit_to_the_category():
    assert (
        rules.choose([AREA_AND_KEYWORDS, AREA_ONLY, KEYWORDS_ONLY], facts("Lamba yanmıyor", areas=())) is None
    )


def test_every_part_a_rule_names_must_fit():
    elsewhere = facts(areas=(OTHER_ILCE,))
    assert not rules.matches(AREA_AND_KEYWORDS, elsewhere)  # wrong area
    assert not rules.matches(AREA_AND_KEYWORDS, facts("Ağaç devrildi"))  # keyword missing
    assert not rules.matches(AREA_AND_KEYWORDS, facts(category=TREE))  # another category
    assert not rules.matches(rule(4, area=ILCE, area_kind="ilce", active=False), facts())  # switched off
    assert not rules.matches(rule(5), facts())  # names nothing but a category: never a rule
    assert rules.matches(rule(6, category=None, keywords="çukur"), facts(category=TREE))  # any category


def test_within_a_step_priority_then_the_narrower_area_then_the_category_specific_rule_wins():
    district = rule(7, area=ILCE, area_kind="ilce")
    mahalle = rule(8, area=MAHALLE, area_kind="mahalle")
    urgent_district = rule(9, area=ILCE, area_kind="ilce", priority=5)
    assert rules.choose([district, mahalle], facts()) is mahalle
    assert rules.choose([district, mahalle, urgent_district], facts()) is urgent_district
    any_category = rule(10, category=None, keywords="çukur")
    own_category = rule(11, keywords="çukur")
    assert rules.choose([any_category, own_category], facts()) is own_category


def test_keywords_are_found_with_suffixes_and_without_turkish_letters():
    assert rules.matches(KEYWORDS_ONLY, facts("DERINLIGI bir metre"))
    assert rules.matches(rule(12, keywords="su kesintisi"), facts("Su kesintisinden bıktık"))


@pytest.mark.django_db
def test_the_rules_an_administrator_saves_route_a_case_in_that_order(institution, category, roads, areas):
    """Esenler's road works: potholes in Turgut Reis go to the north team; 'obruk' anywhere to emergencies;
    in all of Esenler a pothole with 'asfalt' in it goes to the asphalt plant."""
    north = Unit.objects.create(institution=institution, name="Fen İşleri Kuzey Şefliği")
    emergency = Unit.objects.create(institution=institution, name="Acil Müdahale Şefliği")
    asphalt = Unit.objects.create(institution=institution, name="Asfalt Şantiyesi")
    RoutingRule.objects.create(institution=institution, category=category, area=areas.turgut_reis, unit=north)
    RoutingRule.objects.create(institution=institution, keywords="obruk, çökme", unit=emergency)
    RoutingRule.objects.create(
        institution=institution, category=category, area=areas.esenler, keywords="asfalt", unit=asphalt
    )

    def unit_for(subject, point):
        where = jurisdiction.where(**point)
        decision = intake.decide(institution, subject=subject, category=category, where=where)
        return decision.unit, decision.unit_source

    assert unit_for("Asfalt bozuldu, çukur var", areas.in_turgut_reis) == (asphalt, "area_keywords")
    assert unit_for("Çukur var", areas.in_turgut_reis) == (north, "area")
    assert unit_for("Yolda obruk oluştu", areas.in_esenler) == (emergency, "keywords")
    assert unit_for("Çukur var", areas.in_esenler) == (roads, "category")


@pytest.mark.django_db
def test_a_rule_without_an_area_or_keywords_is_refused_by_the_form(institution, category, roads):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        RoutingRule(institution=institution, category=category, unit=roads).full_clean()
    saved = RoutingRule.objects.create(
        institution=institution, category=category, keywords="ÇUKUR, Asfalt", unit=roads
    )
    assert saved.keywords_key == "cukur, asfalt"
