"""Police teams as the Haber Merkezi sees them: their status, where they are, and which are nearest.

A team's phone sets its status (``set_status``) and sends its position (``record_position``); each change is
written on the team (directory.Team: the board reads the last one from there) and published on the live
topic "team" in the same transaction, so every open board moves the team at once. Every position is also kept
as a TeamPosition for KENTMASA_TEAM_POSITION_KEEP_HOURS, then deleted (``prune_team_positions``, periodic).

``nearest_available`` suggests the teams to send: the straight-line (great-circle, haversine) distance from
the incident, not the distance by road, which would need a routing engine kentmasa does not have. The board
says so, and shows each position's age: a team that last reported ten minutes ago may be elsewhere now.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, TeamPosition, User
from kentmasa.emergency.models import Dispatch
from kentmasa.lib import edge
from kentmasa.notify import live
from kentmasa.notify.models import LiveEvent

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
MICRO_DEGREE = Decimal("0.000001")
MAX_ACCURACY_M = 100_000  # a phone that reports worse than 100 km knows nothing of where it is
MAX_SUGGESTIONS = 20
# The teams nearest_available measures at most (the freshest positions first): a directorate has tens.
MAX_CANDIDATES = 1000
PRUNE_BATCH = 5000
OPERATOR_ROLES = frozenset({User.Role.POLICE_OPERATOR, User.Role.ADMINISTRATOR})


@dataclass
class Suggestion:
    """A team that could be sent: how far it is in a straight line, and how old its position is."""

    team: Team
    distance_m: int
    position_age_s: int | None


# -- who may -------------------------------------------------------------------------------------------------


def is_operator(user: User | None, institution_id: int | None) -> bool:
    """A police operator or administrator of the institution (or a superuser): who works its Haber Merkezi."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        user.role in OPERATOR_ROLES and institution_id is not None and user.institution_id == institution_id
    )


def is_member(user: User | None, team: Team) -> bool:
    """A field-team member of this team (its leader counts as one)."""
    if not isinstance(user, User) or not user.is_active or user.role != User.Role.FIELD_TEAM:
        return False
    return team.leader_id == user.pk or team.members.filter(pk=user.pk).exists()


# -- status and position -------------------------------------------------------------------------------------


def team_data(team: Team) -> dict:
    """What the live topic "team" carries of a team: its id, status and last position (no names)."""
    return {
        "team": team.pk,
        "status": team.status,
        "latitude": float(team.latitude) if team.latitude is not None else None,
        "longitude": float(team.longitude) if team.longitude is not None else None,
        "accuracy_m": team.accuracy_m,
        "position_at": timezone.localtime(team.position_at).isoformat() if team.position_at else None,
        "status_at": timezone.localtime(team.status_at).isoformat() if team.status_at else None,
    }


def publish_team(team: Team, change: str) -> None:
    """The team's state to every board of its institution and to its own phones (inside the transaction)."""
    institution_id = Team.objects.filter(pk=team.pk).values_list("unit__institution_id", flat=True).first()
    live.publish(
        LiveEvent.Topic.TEAM,
        change,
        institution_id=institution_id,
        team_id=team.pk,
        data=team_data(team),
    )


def _may_move(actor: User | None, team: Team) -> bool:
    """The system (None), the team's own members, or an operator of its institution."""
    if actor is None:
        return True
    institution_id = Team.objects.filter(pk=team.pk).values_list("unit__institution_id", flat=True).first()
    return is_member(actor, team) or is_operator(actor, institution_id)


def set_status(team: Team, status: str, *, actor: User | None) -> Team:
    """Set the team's status (available, en route, on scene, off duty); the same status again changes
    nothing. ``actor`` None is the system (an incident closed releases its teams)."""
    if status not in Team.Status.values:
        raise TransitionError(_("Unknown team status."), "status")
    if not _may_move(actor, team):
        raise TransitionError(
            _("Only the team's members or a police operator may change its status."), "forbidden"
        )
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.status == status:
            return locked
        locked.status = status
        locked.status_at = timezone.now()
        locked.save(update_fields=["status", "status_at"])
        publish_team(locked, "status")
    return locked


