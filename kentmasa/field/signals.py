"""What the field app hears of the cases' timelines (kentmasa.cases.signals.case_event, after commit).

When a case with an open work order is transferred to another unit or institution, or is resolved, closed,
rejected, redirected or merged, the work order is overtaken: kentmasa.field.services.cancel_overtaken cancels
it with its reason (it drops off the team's list), writes it on the timeline and tells the team by name. A
phone that acts on it afterwards gets a conflict ("transferred" / "case_closed") and keeps it on screen.

field sits above cases and notify (DESIGN.md): it listens to the cases' events, cases never call it.
"""

from __future__ import annotations

import logging
from typing import Any

from kentmasa.cases.models import Case, Event
from kentmasa.field import services

log = logging.getLogger(__name__)

# Events that never overtake a work order: the field app's own (work_order_*, inspection_report), the
# notifications' lines, and a case's opening (a case has no work order before it is opened; whatever is
# done to it afterwards, even in the same transaction, is announced by its own event); hearing them changes
# nothing, so they are not even looked at.
QUIET = frozenset({"notified", "inspection_report", "open"})


def on_case_event(sender: object, case: Case, event: Event, **kwargs: Any) -> None:
    if event.action.startswith("work_order_") or event.action in QUIET:
        return
    try:
        services.cancel_overtaken(case.pk)
    except Exception:  # the case's own change is committed: a failure here must not turn it into a 500
        log.exception("field: overtaken work orders of case %s not cancelled", case.pk)
