"""The domain functions: the only way a case is opened or changes state.

Each function checks the transition against kentmasa.cases.transitions, writes the case and appends its
timeline event in one database transaction, and announces the event (kentmasa.cases.signals.case_event)
only after that transaction has committed. Views, the API, channel adapters and tasks call these, as
``from kentmasa.cases import services; services.assign(...)``; the modules of this package group them:

* ``opening``: open_case (with its deadline: standard_due, capped);
* ``work``: assign, take, start, ask_citizen, citizen_answered;
* ``outcome``: resolve, resolve_on_the_spot, close, reopen, reject; follow_up (the citizen's message on a
  finished case) and reopen_deadline;
* ``moving``: transfer, redirect, merge;
* ``location``: set_location (a point that came after the case);
* ``deadline``: set_deadline (a law's own clock sets the deadline: Law 4982, kentmasa.foi);
* ``timeline``: comment, record_on_opening, record_event (an event other apps record: who was told);
* ``category``: categorise (and may_categorise), share_resolution (a merged group's answer);
* ``search_text``: refresh_search_text (after a citizen's record changed);
* ``bulk``: perform (by name; asks the ``gates`` first, which may hold the action: Held), bulk_assign.
"""

from kentmasa.cases.services.base import LOCATION_FIELDS, TransitionError
from kentmasa.cases.services.bulk import bulk_assign, perform
from kentmasa.cases.services.category import CATEGORISE, categorise, may_categorise, share_resolution
from kentmasa.cases.services.deadline import SET_DEADLINE, set_deadline
from kentmasa.cases.services.gates import Held
from kentmasa.cases.services.location import LOCATE, set_location
from kentmasa.cases.services.moving import merge, redirect, transfer
from kentmasa.cases.services.opening import capped, open_case, standard_due
from kentmasa.cases.services.outcome import (
    close,
    follow_up,
    reject,
    reopen,
    reopen_deadline,
    resolve,
    resolve_on_the_spot,
)
from kentmasa.cases.services.search_text import refresh_search_text
from kentmasa.cases.services.timeline import comment, record_event, record_on_opening
from kentmasa.cases.services.work import ask_citizen, assign, citizen_answered, start, take

__all__ = [
    "CATEGORISE",
    "LOCATE",
    "LOCATION_FIELDS",
    "SET_DEADLINE",
    "Held",
    "TransitionError",
    "ask_citizen",
    "assign",
    "bulk_assign",
    "capped",
    "categorise",
    "citizen_answered",
    "close",
    "comment",
    "follow_up",
    "may_categorise",
    "merge",
    "open_case",
    "perform",
    "record_event",
    "record_on_opening",
    "redirect",
    "refresh_search_text",
    "reject",
    "reopen",
    "reopen_deadline",
    "resolve",
    "resolve_on_the_spot",
    "set_deadline",
    "set_location",
    "share_resolution",
    "standard_due",
    "start",
    "take",
    "transfer",
]
