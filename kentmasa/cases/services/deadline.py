"""A deadline set by a law's own clock rather than by the service standard.

Law 4982 counts its 15 (or, extended, 30) iş günü from the day a complete application arrives, so the
application's deadline is set when the information service finds it complete, and again when it is
extended (kentmasa.foi). ``set_deadline`` is that one change: the case keeps its status, the escalation
ladder starts again when the new deadline is still ahead, and the timeline records the old and the new
moment.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.services.base import TransitionError, _event, _reset_escalation
from kentmasa.directory.models import User

SET_DEADLINE = "deadline_set"


def set_deadline(
    case: Case,
    *,
    due_at: dt.datetime,
    actor: User | None,
    reason: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Give a running case a new deadline (``reason`` names the rule, e.g. "4982_complete").

    Only the app that owns the law's clock calls this; it checks who may ask for it. A case that is no
    longer running is refused with TransitionError (nothing written).
    """
    now = now or timezone.now()
    if due_at.tzinfo is None:
        raise TransitionError(_("A deadline needs a time zone."), "due_at")
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
        if locked.status not in ACTIVE_STATUSES:
            raise TransitionError(_("The deadline of a finished case cannot be changed."), "status")
        before = locked.due_at
        locked.due_at = due_at
        if due_at > now:
            _reset_escalation(locked)  # missed later, the ladder starts from its first step again
        locked.save(
            update_fields=["due_at", "overdue_since", "escalation_level", "escalated_at", "updated_at"]
        )
        _event(
            locked,
            SET_DEADLINE,
            actor=actor,
            at=now,
            note=(note or "").strip(),
            from_status=locked.status,
            data={
                **(data or {}),
                "reason": reason,
                "due_before": timezone.localtime(before).isoformat() if before else None,
                "due_after": timezone.localtime(due_at).isoformat(),
            },
        )
    return locked