def _coordinate(value: object, field: str, limit: int) -> Decimal:
    """A latitude (limit 90) or longitude (180) in degrees, to the micro-degree; TransitionError naming
    ``field`` for anything else (text, NaN, infinity, a number out of range, true/false)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TransitionError(_("Give the position as a number of degrees."), field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TransitionError(_("Give the position as a number of degrees."), field) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise TransitionError(_("The position is out of range."), field)
    return number.quantize(MICRO_DEGREE)


def _accuracy(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TransitionError(_("The accuracy must be a number of metres."), "accuracy_m")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TransitionError(_("The accuracy must be a number of metres."), "accuracy_m") from None
    if not number.is_finite() or not 0 <= number <= MAX_ACCURACY_M:
        raise TransitionError(_("The accuracy must be a number of metres."), "accuracy_m")
    return int(number.to_integral_value())


def record_position(
    team: Team,
    *,
    latitude: object,
    longitude: object,
    accuracy_m: object = None,
    at: dt.datetime | None = None,
    actor: User | None = None,
) -> TeamPosition:
    """Keep a position the team's phone sent, and make it the team's last one unless a later one came first
    (a phone that was offline sends its queue late). ``at`` is the phone's time when plausible (from 2000,
    not ahead of the server by more than a few minutes), else now. ``actor`` None: the system."""
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    accuracy = _accuracy(accuracy_m)
    if actor is not None and not is_member(actor, team):
        raise TransitionError(_("Only the team's members may send its position."), "forbidden")
    now = timezone.now()
    when = edge.plausible_time(at if isinstance(at, dt.datetime) else None, now=now)
    with transaction.atomic():
        position = TeamPosition.objects.create(
            team=team, at=when, latitude=lat, longitude=lon, accuracy_m=accuracy
        )
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if locked.position_at is None or when >= locked.position_at:
            locked.latitude, locked.longitude, locked.accuracy_m, locked.position_at = (
                lat,
                lon,
                accuracy,
                when,
            )
            locked.save(update_fields=["latitude", "longitude", "accuracy_m", "position_at"])
            publish_team(locked, "position")
            team.latitude, team.longitude, team.accuracy_m, team.position_at = lat, lon, accuracy, when
    return position


# -- the nearest available teams -----------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def position_age_s(team: Team, now: dt.datetime | None = None) -> int | None:
    """Seconds since the team's last position was taken (None without one)."""
    if team.position_at is None:
        return None
    return max(0, int(((now or timezone.now()) - team.position_at).total_seconds()))


def available_teams(institution: Institution | int) -> QuerySet[Team]:
    """The institution's active police teams that are available, have a position and wait for no answer to
    another dispatch (a team asked once is not suggested again until it answers or its time runs out)."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    waiting = Dispatch.objects.filter(team=OuterRef("pk"), status=Dispatch.Status.PENDING)
    return (
        Team.objects.filter(
            unit__institution_id=institution_id,
            kind=Team.Kind.POLICE,
            active=True,
            status=Team.Status.AVAILABLE,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .exclude(Exists(waiting))
        .order_by("-position_at", "pk")
    )


def nearest_available(
    institution: Institution | int,
    latitude: float | Decimal | None,
    longitude: float | Decimal | None,
    *,
    limit: int = 3,
    exclude: Iterable[Team | int] = (),
) -> list[Suggestion]:
    """The ``limit`` nearest available police teams of the institution (``available_teams``), nearest
    first, by straight-line distance from the point; none when the point is unknown."""
    if latitude is None or longitude is None:
        return []
    lat, lon = float(latitude), float(longitude)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return []
    limit = max(1, min(int(limit), MAX_SUGGESTIONS))
    excluded = [item.pk if isinstance(item, Team) else int(item) for item in exclude]
    teams = available_teams(institution)
    if excluded:
        teams = teams.exclude(pk__in=excluded)
    now = timezone.now()
    found = [
        Suggestion(
            team=team,
            distance_m=round(haversine_m(lat, lon, float(team.latitude), float(team.longitude))),
            position_age_s=position_age_s(team, now),
        )
        for team in teams.select_related("unit")[:MAX_CANDIDATES]
        if team.latitude is not None and team.longitude is not None
    ]
    found.sort(
        key=lambda s: (s.distance_m, s.position_age_s if s.position_age_s is not None else 0, s.team.pk)
    )
    return found[:limit]


# -- keeping positions only for a while ----------------------------------------------------------------------


def prune_positions(now: dt.datetime | None = None) -> int:
    """Delete team positions older than KENTMASA_TEAM_POSITION_KEEP_HOURS, and forget a team's last
    position when it is that old too (the board then shows no position rather than a day-old one).
    Returns how many positions were deleted. In batches, so a first run after a long pause holds no lock
    for long."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.KENTMASA_TEAM_POSITION_KEEP_HOURS)
    deleted = 0
    while True:
        batch = list(TeamPosition.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            break
        count, _by_model = TeamPosition.objects.filter(pk__in=batch).delete()
        deleted += count
    stale = list(Team.objects.filter(position_at__lt=cutoff).values_list("pk", flat=True)[:MAX_CANDIDATES])
    for pk in stale:
        with transaction.atomic():
            team = Team.objects.select_for_update().filter(pk=pk, position_at__lt=cutoff).first()
            if team is None:
                continue
            team.latitude = team.longitude = team.accuracy_m = team.position_at = None
            team.save(update_fields=["latitude", "longitude", "accuracy_m", "position_at"])
            publish_team(team, "position")
    return deleted


@task()
def prune_team_positions() -> int:
    """Periodic: :func:`prune_positions` (idempotent; several runners may run it at once)."""
    return prune_positions()
