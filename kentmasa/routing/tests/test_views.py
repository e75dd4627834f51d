"""Ayşe the operator sees the router's suggestions as she types, and acts on its findings on the case page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Event
from kentmasa.directory.models import User
from kentmasa.routing.models import ExternalMatter, RoutingFlag

pytestmark = pytest.mark.django_db
SUGGEST = "/yonlendirme/oneri/"


@pytest.fixture
def ayse(operator, client):
    client.force_login(operator)
    return operator


def test_the_console_asks_the_router_while_the_operator_types(ayse, client):
    page = client.get("/konsol/").content.decode()
    assert 'id="routing-suggestions"' in page and reverse("routing:suggest") in page
    assert "routing/suggest.js" in page


def test_the_top_three_categories_come_back_as_buttons_that_choose_them(
    ayse, client, sample_categories, trained
):
    response = client.get(SUGGEST, {"subject": "Çöpler alınmıyor", "description": "Konteyner taştı"})
    page = response.content.decode()
    garbage = sample_categories["Çöp ve temizlik"]
    assert response.status_code == 200
    assert page.count('class="routing-pick link"') == 3
    assert f'id="routing-pick-{garbage.pk}"' in page
    assert page.index(f"routing-pick-{garbage.pk}") < page.index("routing-pick-", page.index("</li>"))
    assert "Temizlik İşleri Müdürlüğü" in page  # the unit it would go to


def test_nothing_is_suggested_for_a_few_letters(ayse, client, sample_categories, trained):
    assert client.get(SUGGEST, {"subject": "ç"}).content.decode().strip() == ""


def test_whose_matter_it_is_and_likely_duplicates_are_shown_while_typing(
    ayse, client, institution, category, make_case, areas
):
    ExternalMatter.objects.create(
        institution=institution,
        name="Doğalgaz",
        keywords="doğalgaz, gaz kokusu",
        body_name="İGDAŞ (187)",
        reason="187",
    )
    earlier = make_case(
        subject="Çukur var",
        description="Büyük çukur",
        location=areas.in_turgut_reis,
        received_at=timezone.now(),
    )
    page = client.get(
        SUGGEST,
        {
            "subject": "Yolda büyük çukur, gaz kokusu da var",
            "category": category.pk,
            **areas.in_turgut_reis,
        },
    ).content.decode()
    assert "İGDAŞ (187)" in page
    assert reverse("cases:detail", args=[earlier.tracking_number]) in page
    outside = client.get(SUGGEST, {"subject": "Yolda çukur", **areas.in_bagcilar}).content.decode()
    assert "Bağcılar / İstanbul" in outside


def test_unit_staff_do_not_work_the_console(client, road_staff):
    client.force_login(road_staff)
    assert client.get(SUGGEST, {"subject": "Çukur"}).status_code == 403


def test_the_case_page_loads_the_routing_panel_with_the_classifiers_choices(
    ayse, client, institution, sample_categories, trained, open_case, settings
):
    settings.KENTMASA_ROUTING_THRESHOLD = 0.99
    case = open_case(institution, "Parktaki salıncak kırık", "Çocuklar düşüp yaralanabilir")
    panel = client.get(reverse("routing:case_panel", args=[case.tracking_number])).content.decode()
    park = sample_categories["Park ve yeşil alan"]
    assert f'id="routing-choose-{park.pk}"' in panel and 'id="routing-category"' in panel

    response = client.post(reverse("routing:categorise", args=[case.tracking_number]), {"category": park.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.category, case.unit) == (park, park.unit)
    event = Event.objects.get(case=case, action="categorise")
    assert event.actor == ayse and event.data["source"] == "operator"


def test_a_flag_is_acted_on_with_one_click(ayse, client, adana, areas, open_case, make_user):
    from kentmasa.routing.models import Competence

    operator = make_user(User.Role.OPERATOR, "adana_operator", institution_=adana.institution)
    client.force_login(operator)
    Competence.objects.create(institution=adana.institution, category=adana.garbage, level="district")
    case = open_case(adana.institution, "Çöpler alınmıyor", category=adana.garbage, location=areas.in_seyhan)
    panel = client.get(reverse("routing:case_panel", args=[case.tracking_number])).content.decode()
    assert "Seyhan Belediyesi" in panel and 'id="routing-act-competence"' in panel
    flag = RoutingFlag.objects.get(case=case, kind="competence")
    response = client.post(reverse("routing:act_on_flag", args=[case.tracking_number, flag.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.institution == adana.seyhan and case.category == adana.seyhan.categories.get()


def test_a_flagged_transfer_an_approval_rule_holds_waits_for_the_approver(
    ayse, client, adana, areas, open_case, make_user
):
    from kentmasa.notify.models import Action, Approval, ApprovalRule
    from kentmasa.routing.models import Competence

    operator = make_user(User.Role.OPERATOR, "adana_operator", institution_=adana.institution)
    chief = make_user(User.Role.ADMINISTRATOR, "adana_chief", institution_=adana.institution)
    ApprovalRule.objects.create(institution=adana.institution, action=Action.TRANSFER, approver=chief)
    client.force_login(operator)
    Competence.objects.create(institution=adana.institution, category=adana.garbage, level="district")
    case = open_case(adana.institution, "Çöpler alınmıyor", category=adana.garbage, location=areas.in_seyhan)
    flag = RoutingFlag.objects.get(case=case, kind="competence")
    response = client.post(reverse("routing:act_on_flag", args=[case.tracking_number, flag.pk]), follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.institution == adana.institution  # not moved: it waits for the approver
    approval = Approval.objects.get(case=case, state=Approval.State.PENDING)
    assert (approval.action, approval.approver, approval.params["institution"]["pk"]) == (
        Action.TRANSFER,
        chief,
        adana.seyhan.pk,
    )


def test_a_likely_duplicate_offers_the_merge(ayse, client, make_case, areas):
    earlier = make_case(
        subject="Ana boru patladı", description="Su fışkırıyor", location=areas.in_turgut_reis
    )
    later = make_case(
        subject="Boru patlamış", description="Sokağa su fışkırıyor", location=areas.in_turgut_reis
    )
    panel = client.get(reverse("routing:case_panel", args=[later.tracking_number])).content.decode()
    assert f'id="routing-merge-{earlier.pk}"' in panel
    assert reverse("cases:transition", args=[later.tracking_number, "merge"]) in panel
    client.post(
        reverse("cases:transition", args=[later.tracking_number, "merge"]),
        {"merge-into": earlier.tracking_number},
    )
    later.refresh_from_db()
    assert later.merged_into == earlier


def test_unit_staff_see_the_panel_but_cannot_recategorise(client, road_staff, make_case, sample_categories):
    client.force_login(road_staff)
    case = make_case()
    assert client.get(reverse("routing:case_panel", args=[case.tracking_number])).status_code == 200
    response = client.post(
        reverse("routing:categorise", args=[case.tracking_number]),
        {"category": sample_categories["Park ve yeşil alan"].pk},
    )
    assert response.status_code == 403


def test_the_administrator_edits_rules_competence_and_other_bodies_matters(client, make_user):
    admin_user = make_user(User.Role.ADMINISTRATOR, "root")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for model in ("routingrule", "competence", "externalmatter", "routermodel", "routingflag"):
        assert client.get(f"/admin/routing/{model}/").status_code == 200, model
    assert client.get("/admin/routing/routingrule/add/").status_code == 200


def test_the_case_page_include_loads_the_panel_by_htmx(make_case):
    from django.template.loader import render_to_string

    case = make_case()
    html = render_to_string("routing/_case_hook.html", {"case": case})
    assert f'hx-get="{reverse("routing:case_panel", args=[case.tracking_number])}"' in html
    assert 'hx-trigger="load"' in html


def test_a_superscript_category_is_no_category_never_a_500(ayse, client, sample_categories, trained):
    """ "²".isdigit() is True but int("²") fails: the id is ASCII digits or nothing."""
    for junk in ("²", "1²", "9" * 5000):
        response = client.get(SUGGEST, {"subject": "Çöpler alınmıyor", "category": junk})
        assert response.status_code == 200, junk[:5]
