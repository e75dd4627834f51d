"""What "acting on a case" means, defined once.

A unit acts on a case when a member of staff writes one of the events named in
``settings.KENTMASA_ACTED_ON`` on its timeline: by default assigning it, starting work, asking the citizen,
a note to the citizen (a public staff comment), moving it (transfer, redirect) or answering it (resolve,
resolve on the spot, reject). The system (tasks, channels: actor None) and the citizen never act on a case;
internal notes, escalations and notifications do not count either.

``kentmasa.cases.services`` records the moment on the case (``Case.acted_at``) and arms
``Case.idle_warn_at``: when the unit is to be warned that nobody has acted for a share of the standard
(``Service.idle_warning_percent``, else ``settings.KENTMASA_IDLE_WARNING_SHARE``, half by default). The
escalation sweep sends that warning once per threshold; a new action arms the next one. Later features (the
Derman loop) ask the same questions through these functions, never by listing actions of their own.

Nothing here touches the database, apart from reading ``case.service`` when it is not loaded yet.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from kentmasa.cases.models import Case
    from kentmasa.directory.models import User

# The name in KENTMASA_ACTED_ON for a public staff comment (timeline action "comment", visible to the
# citizen). A comment only staff see is not acting on the case: it tells the citizen nothing.
NOTE_TO_CITIZEN = "note_to_citizen"

DEFAULT_ACTED_ON = (
    "assign",
    "start",
    "ask_citizen",
    NOTE_TO_CITIZEN,
    "transfer",
    "redirect",
    "resolve",
    "resolve_on_the_spot",
    "reject",
)
DEFAULT_IDLE_WARNING_SHARE = 0.5


def acted_on() -> frozenset[str]:
    """The timeline actions (and ``NOTE_TO_CITIZEN``) that count as acting on a case."""
    return frozenset(getattr(settings, "KENTMASA_ACTED_ON", DEFAULT_ACTED_ON))


def counts_as_action(action: str, actor: User | None, public: bool) -> bool:
    """Whether a timeline event ``action`` written by ``actor`` (None: the system or the citizen), visible
    to the citizen or not (``public``), is staff acting on the case."""
    if actor is None:
        return False
    names = acted_on()
    if action == "comment":
        return public and NOTE_TO_CITIZEN in names
    return action in names


def idle_share(case: Case) -> float:
    """The share of the standard a case may wait without any action: the service's own percentage, else
    the site's (``KENTMASA_IDLE_WARNING_SHARE``). Always strictly between 0 and 1."""
    service = case.service if case.service_id is not None else None
    percent = service.idle_warning_percent if service is not None else None
    if percent:
        share = percent / 100
    else:
        share = float(getattr(settings, "KENTMASA_IDLE_WARNING_SHARE", DEFAULT_IDLE_WARNING_SHARE))
    return min(max(share, 0.01), 0.99)


def idle_warning_at(
    case: Case, since: dt.datetime, *, start: dt.datetime | None = None, share: float | None = None
) -> dt.datetime | None:
    """When the unit is to be warned if nobody acts on ``case`` after ``since`` (its last action, or the
    moment its clock started).

    That is ``since`` + share × the span of the standard, the span being ``due_at`` − ``start`` (when the
    clock started: the case's receipt unless given, e.g. a clock restarted on reopening). None when the case
    has no deadline, when its forwarding clock has stopped (it was passed on: its standard is met), or when
    the warning would come on or after the deadline: escalation speaks then. ``share`` (between 0 and 1)
    replaces ``idle_share(case)`` for a rule that asks the same question at another share of the standard
    (the Derman loop, kentmasa.field.derman).
    """
    if case.due_at is None or case.clock_stopped_at is not None:
        return None
    span = case.due_at - (start or case.received_at)
    if span <= dt.timedelta(0):
        return None
    share = idle_share(case) if share is None else min(max(share, 0.01), 0.99)
    warn_at = since + span * share
    return warn_at if warn_at < case.due_at else None
