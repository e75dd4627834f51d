"""The Haber Merkezi's steps on an incident, each through one function, as kentmasa.cases does for cases.

An incident (a 155 report or a KADES alert) is acknowledged by a named operator (``acknowledge``); a team is
sent (``dispatch``: the case is assigned to it through kentmasa.cases.services.assign, so the timeline and
the forwarding clock see it, and the team is told at once, critically, by push and SMS); the team
acknowledges on its phone within the directorate's time (``acknowledge_dispatch``) or the dispatch times out
(``time_out_dispatch``, run by the deferred task ``check_dispatch_ack`` at that moment, not by the periodic
run) and the operator who sent it is told; the team arrives (``arrived``); an operator closes the incident
with a closing code the reports count (``close``: the case is resolved and closed with the code's label, and
the teams are free again).

Every step writes, in one transaction: the incident or dispatch, an event on the case's timeline
(kentmasa.cases.services), and a live event on the topic "alarm" (kentmasa.notify.live) that open boards and
the team's phones act on. A live event carries ids only, never the KADES person's data: screens fetch what
they may show from a view. Refusals raise kentmasa.cases.services.TransitionError with a translated message.

Only police operators and administrators of the incident's institution act as operators (``teams.
is_operator``); only the sent team's members acknowledge for it (``teams.is_member``).

``touch_presence`` records that an operator has a console open (their page says so every few seconds);
``consoles_open`` tells a KADES alert whether anyone will see it, else the duty supervisors are told at once
(``tell_supervisors``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import access
from kentmasa.cases import services as cases
from kentmasa.cases.models import OPEN_STATUSES, Case, Event, Status
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, User
from kentmasa.emergency import teams
from kentmasa.emergency.models import ConsolePresence, Dispatch, DispatchSettings, Incident
from kentmasa.notify import live
from kentmasa.notify.models import LiveEvent, Notification
from kentmasa.notify.rules import MAX_RECIPIENTS, team_people, unit_managers
from kentmasa.notify.tell import shown_subject, tell

ACTIVE_DISPATCH = (Dispatch.Status.PENDING, Dispatch.Status.ACKNOWLEDGED)


# -- settings and incidents ----------------------------------------------------------------------------------


def settings_for(institution: Institution | int) -> DispatchSettings:
    """The institution's dispatch settings, made with the defaults the first time they are asked for."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    found, _created = DispatchSettings.objects.get_or_create(institution_id=institution_id)
    return found


def incident_for(case: Case) -> Incident:
    """The case's incident, made now for a case that has none (a case moved to the police, an old case)."""
    found, _created = Incident.objects.get_or_create(
        case=case,
        defaults={
            "institution_id": case.institution_id,
            "source": Incident.Source.KADES if case.channel == "kades" else Incident.Source.CALL,
            "opened_at": case.received_at,
        },
    )
    return found


def point_of(incident: Incident) -> tuple[float, float] | None:
    """Where the incident is: the KADES person's last position, else the case's point, else None."""
    last = incident.positions.order_by("-at", "-pk").values_list("latitude", "longitude").first()
    if last is not None:
        return float(last[0]), float(last[1])
    case = incident.case
    if case.latitude is not None and case.longitude is not None:
        return float(case.latitude), float(case.longitude)
    return None


def suggestions_for(incident: Incident, *, limit: int = 3) -> list[teams.Suggestion]:
    """The nearest available teams for the incident, leaving out those already sent to it (on their way, or
    still to answer) and those that did not answer in time: after a time-out the next team is suggested. An
    operator may still send a team that timed out (``dispatch`` refuses only one already on its way)."""
    point = point_of(incident)
    if point is None:
        return []
    sent = incident.dispatches.exclude(status=Dispatch.Status.CANCELLED).values_list("team_id", flat=True)
    return teams.nearest_available(
        incident.institution_id, point[0], point[1], limit=limit, exclude=list(sent)
    )


# -- what is published and told ------------------------------------------------------------------------------


