"""The Haber Merkezi's screens, under /haber-merkezi/: the dispatch board, the KADES alarm that every police
console shows, and the count of closing codes.

Only police operators and the administrators of a police directorate open them, and only for their own
directorate. Every action (acknowledge, send a team, the team's arrival, close) goes through
kentmasa.emergency.services, which writes the timeline and the live event; a refusal comes back as its
translated message (TransitionError), bad input as 400, never a server error.

The pages update themselves without a reload: kentmasa/live.js hands the stream's "alarm" and "team" events
to dispatch.js and alarm.js, which fetch the small fragments below again (the board's incidents, the teams
as JSON, one alarm). A case event (a new 155 report) reaches the board through live.js itself: it fetches
the board with X-Live-Refresh and swaps in a hidden tick (data-live-region="case"), which dispatch.js
watches and then fetches the list, so the list has one owner that keeps the card the operator works in.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases.services import TransitionError
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import services, teams
from kentmasa.emergency.models import Dispatch, Incident, IncidentPosition, ProtectionOrder
from kentmasa.lib import edge, phones, tckimlik

R = User.Role
# Who works the Haber Merkezi: police operators, and the administrators of a police directorate.
BOARD_ROLES = {R.POLICE_OPERATOR, R.ADMINISTRATOR}

BOARD_LIMIT = 100  # open incidents on the board, most urgent and oldest first
SUGGEST_INLINE = 5  # incidents waiting for a team whose nearest teams the board works out at once
SUGGESTIONS = 3  # nearest available teams offered per incident
TEAMS_LIMIT = 500  # teams on the map
ALARMS_LIMIT = 20  # unacknowledged KADES alarms a console is told of at once
ALARM_POSITIONS = 20  # the latest positions of a KADES person shown on the alarm's map
EARLIER_ALERTS = 10  # earlier KADES alerts of the same person
PROTECTION_ORDERS = 3
CODES_DEFAULT_DAYS = 30
CODES_MAX_DAYS = 366
# A dispatch still working the incident (a timed-out or cancelled one is history).
ACTIVE_DISPATCH = (Dispatch.Status.PENDING, Dispatch.Status.ACKNOWLEDGED)


# -- who may -----------------------------------------------------------------------------------------------


def police_institution(user: User) -> Institution:
    """The police directorate whose Haber Merkezi ``user`` works; PermissionDenied for anybody else (unit
    staff, field teams, a municipality's operators, a police operator without an institution)."""
    if not user.is_active or user.role not in BOARD_ROLES or user.institution_id is None:
        raise PermissionDenied
    institution = user.institution
    if institution is None or institution.kind != Institution.Kind.POLICE:
        raise PermissionDenied
    return institution


def police_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only (others go to /giris/), then police of a directorate only (403)."""

    @staff_required
    @wraps(view)
    def guarded(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, police_institution(request.user), *args, **kwargs)

    return guarded


def _incident(institution: Institution, pk: int) -> Incident:
    """The incident by id: 404 when there is none, 403 when it belongs to another directorate."""
    if pk not in edge.KEY_RANGE:
        raise Http404
    incident = Incident.objects.select_related("case", "acknowledged_by").filter(pk=pk).first()
    if incident is None:
        raise Http404
    if incident.institution_id != institution.pk:
        raise PermissionDenied
    return incident


# -- answers to the actions ----------------------------------------------------------------------------------


def wants_json(request: StaffRequest) -> bool:
    """The board's and the alarm's scripts ask for JSON; a form sent without them gets the board back."""
    return "application/json" in request.headers.get("Accept", "")


def answer(
    request: StaffRequest, message: str, *, back: str, status: int = 200, code: str = ""
) -> HttpResponse:
    """A done action (status 200) or a refusal (400 bad input, 409 refused by the domain), as JSON for the
    scripts, or as a message on the page the form came from."""
    if wants_json(request):
        body: dict[str, Any] = {"ok": status == 200, "message": message}
        if code:
            body["error"] = code
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        messages.success(request, message)
    else:
        messages.error(request, message)
    return redirect(back)


def refused(request: StaffRequest, error: TransitionError, *, back: str) -> HttpResponse:
    return answer(request, error.message, back=back, status=409, code=error.code)


def bad_input(request: StaffRequest, message: str, *, back: str, code: str = "invalid") -> HttpResponse:
    return answer(request, message, back=back, status=400, code=code)


def _int(value: str | None) -> int | None:
    """A database key from a form field, or None for anything else (text, NUL, a number past 64 bits)."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number in edge.KEY_RANGE and number > 0 else None


# -- what the screens show -----------------------------------------------------------------------------------


def age_text(seconds: float | None) -> str:
    """ "45 sn", "3 dk", "1 sa 5 dk" (dispatch.js says the same as the seconds go by)."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}


def distance_text(metres: int | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(m)d m") % {"m": metres}
    return _("%(km)s km") % {"km": formats.number_format(metres / 1000, 1, use_l10n=True)}


def _age(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def who(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


@dataclass
class Offer:
    """A nearest available team offered for an incident, as the board shows it."""

    team: Team
    distance_m: int
    position_age_s: int | None

    @property
    def distance(self) -> str:
        return distance_text(self.distance_m)

    @property
    def position_age(self) -> str:
        return age_text(self.position_age_s) if self.position_age_s is not None else _("unknown")


def offers(
    institution: Institution, latitude: Any, longitude: Any, exclude: Iterable[int] = ()
) -> list[Offer]:
    """The nearest available teams (kentmasa.emergency.teams.nearest_available, straight-line distance)."""
    if latitude is None or longitude is None:
        return []
    found = teams.nearest_available(
        institution, float(latitude), float(longitude), limit=SUGGESTIONS, exclude=tuple(exclude)
    )
    return [Offer(s.team, s.distance_m, s.position_age_s) for s in found]


@dataclass
class BoardRow:
    """One open incident on the board, with what it waits for."""

    incident: Incident
    age_s: int
    dispatches: list[Dispatch]
    offers: list[Offer] = field(default_factory=list)
    offers_loaded: bool = False

    @property
    def case(self) -> Any:
        return self.incident.case

    @property
    def age(self) -> str:
        return age_text(self.age_s)

    @property
    def point(self) -> tuple[float, float] | None:
        """Where the incident is: a KADES person's last position, else the case's point."""
        incident: Any = self.incident
        latitude = getattr(incident, "last_latitude", None)
        longitude = getattr(incident, "last_longitude", None)
        if latitude is not None and longitude is not None:
            return float(latitude), float(longitude)
        if self.case.has_location:
            return float(self.case.latitude), float(self.case.longitude)
        return None

    @property
    def active(self) -> list[Dispatch]:
        return [d for d in self.dispatches if d.status in ACTIVE_DISPATCH]

    @property
    def pending(self) -> Dispatch | None:
        return next((d for d in self.active if d.status == Dispatch.Status.PENDING), None)

    @property
    def on_the_way(self) -> list[Dispatch]:
        """Teams that acknowledged and have not yet arrived (the operator may say they did)."""
        return [d for d in self.active if d.status == Dispatch.Status.ACKNOWLEDGED and d.arrived_at is None]

    @property
    def timed_out(self) -> list[Dispatch]:
        return [d for d in self.dispatches if d.status == Dispatch.Status.TIMED_OUT]

    @property
    def needs_team(self) -> bool:
        return not self.active and self.incident.arrived_at is None

    @property
    def alarm(self) -> bool:
        """The last team sent did not acknowledge in time and no other is on it: the board alarms."""
        return (
            self.needs_team
            and bool(self.dispatches)
            and self.dispatches[-1].status == Dispatch.Status.TIMED_OUT
        )

    @property
    def tried_team_ids(self) -> list[int]:
        """Teams not to offer again: those on it now and those that let it time out."""
        return [
            d.team_id for d in self.dispatches if d.status in (*ACTIVE_DISPATCH, Dispatch.Status.TIMED_OUT)
        ]

    @property
    def kades(self) -> bool:
        return self.incident.source == Incident.Source.KADES


def open_incidents(institution: Institution) -> list[Incident]:
    """The directorate's open incidents, most urgent first and then the oldest (index incident_open), with
    their case and a KADES person's last position in one query, and every dispatch and its team in one more.
    """
    dispatches = Dispatch.objects.select_related("team").order_by("dispatched_at", "pk")
    last = IncidentPosition.objects.filter(incident=OuterRef("pk")).order_by("-at", "-pk")
    return list(
        Incident.objects.filter(institution=institution, closed_at__isnull=True)
        .select_related("case", "case__category", "acknowledged_by")
        .defer("case__description", "case__search_text", "case__resolution")
        .annotate(
            last_latitude=Subquery(last.values("latitude")[:1]),
            last_longitude=Subquery(last.values("longitude")[:1]),
        )
        .prefetch_related(Prefetch("dispatches", queryset=dispatches))
        .order_by("-case__priority", "opened_at", "pk")[:BOARD_LIMIT]
    )


def board_rows(institution: Institution, now: dt.datetime) -> list[BoardRow]:
    rows = [
        BoardRow(incident, _age(incident.opened_at, now) or 0, list(incident.dispatches.all()))
        for incident in open_incidents(institution)
    ]
    # The nearest teams cost a query each: worked out for the first few incidents that wait for a team,
    # the others offer a button that asks for them (incident_offers).
    waiting = [row for row in rows if row.needs_team and row.point is not None]
    for row in waiting[:SUGGEST_INLINE]:
        latitude, longitude = row.point or (None, None)
        row.offers = offers(institution, latitude, longitude, row.tried_team_ids)
        row.offers_loaded = True
    return rows


def incidents_context(institution: Institution, user: User) -> dict[str, Any]:
    now = timezone.now()
    rows = board_rows(institution, now)
    points = [
        {
            "id": row.incident.pk,
            "lat": row.point[0],
            "lon": row.point[1],
            "label": f"{row.case.tracking_display} · {_('KADES') if row.kades else row.case.category or ''}",
            "kades": row.kades,
            "alarm": row.alarm,
        }
        for row in rows
        if row.point is not None
    ]
    return {
        "rows": rows,
        "now": now,
        "points": points,
        "limit": BOARD_LIMIT,
        "closing_codes": Incident.ClosingCode.choices,
        "user_name": who(user),
        "counts": {
            "open": len(rows),
            "kades": sum(1 for row in rows if row.kades),
            "unacknowledged": sum(1 for row in rows if row.incident.acknowledged_at is None),
            "alarms": sum(1 for row in rows if row.alarm),
        },
    }


# -- the board -----------------------------------------------------------------------------------------------


def _board_config(institution: Institution) -> dict[str, Any]:
    return {
        "tiles": settings.KENTMASA_MAP_TILES,
        "teams_url": reverse("emergency:teams"),
        "incidents_url": reverse("emergency:incidents"),
        "center": _centre(institution),
        "status_labels": dict(Team.Status.choices),
        "text": {
            "seconds": _("%(s)d s"),
            "minutes": _("%(m)d min"),
            "hours": _("%(h)d h %(m)d min"),
            "no_position": _("no position"),
            "position_age": _("position %(age)s old"),
            "overdue": _("time is up"),
            "failed": _("The board could not be updated. It tries again."),
            "timeout": _("A team did not acknowledge in time: send the next one."),
            "done": _("Done."),
        },
    }


def _centre(institution: Institution) -> list[float] | None:
    """Where the map starts before it knows better: the middle of the teams with a position."""
    box = [
        (float(lat), float(lon))
        for lat, lon in Team.objects.filter(
            unit__institution=institution,
            kind=Team.Kind.POLICE,
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .order_by()
        .values_list("latitude", "longitude")[:TEAMS_LIMIT]
        if lat is not None and lon is not None
    ]
    if not box:
        return None
    return [sum(lat for lat, _lon in box) / len(box), sum(lon for _lat, lon in box) / len(box)]


@require_GET
@police_view
def board(request: StaffRequest, institution: Institution) -> HttpResponse:
    if request.headers.get("X-Live-Refresh"):  # live.js after a case event: the tick alone, no query
        return render(request, "emergency/_case_tick.html", {"now": timezone.now()})
    from kentmasa.emergency import pts_views  # builds on this module: imported here, not at the top

    context = incidents_context(institution, request.user)
    context.update(institution=institution, config=_board_config(institution))
    context.update(pts_views.board_context(institution, request.user))  # the plate alerts' panel
    return render(request, "emergency/board.html", context)


@require_GET
@police_view
def incidents(request: StaffRequest, institution: Institution) -> HttpResponse:
    """The board's incident list as a fragment (dispatch.js fetches it after an alarm or a team event)."""
    response = render(request, "emergency/_incidents.html", incidents_context(institution, request.user))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@police_view
def incident_offers(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    """The nearest available teams for one incident (the board's "Nearest teams" button)."""
    incident = _incident(institution, pk)
    tried = Dispatch.objects.filter(
        incident=incident, status__in=(*ACTIVE_DISPATCH, Dispatch.Status.TIMED_OUT)
    ).values_list("team_id", flat=True)
    point = services.point_of(incident)
    found = offers(institution, *point, exclude=list(tried)) if point else []
    return render(
        request, "emergency/_offers.html", {"incident": incident, "offers": found, "offers_loaded": True}
    )


def team_json(team: Team, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "status": team.status,
        "status_label": team.get_status_display(),
        "latitude": float(team.latitude) if team.latitude is not None else None,
        "longitude": float(team.longitude) if team.longitude is not None else None,
        "accuracy_m": team.accuracy_m,
        "position_at": team.position_at.isoformat() if team.position_at else None,
        "status_at": team.status_at.isoformat() if team.status_at else None,
    }


@require_GET
@police_view
def teams_state(request: StaffRequest, institution: Institution) -> HttpResponse:
    """Every active police team of the directorate with its status and last position, as JSON (the map)."""
    now = timezone.now()
    found = (
        Team.objects.filter(unit__institution=institution, kind=Team.Kind.POLICE, active=True)
        .only("name", "status", "status_at", "latitude", "longitude", "accuracy_m", "position_at", "unit_id")
        .order_by("name", "pk")[:TEAMS_LIMIT]
    )
    response = JsonResponse({"now": now.isoformat(), "teams": [team_json(team, now) for team in found]})
    response["Cache-Control"] = "no-store"
    return response


# -- actions -------------------------------------------------------------------------------------------------


def _back(request: StaffRequest) -> str:
    """Where a form sent without the scripts returns: the board, or the console or queue it came from."""
    here = request.POST.get("next", "")
    allowed = {reverse("emergency:board"), reverse("cases:console"), reverse("cases:queue")}
    return here if here in allowed else reverse("emergency:board")


@require_POST
@police_view
def acknowledge(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    incident = _incident(institution, pk)
    back = _back(request)
    try:
        services.acknowledge(incident, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(request, _("Acknowledged by %(name)s.") % {"name": who(request.user)}, back=back)


@require_POST
@police_view
def send_team(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    """Send a team. From the KADES alarm, sending also acknowledges the alarm when nobody has yet."""
    incident = _incident(institution, pk)
    back = _back(request)
    team_id = _int(request.POST.get("team"))
    team = (
        Team.objects.filter(pk=team_id, unit__institution=institution, kind=Team.Kind.POLICE).first()
        if team_id
        else None
    )
    if team is None:
        return bad_input(request, _("Choose one of this directorate's police teams."), back=back, code="team")
    try:
        # One transaction: every console closes the alarm (live "acknowledged") when the team is sent, and
        # a team that cannot be sent leaves the alarm unacknowledged, as it was.
        with transaction.atomic():
            if request.POST.get("acknowledge") and incident.acknowledged_at is None:
                incident = services.acknowledge(incident, actor=request.user)
            services.dispatch(incident, team, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(
        request, _("%(team)s was sent and must acknowledge on its phone.") % {"team": team}, back=back
    )


@require_POST
@police_view
def team_arrived(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    """The operator records the arrival a team reported by radio (the team's phone has its own button)."""
    back = _back(request)
    dispatch_ = (
        Dispatch.objects.select_related("incident", "team").filter(pk=pk).first()
        if pk in edge.KEY_RANGE
        else None
    )
    if dispatch_ is None:
        raise Http404
    if dispatch_.incident.institution_id != institution.pk:
        raise PermissionDenied
    try:
        services.arrived(dispatch_, actor=request.user)
    except TransitionError as error:
        return refused(request, error, back=back)
    return answer(request, _("%(team)s is on scene.") % {"team": dispatch_.team}, back=back)


class CloseForm(edge.EdgeForm, forms.Form):
    code = forms.ChoiceField(label=gettext_lazy("Closing code"), choices=Incident.ClosingCode.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000)


@require_POST
@police_view
def close(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    incident = _incident(institution, pk)
    back = _back(request)
    form = CloseForm(request.POST)
    if not form.is_valid():
        if "code" in form.errors:
            return bad_input(request, _("Choose a closing code."), back=back, code="code")
        return bad_input(request, str(form.errors["note"][0]), back=back, code="note")
    try:
        services.close(
            incident, form.cleaned_data["code"], actor=request.user, note=form.cleaned_data["note"]
        )
    except TransitionError as error:
        return refused(request, error, back=back)
    label = Incident.ClosingCode(form.cleaned_data["code"]).label
    return answer(request, _("Closed: %(code)s.") % {"code": label}, back=back)


# -- the KADES alarm on every console ------------------------------------------------------------------------


def unacknowledged_alarms(institution: Institution) -> list[dict[str, Any]]:
    """The directorate's open KADES incidents nobody has acknowledged (along the index incident_open)."""
    found = (
        Incident.objects.filter(
            institution=institution,
            closed_at__isnull=True,
            source=Incident.Source.KADES,
            acknowledged_at__isnull=True,
        )
        .order_by("opened_at", "pk")
        .values_list("pk", flat=True)[:ALARMS_LIMIT]
    )
    return [{"incident": pk, "url": reverse("emergency:alarm", args=[pk])} for pk in found]


@require_GET
@police_view
def alarms(request: StaffRequest, institution: Institution) -> HttpResponse:
    response = JsonResponse({"alarms": unacknowledged_alarms(institution)})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@police_view
def presence(request: StaffRequest, institution: Institution) -> HttpResponse:
    """A console says it is open (every ~15 s, alarm.js), so a KADES alert knows someone will see it; the
    answer names the alarms still unacknowledged, in case the page missed one."""
    services.touch_presence(request.user)
    response = JsonResponse({"alarms": unacknowledged_alarms(institution)})
    response["Cache-Control"] = "no-store"
    return response


def _valid_orders(institution: Institution, tc: str, today: dt.date) -> list[ProtectionOrder]:
    if not tc:
        return []
    return list(
        ProtectionOrder.objects.filter(institution=institution, person_tc_kimlik=tc, decided_on__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("-decided_on", "-pk")[:PROTECTION_ORDERS]
    )


def _earlier_alerts(incident: Incident) -> list[Incident]:
    if not incident.person_tc_kimlik:
        return []
    return list(
        Incident.objects.filter(
            institution_id=incident.institution_id,
            person_tc_kimlik=incident.person_tc_kimlik,
            source=Incident.Source.KADES,
        )
        .exclude(pk=incident.pk)
        .select_related("case")
        .only("opened_at", "closed_at", "closing_code", "cancelled_at", "case__tracking_number")
        .order_by("-opened_at", "-pk")[:EARLIER_ALERTS]
    )


@require_GET
@police_view
def alarm(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    """One KADES alarm as the modal shows it: the person (TC and phone masked), where she was and how
    precisely, her earlier alerts, a valid Law 6284 order, the nearest available teams."""
    incident = _incident(institution, pk)
    now = timezone.now()
    positions = list(
        IncidentPosition.objects.filter(incident=incident).order_by("-at", "-pk")[:ALARM_POSITIONS]
    )
    positions.reverse()
    last = positions[-1] if positions else None
    latitude = last.latitude if last else incident.case.latitude
    longitude = last.longitude if last else incident.case.longitude
    dispatches = list(
        Dispatch.objects.filter(incident=incident).select_related("team").order_by("dispatched_at", "pk")
    )
    tried = [d.team_id for d in dispatches if d.status in (*ACTIVE_DISPATCH, Dispatch.Status.TIMED_OUT)]
    found = offers(institution, latitude, longitude, tried) if incident.closed_at is None else []
    map_data = {
        "tiles": settings.KENTMASA_MAP_TILES,
        "positions": [
            {"lat": float(p.latitude), "lon": float(p.longitude), "accuracy_m": p.accuracy_m}
            for p in positions
        ],
        "teams": [
            {"lat": float(o.team.latitude), "lon": float(o.team.longitude), "label": o.team.name}
            for o in found
            if o.team.latitude is not None and o.team.longitude is not None
        ],
    }
    response = render(
        request,
        "emergency/_alarm.html",
        {
            "incident": incident,
            "case": incident.case,
            "person_name": incident.person_name,
            "person_tc": tckimlik.mask(incident.person_tc_kimlik) if incident.person_tc_kimlik else "",
            "person_phone": phones.mask(incident.person_phone) if incident.person_phone else "",
            "positions": positions,
            "last": last,
            "last_age": age_text(_age(last.at, now)) if last else "",
            "earlier": _earlier_alerts(incident),
            "orders": _valid_orders(institution, incident.person_tc_kimlik, timezone.localdate(now)),
            "offers": found,
            "offers_loaded": True,
            "dispatches": dispatches,
            "map_data": map_data,
            "user_name": who(request.user),
            "from_alarm": True,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# -- closing codes over a period -----------------------------------------------------------------------------


class PeriodForm(edge.EdgeForm, forms.Form):
    closed_from = forms.DateField(
        label=gettext_lazy("Closed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closed_to = forms.DateField(
        label=gettext_lazy("Closed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        last = data.get("closed_to") or today
        first = data.get("closed_from") or last - dt.timedelta(days=CODES_DEFAULT_DAYS - 1)
        for day in (first, last):
            if not edge.QUERY_FIRST_DAY <= day <= edge.QUERY_LAST_DAY - dt.timedelta(days=1):
                raise forms.ValidationError(_("Choose days from 2000 on."))
        if first > last:
            raise forms.ValidationError(_("The period must end after it starts."))
        if (last - first).days >= CODES_MAX_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": CODES_MAX_DAYS}
            )
        data["first"], data["last"] = first, last
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def closing_code_counts(institution: Institution, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Incidents closed in [first, last] by closing code: one grouped query (index incident_closed)."""
    counted = dict(
        Incident.objects.filter(
            institution=institution,
            closed_at__gte=_day_start(first),
            closed_at__lt=_day_start(last + dt.timedelta(days=1)),
        )
        .order_by()
        .values("closing_code")
        .annotate(n=Count("pk"))
        .values_list("closing_code", "n")
    )
    rows = [
        {"code": code, "label": label, "count": counted.pop(code, 0)}
        for code, label in Incident.ClosingCode.choices
    ]
    other = sum(counted.values())  # closed without a code the board offers (or before codes existed)
    if other:
        rows.append({"code": "", "label": _("No closing code"), "count": other})
    return rows


@require_GET
@police_view
def closing_codes(request: StaffRequest, institution: Institution) -> HttpResponse:
    form = PeriodForm(request.GET)  # bound even when empty: the last CODES_DEFAULT_DAYS days
    status = 200
    rows: list[dict[str, Any]] = []
    first = last = None
    if form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        rows = closing_code_counts(institution, first, last)
    else:
        status = 400
    return render(
        request,
        "emergency/closing_codes.html",
        {
            "form": form,
            "rows": rows,
            "total": sum(row["count"] for row in rows),
            "first": first,
            "last": last,
            "institution": institution,
        },
        status=status,
    )
