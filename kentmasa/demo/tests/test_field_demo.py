"""The demo's field side (kentmasa.demo.field): Adana's road team and Derman team with their leaders and
members, today's work orders at real points of Adana sent by the road unit, a grader out and a truck
available, the reasons a work order could not be done; `make run` says how to open the app on a phone;
loading again the same day adds nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import Point

from kentmasa.cases.models import Case, Event
from kentmasa.demo import field, loader
from kentmasa.demo.places import load_mahalleler
from kentmasa.directory.models import Team, User
from kentmasa.field.models import FailureReason, InspectionReport, InspectionSettings, Machine, WorkOrder
from kentmasa.notify.models import Notification

PASSWORD = "parola-saha-1"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo without played cases (the field side opens the few it needs), loaded once, rolled back."""
    out = StringIO()
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with (
        pytest.MonkeyPatch.context() as patch,
        fast_hashing,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setenv(loader.PASSWORD_ENV, PASSWORD)
        call_command("load_demo", cases=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test may read the loaded demo (and what it writes is undone after it)."""


def team(name):
    return Team.objects.select_related("leader").get(name=name)


def test_the_teams_have_their_leaders_and_members(loaded):
    road, derman = team(field.ROAD_TEAM), team(field.DERMAN_TEAM)
    assert road.leader.username == "saha" and derman.leader.username == "derman"
    assert {"saha", "saha.ali", "saha.sevgi"} <= set(road.members.values_list("username", flat=True))
    assert {"derman", "derman.emine"} <= set(derman.members.values_list("username", flat=True))
    ali = User.objects.get(username="saha.ali")
    assert ali.role == User.Role.FIELD_TEAM and ali.check_password(PASSWORD)
    assert ali.get_full_name() == "Ali Yurt"


def test_today_s_work_orders_lie_at_real_points_of_adana(loaded):
    today = timezone.localdate()
    road = WorkOrder.objects.filter(team=team(field.ROAD_TEAM), scheduled_for=today).select_related("case")
    derman = WorkOrder.objects.filter(
        team=team(field.DERMAN_TEAM), scheduled_for=today, status=WorkOrder.Status.ASSIGNED
    )
    assert road.count() == field.ROAD_ORDERS and derman.count() == field.DERMAN_ORDERS
    inner, outer = load_mahalleler("adana")
    shapes = {(m.district, m.name): m.geometry for m in inner + outer}
    for order in [*road, *derman]:
        case = order.case
        sender = "operator" if order.kind == WorkOrder.Kind.INSPECTION else "birim"
        assert order.created_by.username == sender and order.status == WorkOrder.Status.ASSIGNED
        assert case.unit.name == field.ROAD_UNIT and case.province == "Adana"
        assert case.longitude is not None and case.latitude is not None
        point = Point(float(case.longitude), float(case.latitude))
        assert shapes[(case.district, case.neighbourhood)].contains(point), case.tracking_number
        assert Event.objects.filter(case=case, action="work_order", data__work_order=order.pk).exists()
    assert road.filter(assignee__username="saha.ali").count() == 1
    assert all(field.DERMAN_INSTRUCTION in order.instructions for order in derman)
    assert all(order.kind == WorkOrder.Kind.INSPECTION for order in derman)
    # The Derman team inspects cases the road team works (a second team on the same case), which keep the
    # road team as their own.
    assert set(derman.values_list("case", flat=True)) <= set(road.values_list("case", flat=True))
    assert {order.case.team.name for order in derman} == {field.ROAD_TEAM}


def test_a_derman_inspection_is_open_and_one_is_finished_with_its_report(loaded):
    derman = team(field.DERMAN_TEAM)
    settings = InspectionSettings.objects.get(institution__slug="adana-bb")
    assert settings.team == derman and settings.idle_percent == 50 and settings.sample_percent == 10
    assert WorkOrder.objects.filter(team=derman, kind=WorkOrder.Kind.INSPECTION, status="assigned").exists()
    report = InspectionReport.objects.get(work_order__team=derman)
    assert report.findings and report.pdf is not None and report.signed_by.username == "derman"
    assert report.outcome in (InspectionReport.Outcome.NOT_SOLVED, InspectionReport.Outcome.PARTLY)
    assert report.work_order.status == WorkOrder.Status.DONE
    case = report.case
    assert case.unit.name == field.ROAD_UNIT and case.team.name == field.ROAD_TEAM
    warned = Notification.objects.filter(kind="inspection_warning", case=case)
    assert warned.exists() and all(n.user.role == User.Role.UNIT_MANAGER for n in warned)


def test_a_grader_is_out_on_the_first_order_and_a_truck_is_available(loaded):
    grader, truck = Machine.objects.get(plate="01ABC153"), Machine.objects.get(plate="01YB4071")
    assert grader.status == Machine.Status.OUT and truck.status == Machine.Status.AVAILABLE
    assert grader.work_orders.get().team.name == field.ROAD_TEAM
    assert FailureReason.objects.filter(unit__name=field.ROAD_UNIT, text="Malzeme yok").exists()
    assert FailureReason.objects.filter(unit__name="Halkla İlişkiler Şube Müdürlüğü").count() == 3


def test_make_run_says_how_to_open_the_app_on_a_phone(loaded):
    assert "Saha ekipleri (Adana; telefonda /saha/" in loaded
    assert f"{field.ROAD_TEAM}: lider saha, üyeler: saha.ali, saha.sevgi; bugün 4 iş emri" in loaded
    assert "Greyder 1 (01ABC153) (İş emrinde sahada)" in loaded and "Kamyon 3 (01YB4071) (Müsait)" in loaded
    assert ":8443/saha/" in loaded and "caddy reverse-proxy --from https://" in loaded


def test_the_leader_and_the_unit_see_the_day_on_their_pages(loaded, client):
    assert client.login(username="saha", password=PASSWORD)
    page = client.get(reverse("field:office_leader")).content.decode()
    assert page.count('id="leader-order-') == field.ROAD_ORDERS
    assert client.login(username="birim", password=PASSWORD)
    machines = client.get(reverse("field:office_machines")).content.decode()
    assert "Greyder 1" in machines and "İş emrinde sahada" in machines and field.ROAD_TEAM in machines


def test_loading_again_the_same_day_adds_nothing_and_another_day_sends_that_day_s_work(loaded):
    def counts():
        models = (WorkOrder, Case, User, Event, Machine, FailureReason, InspectionReport, Notification)
        return [model.objects.count() for model in models]

    before = counts()
    call_command("load_demo", cases=0, stdout=StringIO())
    assert counts() == before
    tomorrow = timezone.now() + dt.timedelta(days=1)
    shown = field.set_up(PASSWORD, now=tomorrow)
    day = timezone.localdate(tomorrow)
    road = WorkOrder.objects.filter(team=team(field.ROAD_TEAM), scheduled_for=day)
    assert road.count() == field.ROAD_ORDERS
    assert shown is not None
    # The grader is still out on today's order: tomorrow's first order goes without it.
    assert Machine.objects.get(plate="01ABC153").work_orders.count() == 1
