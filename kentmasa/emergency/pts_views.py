"""Plate recognition (PTS) alerts on the police screens: the board's "Plate alerts" panel, the plate alerts
page under /haber-merkezi/plaka/, and the told alerts on a team's phone (/ekip/).

A camera's read of a hotlisted plate opens (or joins) a PlateAlert (kentmasa.emergency.pts.ingest), which the
nearest available teams are told of when the read is live (an old one shows here only, and says so; a time
not of today is shown with its date). Here the police operators of the directorate see the open alerts with
the plate, the vehicle's reason (terror-linked in red), the last camera, how long ago, how many reads and
which teams were told and saw it; they acknowledge it and close it with an outcome. Every action goes
through kentmasa.emergency.pts, which writes the alert and the live event; bad input is a 400 naming what is
wrong, a refusal by the domain a 409 with its message, never a server error.

The board keeps the panel current without a reload: kentmasa/plates.js fetches the panel's fragment again
after a live "alarm" event whose change starts with "plate_" and marks the last hit of each alert on the
board's map. A team's phone shows the alerts its team was told of (still open, told in the last
TEAM_HOURS hours) at the top of its panel, with a "Seen" button (pts.team_saw); team.js fetches that panel
again after the team's live events.

The views of the board are guarded by views.police_view, the phone's by team_views.team_view. This module
builds on both (views and team_views import it only inside the functions that add its parts to theirs).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases.queries import bounded_count, filter_query, page_from
from kentmasa.cases.services import TransitionError
from kentmasa.cases.views import StaffRequest
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import PlateAlert, PlateAlertTeam, PlateHit, PlateReason
from kentmasa.emergency.team_views import team_view
from kentmasa.emergency.views import (
    _age,
    age_text,
    answer,
    bad_input,
    distance_text,
    police_view,
    refused,
    who,
)
from kentmasa.lib import edge, plates

PANEL_LIMIT = 20  # open alerts on the board, the most recently seen first
PAGE_SIZE = 25  # alerts per page of /haber-merkezi/plaka/
HITS_INLINE = 5  # the latest reads of each alert on that page
HITS_PAGE = 50  # reads per page of one alert's page
TEAM_HOURS = 12  # a team's phone shows the open alerts it was told of in the last hours
TEAM_LIMIT = 10
PLATE_SEARCH_MAX = 32  # the longest plate text looked at (lib.plates.RAW_LIMIT)


# -- what the screens show -----------------------------------------------------------------------------------


def ago(seconds: int | None) -> str:
    """ "3 min ago" (dispatch.js and plates.js say the same as the seconds go by)."""
    if seconds is None:
        return ""
    return _("%(age)s ago") % {"age": age_text(seconds)}


def told_teams() -> Prefetch:
    """The teams told of each alert, as pts.open_alerts sets them (``told_teams``), for the other lists."""
    return Prefetch(
        "told",
        queryset=PlateAlertTeam.objects.select_related("team").order_by("told_at", "pk"),
        to_attr="told_teams",
    )


@dataclass
class PlateRow:
    """One plate alert as the screens show it: the alert with ``told_teams`` and ``last_hit`` set (by
    pts.open_alerts and pts.alerts_for_team, or by the lists here)."""

    alert: PlateAlert
    now: dt.datetime

    @property
    def plate(self) -> str:
        return pts.display(self.alert.plate)

    @property
    def terror(self) -> bool:
        return self.alert.reason == PlateReason.TERROR

    @property
    def last_hit(self) -> PlateHit | None:
        return getattr(self.alert, "last_hit", None)

    @property
    def camera(self) -> str:
        """The last camera that read it: its registered name, else the code the camera system sent."""
        hit = self.last_hit
        if hit is None:
            return ""
        return hit.camera.name if hit.camera is not None and hit.camera.name else hit.camera_code

    @property
    def camera_code(self) -> str:
        return self.last_hit.camera_code if self.last_hit is not None else ""

    @property
    def point(self) -> tuple[float, float] | None:
        """Where it was last read (the read's position, else its camera's: pts.ingest kept it on the hit)."""
        hit = self.last_hit
        if hit is None or hit.latitude is None or hit.longitude is None:
            return None
        return float(hit.latitude), float(hit.longitude)

    @property
    def seen_ago(self) -> str:
        return ago(_age(self.alert.last_hit_at, self.now))

    @property
    def today(self) -> str:
        """Today as the templates compare a moment's day with it (``|date:"Ymd"``): a time of today is shown
        alone, one of another day with its date (dd.mm.yyyy)."""
        return timezone.localtime(self.now).strftime("%Y%m%d")

    @property
    def late(self) -> bool:
        """The last read came more than pts.TELL_WITHIN after it was made: shown, but no phone rang for it."""
        hit = self.last_hit
        return hit is not None and hit.received_at - hit.at > pts.TELL_WITHIN

    @property
    def tell_within_minutes(self) -> int:
        return int(pts.TELL_WITHIN.total_seconds() // 60)

    @property
    def told(self) -> list[PlateAlertTeam]:
        return list(getattr(self.alert, "told_teams", []))


def rows_of(alerts: Iterable[PlateAlert], now: dt.datetime) -> list[PlateRow]:
    return [PlateRow(alert, now) for alert in alerts]


def points_of(rows: Iterable[PlateRow]) -> list[dict[str, Any]]:
    """Where each alert's vehicle was last read, for the board's map."""
    return [
        {
            "id": row.alert.pk,
            "lat": point[0],
            "lon": point[1],
            "label": f"{row.plate} · {row.alert.get_reason_display()} · {row.camera}",
            "reason": row.alert.reason,
            "acknowledged": row.alert.acknowledged_at is not None,
        }
        for row in rows
        if (point := row.point) is not None
    ]


def panel_context(institution: Institution, user: User) -> dict[str, Any]:
    """The board's plate panel: at most PANEL_LIMIT open alerts (one query for them with their last hit,
    one for the teams told)."""
    now = timezone.now()
    found = pts.open_alerts(institution, limit=PANEL_LIMIT + 1)
    rows = rows_of(found[:PANEL_LIMIT], now)
    return {
        "plate_rows": rows,
        "plate_more": len(found) > PANEL_LIMIT,
        "plate_limit": PANEL_LIMIT,
        "plate_points": points_of(rows),
        "plate_outcomes": PlateAlert.Outcome.choices,
        "plate_now": now,
        "user_name": who(user),
    }


def board_context(institution: Institution, user: User) -> dict[str, Any]:
    """What views.board adds to the dispatch board: the panel and plates.js's configuration."""
    context = panel_context(institution, user)
    context["plate_config"] = {
        "panel_url": reverse("emergency:plate_panel"),
        "text": {
            "seconds": _("%(s)d s"),
            "minutes": _("%(m)d min"),
            "hours": _("%(h)d h %(m)d min"),
            "ago": _("%(age)s ago"),
            "new_alert": _("Plate alert: %(plate)s (%(reason)s) at %(camera)s."),
            "new_hit": _("Read again: %(plate)s at %(camera)s."),
            "failed": _("The plate alerts could not be updated. It tries again."),
            "done": _("Done."),
        },
    }
    return context


