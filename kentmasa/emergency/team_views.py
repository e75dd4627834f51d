"""A police team's phone page, under /ekip/: its status, its position, and the dispatch it must acknowledge.

A member of a police team (role field team) opens it on the phone for the shift. The buttons set the team's
status (kentmasa.emergency.teams.set_status); the page sends the phone's position when asked and every
30 s while the team is on duty (teams.record_position); a team sent to an incident sees it here with the
time left to acknowledge, acknowledges it (services.acknowledge_dispatch) and then says it arrived
(services.arrived). kentmasa/team.js keeps the page current from the live stream (the team's "alarm" and
"team" events) by fetching the panel again.

The team sees where it must go and whether it is a KADES alarm: never the KADES person's name, TC kimlik no
or phone. The panel is its own template (emergency/_team_panel.html) so the field app can reuse it.
"""

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases.services import TransitionError
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import Team, User
from kentmasa.emergency import services, teams
from kentmasa.emergency.models import Dispatch, Incident
from kentmasa.emergency.views import _age, _int, age_text, answer, bad_input, distance_text, refused
from kentmasa.lib import edge

POSITION_EVERY_SECONDS = 30  # while the page is open and the team on duty
DISPATCHES_SHOWN = 5
MAX_ACCURACY_M = 100_000  # a phone that says it is off by more knows nothing


def police_teams(user: User) -> list[Team]:
    """The active police teams ``user`` is a member of (a field team member may be in more than one)."""
    if not user.is_active or user.role != User.Role.FIELD_TEAM:
        return []
    return list(
        user.teams.filter(kind=Team.Kind.POLICE, active=True).select_related("unit").order_by("name", "pk")
    )


def team_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else /giris/), a member of a police team (else 403); the team chosen by ?team= or the
    form's "team", else the first."""

    @staff_required
    @wraps(view)
    def guarded(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mine = police_teams(request.user)
        if not mine:
            raise PermissionDenied
        asked = request.POST.get("team") if request.method == "POST" else request.GET.get("team")
        team = mine[0]
        if asked:
            wanted = _int(asked)
            team = next((t for t in mine if t.pk == wanted), None)  # type: ignore[assignment]
            if team is None:
                raise PermissionDenied
        return view(request, team, mine, *args, **kwargs)

    return guarded


def _dispatches(team: Team) -> list[Dispatch]:
    """What the team has been sent to and is still working: waiting for its acknowledgement, or on the way
    or on scene at an incident still open."""
    found = list(
        Dispatch.objects.filter(
            team=team,
            status__in=(Dispatch.Status.PENDING, Dispatch.Status.ACKNOWLEDGED),
            incident__closed_at__isnull=True,
        )
        .select_related("incident", "incident__case", "incident__case__category")
        .defer(
            "incident__person_name",
            "incident__person_tc_kimlik",
            "incident__person_phone",
            "incident__case__description",
            "incident__case__search_text",
        )
        .order_by("dispatched_at", "pk")[:DISPATCHES_SHOWN]
    )
    for sent in found:
        sent.distance_text = distance_text(sent.distance_m)  # type: ignore[attr-defined]
    return found


def panel_context(request: StaffRequest, team: Team, mine: list[Team]) -> dict[str, Any]:
    from kentmasa.emergency import pts_views  # builds on this module: imported here, not at the top

    now = timezone.now()
    return {
        **pts_views.team_context(team, now),  # the plate alerts the team was told of
        "team": team,
        "teams": mine,
        "now": now,
        "statuses": Team.Status.choices,
        "dispatches": _dispatches(team),
        "position_age": age_text(_age(team.position_at, now)) if team.position_at else "",
        "kades": Incident.Source.KADES,
        "panel_url": f"{reverse('team:panel')}?team={team.pk}",
    }


@require_GET
@team_view
def page(request: StaffRequest, team: Team, mine: list[Team]) -> HttpResponse:
    context = panel_context(request, team, mine)
    context["every_seconds"] = POSITION_EVERY_SECONDS
    return render(request, "emergency/team.html", context)


@require_GET
@team_view
def panel(request: StaffRequest, team: Team, mine: list[Team]) -> HttpResponse:
    """The team's panel alone (team.js fetches it after a live event)."""
    response = render(request, "emergency/_team_panel.html", panel_context(request, team, mine))
    response["Cache-Control"] = "no-store"
    return response


def _back(team: Team) -> str:
    return f"{reverse('team:page')}?team={team.pk}"


@require_POST
@team_view
def set_status(request: StaffRequest, team: Team, mine: list[Team]) -> HttpResponse:
    status = request.POST.get("status", "")
    if status not in Team.Status.values:
        return bad_input(request, _("Choose one of the statuses."), back=_back(team), code="status")
    try:
        teams.set_status(team, status, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=_back(team))
    return answer(request, _("Status: %(status)s.") % {"status": Team.Status(status).label}, back=_back(team))


def _coordinate(raw: str | None, limit: float) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


@require_POST
@team_view
def send_position(request: StaffRequest, team: Team, mine: list[Team]) -> HttpResponse:
    """The phone's position (navigator.geolocation): latitude, longitude, accuracy in metres."""
    back = _back(team)
    latitude = _coordinate(request.POST.get("latitude"), 90)
    longitude = _coordinate(request.POST.get("longitude"), 180)
    if latitude is None or longitude is None:
        return bad_input(request, _("The position is not a place on Earth."), back=back, code="position")
    accuracy: int | None = None
    raw = (request.POST.get("accuracy") or "").strip()
    if raw:
        value = _coordinate(raw, MAX_ACCURACY_M)
        if value is None or value < 0:
            return bad_input(
                request, _("The accuracy must be metres, 0 or more."), back=back, code="accuracy"
            )
        accuracy = round(value)
    try:
        teams.record_position(
            team,
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
            accuracy_m=accuracy,
            actor=request.user,
        )
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(request, _("Position sent."), back=back)


def _own_dispatch(team: Team, pk: int) -> Dispatch:
    """One of this team's dispatches: 404 when there is none, 403 when it is another team's."""
    if pk not in edge.KEY_RANGE:
        raise Http404
    dispatch_ = Dispatch.objects.select_related("incident", "team").filter(pk=pk).first()
    if dispatch_ is None:
        raise Http404
    if dispatch_.team_id != team.pk:
        raise PermissionDenied
    return dispatch_


@require_POST
@team_view
def acknowledge(request: StaffRequest, team: Team, mine: list[Team], pk: int) -> HttpResponse:
    dispatch_ = _own_dispatch(team, pk)
    try:
        services.acknowledge_dispatch(dispatch_, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=_back(team))
    return answer(request, _("Acknowledged: on your way."), back=_back(team))


@require_POST
@team_view
def arrived(request: StaffRequest, team: Team, mine: list[Team], pk: int) -> HttpResponse:
    dispatch_ = _own_dispatch(team, pk)
    try:
        services.arrived(dispatch_, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=_back(team))
    return answer(request, _("On scene."), back=_back(team))
