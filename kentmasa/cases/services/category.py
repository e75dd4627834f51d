"""A case's category, and the answer a merged group shares.

- categorise(case, category=…, actor=…): set (or correct) a case's category, and with it its service
  (chosen with the case's channel: kentmasa.directory.channel_rows), its clock, responsible unit and
  deadline. There is no transition for this in cases.transitions: a category is
  not a status. The router (kentmasa.routing.intake) and the case page's routing panel call it.
- share_resolution(case, event): a resolved case's answer reaches every case merged into it, as a public
  "resolve" event on each, so the citizens of the group are answered on their own channels with their
  own tracking numbers (kentmasa.channels.replies answers public "resolve" events). The merged cases keep
  their status "merged"; only the timeline and the citizen learn of the answer.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access, activity, clock
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Event, Status
from kentmasa.cases.services.base import TransitionError, _event, _reset_escalation
from kentmasa.directory import channel_rows
from kentmasa.directory.models import Category, Unit, User

CATEGORISE = "categorise"
# Who may set or correct a category by hand: those who work the whole intake, and unit managers.
CATEGORISE_ROLES = {*access.INSTITUTION_WIDE, User.Role.UNIT_MANAGER}


def may_categorise(user: User, case: Case) -> bool:
    return access.can_see(user, case) and (user.is_superuser or user.role in CATEGORISE_ROLES)


def categorise(
    case: Case,
    *,
    category: Category,
    actor: User | None,
    unit: Unit | None = None,
    note: str = "",
    source: str = "operator",
    confidence: float | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Set the case's category; its service and deadline follow, and its unit (``unit`` when a routing
    rule chose one, else the category's own). A case that changes unit goes back to that unit's queue
    unassigned, as a transfer would. ``source`` is "operator" or "router"."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
        if actor is not None and not may_categorise(actor, locked):
            raise TransitionError(_("You are not allowed to do this on this case."), "forbidden")
        if locked.status not in ACTIVE_STATUSES:
            raise TransitionError(_("The category of a finished case cannot be changed."), "status")
        if category.institution_id != locked.institution_id or not category.active:
            raise TransitionError(_("Choose an active category of the case's institution."), "category")
        if unit is not None and unit.institution_id != locked.institution_id:
            raise TransitionError(_("That unit does not belong to this institution."), "unit")
        new_unit = unit or category.unit or (category.service.unit if category.service is not None else None)
        new_unit_id = new_unit.pk if new_unit is not None else locked.unit_id
        if locked.category_id == category.pk and new_unit_id == locked.unit_id:
            raise TransitionError(_("The case already has that category."), "category")
        data: dict[str, object] = {
            "from_category": locked.category_id,
            "to_category": category.pk,
            "from_unit": locked.unit_id,
            "to_unit": new_unit_id,
            "source": source,
        }
        if confidence is not None:
            data["confidence"] = round(confidence, 3)
        from_status = locked.status
        locked.category = category
        locked.service = channel_rows.service_for(locked.institution_id, locked.channel, category.service)
        _set_clock(locked)
        if new_unit_id != locked.unit_id:
            locked.unit_id = new_unit_id
            locked.assignee = None
            locked.team = None
            if locked.status in (Status.ASSIGNED, Status.IN_PROGRESS):
                locked.status = Status.NEW
        old_due = locked.due_at
        locked.due_at = clock.compute_due(locked)
        if locked.due_at != old_due and (locked.due_at is None or locked.due_at > now):
            _reset_escalation(locked)
        if locked.due_at != old_due:
            # The deadline the unit is warned against changed (a case that came without a category had
            # none): nobody acting since the last action, or since receipt, is measured against it.
            since = locked.acted_at or locked.received_at
            locked.idle_warn_at = activity.idle_warning_at(locked, since)
        locked.save()
        _event(
            locked,
            CATEGORISE,
            actor=actor,
            at=now,
            note=(note or "").strip(),
            public=False,
            from_status=from_status,
            data=data,
        )
    return locked


def _set_clock(case: Case) -> None:
    """On the locked case: the clock of its (new) service. A case that moves to a forwarding clock counts
    as forwarded from staff's first forwarding (or settling) action, if it had one already; one that moves
    to a completion clock has none to stop."""
    new_clock = clock.clock_of(case.service)
    if new_clock == case.clock:
        return
    case.clock = new_clock
    case.clock_stopped_at = None
    if new_clock == clock.FORWARDING:
        case.clock_stopped_at = (
            Event.objects.filter(
                case=case,
                actor__isnull=False,
                action__in=clock.FORWARDING_ACTIONS | clock.SETTLING_ACTIONS,
            )
            .order_by("at", "pk")
            .values_list("at", flat=True)
            .first()
        )


def _merged_group(case: Case) -> list[Case]:
    """Every case merged into this one, directly or through another merged case."""
    group, frontier, seen = [], [case.pk], {case.pk}
    while frontier:
        children = list(Case.objects.filter(merged_into_id__in=frontier).exclude(pk__in=seen).order_by("pk"))
        group += children
        seen.update(c.pk for c in children)
        frontier = [c.pk for c in children]
    return group


def share_resolution(case: Case, event: Event) -> list[Event]:
    """Answer every citizen of a merged group with the resolution of the case that carried on.

    Idempotent: a merged case that already received this resolution (by the event's id) is skipped, so
    the signal arriving twice answers nobody twice.
    """
    resolution = (event.note or case.resolution or "").strip()
    if not resolution:
        return []
    written = []
    for member in _merged_group(case):
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).get(pk=member.pk)
            if locked.status != Status.MERGED:
                continue  # reopened or otherwise taken out of the group since
            if Event.objects.filter(case=locked, action="resolve", data__group_event=event.pk).exists():
                continue
            written.append(
                _event(
                    locked,
                    "resolve",
                    actor=event.actor,
                    at=event.at,
                    note=resolution,
                    public=True,
                    from_status=locked.status,
                    data={"group_event": event.pk, "group_case": case.tracking_number},
                )
            )
    return written
