"""Opening a case: the one place a Case row is created."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import activity, clock
from kentmasa.cases.models import Case, Channel, Citizen, Kind, Priority
from kentmasa.cases.services.base import TransitionError, _event
from kentmasa.cases.services.location import place_fields
from kentmasa.cases.tracking import make_tracking_number, make_verification_code
from kentmasa.directory import channel_rows
from kentmasa.directory.models import Category, Institution, Service, Unit, User


def open_case(
    *,
    institution: Institution,
    channel: str,
    subject: str,
    description: str = "",
    kind: str = Kind.REQUEST,
    citizen: Citizen | None = None,
    category: Category | None = None,
    service: Service | None = None,
    unit: Unit | None = None,
    priority: int = Priority.NORMAL,
    received_at: dt.datetime | None = None,
    several_institutions: bool = False,
    actor: User | None = None,
    location: dict | None = None,
    due_cap: dt.datetime | None = None,
    opening_data: dict | None = None,
    follows: Case | None = None,
) -> Case:
    """Record a new case. The category decides the service and responsible unit unless they are given;
    where the institution has rows per channel, the channel takes part in choosing the service
    (kentmasa.directory.channel_rows.service_for), whose clock the case runs on (kentmasa.cases.clock).

    The deadline is computed from the service standard and the institution's calendar; ``due_cap`` (e.g. the
    limit of the system that referred the application) brings it forward when it comes earlier, and a case
    without a standard runs on the cap alone. ``opening_data`` is kept on the "open" event's data beside
    the channel (e.g. the referral's record), so nothing edits that event afterwards. ``follows`` is the
    earlier case of the institution this one carries on (a message about it came too late to reopen it).
    """
    if not subject.strip():
        raise TransitionError(_("A case needs a subject."), "subject")
    if channel not in Channel.values:
        raise TransitionError(_("Unknown channel."), "channel")
    if kind not in Kind.values:
        raise TransitionError(_("Unknown kind of case."), "kind")
    if follows is not None and follows.institution_id != institution.pk:
        raise TransitionError(_("The earlier case belongs to another institution."), "follows")
    if citizen is not None and citizen.institution_id != institution.pk:
        raise TransitionError(_("The citizen record belongs to another institution."), "citizen")
    for related in (category, service, unit):
        if related is not None and related.institution_id != institution.pk:
            raise TransitionError(
                _("The category, service and unit must belong to the institution."), "scope"
            )
    category_service = category.service if category is not None else None
    chosen = service or channel_rows.service_for(institution, channel, category_service)
    if category is not None:
        unit = unit or category.unit
    if unit is None:
        # The unit of the topic's service answers for it; a channel's row only times it.
        owner = service or category_service or chosen
        unit = owner.unit if owner is not None else None
    service = chosen
    now = timezone.now()
    case = Case(
        institution=institution,
        channel=channel,
        kind=kind,
        subject=subject.strip()[:200],
        description=description.strip(),
        citizen=citizen,
        category=category,
        service=service,
        unit=unit,
        priority=priority,
        received_at=received_at or now,
        several_institutions=several_institutions,
        clock=clock.clock_of(service),
        created_by=actor,
        verification_code=make_verification_code(),
        follows=follows,
    )
    place_fields(case, location or {})
    case.due_at = capped(clock.compute_due(case), due_cap)
    case.idle_warn_at = activity.idle_warning_at(case, case.received_at)  # nobody has acted yet
    # Every check that refuses is above: in here only the writes, which need no savepoint of their own inside
    # a caller's transaction (a database error there fails the caller's transaction anyway).
    with transaction.atomic(savepoint=False):
        case.save()
        case.tracking_number = make_tracking_number(timezone.localtime(case.received_at).year, case.pk)
        case.search_text = case.build_search_text()
        Case.objects.filter(pk=case.pk).update(
            tracking_number=case.tracking_number, search_text=case.search_text
        )
        data = {**(opening_data or {}), "channel": channel}
        if follows is not None:
            data["follows"] = follows.tracking_number
        _event(case, "open", actor=actor, at=case.received_at, public=True, data=data)
    return case


def capped(due: dt.datetime | None, cap: dt.datetime | None) -> dt.datetime | None:
    """The earlier of a deadline and its cap (either may be missing)."""
    if cap is None:
        return due
    return cap if due is None or cap < due else due


def standard_due(
    *,
    institution: Institution,
    received_at: dt.datetime,
    category: Category | None = None,
    service: Service | None = None,
    several_institutions: bool = False,
    channel: str | None = None,
    kind: str = Kind.REQUEST,
) -> dt.datetime | None:
    """The deadline the service standard alone would give a case opened with these (None without one).
    With ``channel``, the service is chosen as ``open_case`` chooses it (the channel's row may apply);
    ``kind`` decides the calendar (a law's kinds count administrative leave, kentmasa.cases.clock)."""
    if service is None and channel is not None:
        service = channel_rows.service_for(institution, channel, category.service if category else None)
    service = service or (category.service if category is not None else None)
    if service is None:
        return None
    return clock.compute_due(
        Case(
            institution=institution,
            service=service,
            kind=kind,
            received_at=received_at,
            several_institutions=several_institutions,
            clock=clock.clock_of(service),
        )
    )
