"""Notes on the timeline that change nothing else: comments, records kept on the opening of a case, and
events other apps record (who was told, idle warnings)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import activity
from kentmasa.cases.models import Case, Event
from kentmasa.cases.services.base import TransitionError, _acted_by_update, _event
from kentmasa.directory.models import User


def comment(
    case: Case,
    *,
    actor: User | None,
    note: str,
    public: bool = False,
    from_citizen: bool = False,
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """A note on the timeline without a change of status; ``from_citizen`` for what the citizen wrote.
    A note of staff to the citizen is acting on the case (kentmasa.cases.activity). ``data`` marks what the
    note is about: ``{"reply_failed": True}`` (an answer did not reach the citizen) is told to the people
    working the case by kentmasa.notify.rules."""
    if not note.strip():
        raise TransitionError(_("Please write a note for this action."), "note")
    at = now or timezone.now()
    with transaction.atomic():
        event = _event(
            case,
            "comment",
            actor=actor,
            at=at,
            note=note.strip(),
            public=public,
            from_status=case.status,
            data={**(data or {}), **({"from_citizen": True} if from_citizen else {})} or None,
        )
        if activity.counts_as_action("comment", actor, public):
            _acted_by_update(case, at)
        return event


def record_on_opening(case: Case, key: str, value: dict) -> Event:
    """Keep, under ``key`` of the case's "open" event, a record made while the case was being opened
    (e.g. the desk's identity check, which names the files it kept, so it is written after them).

    Call it in the transaction that opened the case. A key once written is history and is not replaced.
    """
    with transaction.atomic():
        opened = Event.objects.select_for_update().get(case=case, action="open")
        if key in (opened.data or {}):
            raise TransitionError(_("The opening of the case already records this."), key)
        opened.data = {**(opened.data or {}), key: value}
        opened.save(update_fields=["data"])
    return opened


def record_event(
    case: Case,
    action: str,
    *,
    note: str = "",
    data: dict | None = None,
    actor: User | None = None,
    public: bool = False,
    now: dt.datetime | None = None,
) -> Event:
    """One event on the timeline that changes nothing on the case (e.g. "notified", "idle_warning"),
    announced (kentmasa.cases.signals.case_event) after the transaction commits, like every other."""
    with transaction.atomic():
        return _event(
            case,
            action,
            actor=actor,
            at=now or timezone.now(),
            note=note,
            public=public,
            from_status=case.status,
            data=data,
        )
