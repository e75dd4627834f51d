"""The common machinery of the domain functions: the refusal, the timeline event and one checked transition.

``_perform`` runs one transition of kentmasa.cases.transitions: lock the row, check, change, append the event,
all in one transaction. It is also where a forwarding clock stops (kentmasa.cases.clock): every assign,
transfer, redirect, resolve or reject by staff passes here, whichever domain function or app asked for
it, and the stop is written with the transition or not at all. ``_event`` appends a timeline event and
announces it
(kentmasa.cases.signals.case_event) only after that transaction has committed. Only the modules of this
package use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access, activity, clock
from kentmasa.cases.models import OPEN_STATUSES, Case, Event
from kentmasa.cases.signals import case_event
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.models import User

# A transition's own change on the locked case (see _perform); returns the event's data, if any.
Apply = Callable[[Case, dt.datetime], dict | None]


class TransitionError(Exception):
    """A refused action. ``message`` is translated and safe to show; nothing was written."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


LOCATION_FIELDS = (
    "latitude",
    "longitude",
    "province",
    "district",
    "neighbourhood",
    "street",
    "building_no",
    "address_text",
)


def _announce(case: Case, event: Event) -> None:
    transaction.on_commit(lambda: case_event.send(sender=Case, case=case, event=event))


def _event(
    case: Case,
    action: str,
    *,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
    public: bool = False,
    from_status: str = "",
    data: dict | None = None,
) -> Event:
    event = Event.objects.create(
        case=case,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        public=public,
        data=data or {},
    )
    _announce(case, event)
    return event


def _perform(
    case: Case,
    name: str,
    *,
    actor: User | None,
    note: str = "",
    apply: Apply | None = None,
    target: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Run one transition: lock the row, check, change, append the event. Returns the updated case.

    ``apply`` makes the transition's own changes on the locked case (and sets the status itself for
    transitions whose target depends on the case) and may refuse by raising TransitionError before
    anything is written. ``actor`` None means the system itself (a task, a channel).
    """
    transition = TRANSITIONS[name]
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("institution", "service")
            .get(pk=case.pk)
        )
        if actor is not None and not access.may_perform(actor, locked, transition):
            raise TransitionError(_("You are not allowed to do this on this case."), "forbidden")
        if locked.status not in transition.sources:
            raise TransitionError(
                _("“%(action)s” is not possible while the case is “%(status)s”.")
                % {"action": transition.label, "status": locked.get_status_display()},
                "illegal_transition",
            )
        if transition.note_required and not note:
            raise TransitionError(_("Please write a note for this action."), "note")
        from_status = locked.status
        due_before = locked.due_at
        # Before the transition's own change: a transfer to another institution restarts the clock there.
        _stop_forwarding_clock(locked, name, actor, now)
        data = (apply(locked, now) if apply else None) or {}
        new_status = target or transition.target
        if new_status:
            locked.status = new_status
        moved = locked.due_at != due_before
        _note_activity(locked, name, actor, transition.public, now, deadline_moved=moved)
        locked.save()
        _event(
            locked,
            name,
            actor=actor,
            at=now,
            note=note,
            public=transition.public,
            from_status=from_status,
            data=data,
        )
    return locked


def _stop_forwarding_clock(case: Case, action: str, actor: User | None, now: dt.datetime) -> None:
    """On the locked case: staff forwarding it (assign, transfer, redirect) or settling it (resolve,
    reject) stop its running forwarding clock at this event's moment. The system's actions (actor None)
    never do: intake setting the unit from the category is not forwarding."""
    if actor is None or case.clock != clock.FORWARDING or case.clock_stopped_at is not None:
        return
    if clock.stops_clock(action):
        case.clock_stopped_at = now


def _note_activity(
    case: Case, action: str, actor: User | None, public: bool, now: dt.datetime, *, deadline_moved: bool
) -> None:
    """On the locked case before it is saved: a staff action (kentmasa.cases.activity) is the case's last,
    and the idle warning is due a share of the standard after it (unless the transition set a new deadline
    and armed the warning itself). Only a running case has a warning due."""
    if activity.counts_as_action(action, actor, public):
        case.acted_at = now
        if not deadline_moved:
            case.idle_warn_at = activity.idle_warning_at(case, now)
    if case.status not in OPEN_STATUSES:
        case.idle_warn_at = None


def _acted_by_update(case: Case, at: dt.datetime) -> None:
    """A staff action that changes nothing else on the case (a note to the citizen), in one UPDATE: the
    case's last action, and its idle warning re-armed if it is still running."""
    warn_at = activity.idle_warning_at(case, at)
    armed = None
    if warn_at is not None:
        armed = models.Case(
            models.When(status__in=OPEN_STATUSES, then=models.Value(warn_at)),
            default=None,
            output_field=models.DateTimeField(),
        )
    Case.objects.filter(pk=case.pk).update(acted_at=at, idle_warn_at=armed)
    case.acted_at = at
    case.idle_warn_at = warn_at if case.status in OPEN_STATUSES else None


def _restart_clock(case: Case, start: dt.datetime) -> None:
    """A new deadline counted from ``start`` on the clock of the case's service (a forwarding clock runs
    again), the escalation ladder back at its first step, and the idle warning armed from ``start``."""
    case.clock = clock.clock_of(case.service)
    case.clock_stopped_at = None  # a forwarding clock runs again: the case is to be passed on anew
    standard_case = Case(
        institution=case.institution,
        service=case.service,
        kind=case.kind,
        received_at=start,
        several_institutions=case.several_institutions,
        clock=case.clock,
    )
    case.due_at = clock.compute_due(standard_case)
    case.idle_warn_at = activity.idle_warning_at(case, start, start=start)
    _reset_escalation(case)


def _reset_escalation(case: Case) -> None:
    case.overdue_since = None
    case.escalation_level = 0
    case.escalated_at = None
