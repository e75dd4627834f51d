"""Who is told what when something happens on a case.

``on_case_event`` receives every timeline event after its transaction has committed
(kentmasa.cases.signals.case_event) and looks its action up in ``RULES``, one function per event:

============================ ===========================================================================
assign                       the person assigned ("assigned"); the team's leader and members
                             ("team_assigned"), unless it is a police team's dispatch (told by
                             kentmasa.emergency as "dispatched")
escalate (level 1 / 2)       the holders of the service's first / second application place
                             ("escalated_1" / "escalated_2"); none linked: the unit's managers, and the
                             timeline says the place has no linked user
idle_warning                 the unit's own mailbox (an e-mail) and the unit's managers ("idle_warning")
comment from the citizen,    the assignee, else the team's leader ("citizen_message"), while the case is
the citizen's reopen or      active
answer (actor None)
============================ ===========================================================================

Everything else is ignored, "notified" above all (telling writes it: no loops). Only staff are told, and
a text carries no more than the tracking number and the subject (for a KADES case not even the subject:
a phone's lock screen shows it). A failure here is logged and never reaches the person whose action
caused the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Event
from kentmasa.directory.models import ApplicationPlace, Team, Unit, User
from kentmasa.notify.tell import shown_subject, tell, tell_unit_mailbox

logger = logging.getLogger(__name__)

# The most people one event tells (a team, a place's holders, a unit's managers).
MAX_RECIPIENTS = 50

Rule = Callable[[Case, Event], None]


def on_case_event(sender: Any, case: Case, event: Event, **kwargs: Any) -> None:
    rule = RULES.get(event.action)
    if rule is None:
        return
    try:
        with translation.override(settings.LANGUAGE_CODE):
            rule(case, event)
    except Exception:  # a notification never undoes, or fails, the action that caused it
        logger.exception("notify rule %s failed for case %s", event.action, case.pk)


# -- the rules -----------------------------------------------------------------------------------------------


def on_assign(case: Case, event: Event) -> None:
    """The person the case was given to, and the team's leader and members (the person not twice)."""
    data = event.data or {}
    assignee = _user(data.get("assignee"))
    if assignee is not None:
        tell(
            [assignee],
            "assigned",
            _text(_("Assigned to you"), case),
            case=case,
            link=_link(case),
            actor=event.actor,
            now=event.at,
        )
    team = _team(data.get("team"))
    if team is not None and not _is_dispatch(event, team):
        people = [p for p in team_people(team) if assignee is None or p.pk != assignee.pk]
        text = _text(_("Assigned to your team %(team)s") % {"team": team.name}, case)
        tell(people, "team_assigned", text, case=case, link=_link(case), actor=event.actor, now=event.at)


def _is_dispatch(event: Event, team: Team) -> bool:
    """A police team sent to an incident (kentmasa.emergency.services.dispatch) is told by the dispatch
    itself, at once and critically ("dispatched"), not a second time as an ordinary assignment. The dispatch
    marks the assign event's data after it was written, so the mark is read from the database."""
    if team.kind != Team.Kind.POLICE:
        return False
    return Event.objects.filter(pk=event.pk, data__has_key="dispatch").exists()


def on_escalate(case: Case, event: Event) -> None:
    """The holders of the application place the case was escalated to; none linked: the unit's managers."""
    data = event.data or {}
    level = data.get("level")
    if level not in (1, 2):
        return
    kind = f"escalated_{level}"
    if level == 1:
        headline = _("Deadline missed; escalated to the first application place")
    else:
        headline = _("Still unanswered a day later; escalated to the second application place")
    place = _place(data.get("place"))
    holders = list(place.holders.filter(is_active=True).order_by("pk")[:MAX_RECIPIENTS]) if place else []
    if holders:
        tell(holders, kind, _text(headline, case), case=case, link=_link(case), now=event.at)
        return
    managers = unit_managers(case.unit) if case.unit_id else []
    if place is None:
        missing = _("The service standard names no application place for this step")
    elif level == 1:
        missing = _("The first application place has no linked user")
    else:
        missing = _("The second application place has no linked user")
    if managers:
        note = _("%(missing)s: the unit's managers are told instead.") % {"missing": missing}
    else:
        note = _("%(missing)s, and the unit has no manager to tell.") % {"missing": missing}
    services.record_event(
        case,
        "notified",
        note=note,
        data={"kind": kind, "users": [], "notifications": [], "no_holder": place.pk if place else None},
        now=event.at,
    )
    tell(managers, kind, _text(f"{headline} ({missing})", case), case=case, link=_link(case), now=event.at)


