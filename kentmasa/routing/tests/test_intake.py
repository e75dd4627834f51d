"""Routing at intake: above the threshold the router routes by itself, below it the operator picks."""

import pytest

from kentmasa import routing
from kentmasa.cases.models import Event
from kentmasa.directory.models import Unit
from kentmasa.routing.models import Competence, ExternalMatter, Prediction, RoutingFlag, RoutingRule

pytestmark = pytest.mark.django_db


def test_a_web_report_the_classifier_is_sure_of_gets_its_category_and_unit(
    institution, sample_categories, trained, open_case
):
    case = open_case(institution, "Çöpler alınmıyor", "Konteynerler taştı, dört gündür çöp kamyonu gelmedi.")
    garbage = sample_categories["Çöp ve temizlik"]
    assert (case.category, case.unit) == (garbage, garbage.unit)
    event = Event.objects.get(case=case, action="categorise")
    assert event.data["source"] == "router" and event.data["confidence"] >= 0.6 and not event.public
    prediction = Prediction.objects.get(case=case)
    assert prediction.applied and prediction.category == garbage and len(prediction.suggestions) == 3
    assert not RoutingFlag.objects.filter(case=case).exists()


def test_below_the_threshold_the_case_waits_with_the_top_three_for_an_operator(
    institution, sample_categories, trained, open_case, settings
):
    settings.KENTMASA_ROUTING_THRESHOLD = 0.99
    case = open_case(institution, "Çöpler alınmıyor", "Konteynerler taştı, dört gündür çöp kamyonu gelmedi.")
    assert case.category is None and case.unit is None
    prediction = Prediction.objects.get(case=case)
    assert not prediction.applied
    assert prediction.suggestions[0]["category"] == sample_categories["Çöp ve temizlik"].pk
    assert [s["probability"] for s in prediction.suggestions] == sorted(
        (s["probability"] for s in prediction.suggestions), reverse=True
    )
    assert RoutingFlag.objects.filter(case=case, kind="category", cleared_at__isnull=True).exists()


def test_route_reads_the_case_and_writes_nothing(institution, sample_categories, trained, make_case):
    case = make_case(category=None, subject="Parktaki salıncak kırık", description="Çocuklar yaralanabilir.")
    decision = routing.route(case)
    assert decision.category == sample_categories["Park ve yeşil alan"]
    assert decision.category_source == "classifier" and decision.action == "route"
    assert decision.suggestions[0].category.name == "Park ve yeşil alan"
    assert not Prediction.objects.exists() and not Event.objects.filter(action="categorise").exists()


def test_without_a_model_nothing_is_guessed(institution, sample_categories, open_case):
    case = open_case(institution, "Çöpler alınmıyor")
    assert case.category is None
    assert not Prediction.objects.exists()
    assert RoutingFlag.objects.get(case=case).kind == "category"


def test_an_operators_category_is_kept_and_only_the_unit_follows_an_area_rule(
    institution, category, roads, areas, open_case
):
    north = Unit.objects.create(institution=institution, name="Fen İşleri Kuzey Şefliği")
    RoutingRule.objects.create(institution=institution, category=category, area=areas.turgut_reis, unit=north)
    case = open_case(institution, "Yolda çukur", category=category, location=areas.in_turgut_reis)
    assert (case.category, case.unit) == (category, north)
    transfer = Event.objects.get(case=case, action="transfer")
    assert transfer.data["to_unit"] == north.pk and "Turgut Reis" in transfer.note


def test_a_confident_district_matter_goes_to_the_district_municipality_of_its_point(
    adana, adana_trained, areas, open_case
):
    Competence.objects.create(institution=adana.institution, category=adana.garbage, level="district")
    case = open_case(
        adana.institution,
        "Çöp toplanmıyor",
        "Sokağımızın çöpleri günlerdir alınmıyor",
        location=areas.in_cukurova,
    )
    assert case.institution == adana.cukurova
    there = adana.cukurova.categories.get()
    assert (case.category, case.unit) == (there, there.unit)
    assert [e.action for e in case.events.order_by("pk")] == ["open", "categorise", "transfer"]
    assert RoutingFlag.objects.get(case=case, kind="competence").cleared_at is not None


def test_another_bodys_matter_is_redirected_with_the_reason_told_to_the_citizen(
    adana, adana_trained, open_case
):
    ExternalMatter.objects.create(
        institution=adana.institution,
        name="Elektrik kesintisi",
        keywords="elektrik kesinti, trafo, elektrikler kesildi",
        body_name="TEDAŞ / Toroslar EDAŞ (186)",
        reason="Elektrik arızalarına dağıtım şirketi bakar; 186 Arıza Hattı'nı arayabilirsiniz.",
    )
    case = open_case(
        adana.institution, "Elektrikler kesildi", "Sabahtan beri mahallede elektrik yok, trafo patladı."
    )
    assert case.status == "redirected" and case.redirected_to == "TEDAŞ / Toroslar EDAŞ (186)"
    told = Event.objects.get(case=case, action="comment")
    assert told.public and told.note.startswith("Elektrik arızalarına")


def test_a_category_the_operator_chose_is_not_redirected_by_keywords_only_flagged(adana, areas, open_case):
    ExternalMatter.objects.create(
        institution=adana.institution,
        name="Elektrik",
        keywords="elektrik",
        body_name="Toroslar EDAŞ",
        reason="186",
    )
    case = open_case(adana.institution, "Elektrik direğinin dibi çöp dolu", category=adana.garbage)
    assert case.status == "new"
    assert RoutingFlag.objects.get(case=case).kind == "external"


def test_routing_can_be_switched_off_and_then_only_records(
    institution, sample_categories, trained, open_case, settings
):
    settings.KENTMASA_ROUTING_AUTO = False
    case = open_case(institution, "Çöpler alınmıyor", "Konteynerler taştı.")
    assert case.category is None
    assert Prediction.objects.get(case=case).applied is False


def test_a_failure_of_routing_never_undoes_the_case_and_is_noted_for_staff(
    institution, open_case, monkeypatch
):
    from kentmasa.routing import intake

    def broken(case):
        raise RuntimeError("model store unreachable")

    monkeypatch.setattr(intake, "intake", broken)
    case = open_case(institution, "Çöpler alınmıyor")
    note = Event.objects.get(case=case, action="comment")
    assert not note.public and "RuntimeError" in note.note


def test_a_replay_whose_open_is_announced_late_is_left_as_people_routed_it(
    institution, category, parks, make_case, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from kentmasa.cases import services

    RoutingRule.objects.create(institution=institution, category=category, keywords="çukur", unit=parks)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        case = make_case()
        services.start(case, actor=None)
    assert not Event.objects.filter(case=case, action="transfer").exists()