def publish_alarm(incident: Incident, change: str, *, dispatch: Dispatch | None = None) -> None:
    """One live event on the topic "alarm" (inside the step's transaction): ids only. A dispatch's events
    carry its team, so that team's phones receive them too (kentmasa.cases.access.Scope)."""
    data = {"incident": incident.pk, "case": incident.case_id, "source": incident.source}
    if dispatch is not None:
        data.update({"dispatch": dispatch.pk, "team": dispatch.team_id})
    live.publish(
        LiveEvent.Topic.ALARM,
        change,
        institution_id=incident.institution_id,
        unit_id=None,
        team_id=dispatch.team_id if dispatch is not None else None,
        case_id=incident.case_id,
        data=data,
    )


def _text(headline: str, case: Case) -> str:
    """A notification's text: the headline, the tracking number and the subject as it may be shown (a KADES
    case's never: kentmasa.notify.tell.shown_subject)."""
    return f"{headline}: {case.tracking_display} {shown_subject(case)}"


def _link(case: Case) -> str:
    return reverse("cases:detail", args=[case.tracking_number]) if case.tracking_number else ""


def _team_link(case: Case) -> str:
    """Where a team's notification leads: its phone page (kentmasa.emergency.team_urls), where it
    acknowledges; the case page while that page is not installed."""
    try:
        return reverse("team:page")
    except NoReverseMatch:
        return _link(case)


def _name(user: User | None) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _distance(metres: int | None) -> str:
    if metres is None:
        return _("distance unknown")
    if metres < 1000:
        return _("%(metres)d m in a straight line") % {"metres": metres}
    return _("%(km)s km in a straight line") % {"km": f"{metres / 1000:.1f}".replace(".", ",")}


