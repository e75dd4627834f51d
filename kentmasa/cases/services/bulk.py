"""Transitions by name (for the API and generic forms) and on several cases at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from kentmasa.cases.models import Case
from kentmasa.cases.services import gates
from kentmasa.cases.services.base import TransitionError
from kentmasa.cases.services.moving import merge, redirect, transfer
from kentmasa.cases.services.outcome import close, reject, reopen, resolve, resolve_on_the_spot
from kentmasa.cases.services.work import ask_citizen, assign, citizen_answered, start
from kentmasa.directory.models import Team, User


def perform(case: Case, name: str, *, actor: User | None, approved: bool = False, **params: Any) -> Case:
    """Dispatch a transition by name (for the API and generic forms).

    A member of staff's action is first put to the gates (kentmasa.cases.services.gates), which may hold it
    (raises gates.Held: nothing was done yet) or refuse it; ``approved`` says it was already allowed.
    """
    functions: dict[str, Callable[..., Case]] = {
        "assign": assign,
        "start": start,
        "ask_citizen": ask_citizen,
        "citizen_answered": citizen_answered,
        "resolve": resolve,
        "resolve_on_the_spot": resolve_on_the_spot,
        "close": close,
        "reopen": reopen,
        "reject": reject,
        "transfer": transfer,
        "redirect": redirect,
        "merge": merge,
    }
    if name not in functions:
        raise TransitionError(_("Unknown action: %(name)s") % {"name": name}, "transition")
    if actor is not None and not approved:
        gates.check(case, name, actor, params)
    return functions[name](case, actor=actor, **params)


def bulk_assign(
    cases: Iterable[Case], *, actor: User, assignee: User | None = None, team: Team | None = None
) -> tuple[list[Case], list[tuple[Case, str]]]:
    """Assign several cases; each in its own transaction so one refusal does not undo the others."""
    done, refused = [], []
    for case in cases:
        try:
            done.append(assign(case, actor=actor, assignee=assignee, team=team))
        except TransitionError as error:
            refused.append((case, error.message))
    return done, refused