# -- the board's panel and its actions -----------------------------------------------------------------------


def _alert(institution: Institution, pk: int) -> PlateAlert:
    """The alert by id: 404 when there is none, 403 when it belongs to another directorate."""
    if pk not in edge.KEY_RANGE:
        raise Http404
    alert = PlateAlert.objects.filter(pk=pk).first()
    if alert is None:
        raise Http404
    if alert.institution_id != institution.pk:
        raise PermissionDenied
    return alert


def _back(request: StaffRequest, alert: PlateAlert | None = None) -> str:
    """Where a form sent without the scripts returns: the board, the plates page or the alert's page."""
    here = request.POST.get("next", "")
    allowed = {reverse("emergency:board"), reverse("emergency:plates")}
    if alert is not None:
        allowed.add(reverse("emergency:plate", args=[alert.pk]))
    return here if here in allowed else reverse("emergency:board")


@require_GET
@police_view
def panel(request: StaffRequest, institution: Institution) -> HttpResponse:
    """The board's plate panel as a fragment (plates.js fetches it after a plate event)."""
    response = render(request, "emergency/_plate_panel.html", panel_context(institution, request.user))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@police_view
def acknowledge(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    alert = _alert(institution, pk)
    back = _back(request, alert)
    try:
        pts.acknowledge_alert(alert, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(request, _("Acknowledged by %(name)s.") % {"name": who(request.user)}, back=back)


class CloseForm(edge.EdgeForm, forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=PlateAlert.Outcome.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=1000)


@require_POST
@police_view
def close(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    alert = _alert(institution, pk)
    back = _back(request, alert)
    form = CloseForm(request.POST)
    if not form.is_valid():
        if "outcome" in form.errors:
            return bad_input(request, _("Choose what came of the alert."), back=back, code="outcome")
        return bad_input(request, str(form.errors["note"][0]), back=back, code="note")
    outcome = form.cleaned_data["outcome"]
    try:
        pts.close_alert(alert, outcome, actor=request.user, note=form.cleaned_data["note"])
    except TransitionError as error:
        return refused(request, error, back=back)
    label = PlateAlert.Outcome(outcome).label
    return answer(request, _("Plate alert closed: %(outcome)s.") % {"outcome": label}, back=back)


# -- the plate alerts page -----------------------------------------------------------------------------------

STATES = [
    ("", gettext_lazy("Open and closed")),
    ("open", gettext_lazy("Open")),
    ("closed", gettext_lazy("Closed")),
]


class FilterForm(edge.EdgeForm, forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=STATES, required=False)
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", gettext_lazy("Every reason")), *PlateReason.choices],
        required=False,
    )
    plate = forms.CharField(label=gettext_lazy("Plate"), required=False, max_length=PLATE_SEARCH_MAX)

    def clean_plate(self) -> str:
        raw = self.cleaned_data.get("plate") or ""
        if not raw.strip():
            return ""
        key = plates.normalize(raw).key
        if not key:
            raise forms.ValidationError(_("Write a plate, e.g. 34 ABC 123."))
        return key


def _with_last_hit(alerts: Iterable[PlateAlert]) -> list[PlateAlert]:
    """The page's alerts with ``last_hit``: the first of their latest reads (prefetched as ``latest``)."""
    found = list(alerts)
    for alert in found:
        latest = getattr(alert, "latest", [])
        alert.last_hit = latest[0] if latest else None  # type: ignore[attr-defined]
    return found


@require_GET
@police_view
def alerts(request: StaffRequest, institution: Institution) -> HttpResponse:
    """Every plate alert of the directorate, newest first (index plate_alert_list), PAGE_SIZE a page, each
    with its latest HITS_INLINE reads and the teams told; filtered by state, reason and plate."""
    form = FilterForm(request.GET)
    status = 200
    found = PlateAlert.objects.filter(institution=institution)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"] == "open":
            found = found.filter(closed_at__isnull=True)
        elif data["state"] == "closed":
            found = found.filter(closed_at__isnull=False)
        if data["reason"]:
            found = found.filter(reason=data["reason"])
        if data["plate"]:
            found = found.filter(plate=data["plate"])
    else:
        status = 400
        found = found.none()
    latest = PlateHit.objects.select_related("camera").order_by("-at", "-pk")[:HITS_INLINE]
    total = bounded_count(found)
    listed = found.select_related("acknowledged_by", "closed_by").prefetch_related(
        told_teams(), Prefetch("hits", queryset=latest, to_attr="latest")
    )
    page = page_from(request.GET, listed, "opened_at", size=PAGE_SIZE, descending=True)
    return render(
        request,
        "emergency/plates.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "rows": rows_of(_with_last_hit(page), timezone.now()),
            "filter_query": filter_query(request.GET),
            "institution": institution,
            "outcomes": PlateAlert.Outcome.choices,
            "user_name": who(request.user),
            "hits_inline": HITS_INLINE,
        },
        status=status,
    )


@require_GET
@police_view
def alert(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    """One alert with every read of it (HITS_PAGE a page, oldest first) and the teams told."""
    found = (
        PlateAlert.objects.filter(pk=_alert(institution, pk).pk)
        .select_related("acknowledged_by", "closed_by", "entry")
        .prefetch_related(told_teams())
        .get()
    )
    found.last_hit = (  # type: ignore[attr-defined]
        PlateHit.objects.filter(alert=found).select_related("camera").order_by("-at", "-pk").first()
    )
    hits = PlateHit.objects.filter(alert=found).select_related("camera")
    page = page_from(request.GET, hits, "at", size=HITS_PAGE)  # oldest first, along plate_hit_alert
    return render(
        request,
        "emergency/plate_alert.html",
        {
            "row": PlateRow(found, timezone.now()),
            "page": page,
            "institution": institution,
            "outcomes": PlateAlert.Outcome.choices,
            "user_name": who(request.user),
        },
    )


# -- a team's phone ------------------------------------------------------------------------------------------


@dataclass
class ToldRow:
    """An open alert a team was told of, as its phone shows it (from pts.alerts_for_team)."""

    alert: PlateAlert
    now: dt.datetime

    @property
    def row(self) -> PlateRow:
        return PlateRow(self.alert, self.now)

    @property
    def told(self) -> PlateAlertTeam | None:
        return getattr(self.alert, "team_told", None)

    @property
    def seen_at(self) -> dt.datetime | None:
        return self.told.seen_at if self.told is not None else None

    @property
    def distance(self) -> str:
        return distance_text(self.told.distance_m) if self.told is not None else ""


def team_context(team: Team, now: dt.datetime) -> dict[str, Any]:
    """What team_views.panel_context adds to the phone's panel: the open alerts the team was told of that a
    camera read in the last TEAM_HOURS hours, the latest first, with their last read."""
    found = pts.alerts_for_team(team, now - dt.timedelta(hours=TEAM_HOURS), limit=TEAM_LIMIT)
    return {"plate_told": [ToldRow(alert, now) for alert in found]}


def _told(team: Team, pk: int) -> PlateAlertTeam:
    """The team's row of an alert it was told of: 404 when it was never told of it (or there is none)."""
    if pk not in edge.KEY_RANGE:
        raise Http404
    told = PlateAlertTeam.objects.select_related("alert").filter(alert_id=pk, team=team).first()
    if told is None:
        raise Http404
    return told


@require_POST
@team_view
def team_saw(request: StaffRequest, team: Team, mine: list[Team], pk: int) -> HttpResponse:
    """The team says it saw the alert ("Seen"): the board shows it beside the team's name."""
    told = _told(team, pk)
    back = f"{reverse('team:page')}?team={team.pk}"
    try:
        pts.team_saw(told.alert, team, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(request, _("The Haber Merkezi knows you saw it."), back=back)
