"""The demo's Haber Merkezi (kentmasa.demo.police): Eskişehir police's dispatch settings and duty supervisor,
teams of two with fresh positions in the city, and the woman under a Law 6284 order whose alerts
`manage.py demo_kades` replays; loading again adds nothing and refreshes the positions."""

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Citizen
from kentmasa.demo import loader, police
from kentmasa.demo.places import load_mahalleler
from kentmasa.demo.tables import ESKISEHIR
from kentmasa.directory.models import Institution, Team, TeamPosition, Unit, User
from kentmasa.emergency.models import Dispatch, DispatchSettings, Incident, ProtectionOrder
from kentmasa.lib import phones, tckimlik

PASSWORD = "parola-polis-1"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo without cases (the police part does not need them), loaded once and rolled back after."""
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


@pytest.fixture
def directorate(loaded) -> Institution:
    return Institution.objects.get(slug=ESKISEHIR.slug)


def police_teams(directorate: Institution):
    return Team.objects.filter(unit__institution=directorate, kind=Team.Kind.POLICE).prefetch_related(
        "members"
    )


def load_again(monkeypatch) -> str:
    monkeypatch.setenv(loader.PASSWORD_ENV, PASSWORD)
    out = StringIO()
    call_command("load_demo", cases=0, stdout=out)
    return out.getvalue()


def test_the_haber_merkezi_has_its_settings_and_a_named_duty_supervisor(directorate, loaded):
    settings_ = DispatchSettings.objects.select_related("haber_merkezi", "kades_category").get(
        institution=directorate
    )
    assert settings_.haber_merkezi is not None and settings_.haber_merkezi.name == "Haber Merkezi"
    assert settings_.haber_merkezi.institution_id == directorate.pk
    category = settings_.kades_category
    assert category is not None and category.institution_id == directorate.pk
    assert "KADES" in category.name and not category.public
    supervisor = settings_.supervisors.get()
    assert supervisor.username == police.SUPERVISOR.username
    assert supervisor.first_name and supervisor.last_name
    assert supervisor.role == User.Role.POLICE_OPERATOR and supervisor.institution_id == directorate.pk
    assert phones.is_turkish_mobile(supervisor.mobile)
    assert supervisor.check_password(PASSWORD)
    assert supervisor.username in loaded
    # Operators to log in with besides the supervisor.
    operators = User.objects.filter(institution=directorate, role=User.Role.POLICE_OPERATOR)
    assert operators.exclude(pk=supervisor.pk).filter(username="polis").exists()


def test_six_to_eight_police_teams_of_two_with_demo_logins(directorate, loaded):
    teams = list(police_teams(directorate))
    assert 6 <= len(teams) <= 8
    assert {"Tepebaşı 1. Ekip", "Odunpazarı Yunus 3", "Yunus Ekibi 1"} <= {team.name for team in teams}
    usernames = set()
    for team in teams:
        members = list(team.members.all())
        assert len(members) == 2, team.name
        assert team.active and team.leader_id in {member.pk for member in members}
        for member in members:
            assert member.role == User.Role.FIELD_TEAM and member.institution_id == directorate.pk
            assert member.first_name and member.last_name
            assert member.check_password(PASSWORD)
            assert phones.is_turkish_mobile(member.mobile)  # a dispatch's SMS reaches them
            usernames.add(member.username)
    assert len(usernames) == 2 * len(teams)
    for username in usernames:  # the command lists them with the other unit and team logins
        assert username in loaded


def test_most_teams_are_available_and_some_are_busy_or_off_duty(directorate):
    statuses = [team.status for team in police_teams(directorate)]
    available = statuses.count(Team.Status.AVAILABLE)
    assert available > len(statuses) / 2
    assert {Team.Status.EN_ROUTE, Team.Status.ON_SCENE, Team.Status.OFF_DUTY} <= set(statuses)


def test_every_team_was_last_seen_in_tepebasi_or_odunpazari_seconds_to_minutes_ago(directorate):
    inner, _outer = load_mahalleler("eskisehir")
    urban = [m for m in inner if m.district in ("Tepebaşı", "Odunpazarı")]
    now = timezone.now()
    ages = []
    for team in police_teams(directorate):
        assert team.has_position and team.position_at is not None and team.accuracy_m
        point = Point(float(team.longitude), float(team.latitude))
        assert any(m.geometry.contains(point) for m in urban), team.name
        age = (now - team.position_at).total_seconds()
        assert 0 < age < 30 * 60, team.name
        ages.append(age)
        # The team's last position is the newest of its track.
        track = list(TeamPosition.objects.filter(team=team).order_by("at"))
        assert track and track[-1].at == team.position_at
        assert (track[-1].latitude, track[-1].longitude) == (team.latitude, team.longitude)
        assert all(a.at < b.at for a, b in itertools.pairwise(track))
        assert all(
            any(m.geometry.contains(Point(float(p.longitude), float(p.latitude))) for m in urban)
            for p in track
        )
    assert min(ages) < 30 and max(ages) > 60  # a few seconds old to minutes old


def test_the_kades_person_has_a_protection_order_and_no_citizen_record(directorate):
    person = police.KADES_PERSON
    order = ProtectionOrder.objects.get(institution=directorate)
    assert order.person_tc_kimlik == person.tc_kimlik_no and order.person_name == person.name
    assert tckimlik.is_valid(order.person_tc_kimlik)
    assert order.valid_until is not None and order.decided_on < timezone.localdate() < order.valid_until
    assert "6284" in order.measures and order.court and order.decision_no
    assert phones.is_turkish_mobile(person.phone)
    # Nothing that writes to citizens may know her.
    assert not Citizen.objects.filter(tc_kimlik=person.tc_kimlik_no).exists()
    assert not Citizen.objects.filter(phone=person.phone).exists()


def test_loading_again_adds_nothing_and_refreshes_the_positions(directorate, monkeypatch):
    before = {team.pk: team.position_at for team in police_teams(directorate)}
    models = (Team, TeamPosition, User, Unit, DispatchSettings, ProtectionOrder)
    counts = {model.__name__: model.objects.count() for model in models}
    supervisors = list(DispatchSettings.objects.get(institution=directorate).supervisors.all())

    out = load_again(monkeypatch)

    assert "zaten yüklü" in out
    assert {model.__name__: model.objects.count() for model in models} == counts
    assert list(DispatchSettings.objects.get(institution=directorate).supervisors.all()) == supervisors
    for team in police_teams(directorate):
        assert team.position_at is not None and team.position_at > before[team.pk], team.name


def test_a_team_sent_to_an_open_incident_keeps_its_status_and_position(directorate, monkeypatch):
    team = police_teams(directorate).get(name="Tepebaşı 1. Ekip")
    case = services.open_case(
        institution=directorate, channel=Channel.PHONE, subject="Sokakta kavga", unit=team.unit
    )
    now = timezone.now()
    incident, _ = Incident.objects.get_or_create(
        case=case, defaults={"institution": directorate, "opened_at": now}
    )
    Dispatch.objects.create(
        incident=incident,
        team=team,
        status=Dispatch.Status.ACKNOWLEDGED,
        dispatched_at=now,
        ack_due_at=now + dt.timedelta(seconds=60),
    )
    Team.objects.filter(pk=team.pk).update(status=Team.Status.EN_ROUTE)
    team.refresh_from_db()

    load_again(monkeypatch)

    kept = Team.objects.get(pk=team.pk)
    assert kept.status == Team.Status.EN_ROUTE
    assert (kept.latitude, kept.longitude, kept.position_at) == (
        team.latitude,
        team.longitude,
        team.position_at,
    )
    # Once the incident is closed the team is the demo's again.
    Incident.objects.filter(pk=incident.pk).update(closed_at=timezone.now())
    load_again(monkeypatch)
    assert Team.objects.get(pk=team.pk).status == Team.Status.AVAILABLE


def test_what_an_administrator_set_stays(directorate, monkeypatch):
    other = Unit.objects.get(institution=directorate, name=police.PATROL_UNIT)
    DispatchSettings.objects.filter(institution=directorate).update(
        haber_merkezi=other, kades_category=None, team_ack_seconds=90
    )

    load_again(monkeypatch)

    settings_ = DispatchSettings.objects.get(institution=directorate)
    assert settings_.haber_merkezi_id == other.pk and settings_.team_ack_seconds == 90
    assert settings_.kades_category is not None  # an empty one is filled in


def test_a_directorate_without_a_police_operator_gets_one(directorate):
    operators = User.objects.filter(institution=directorate, role=User.Role.POLICE_OPERATOR)
    operators.update(role=User.Role.UNIT_STAFF)
    User.objects.filter(username="polis").update(username="polis.eski")

    police.set_up(PASSWORD)

    made = User.objects.get(username="polis")
    assert made.role == User.Role.POLICE_OPERATOR and made.institution_id == directorate.pk
    assert made.check_password(PASSWORD)


def test_demo_kades_sends_her_alerts_from_the_city(directorate):
    """`manage.py demo_kades` finds her by her order; the phone it falls back on is hers, and the points it
    starts from lie in the city's mahalles."""
    import random

    from kentmasa.emergency.management.commands import demo_kades

    assert police.KADES_PERSON.phone == demo_kades.DEMO_PHONE
    assert demo_kades.Command()._person(None, None, None) == demo_kades.Person(
        police.KADES_PERSON.name, police.KADES_PERSON.tc_kimlik_no, police.KADES_PERSON.phone
    )
    inner, _outer = load_mahalleler("eskisehir")
    urban = [m for m in inner if m.district in ("Tepebaşı", "Odunpazarı")]
    for seed in range(30):
        walk = demo_kades.Walk(random.Random(seed))
        for _ in range(3):
            walk.step(5)
            point = Point(walk.longitude, walk.latitude)
            assert any(m.geometry.contains(point) for m in urban), (seed, walk.latitude, walk.longitude)
