"""Notes on the timeline that change nothing else."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import Case, Event
from kentmasa.cases.services.base import TransitionError, _event
from kentmasa.directory.models import User


def comment(
    case: Case,
    *,
    actor: User | None,
    note: str,
    public: bool = False,
    from_citizen: bool = False,
    now: dt.datetime | None = None,
) -> Event:
    """A note on the timeline without a change of status; ``from_citizen`` for what the citizen wrote."""
    if not note.strip():
        raise TransitionError(_("Please write a note for this action."), "note")
    with transaction.atomic():
        return _event(
            case,
            "comment",
            actor=actor,
            at=now or timezone.now(),
            note=note.strip(),
            public=public,
            from_status=case.status,
            data={"from_citizen": True} if from_citizen else None,
        )
