"""The case state machine: every named transition, the statuses it leaves from, and who may perform it.

Views and the API read this table to decide which buttons to show; kentmasa.cases.services enforces it.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.models import Status
from kentmasa.directory.models import User

R = User.Role
_OPERATORS = frozenset({R.OPERATOR, R.POLICE_OPERATOR, R.ADMINISTRATOR})
_UNIT = frozenset({R.UNIT_STAFF, R.UNIT_MANAGER, R.ADMINISTRATOR})
_RUNNING = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS})
_ACTIVE = _RUNNING | {Status.WAITING_CITIZEN}


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset
    target: str | None  # None: decided by the domain function (transfer, reopen)
    roles: frozenset
    public: bool  # the timeline event is shown to the citizen
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("assign", _("Assign"), _RUNNING, Status.ASSIGNED, _UNIT | _OPERATORS, public=False),
        Transition(
            "start",
            _("Start work"),
            frozenset({Status.NEW, Status.ASSIGNED}),
            Status.IN_PROGRESS,
            _UNIT | {R.FIELD_TEAM},
            public=True,
        ),
        Transition(
            "ask_citizen",
            _("Ask the citizen"),
            _RUNNING,
            Status.WAITING_CITIZEN,
            _UNIT | _OPERATORS,
            public=True,
            note_required=True,
        ),
        Transition(
            "citizen_answered",
            _("Citizen answered"),
            frozenset({Status.WAITING_CITIZEN}),
            Status.IN_PROGRESS,
            _UNIT | _OPERATORS,
            public=True,
        ),
        Transition(
            "resolve",
            _("Resolve"),
            _RUNNING,
            Status.RESOLVED,
            _UNIT | {R.FIELD_TEAM},
            public=True,
            note_required=True,
        ),
        Transition(
            "resolve_on_the_spot",
            _("Resolve on the spot"),
            frozenset({Status.NEW}),
            Status.RESOLVED,
            _OPERATORS,
            public=True,
            note_required=True,
        ),
        Transition(
            "close",
            _("Close"),
            frozenset({Status.RESOLVED, Status.REJECTED, Status.REDIRECTED}),
            Status.CLOSED,
            _OPERATORS | {R.UNIT_MANAGER, R.FEEDBACK_OPERATOR},
            public=False,
        ),
        Transition(
            "reopen",
            _("Reopen"),
            frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED}),
            None,
            _OPERATORS | {R.UNIT_MANAGER, R.FEEDBACK_OPERATOR},
            public=True,
            note_required=True,
        ),
        Transition(
            "reject",
            _("Reject"),
            _ACTIVE,
            Status.REJECTED,
            frozenset({R.UNIT_MANAGER, R.ADMINISTRATOR}),
            public=True,
            note_required=True,
        ),
        Transition("transfer", _("Transfer"), _RUNNING, None, _OPERATORS | {R.UNIT_MANAGER}, public=True),
        Transition(
            "redirect",
            _("Redirect to another body"),
            _RUNNING,
            Status.REDIRECTED,
            _OPERATORS | {R.UNIT_MANAGER},
            public=True,
        ),
        Transition(
            "merge",
            _("Merge into another case"),
            _ACTIVE,
            Status.MERGED,
            _OPERATORS | {R.UNIT_MANAGER},
            public=True,
        ),
    ]
}


def allowed_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]


# Timeline actions that are not transitions: written by the domain functions, and by the apps above cases
# (escalation, notify) through services.record_event. The case page and the API label them from here.
EVENT_LABELS: dict[str, Promise] = {
    "open": _("Case opened"),
    "categorise": _("Category set"),
    "locate": _("Location added"),
    "comment": _("Comment"),
    "merged_in": _("Another case was merged into this one"),
    "escalate": _("Escalated"),
    "idle_warning": _("Warning: nobody has acted"),
    "notified": _("Staff told"),
    "notify_failed": _("A notification could not be delivered"),
    "approval_requested": _("Approval asked for"),
    "approval_decided": _("Approval decided"),
    "approval_forwarded": _("Approval passed on"),
    # The police side (kentmasa.emergency): the Haber Merkezi's steps on an incident.
    "incident_acknowledged": _("Alarm acknowledged"),
    "dispatch_acknowledged": _("The team accepted"),
    "dispatch_timeout": _("The team did not answer in time"),
    "team_arrived": _("The team arrived"),
    "kades_cancelled": _("Cancelled from the KADES app"),
    # Field work (kentmasa.field): a work order and what its team did on the phone.
    "work_order": _("Work order sent"),
    "work_order_cancelled": _("Work order cancelled"),
    "work_order_reassigned": _("Work order reassigned"),
    "work_order_set_out": _("The field team set out"),
    "work_order_arrived": _("The field team arrived"),
    "work_order_note": _("Field team's note"),
    "work_order_call": _("The field team called the citizen"),
    "work_order_photo": _("Field team's photo"),
    "work_order_done": _("The field team completed the work"),
    "work_order_failed": _("The field team could not do the work"),
    "work_order_other_team": _("The field team asks for another team"),
    "work_order_reviewed": _("Work order report reviewed"),
    "inspection_report": _("Inspection report attached"),
    # Feedback after resolution (kentmasa.feedback): a call not answered, a rating link sent.
    "feedback_call": _("Feedback call"),
    "feedback_asked": _("Rating link sent"),
    # A deadline set by a law's own clock (services.set_deadline), and Law 4982's steps (kentmasa.foi).
    "deadline_set": _("Deadline set"),
    "foi_complete": _("Information request found complete"),
    "foi_incomplete": _("Information request incomplete"),
    "foi_converted": _("Not an information request: taken as a petition"),
    "foi_forwarded_unit": _("Sent to the unit that holds the information"),
    "foi_opinion": _("Another unit's or institution's opinion asked"),
    "foi_forwarded_out": _("Sent to the institution that holds the information"),
    "foi_extended": _("Time extended to 30 working days"),
    "foi_fee": _("Fee for access told"),
    "foi_fee_paid": _("Fee paid"),
    "foi_withdrawn": _("Counts as withdrawn (fee not paid)"),
    "foi_decision": _("Decision on the information request"),
    "foi_unit_warning": _("Unit warned: extension not sent"),
    "foi_silence_warning": _("Warned: deemed refusal near"),
    "foi_silence": _("Deemed refused (İYUK art. 10)"),
    "foi_objection": _("Objection recorded"),
    "foi_kurul_decision": _("Decision of the Board recorded"),
    # KVKK art. 11 applications (kentmasa.privacy.requests); an answer handed over in person.
    "kvkk_identity": _("KVKK: identity proven"),
    "kvkk_types": _("KVKK: rights asked for recorded"),
    "kvkk_link": _("KVKK: a further record linked to the person"),
    "kvkk_correction": _("KVKK: personal data corrected"),
    "kvkk_erasure": _("KVKK: erasure decided"),
    "kvkk_answer": _("KVKK: answer sent"),
    "answer_handed_over": _("Answer handed over in person"),
}


# What a transition's timeline line says happened (its button says what to do: "Ata" → "Atandı").
DONE_LABELS: dict[str, Promise] = {
    "assign": _("Assigned"),
    "start": _("Work started"),
    "ask_citizen": _("Citizen asked"),
    "citizen_answered": _("Citizen answered"),
    "resolve": _("Resolved"),
    "resolve_on_the_spot": _("Resolved on the spot"),
    "close": _("Closed"),
    "reopen": _("Reopened"),
    "reject": _("Rejected"),
    "transfer": _("Transferred"),
    "redirect": _("Redirected to another body"),
    "merge": _("Merged into another case"),
}


def event_label(action: str) -> str:
    """What a timeline line is called: what the transition did, or the label of another kind of event."""
    if action in DONE_LABELS:
        return str(DONE_LABELS[action])
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(EVENT_LABELS.get(action, action))
