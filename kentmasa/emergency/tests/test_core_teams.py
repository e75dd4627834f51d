"""Teams as the Haber Merkezi sees them (kentmasa.emergency.teams): status, positions (kept for a while),
and the nearest available teams by straight-line distance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, TeamPosition, Unit, User
from kentmasa.emergency import services, teams
from kentmasa.emergency.models import ConsolePresence
from kentmasa.emergency.tests.core_world import INCIDENT, live_events, place, police_world, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return police_world()


def test_haversine_is_the_great_circle_distance():
    # Eskişehir's Adalar to Ankara's Kızılay: about 200 km in a straight line.
    assert 199_000 < teams.haversine_m(39.7766, 30.515, 39.9208, 32.8541) < 201_000
    assert teams.haversine_m(39.7766, 30.515, 39.7766, 30.515) == 0
    # One micro-degree of latitude is about 11 cm.
    assert 0.10 < teams.haversine_m(0, 0, 0.000001, 0) < 0.12


def test_nearest_available_orders_by_distance_and_gives_the_position_age(world):
    found = teams.nearest_available(world.police, *INCIDENT)
    assert [s.team for s in found] == world.teams
    assert [s.distance_m for s in found] == sorted(s.distance_m for s in found)
    assert 200 < found[0].distance_m < 300
    assert 1000 < found[1].distance_m < 1600
    assert 3500 < found[2].distance_m < 4500
    assert [s.position_age_s for s in found] == pytest.approx([30, 60, 90], abs=3)
    assert [s.team for s in teams.nearest_available(world.police, *INCIDENT, limit=1)] == world.teams[:1]
    assert [s.team for s in teams.nearest_available(world.police, *INCIDENT, exclude=[world.teams[0]])] == (
        world.teams[1:]
    )
    assert (
        len(teams.nearest_available(world.police, *INCIDENT, limit=10_000)) == 3
    )  # bounded, and all there are
    assert teams.nearest_available(world.police, None, None) == []


def test_only_available_active_police_teams_of_the_institution_with_a_position(world):
    first, second, third = world.teams
    place(first, *INCIDENT, status=Team.Status.EN_ROUTE)  # busy, though it is closest
    second.active = False
    second.save()
    field_crew = Team.objects.create(unit=world.patrol, name="Saha Ekibi", kind=Team.Kind.FIELD)
    place(field_crew, *INCIDENT)
    no_position = Team.objects.create(
        unit=world.patrol, name="Yunus Ekibi 9", kind=Team.Kind.POLICE, status=Team.Status.AVAILABLE
    )
    other = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    foreign = Team.objects.create(
        unit=Unit.objects.create(institution=other, name="Asayiş"), name="Ankara 1", kind="police"
    )
    place(foreign, *INCIDENT)
    found = teams.nearest_available(world.police, *INCIDENT)
    assert [s.team for s in found] == [third]
    assert no_position not in [s.team for s in found]


def test_a_team_waiting_to_answer_a_dispatch_is_not_suggested(world):
    case = world.open_call()
    services.dispatch(case.incident, world.teams[0], actor=world.operator)
    assert [s.team for s in teams.nearest_available(world.police, *INCIDENT)] == world.teams[1:]


def test_record_position_keeps_it_and_moves_the_team(world):
    team = world.teams[0]
    member = world.members[team.pk][0]
    position = teams.record_position(
        team, latitude="39.780001", longitude=30.52, accuracy_m=12.4, actor=member
    )
    team.refresh_from_db()
    assert (team.latitude, team.longitude, team.accuracy_m) == (
        Decimal("39.780001"),
        Decimal("30.520000"),
        12,
    )
    assert team.position_at == position.at
    assert TeamPosition.objects.filter(team=team).count() == 1
    [event] = live_events("team", "position")
    assert event.institution_id == world.police.pk and event.team_id == team.pk
    assert event.data["team"] == team.pk and event.data["latitude"] == 39.780001
    assert event.data["accuracy_m"] == 12 and event.data["status"] == "available"
    assert set(event.data) == {
        "team",
        "status",
        "latitude",
        "longitude",
        "accuracy_m",
        "position_at",
        "status_at",
    }


def test_a_late_position_is_kept_but_does_not_replace_a_newer_one(world):
    team = world.teams[0]
    now = timezone.now()
    teams.record_position(team, latitude=39.79, longitude=30.53, at=now)
    teams.record_position(team, latitude=39.70, longitude=30.40, at=now - dt.timedelta(minutes=2))
    team.refresh_from_db()
    assert team.latitude == Decimal("39.790000")
    assert TeamPosition.objects.filter(team=team).count() == 2
    assert len(live_events("team", "position")) == 1
    # A phone clock in the year 1 or far ahead: the server's time counts.
    teams.record_position(team, latitude=39.71, longitude=30.41, at=dt.datetime(1, 1, 1, tzinfo=dt.UTC))
    team.refresh_from_db()
    assert (
        team.latitude == Decimal("39.710000") and abs((timezone.now() - team.position_at).total_seconds()) < 5
    )


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy", "field"),
    [
        (91, 30, None, "latitude"),
        (-90.0000001, 30, None, "latitude"),
        (39, 180.5, None, "longitude"),
        ("NaN", 30, None, "latitude"),
        (39, "Infinity", None, "longitude"),
        ("kırk", 30, None, "latitude"),
        (True, 30, None, "latitude"),
        (2**63, 30, None, "latitude"),
        ("9" * 300, 30, None, "latitude"),
        ("39\x00", 30, None, "latitude"),
        (None, 30, None, "latitude"),
        (39, 30, -1, "accuracy_m"),
        (39, 30, 2**63, "accuracy_m"),
        (39, 30, "yakın", "accuracy_m"),
    ],
)
def test_a_position_out_of_range_is_refused_naming_the_field(world, latitude, longitude, accuracy, field):
    with pytest.raises(TransitionError) as refused:
        teams.record_position(world.teams[0], latitude=latitude, longitude=longitude, accuracy_m=accuracy)
    assert refused.value.code == field
    assert not TeamPosition.objects.exists()


def test_only_the_team_sends_its_position_and_sets_its_status(world):
    first, second = world.teams[0], world.teams[1]
    stranger = world.members[second.pk][0]
    with pytest.raises(TransitionError) as refused:
        teams.record_position(first, latitude=39.7, longitude=30.5, actor=stranger)
    assert refused.value.code == "forbidden"
    with pytest.raises(TransitionError):
        teams.set_status(first, Team.Status.OFF_DUTY, actor=stranger)
    with pytest.raises(TransitionError) as unknown:
        teams.set_status(first, "coffee", actor=world.members[first.pk][0])
    assert unknown.value.code == "status"
    other_operator = user(
        "ankara-op",
        User.Role.POLICE_OPERATOR,
        Institution.objects.create(slug="ankara", name="Ankara", kind=Institution.Kind.POLICE),
    )
    with pytest.raises(TransitionError):
        teams.set_status(first, Team.Status.OFF_DUTY, actor=other_operator)


def test_set_status_publishes_once_per_change(world):
    team = world.teams[0]
    member = world.members[team.pk][1]
    teams.set_status(team, Team.Status.OFF_DUTY, actor=member)
    teams.set_status(team, Team.Status.OFF_DUTY, actor=member)
    teams.set_status(team, Team.Status.AVAILABLE, actor=world.operator)
    team.refresh_from_db()
    assert team.status == Team.Status.AVAILABLE
    assert [(e.change, e.data["status"], e.team_id) for e in live_events("team")] == [
        ("status", "off_duty", team.pk),
        ("status", "available", team.pk),
    ]


def test_positions_are_deleted_after_the_keep_hours(world, settings):
    settings.KENTMASA_TEAM_POSITION_KEEP_HOURS = 24
    team, kept_team = world.teams[0], world.teams[1]
    now = timezone.now()
    teams.record_position(team, latitude=39.70, longitude=30.50, at=now - dt.timedelta(hours=1))
    TeamPosition.objects.update(at=now - dt.timedelta(hours=25))
    Team.objects.filter(pk=team.pk).update(position_at=now - dt.timedelta(hours=25))
    teams.record_position(kept_team, latitude=39.71, longitude=30.51)
    assert teams.prune_team_positions.call() == 1
    assert list(TeamPosition.objects.values_list("team_id", flat=True)) == [kept_team.pk]
    team.refresh_from_db()
    assert not team.has_position and team.position_at is None
    assert live_events("team", "position")[-1].data["latitude"] is None
    assert teams.prune_team_positions.call() == 0  # again: nothing more


def test_the_periodic_run_prunes_positions(settings):
    assert "kentmasa.emergency.teams.prune_team_positions" in settings.KENTMASA_PERIODIC_TASKS


def test_a_console_seen_lately_is_open(world, settings):
    settings.KENTMASA_CONSOLE_PRESENCE_SECONDS = 45
    assert not services.consoles_open(world.police)
    assert services.touch_presence(world.operator)
    assert services.consoles_open(world.police)
    assert services.touch_presence(world.operator)  # again: the same row, a new time
    assert ConsolePresence.objects.count() == 1
    ConsolePresence.objects.update(seen_at=timezone.now() - dt.timedelta(seconds=46))
    assert not services.consoles_open(world.police)
    # A team member or a supervisor with the page open is no console.
    assert not services.touch_presence(world.members[world.teams[0].pk][0])
    assert not services.touch_presence(world.supervisor)
    services.touch_presence(world.operator)
    world.operator.is_active = False
    world.operator.save()
    assert not services.consoles_open(world.police)
