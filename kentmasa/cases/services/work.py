"""Working a case: assigning it, taking it, starting, asking the citizen and their answer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access, activity, clock
from kentmasa.cases.models import Case
from kentmasa.cases.services.base import Apply, TransitionError, _perform, _reset_escalation
from kentmasa.directory.models import Team, User


def assign(
    case: Case,
    *,
    actor: User | None,
    assignee: User | None = None,
    team: Team | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Give the case to a member of staff and/or a field team of the institution."""
    return _perform(case, "assign", actor=actor, note=note, apply=_assign_apply(assignee, team), now=now)


def _assign_apply(assignee: User | None, team: Team | None, *, unassigned_only: bool = False) -> Apply:
    def apply(locked: Case, now: dt.datetime) -> dict | None:
        holder = locked.assignee
        if unassigned_only and holder is not None:
            raise TransitionError(
                _("%(name)s has already taken this case.")
                % {"name": holder.get_full_name() or holder.get_username()},
                "assignee",
            )
        if assignee is None and team is None:
            raise TransitionError(_("Choose a person or a team to assign the case to."), "assignee")
        if assignee is not None and assignee.institution_id != locked.institution_id:
            raise TransitionError(_("That person does not work for this institution."), "assignee")
        if team is not None and team.unit.institution_id != locked.institution_id:
            raise TransitionError(_("That team does not belong to this institution."), "team")
        if assignee is not None:
            locked.assignee = assignee
        if team is not None:
            locked.team = team
        if assignee is not None and not access.can_see(assignee, locked):
            # A person who would not find the case in their queue cannot be responsible for it.
            raise TransitionError(
                _("%(name)s does not work for this case's unit or team, so cannot be assigned to it.")
                % {"name": assignee.get_full_name() or assignee.get_username()},
                "assignee",
            )
        return {"assignee": assignee.pk if assignee else None, "team": team.pk if team else None}

    return apply


def take(case: Case, *, actor: User, now: dt.datetime | None = None) -> Case:
    """ "Üzerime al": a member of the case's unit assigns a case nobody has to themselves (its team stays).

    Checked again on the locked row, so of two people who take the same case at once the second is told
    who has it rather than taking it over.
    """
    if actor.role not in User.UNIT_ROLES:
        raise TransitionError(_("Only the staff of a unit take cases on themselves."), "assignee")
    apply = _assign_apply(actor, None, unassigned_only=True)
    return _perform(case, "assign", actor=actor, apply=apply, now=now)


def start(case: Case, *, actor: User | None, note: str = "", now: dt.datetime | None = None) -> Case:
    return _perform(case, "start", actor=actor, note=note, now=now)


def ask_citizen(case: Case, *, actor: User | None, question: str, now: dt.datetime | None = None) -> Case:
    """Ask the citizen for information; the deadline clock stops until they answer."""

    def apply(locked: Case, now: dt.datetime) -> None:
        locked.paused_at = now

    return _perform(case, "ask_citizen", actor=actor, note=question, apply=apply, now=now)


def citizen_answered(
    case: Case, *, actor: User | None, answer: str = "", now: dt.datetime | None = None
) -> Case:
    """The citizen answered: the clock runs again and the deadline moves by the working time paused. It is
    the unit's turn again: the idle warning (kentmasa.cases.activity) is armed from now."""

    def resume(locked: Case, now: dt.datetime) -> dict | None:
        paused_at, locked.paused_at = locked.paused_at, None
        standard = clock.standard_for(locked)
        if locked.due_at is not None and paused_at is not None and standard is not None:
            old_due = locked.due_at
            locked.due_at = clock.calendar_for(locked).resume(old_due, paused_at, now, standard.unit)
            if locked.due_at > now:
                _reset_escalation(locked)  # the answer came in time: the ladder starts again if missed later
            return {
                "due_before": timezone.localtime(old_due).isoformat(),
                "due_after": timezone.localtime(locked.due_at).isoformat(),
            }
        return None

    def apply(locked: Case, now: dt.datetime) -> dict | None:
        data = resume(locked, now)
        locked.idle_warn_at = activity.idle_warning_at(locked, now)
        return data

    return _perform(case, "citizen_answered", actor=actor, note=answer, apply=apply, now=now)