def _age(seconds: int | None) -> str:
    if seconds is None:
        return _("no position")
    if seconds < 120:
        return _("position %(seconds)d s old") % {"seconds": seconds}
    return _("position %(minutes)d min old") % {"minutes": seconds // 60}


def supervisors(institution: Institution | int) -> list[User]:
    """The duty supervisors to tell of a KADES alert: those the dispatch settings name, else the managers of
    the Haber Merkezi unit."""
    found = settings_for(institution)
    people = list(found.supervisors.filter(is_active=True).order_by("pk")[:MAX_RECIPIENTS])
    if not people and found.haber_merkezi_id is not None:
        people = unit_managers(found.haber_merkezi)
    return people


def tell_supervisors(
    incident: Incident, headline: str, *, once: bool = True, now: dt.datetime | None = None
) -> list[Notification]:
    """Tell the duty supervisors (notification kind "emergency": critical, push and SMS) about the incident.

    ``once``: only the first call for the incident tells anyone (``Incident.supervisor_told_at``, claimed in
    one conditional UPDATE, so two workers never tell twice). With nobody to tell, the timeline says so.
    """
    now = now or timezone.now()
    case = incident.case
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if once:
            claimed = Incident.objects.filter(pk=incident.pk, supervisor_told_at__isnull=True).update(
                supervisor_told_at=now
            )
            if not claimed:
                return []
            incident.supervisor_told_at = now
        people = supervisors(incident.institution_id)
        told = tell(people, "emergency", _text(headline, case), case=case, link=_link(case), now=now)
        if not told:
            cases.record_event(
                case,
                "notified",
                note=_(
                    "%(headline)s; there is no duty supervisor to tell (name them in the dispatch settings)."
                )
                % {"headline": headline},
                data={"kind": "emergency", "users": [], "notifications": []},
                now=now,
            )
    return told


# -- who may -------------------------------------------------------------------------------------------------


def _require_operator(actor: User | None, incident: Incident) -> User:
    if actor is None or not teams.is_operator(actor, incident.institution_id):
        raise TransitionError(
            _("Only a police operator of this institution may do this on an incident."), "forbidden"
        )
    return actor


def _locked_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("case").get(pk=incident.pk)


def _locked_dispatch(dispatch: Dispatch | int) -> Dispatch | None:
    pk = dispatch if isinstance(dispatch, int) else dispatch.pk
    return (
        Dispatch.objects.select_for_update(of=("self",))
        .select_related("incident__case", "team", "dispatched_by")
        .filter(pk=pk)
        .first()
    )


# -- the steps -----------------------------------------------------------------------------------------------


def acknowledge(incident: Incident, *, actor: User) -> Incident:
    """A named operator has seen the alert: every console's alarm stops. Acknowledging it again (another
    console a moment later) changes nothing; the first operator's name stays."""
    _require_operator(actor, incident)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_incident(incident)
        if locked.acknowledged_at is not None or locked.closed_at is not None:
            return locked
        now = timezone.now()
        locked.acknowledged_at, locked.acknowledged_by = now, actor
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        seconds = max(0, int((now - locked.opened_at).total_seconds()))
        cases.record_event(
            locked.case,
            "incident_acknowledged",
            actor=actor,
            note=_("Acknowledged by %(name)s, %(seconds)d s after it came in.")
            % {"name": _name(actor), "seconds": seconds},
            data={"incident": locked.pk, "seconds": seconds},
            now=now,
        )
        publish_alarm(locked, "acknowledged")
    return locked


def dispatch(incident: Incident, team: Team, *, actor: User) -> Dispatch:
    """Send a team to the incident.

    The case is assigned to the team (kentmasa.cases.services.assign: the timeline and the forwarding clock
    see it), the team's leader and members are told at once (notification "dispatched": critical, push and
    SMS, at any hour; the ordinary "team_assigned" is not sent for it) and must acknowledge within the
    directorate's ``team_ack_seconds``: ``check_dispatch_ack`` runs at that moment. Refused: a closed
    incident, a team not of the institution's active police teams, not available, already sent to this
    incident, or waiting to answer another dispatch.
    """
    _require_operator(actor, incident)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_incident(incident)
        if locked.closed_at is not None:
            raise TransitionError(_("This incident is closed."), "incident")
        crew = Team.objects.select_for_update(of=("self",)).select_related("unit").get(pk=team.pk)
        if (
            crew.kind != Team.Kind.POLICE
            or not crew.active
            or crew.unit.institution_id != locked.institution_id
        ):
            raise TransitionError(
                _("That team is not one of this institution's active police teams."), "team"
            )
        if locked.dispatches.filter(team=crew, status__in=ACTIVE_DISPATCH).exists():
            raise TransitionError(
                _("%(team)s has already been sent to this incident.") % {"team": crew.name}, "team"
            )
        if crew.status != Team.Status.AVAILABLE:
            raise TransitionError(
                _("%(team)s is not available (%(status)s).")
                % {"team": crew.name, "status": crew.get_status_display()},
                "team",
            )
        if Dispatch.objects.filter(team=crew, status=Dispatch.Status.PENDING).exists():
            raise TransitionError(
                _("%(team)s has been sent to another incident and has not answered yet.")
                % {"team": crew.name},
                "team",
            )
        now = timezone.now()
        point = point_of(locked)
        distance = (
            round(teams.haversine_m(point[0], point[1], float(crew.latitude), float(crew.longitude)))
            if point is not None and crew.latitude is not None and crew.longitude is not None
            else None
        )
        age = teams.position_age_s(crew, now)
        wait = settings_for(locked.institution_id).team_ack_seconds
        sent = Dispatch.objects.create(
            incident=locked,
            team=crew,
            distance_m=distance,
            position_age_s=age,
            dispatched_at=now,
            dispatched_by=actor,
            ack_due_at=now + dt.timedelta(seconds=wait),
        )
        note = _("%(team)s sent (%(distance)s, %(age)s); to acknowledge within %(seconds)d s.") % {
            "team": crew.name,
            "distance": _distance(distance),
            "age": _age(age),
            "seconds": wait,
        }
        case = cases.assign(locked.case, actor=actor, team=crew, note=note, now=now)
        # Mark the assignment as this dispatch's: kentmasa.notify.rules then leaves the team to the
        # critical notification below instead of telling it a second, ordinary time.
        assigned = Event.objects.filter(case=case, action="assign").order_by("-pk").first()
        if assigned is not None:
            Event.objects.filter(pk=assigned.pk).update(
                data={
                    **(assigned.data or {}),
                    "dispatch": sent.pk,
                    "distance_m": distance,
                    "position_age_s": age,
                }
            )
        if locked.first_dispatched_at is None:
            locked.first_dispatched_at = now
            locked.save(update_fields=["first_dispatched_at"])
        publish_alarm(locked, "dispatched", dispatch=sent)
        headline = _("Your team is sent to an incident; acknowledge within %(seconds)d s") % {"seconds": wait}
        tell(
            team_people(crew),
            "dispatched",
            _text(headline, case),
            case=case,
            link=_team_link(case),
            actor=actor,
            now=now,
        )
        transaction.on_commit(lambda: _schedule_dispatch_check(sent.pk, sent.ack_due_at))
    return sent


def _schedule_dispatch_check(dispatch_id: int, due: dt.datetime) -> None:
    from kentmasa.emergency.tasks import check_dispatch_ack

    check_dispatch_ack.using(run_after=due).enqueue(dispatch_id)


def acknowledge_dispatch(dispatch: Dispatch, *, actor: User) -> Dispatch:
    """A member of the sent team acknowledges on the phone: the team is en route. Acknowledging again
    changes nothing. A team that answers after its time ran out is still taken at its word (the operator
    was told and may have sent another team as well); a cancelled dispatch or a closed incident is refused.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_dispatch(dispatch)
        if locked is None:
            raise TransitionError(_("This dispatch no longer exists."), "dispatch")
        if not teams.is_member(actor, locked.team):
            raise TransitionError(_("Only a member of the team sent may acknowledge."), "forbidden")
        if locked.status == Dispatch.Status.ACKNOWLEDGED:
            return locked
        incident = locked.incident
        if locked.status == Dispatch.Status.CANCELLED or incident.closed_at is not None:
            raise TransitionError(_("This dispatch was cancelled or its incident closed."), "dispatch")
        late = locked.status == Dispatch.Status.TIMED_OUT
        now = timezone.now()
        locked.status = Dispatch.Status.ACKNOWLEDGED
        locked.acknowledged_at, locked.acknowledged_by = now, actor
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        teams.set_status(locked.team, Team.Status.EN_ROUTE, actor=actor)
        seconds = max(0, int((now - locked.dispatched_at).total_seconds()))
        if late:
            note = _("%(team)s acknowledged late, after %(seconds)d s (%(name)s); en route.")
        else:
            note = _("%(team)s acknowledged after %(seconds)d s (%(name)s); en route.")
        cases.record_event(
            incident.case,
            "dispatch_acknowledged",
            actor=actor,
            note=note % {"team": locked.team.name, "seconds": seconds, "name": _name(actor)},
            data={"dispatch": locked.pk, "team": locked.team_id, "seconds": seconds, "late": late},
            now=now,
        )
        publish_alarm(incident, "dispatch_acknowledged", dispatch=locked)
    return locked


def arrived(dispatch: Dispatch, *, actor: User) -> Dispatch:
    """The team is on scene: said by one of its members, or by an operator who heard it on the radio. A team
    that arrives without having acknowledged has acknowledged by arriving. The incident's arrival time is
    the first team's."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_dispatch(dispatch)
        if locked is None:
            raise TransitionError(_("This dispatch no longer exists."), "dispatch")
        incident = locked.incident
        if not (teams.is_member(actor, locked.team) or teams.is_operator(actor, incident.institution_id)):
            raise TransitionError(
                _("Only the team sent or a police operator may say it has arrived."), "forbidden"
            )
        if locked.arrived_at is not None:
            return locked
        if locked.status == Dispatch.Status.CANCELLED or incident.closed_at is not None:
            raise TransitionError(_("This dispatch was cancelled or its incident closed."), "dispatch")
        now = timezone.now()
        fields = ["arrived_at"]
        if locked.status != Dispatch.Status.ACKNOWLEDGED:
            locked.status = Dispatch.Status.ACKNOWLEDGED
            locked.acknowledged_at, locked.acknowledged_by = now, actor
            fields += ["status", "acknowledged_at", "acknowledged_by"]
        locked.arrived_at = now
        locked.save(update_fields=fields)
        teams.set_status(locked.team, Team.Status.ON_SCENE, actor=actor)
        first = Incident.objects.filter(pk=incident.pk, arrived_at__isnull=True).update(arrived_at=now)
        seconds = max(0, int((now - locked.dispatched_at).total_seconds()))
        cases.record_event(
            incident.case,
            "team_arrived",
            actor=actor,
            note=_("%(team)s on scene, %(seconds)d s after it was sent.")
            % {"team": locked.team.name, "seconds": seconds},
            data={"dispatch": locked.pk, "team": locked.team_id, "seconds": seconds, "first": bool(first)},
            now=now,
        )
        publish_alarm(incident, "arrived", dispatch=locked)
    return locked


def close(incident: Incident, code: str, *, actor: User, note: str = "") -> Incident:
    """Close the incident with a closing code (Incident.ClosingCode): the case is resolved with the code's
    label (and the note) and closed, dispatches still waiting are cancelled, and the teams sent that are
    en route or on scene and sent nowhere else are available again. A cancelled KADES alert is closed the
    same way, as a false alarm."""
    _require_operator(actor, incident)
    if code not in Incident.ClosingCode.values:
        raise TransitionError(_("Choose a closing code."), "code")
    note = (note or "").strip()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_incident(incident)
        if locked.closed_at is not None:
            raise TransitionError(_("This incident is already closed."), "incident")
        label = str(Incident.ClosingCode(code).label)
        resolution = f"{label}: {note}" if note else label
        _finish_case(locked.case, actor=actor, resolution=resolution)
        now = timezone.now()
        sent = list(locked.dispatches.filter(status__in=ACTIVE_DISPATCH).select_related("team"))
        Dispatch.objects.filter(pk__in=[d.pk for d in sent if d.status == Dispatch.Status.PENDING]).update(
            status=Dispatch.Status.CANCELLED
        )
        locked.closed_at, locked.closing_code, locked.closed_by = now, code, actor
        locked.save(update_fields=["closed_at", "closing_code", "closed_by"])
        for crew in {d.team_id: d.team for d in sent}.values():
            busy_elsewhere = (
                Dispatch.objects.filter(
                    team=crew, status__in=ACTIVE_DISPATCH, incident__closed_at__isnull=True
                )
                .exclude(incident=locked)
                .exists()
            )
            if crew.status in (Team.Status.EN_ROUTE, Team.Status.ON_SCENE) and not busy_elsewhere:
                teams.set_status(crew, Team.Status.AVAILABLE, actor=actor)
        publish_alarm(locked, "closed")
    return locked


def _finish_case(case: Case, *, actor: User, resolution: str) -> None:
    """Resolve (when still running) and close the incident's case. A police operator may close but not
    resolve a case (kentmasa.cases.transitions): the answer is then written by the system, and the close
    names the operator."""
    current = Case.objects.get(pk=case.pk)
    if current.status == Status.WAITING_CITIZEN:
        raise TransitionError(
            _("The case is waiting for the citizen's answer: record the answer before closing."), "case"
        )
    if current.status in OPEN_STATUSES:
        resolver = actor if access.may_perform(actor, current, "resolve") else None
        current = cases.resolve(current, actor=resolver, resolution=resolution)
    if current.status in (Status.RESOLVED, Status.REJECTED, Status.REDIRECTED):
        cases.close(current, actor=actor, note=resolution)


# -- the deferred checks (run by kentmasa.emergency.tasks) ---------------------------------------------------


def time_out_dispatch(dispatch_id: int, *, now: dt.datetime | None = None) -> str:
    """The team's time to acknowledge is up: a dispatch still waiting is marked timed out, the timeline and
    the boards say so, and the operator who sent it is told (critical push). Idempotent: a dispatch already
    answered, timed out or cancelled is left alone; run early, it is scheduled again for its time."""
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked = _locked_dispatch(dispatch_id)
        if locked is None:
            return "gone"
        if locked.status != Dispatch.Status.PENDING:
            return "answered"
        incident = locked.incident
        if incident.closed_at is not None:
            Dispatch.objects.filter(pk=locked.pk).update(status=Dispatch.Status.CANCELLED)
            return "closed"
        if now < locked.ack_due_at:
            due = locked.ack_due_at
            transaction.on_commit(lambda: _schedule_dispatch_check(locked.pk, due))
            return "early"
        locked.status = Dispatch.Status.TIMED_OUT
        locked.save(update_fields=["status"])
        seconds = max(0, int((now - locked.dispatched_at).total_seconds()))
        case = incident.case
        cases.record_event(
            case,
            "dispatch_timeout",
            note=_("%(team)s did not acknowledge within %(seconds)d s.")
            % {
                "team": locked.team.name,
                "seconds": int((locked.ack_due_at - locked.dispatched_at).total_seconds()),
            },
            data={"dispatch": locked.pk, "team": locked.team_id, "seconds": seconds},
            now=now,
        )
        publish_alarm(incident, "dispatch_timeout", dispatch=locked)
        if locked.dispatched_by is not None:
            headline = _("%(team)s did not acknowledge; send another team") % {"team": locked.team.name}
            tell(
                [locked.dispatched_by],
                "dispatch_timeout",
                _text(headline, case),
                case=case,
                link=_link(case),
                now=now,
            )
    return "timed_out"


def alarm_unacknowledged(incident_id: int, *, now: dt.datetime | None = None) -> str:
    """A KADES alert nobody acknowledged within the directorate's ``alarm_ack_seconds``: the duty
    supervisors are told (once per incident). Idempotent; run early, it is scheduled again for its time."""
    now = now or timezone.now()
    incident = Incident.objects.select_related("case").filter(pk=incident_id).first()
    if incident is None:
        return "gone"
    if incident.acknowledged_at is not None or incident.closed_at is not None:
        return "acknowledged"
    if incident.supervisor_told_at is not None:
        return "told"
    wait = settings_for(incident.institution_id).alarm_ack_seconds
    due = incident.opened_at + dt.timedelta(seconds=wait)
    if now < due:
        schedule_alarm_check(incident.pk, due)
        return "early"
    with translation.override(settings.LANGUAGE_CODE):
        headline = _("KADES alert not acknowledged by any operator within %(seconds)d s") % {"seconds": wait}
        if incident.cancelled_at is not None:
            headline = _("%(headline)s (the app cancelled it)") % {"headline": headline}
    tell_supervisors(incident, headline, once=True, now=now)
    return "told"


def schedule_alarm_check(incident_id: int, due: dt.datetime) -> None:
    """``check_alarm_ack`` for the incident at ``due`` (call it after the alert is committed)."""
    from kentmasa.emergency.tasks import check_alarm_ack

    check_alarm_ack.using(run_after=due).enqueue(incident_id)


# -- consoles ------------------------------------------------------------------------------------------------


def touch_presence(user: User) -> bool:
    """Note that this operator has a console or the board open now (their page calls it every few seconds).
    Only police operators and administrators of an institution count; returns whether it was noted."""
    if not user.is_active or user.institution_id is None or user.role not in teams.OPERATOR_ROLES:
        return False
    now = timezone.now()
    fields = {"institution_id": user.institution_id, "seen_at": now}
    if ConsolePresence.objects.filter(user=user).update(**fields):
        return True
    try:
        with transaction.atomic():
            ConsolePresence.objects.create(user=user, **fields)
    except IntegrityError:  # the same operator's other tab, a moment earlier
        ConsolePresence.objects.filter(user=user).update(**fields)
    return True


def consoles_open(institution: Institution | int, *, now: dt.datetime | None = None) -> bool:
    """Whether an active operator of the institution was seen on a console within
    KENTMASA_CONSOLE_PRESENCE_SECONDS."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    since = (now or timezone.now()) - dt.timedelta(seconds=settings.KENTMASA_CONSOLE_PRESENCE_SECONDS)
    return ConsolePresence.objects.filter(
        institution_id=institution_id, seen_at__gte=since, user__is_active=True
    ).exists()
