"""The outcome of a case: answering it, closing, reopening (by staff, or by the citizen's own message within
the institution's window: ``follow_up``) and rejecting it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import clock
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Status
from kentmasa.cases.services.base import Apply, _perform, _restart_clock
from kentmasa.cases.services.timeline import comment
from kentmasa.directory.models import User
from kentmasa.lib import turkish


def _resolve_apply(resolution: str, resolver: User | None = None) -> Apply:
    def apply(locked: Case, now: dt.datetime) -> dict | None:
        locked.resolution = resolution.strip()
        locked.resolved_at = now
        locked.paused_at = None
        if resolver is not None and locked.assignee_id is None:
            locked.assignee = resolver
            return {"assignee": resolver.pk}
        return None

    return apply


def resolve(case: Case, *, actor: User | None, resolution: str, now: dt.datetime | None = None) -> Case:
    """Answer the case; the resolution text is what the citizen is told. Whoever answers a case nobody was
    assigned becomes its assignee, so every answered case names the person who answered it."""
    apply = _resolve_apply(resolution, resolver=actor)
    return _perform(case, "resolve", actor=actor, note=resolution, apply=apply, now=now)


def resolve_on_the_spot(
    case: Case, *, actor: User | None, resolution: str, now: dt.datetime | None = None
) -> Case:
    """An operator answers a new case during the call itself (information given, appointment made)."""
    return _perform(
        case, "resolve_on_the_spot", actor=actor, note=resolution, apply=_resolve_apply(resolution), now=now
    )


def close(case: Case, *, actor: User | None, note: str = "", now: dt.datetime | None = None) -> Case:
    def apply(locked: Case, now: dt.datetime) -> None:
        locked.closed_at = now

    return _perform(case, "close", actor=actor, note=note, apply=apply, now=now)


def reopen(case: Case, *, actor: User | None, note: str, now: dt.datetime | None = None) -> Case:
    """Open a finished case again (the citizen says it is not done). It goes back to its unit's queue."""

    def apply(locked: Case, now: dt.datetime) -> None:
        locked.status = Status.ASSIGNED if (locked.assignee_id or locked.team_id) else Status.NEW
        locked.resolution = ""  # the earlier answer stays on the timeline; the case no longer has one
        _restart_clock(locked, now)  # the institution owes a new answer, within the standard from now
        if locked.status == Status.ASSIGNED and locked.clock == clock.FORWARDING:
            locked.clock_stopped_at = now  # back with its assignee or team: nothing left to forward
        locked.resolved_at = None
        locked.closed_at = None
        locked.rejection_reason = ""

    return _perform(case, "reopen", actor=actor, note=note, apply=apply, now=now)


def reject(case: Case, *, actor: User | None, reason: str, now: dt.datetime | None = None) -> Case:
    def apply(locked: Case, now: dt.datetime) -> None:
        locked.rejection_reason = reason.strip()
        locked.paused_at = None

    return _perform(case, "reject", actor=actor, note=reason, apply=apply, now=now)


def reopen_deadline(case: Case) -> dt.datetime | None:
    """Until when a message of the citizen reopens this resolved or closed case: Institution.reopen_days
    after it was closed (after it was resolved, for a case not closed yet). None for other statuses."""
    if case.status == Status.CLOSED:
        finished = case.closed_at or case.resolved_at
    elif case.status == Status.RESOLVED:
        finished = case.resolved_at
    else:
        return None
    if finished is None:
        return None
    return finished + dt.timedelta(days=case.institution.reopen_days)


def follow_up(
    case: Case, *, message: str, with_files: bool = False, now: dt.datetime | None = None
) -> Case | None:
    """The citizen wrote about their resolved or closed case.

    A message that only thanks ("Teşekkürler, elinize sağlık 🙏", lib.turkish.is_only_thanks) and brings
    no file goes on the timeline and changes nothing, whenever it comes. Otherwise, within the window
    (``reopen_deadline``) their message goes on the timeline and the case is reopened by them (actor None;
    the reason is on the timeline) and returned. After it nothing is written and None is returned: the
    caller opens a new case that follows this one (``open_case(follows=case)``). A case reopened meanwhile
    (by the citizen's previous message, or by staff) just gets the message.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
        if locked.status in ACTIVE_STATUSES or (not with_files and turkish.is_only_thanks(message)):
            comment(locked, actor=None, note=message, public=True, from_citizen=True, now=now)
            return locked
        until = reopen_deadline(locked)
        if until is None or now > until:
            return None
        comment(locked, actor=None, note=message, public=True, from_citizen=True, now=now)
        with translation.override(settings.LANGUAGE_CODE):
            note = _(
                "The citizen wrote again within %(days)d days after the case was finished: it is open again."
            ) % {"days": locked.institution.reopen_days}
        return reopen(locked, actor=None, note=note, now=now)