def on_idle_warning(case: Case, event: Event) -> None:
    """An e-mail to the unit's own address and a notice to its managers."""
    unit = case.unit if case.unit_id is not None else None
    if unit is None:
        return
    headline = _("Nobody has acted on a case")
    subject = _text(headline, case)
    body = "\n\n".join(
        part
        for part in (
            _("Case %(number)s: %(subject)s") % {"number": case.tracking_display, "subject": _subject(case)},
            event.note,
            _("Unit: %(unit)s") % {"unit": unit.name},
        )
        if part
    )
    tell_unit_mailbox(unit, "idle_warning", subject, body, case=case)
    tell(unit_managers(unit), "idle_warning", subject, case=case, link=_link(case), now=event.at)


def on_citizen_message(case: Case, event: Event) -> None:
    """The citizen wrote on an active case (or reopened it by writing): its assignee, else its team's
    leader, else the managers of its unit (somebody by name is always told)."""
    if event.actor_id is not None:
        return  # staff recorded it: nothing new to them
    if event.action == "comment" and not (event.data or {}).get("from_citizen"):
        return
    if event.action != "reopen" and event.from_status not in ACTIVE_STATUSES:
        return  # a thank-you on a finished case; a message that reopens it is told by the reopen
    current = Case.objects.select_related("assignee", "team__leader", "unit").get(pk=case.pk)
    if current.status not in ACTIVE_STATUSES:
        return
    person = current.assignee or (current.team.leader if current.team else None)
    people = [person] if person is not None else unit_managers(current.unit)
    if not people:
        return
    tell(
        people,
        "citizen_message",
        _text(_("New message from the citizen"), case),
        case=case,
        link=_link(case),
        now=event.at,
    )


def on_reply_failed(case: Case, event: Event) -> None:
    """An answer did not reach the citizen (refused, undeliverable, withheld): the assignee, else the team's
    leader, else the unit's managers, so that someone answers the citizen another way."""
    current = Case.objects.select_related("assignee", "team__leader", "unit").get(pk=case.pk)
    person = current.assignee or (current.team.leader if current.team else None)
    people = [person] if person is not None else unit_managers(current.unit)
    tell(
        people,
        "reply_failed",
        _text(_("The answer did not reach the citizen"), case),
        case=case,
        link=_link(case),
        now=event.at,
    )


def on_comment(case: Case, event: Event) -> None:
    """A note on the timeline: an answer that failed to reach the citizen, or the citizen's message."""
    if (event.data or {}).get("reply_failed"):
        on_reply_failed(case, event)
    else:
        on_citizen_message(case, event)


RULES: dict[str, Rule] = {
    "assign": on_assign,
    "escalate": on_escalate,
    "idle_warning": on_idle_warning,
    "comment": on_comment,
    "reopen": on_citizen_message,
    "citizen_answered": on_citizen_message,
}


# -- who -----------------------------------------------------------------------------------------------------


def team_people(team: Team) -> list[User]:
    """The team's leader first, then its active members."""
    members = list(team.members.filter(is_active=True).order_by("pk")[:MAX_RECIPIENTS])
    leader = team.leader if team.leader_id else None
    people = ([leader] if leader is not None and leader.is_active else []) + members
    return _distinct(people)[:MAX_RECIPIENTS]


def unit_managers(unit: Unit | None) -> list[User]:
    """The unit's managers (Unit.managers: up the tree to the nearest unit with one)."""
    return unit.managers(MAX_RECIPIENTS) if unit is not None else []


def institution_administrators(institution_id: int | None) -> list[User]:
    """The institution's active administrators: who is told when nobody nearer the matter can be."""
    if institution_id is None:
        return []
    administrators = User.objects.filter(
        institution_id=institution_id, role=User.Role.ADMINISTRATOR, is_active=True
    ).order_by("pk")
    return list(administrators[:MAX_RECIPIENTS])


def _distinct(people: Iterable[User]) -> list[User]:
    seen: set[int] = set()
    distinct = []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            distinct.append(person)
    return distinct


def _user(pk: object) -> User | None:
    return User.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def _team(pk: object) -> Team | None:
    return Team.objects.select_related("leader").filter(pk=pk).first() if isinstance(pk, int) else None


def _place(pk: object) -> ApplicationPlace | None:
    return ApplicationPlace.objects.filter(pk=pk).first() if isinstance(pk, int) else None


# -- what ----------------------------------------------------------------------------------------------------


def _subject(case: Case) -> str:
    return shown_subject(case)


def _text(headline: str, case: Case) -> str:
    """ "Size atandı: 26-0001234-7 Sokakta çukur var"."""
    return f"{headline}: {case.tracking_display} {_subject(case)}"


def _link(case: Case) -> str:
    return reverse("cases:detail", args=[case.tracking_number]) if case.tracking_number else ""
