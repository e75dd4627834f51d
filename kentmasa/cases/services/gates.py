"""Gates: an action by a member of staff may be held before it is performed (until an approver allows it).

The cases app knows nothing of who holds what: an app above it (kentmasa.notify.approvals) registers its
gate here when it starts (AppConfig.ready). ``services.perform`` asks every gate before it runs an action
of a member of staff, unless the action was already allowed (``approved=True``) or the system itself acts.

A gate answers in one of three ways: it returns (the action goes ahead), raises ``Held`` (the action was
kept for later and nothing happened to the case yet), or raises ``TransitionError`` (the action is refused,
e.g. while another one waits for approval).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kentmasa.cases.models import Case
from kentmasa.directory.models import User

# gate(case, action name, actor, the action's keyword arguments)
Gate = Callable[[Case, str, User, dict[str, Any]], None]

_gates: list[Gate] = []


class Held(Exception):
    """The action was not performed but kept until someone allows it. ``message`` is translated and safe to
    show to the user ("Sent for approval: Ayşe Yılmaz"); ``approval_id`` names what waits."""

    def __init__(self, message: str, approval_id: int):
        super().__init__(message)
        self.message = message
        self.approval_id = approval_id


def register(gate: Gate) -> None:
    """Ask ``gate`` before every action of a member of staff (once, however often it is registered)."""
    if gate not in _gates:
        _gates.append(gate)


def check(case: Case, name: str, actor: User, params: dict[str, Any]) -> None:
    """Ask every gate about this action; raises Held or TransitionError, returns when all let it pass."""
    for gate in list(_gates):
        gate(case, name, actor, params)
