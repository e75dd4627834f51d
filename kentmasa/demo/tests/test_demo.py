"""`manage.py load_demo`: the seed institutions with their real tables, Adana's Alo 153, staff in every role,
cases in every status on real neighbourhoods, and a second run that changes nothing."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point, shape

from kentmasa.cases.models import OPEN_STATUSES, Case, Citizen, Event, Kind, Status
from kentmasa.demo import kvkk_requests, loader, tables
from kentmasa.demo.directory import read_seed
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import (
    ApplicationPlace,
    Category,
    ClosedDay,
    Institution,
    Service,
    Team,
    Unit,
    User,
)
from kentmasa.lib import tckimlik

PASSWORD = "parola-tanitim-1"
MAHALLE_FILES = {"Adana": "mahalleler-adana.geojson", "Eskişehir": "mahalleler-eskisehir.geojson"}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module and rolled back after it (each test runs in a savepoint)."""
    out = StringIO()
    # The same fast hasher as every test (kentmasa/conftest.py), which is function-scoped and not active yet.
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with (
        pytest.MonkeyPatch.context() as patch,
        fast_hashing,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setenv(loader.PASSWORD_ENV, PASSWORD)
        call_command("load_demo", cases=60, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test may read the loaded demo (and what it writes is undone after it)."""


def counts() -> dict[str, int]:
    models = (Institution, Unit, Team, ApplicationPlace, Service, Category, User, Citizen, Case, Event)
    return {model.__name__: model.objects.count() for model in models}


def mahalle_shapes(province: str) -> dict[str, list]:
    path = Path(settings.SHARED_DIR) / "data" / "tr-admin" / MAHALLE_FILES[province]
    shapes: dict[str, list] = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        shapes.setdefault(feature["properties"]["name"], []).append(shape(feature["geometry"]))
    return shapes


def test_the_seed_institutions_carry_their_real_standards_tables(loaded):
    for seed in tables.SEED_INSTITUTIONS:
        institution = Institution.objects.get(slug=seed.slug)
        # Importing the seed again finds every service already there, unchanged, and nothing else.
        again = import_standards(institution, read_seed(seed.seed), dry_run=True)
        assert again.ok, again.problems
        assert again.services.unchanged == again.services.total == institution.services.count()
        assert again.not_in_table == []
        assert not institution.services.filter(unit__isnull=True).exists()
        assert institution.categories.count() == len(seed.categories)
    assert Institution.objects.get(slug="eskisehir-emniyet").services.count() == 5
    assert Institution.objects.get(slug="esenler").services.count() == 9
    assert Institution.objects.get(slug="kayseri-bb").services.count() == 7
    esenler = Institution.objects.get(slug="esenler")
    assert esenler.parent is not None and esenler.parent.slug == "istanbul-bb"


def test_police_only_topics_are_kept_off_the_public_forms(loaded, client):
    police = Category.objects.filter(institution__slug="eskisehir-emniyet")

    page = client.get(f"/basvuru/{tables.ESKISEHIR.slug}/").content.decode()

    assert set(police.filter(public=False).values_list("name", flat=True)) == {
        "KADES yardım çağrısı",
        "KGYS kamera kaydı talebi",
    }
    assert "Hırsızlık ihbarı" in page and "KADES" not in page and "KGYS" not in page
    assert not Category.objects.exclude(institution__slug="eskisehir-emniyet").filter(public=False).exists()


def test_adana_is_set_up_as_its_alo_153_describes(loaded):
    adana = Institution.objects.get(slug=tables.ADANA_SLUG)
    assert adana.kind == Institution.Kind.METROPOLITAN
    assert adana.units.count() == len(tables.ADANA_UNITS)
    assert Team.objects.filter(unit__institution=adana).count() == len(tables.ADANA_TEAMS)
    assert Team.objects.filter(unit__institution=adana, name__contains="Derman").exists()
    categories = adana.categories.select_related("service", "unit")
    assert categories.count() >= 30
    for category in categories:
        assert category.service is not None and category.unit is not None
        assert category.service.institution_id == category.unit.institution_id == adana.pk
        assert category.service.standard.has_deadline
    information = adana.services.get(name__contains="Bilgi Edinme")
    standard, extended = information.standard.standard, information.standard.extended
    assert standard is not None and extended is not None
    assert (standard.describe_tr(), extended.describe_tr()) == ("15 iş günü", "30 iş günü")
    zabita = adana.services.get(name__startswith="Zabıta").standard.standard
    assert zabita is not None and zabita.describe_tr() == "2 saat"
    place = information.first_application_place
    assert place is not None and place.person_name == "Hasan Aydoğan"


def test_there_is_a_login_for_every_role_with_the_configured_password(loaded):
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    expected = {
        "operator": User.Role.OPERATOR,
        "birim": User.Role.UNIT_STAFF,
        "mudur": User.Role.UNIT_MANAGER,
        "geribildirim": User.Role.FEEDBACK_OPERATOR,
        "saha": User.Role.FIELD_TEAM,
        "polis": User.Role.POLICE_OPERATOR,
        "yonetici": User.Role.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password(PASSWORD)
        assert user.institution is not None
        assert user.institution.slug == ("eskisehir-emniyet" if username == "polis" else tables.ADANA_SLUG)
    assert User.objects.get(username="saha").teams.exists()
    assert User.objects.get(username="birim").units.get().name == "Yol Bakım Şube Müdürlüğü"
    assert User.objects.get(username="admin").is_superuser
    for username in expected:
        assert username in loaded
    assert PASSWORD in loaded


def test_cases_reach_every_status_through_the_domain_functions(loaded):
    # The played history is the 60 cases asked for; beside it kentmasa.demo.foi takes twelve information
    # requests (Law 4982) to their states through the foi services, and kentmasa.demo.kvkk_requests gives one
    # person (Selma Arslan) two cases of her own and three KVKK applications.
    assert Case.objects.filter(foi__isnull=False).count() == 12
    kvkk_person = Case.objects.filter(
        Q(citizen__tc_kimlik=kvkk_requests.SELMA_TC) | Q(kind=Kind.DATA_SUBJECT_REQUEST)
    )
    assert kvkk_person.filter(kind=Kind.DATA_SUBJECT_REQUEST).count() == 3 and kvkk_person.count() == 5
    cases = Case.objects.filter(foi__isnull=True).exclude(pk__in=kvkk_person.values("pk"))
    adana_cases = cases.filter(institution__slug=tables.ADANA_SLUG)
    assert adana_cases.count() + cases.filter(institution__parent__slug=tables.ADANA_SLUG).count() == 60
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    # Every case was opened, and every change of status left its event.
    assert Event.objects.filter(action="open", case__in=cases).count() == cases.count()
    for case in cases.exclude(status=Status.NEW).prefetch_related("events"):
        assert [event.to_status for event in case.events.all() if event.to_status][-1] == case.status
    overdue = cases.filter(overdue_since__isnull=False, status__in=OPEN_STATUSES)
    assert overdue.exists()
    assert all(case.events.filter(action="escalate").exists() for case in overdue)
    assert cases.filter(status=Status.MERGED, merged_into__status__in=OPEN_STATUSES).exists()
    assert cases.filter(institution__slug="eskisehir-emniyet", channel="kades").exists()
    numbers = [number for number in Citizen.objects.values_list("tc_kimlik", flat=True) if number is not None]
    assert numbers and all(tckimlik.is_valid(number) for number in numbers)
    # Some people come back, on another channel: one citizen record follows them.
    channels = Count("cases__channel", distinct=True)
    assert Citizen.objects.annotate(channels=channels).filter(channels__gt=1).exists()


def test_every_case_lies_inside_its_real_mahalle(loaded):
    shapes = {province: mahalle_shapes(province) for province in MAHALLE_FILES}
    # An information request by e-mail asks for no place: the foi demo's have none, nor do the KVKK demo's
    # applications and its person's two earlier cases (kentmasa.demo.kvkk_requests); nothing else lacks one.
    placeless = Case.objects.filter(neighbourhood="")
    kvkk_person = Case.objects.filter(
        Q(citizen__tc_kimlik=kvkk_requests.SELMA_TC) | Q(kind=Kind.DATA_SUBJECT_REQUEST)
    )
    assert placeless.exists() and not placeless.filter(foi__isnull=True).exclude(pk__in=kvkk_person).exists()
    for case in Case.objects.exclude(neighbourhood=""):
        polygons = shapes[case.province].get(case.neighbourhood)
        assert polygons, f"{case.neighbourhood} is not a mahalle of {case.province}"
        assert case.longitude is not None and case.latitude is not None
        point = Point(float(case.longitude), float(case.latitude))
        assert any(polygon.contains(point) for polygon in polygons), case.tracking_number
        assert case.district


def test_a_second_run_adds_nothing(loaded):
    before = counts()
    out = StringIO()
    call_command("load_demo", cases=60, stdout=out)
    assert counts() == before
    assert "zaten yüklü" in out.getvalue() and PASSWORD in out.getvalue()


@pytest.mark.django_db
@override_settings(KENTMASA_PRODUCTION=True)
def test_the_demo_is_refused_in_production():
    before = (Institution.objects.count(), User.objects.count(), Case.objects.count())
    with pytest.raises(CommandError, match="üretim"):
        call_command("load_demo", cases=5)
    assert (Institution.objects.count(), User.objects.count(), Case.objects.count()) == before


def test_notifications_reach_named_people_and_answers_wait_for_approval(loaded):
    from kentmasa.notify.models import Approval, Notification

    # Every team with logins is led by one of its members; the application places are held by the people
    # they name.
    teams = Team.objects.filter(members__isnull=False).distinct().select_related("leader")
    assert teams.count() >= 20
    assert all(team.leader is not None and team.members.filter(pk=team.leader.pk).exists() for team in teams)
    holders = {
        (place.person_name, user.username)
        for place in ApplicationPlace.objects.prefetch_related("holders")
        for user in place.holders.all()
    }
    assert {("Hasan Aydoğan", "aydogan"), ("Murat DAĞ", "mdag"), ("Kamuran TURAN", "kturan")} <= holders
    # A few road answers wait for the manager of the road unit's department, who is told.
    waiting = Approval.objects.filter(state=Approval.State.PENDING).select_related("approver", "case")
    held = waiting.count()
    assert 1 <= held <= 3
    assert {approval.approver.username for approval in waiting} == {"mudur"}
    assert all(case.resolution == "" and case.status in OPEN_STATUSES for case in (a.case for a in waiting))
    assert Notification.objects.filter(user__username="mudur", kind="approval_requested").count() == held
    # (Who hears of the escalations is told after each commit, which this module's one transaction never
    # reaches; kentmasa/notify/tests/test_rules.py covers it.)
    assert f"mudur: onayını bekleyen {held} cevap" in loaded


def test_police_calls_are_passed_on_within_the_155_standard(loaded):
    """The 155 standard times the forwarding (kentmasa.cases.clock): the demo's operator passes every call on
    (a team sent, or the caller redirected) 2–8 minutes after it came in, so the overview shows the standard
    met, and no call forwarded in time is ever escalated."""
    from kentmasa.cases import clock
    from kentmasa.reports.views import _with_percent, measures

    police = Case.objects.filter(institution__slug="eskisehir-emniyet")
    assert police.exists() and set(police.values_list("clock", flat=True)) == {clock.FORWARDING}
    forwarded = police.filter(clock_stopped_at__isnull=False)
    assert forwarded.exists()
    for case in forwarded:
        passed_on = case.events.filter(action__in=("assign", "redirect"), actor__isnull=False)
        first = passed_on.earliest("at", "pk")
        assert first.actor.username == "polis" and first.at == case.clock_stopped_at
        assert dt.timedelta(minutes=2) <= case.clock_stopped_at - case.received_at <= dt.timedelta(minutes=8)
        assert case.due_at is not None
        if case.clock_stopped_at <= case.due_at:
            assert not case.events.filter(action="escalate").exists(), case.tracking_number
    # Every call on the 155, SMS and e-mail rows (10 and 60 minutes) is within; KADES ("anlık": 5 minutes)
    # may not be.
    assert all(clock.within_standard(case) for case in forwarded.exclude(channel="kades"))
    figures = _with_percent(police.aggregate(**measures(timezone.now())))
    assert figures["measured"] == forwarded.count()
    assert figures["percent"] >= 66


def test_feedback_calls_wait_for_geribildirim_and_some_are_recorded(loaded):
    from kentmasa.feedback import services as feedback
    from kentmasa.feedback.models import FeedbackCall, FeedbackDaily

    elif_ = User.objects.get(username="geribildirim")
    waiting = feedback.waiting_calls(elif_)
    assert waiting.exists()
    assert all(call.case.status == Status.RESOLVED and call.case.citizen.phone for call in waiting)
    done = FeedbackCall.objects.filter(state="done")
    assert done.filter(outcome="satisfied", score__isnull=False).exists()
    assert Case.objects.filter(status=Status.CLOSED, feedback_calls__outcome="satisfied").exists()
    assert not FeedbackCall.objects.filter(case__channel="kades").exists()
    figures = FeedbackDaily.objects.filter(institution__slug=tables.ADANA_SLUG)
    assert sum(figures.values_list("calls", flat=True)) == done.count()
    # Nothing was sent for history.
    assert not FeedbackCall.objects.exclude(method="call").exists()
    before = FeedbackCall.objects.count()
    call_command("load_demo", cases=60, stdout=StringIO())
    assert FeedbackCall.objects.count() == before


def test_the_presidency_s_2024_leave_stands_as_nationwide_closed_days(loaded):
    nationwide = ClosedDay.objects.filter(institution=None).values_list("date", flat=True)
    assert list(nationwide) == [
        dt.date(2024, 4, 8),
        dt.date(2024, 4, 9),
        dt.date(2024, 6, 20),
        dt.date(2024, 6, 21),
    ]
    adana = Institution.objects.get(slug=tables.ADANA_SLUG)
    calendar = adana.business_calendar()
    assert calendar.is_closed(dt.date(2024, 4, 8)) and not calendar.is_working_day(dt.date(2024, 4, 8))
    assert calendar.statutory_clock().is_working_day(dt.date(2024, 4, 8))
    # In the past: every demo case came in after them, so none of their deadlines moved.
    assert not Case.objects.filter(received_at__date__lte=dt.date(2024, 6, 21)).exists()


def test_adana_answers_by_e_mail_and_sms(loaded):
    """Seed 004: answers go to the applicant "e-posta ve SMS yoluyla" — Adana's AnswerRule reaches every
    contact given, once however often the demo is loaded."""
    from kentmasa.cases.intake import Inbound, open_from
    from kentmasa.channels import replies
    from kentmasa.channels.models import AnswerRule

    adana = Institution.objects.get(slug=tables.ADANA_SLUG)
    rules = AnswerRule.objects.filter(institution=adana)
    assert [(rule.service_id, rule.kind, rule.reach) for rule in rules] == [(None, "", "given")]
    case = open_from(
        Inbound(
            channel="web",
            institution=adana,
            subject="Sokak lambası yanmıyor",
            text="Sokağımızdaki lamba bir haftadır yanmıyor.",
            name="Ayşe Kaya",
            phone="+905321234567",
            email="ayse.kaya@example.com",
            category=adana.categories.filter(public=True).order_by("pk").first(),
        )
    )
    assert set(replies.reply_targets(case)) == {("sms", "+905321234567"), ("email", "ayse.kaya@example.com")}
    call_command("load_demo", cases=60, stdout=StringIO())
    assert rules.count() == 1
