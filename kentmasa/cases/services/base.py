"""The domain functions: the only way a case is opened or changes state.

Each function checks the transition against kentmasa.cases.transitions, writes the case and appends its
timeline event in one database transaction, and announces the event (kentmasa.cases.signals.case_event)
only after that transaction has committed. Views, the API, channel adapters and tasks call these.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access, clock
from kentmasa.cases.citizens import find_or_create_citizen, proven_of
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Citizen, Event, Kind, Priority, Status
from kentmasa.cases.signals import case_event
from kentmasa.cases.tracking import make_tracking_number, make_verification_code
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.models import Category, Institution, Service, Team, Unit, User
from kentmasa.places import geocode


class TransitionError(Exception):
    """A refused action. ``message`` is translated and safe to show; nothing was written."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


LOCATION_FIELDS = (
    "latitude",
    "longitude",
    "province",
    "district",
    "neighbourhood",
    "street",
    "building_no",
    "address_text",
)


def _announce(case: Case, event: Event) -> None:
    transaction.on_commit(lambda: case_event.send(sender=Case, case=case, event=event))


def _event(case: Case, action: str, *, actor, at, note="", public=False, from_status="", data=None) -> Event:
    event = Event.objects.create(
        case=case,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        public=public,
        data=data or {},
    )
    _announce(case, event)
    return event


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
) -> Case:
    """Record a new case. The category decides the service and responsible unit unless they are given.

    The deadline is computed from the service standard and the institution's calendar.
    """
    if not subject.strip():
        raise TransitionError(_("A case needs a subject."), "subject")
    if channel not in Channel.values:
        raise TransitionError(_("Unknown channel."), "channel")
    if kind not in Kind.values:
        raise TransitionError(_("Unknown kind of case."), "kind")
    if citizen is not None and citizen.institution_id != institution.pk:
        raise TransitionError(_("The citizen record belongs to another institution."), "citizen")
    for related in (category, service, unit):
        if related is not None and related.institution_id != institution.pk:
            raise TransitionError(
                _("The category, service and unit must belong to the institution."), "scope"
            )
    if category is not None:
        service = service or category.service
        unit = unit or category.unit
    if unit is None and service is not None:
        unit = service.unit
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
        created_by=actor,
        verification_code=make_verification_code(),
    )
    for field, value in (location or {}).items():
        if field not in LOCATION_FIELDS:
            raise TransitionError(_("Unknown location field."), field)
        if value in (None, ""):
            continue
        setattr(
            case,
            field,
            Decimal(str(value)).quantize(Decimal("0.000001"))
            if field in ("latitude", "longitude")
            else str(value).strip(),
        )
    if case.has_location and not (case.province and case.district and case.neighbourhood):
        # kentmasa.places: a point fills in the mahalle, ilçe and il the citizen did not give.
        located = geocode.locate(float(case.latitude), float(case.longitude))
        found = located.missing_fields(case.province, case.district, case.neighbourhood) if located else {}
        for field, value in found.items():
            setattr(case, field, value[: Case._meta.get_field(field).max_length])
    case.due_at = clock.compute_due(case)
    with transaction.atomic():
        case.save()
        case.tracking_number = make_tracking_number(timezone.localtime(case.received_at).year, case.pk)
        case.search_text = case.build_search_text()
        Case.objects.filter(pk=case.pk).update(
            tracking_number=case.tracking_number, search_text=case.search_text
        )
        _event(case, "open", actor=actor, at=case.received_at, public=True, data={"channel": channel})
    return case


def _perform(
    case: Case,
    name: str,
    *,
    actor: User | None,
    note: str = "",
    apply: Callable[[Case, dt.datetime], dict | None] | None = None,
    target: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Run one transition: lock the row, check, change, append the event. Returns the updated case.

    ``apply`` makes the transition's own changes on the locked case (and sets the status itself for
    transitions whose target depends on the case) and may refuse by raising TransitionError before
    anything is written. ``actor`` None means the system itself (a task, a channel).
    """
    transition = TRANSITIONS[name]
    now = now or timezone.now()
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("institution", "service")
            .get(pk=case.pk)
        )
        if actor is not None and not access.may_perform(actor, locked, transition):
            raise TransitionError(_("You are not allowed to do this on this case."), "forbidden")
        if locked.status not in transition.sources:
            raise TransitionError(
                _("“%(action)s” is not possible while the case is “%(status)s”.")
                % {"action": transition.label, "status": locked.get_status_display()},
                "illegal_transition",
            )
        if transition.note_required and not note:
            raise TransitionError(_("Please write a note for this action."), "note")
        from_status = locked.status
        data = (apply(locked, now) if apply else None) or {}
        if target or transition.target:
            locked.status = target or transition.target
        locked.save()
        _event(
            locked,
            name,
            actor=actor,
            at=now,
            note=note,
            public=transition.public,
            from_status=from_status,
            data=data,
        )
    return locked


def _restart_clock(case: Case, start: dt.datetime) -> None:
    """A new deadline counted from ``start``, and the escalation ladder back at its first step."""
    standard_case = Case(
        institution=case.institution,
        service=case.service,
        received_at=start,
        several_institutions=case.several_institutions,
    )
    case.due_at = clock.compute_due(standard_case)
    _reset_escalation(case)


def _reset_escalation(case: Case) -> None:
    case.overdue_since = None
    case.escalation_level = 0
    case.escalated_at = None


def assign(
    case: Case,
    *,
    actor: User | None,
    assignee: User | None = None,
    team: Team | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Give the case to a member of staff and/or a field team of the institution."""
    return _perform(case, "assign", actor=actor, note=note, apply=_assign_apply(assignee, team), now=now)


def _assign_apply(assignee: User | None, team: Team | None, *, unassigned_only: bool = False):
    def apply(locked: Case, now):
        if unassigned_only and locked.assignee_id is not None:
            raise TransitionError(
                _("%(name)s has already taken this case.")
                % {"name": locked.assignee.get_full_name() or locked.assignee.get_username()},
                "assignee",
            )
        if assignee is None and team is None:
            raise TransitionError(_("Choose a person or a team to assign the case to."), "assignee")
        if assignee is not None and assignee.institution_id != locked.institution_id:
            raise TransitionError(_("That person does not work for this institution."), "assignee")
        if team is not None and team.unit.institution_id != locked.institution_id:
            raise TransitionError(_("That team does not belong to this institution."), "team")
        if assignee is not None:
            locked.assignee = assignee
        if team is not None:
            locked.team = team
        if assignee is not None and not access.can_see(assignee, locked):
            # A person who would not find the case in their queue cannot be responsible for it.
            raise TransitionError(
                _("%(name)s does not work for this case's unit or team, so cannot be assigned to it.")
                % {"name": assignee.get_full_name() or assignee.get_username()},
                "assignee",
            )
        return {"assignee": assignee.pk if assignee else None, "team": team.pk if team else None}

    return apply


def take(case: Case, *, actor: User, now: dt.datetime | None = None) -> Case:
    """"Üzerime al": a member of the case's unit assigns a case nobody has to themselves (its team stays).

    Checked again on the locked row, so of two people who take the same case at once the second is told
    who has it rather than taking it over.
    """
    if actor.role not in User.UNIT_ROLES:
        raise TransitionError(_("Only the staff of a unit take cases on themselves."), "assignee")
    apply = _assign_apply(actor, None, unassigned_only=True)
    return _perform(case, "assign", actor=actor, apply=apply, now=now)


def start(case: Case, *, actor: User | None, note: str = "", now: dt.datetime | None = None) -> Case:
    return _perform(case, "start", actor=actor, note=note, now=now)


def ask_citizen(case: Case, *, actor: User | None, question: str, now: dt.datetime | None = None) -> Case:
    """Ask the citizen for information; the deadline clock stops until they answer."""

    def apply(locked: Case, now):
        locked.paused_at = now

    return _perform(case, "ask_citizen", actor=actor, note=question, apply=apply, now=now)


def citizen_answered(
    case: Case, *, actor: User | None, answer: str = "", now: dt.datetime | None = None
) -> Case:
    """The citizen answered: the clock runs again and the deadline moves by the working time paused."""

    def apply(locked: Case, now):
        paused_at, locked.paused_at = locked.paused_at, None
        standard = clock.standard_for(locked)
        if locked.due_at is not None and paused_at is not None and standard is not None:
            old_due = locked.due_at
            locked.due_at = clock.calendar_for(locked).resume(old_due, paused_at, now, standard.unit)
            if locked.due_at > now:
                _reset_escalation(locked)  # the answer came in time: the ladder starts again if missed later
            return {
                "due_before": timezone.localtime(old_due).isoformat(),
                "due_after": timezone.localtime(locked.due_at).isoformat(),
            }
        return None

    return _perform(case, "citizen_answered", actor=actor, note=answer, apply=apply, now=now)


def _resolve_apply(resolution: str, resolver: User | None = None):
    def apply(locked: Case, now):
        locked.resolution = resolution.strip()
        locked.resolved_at = now
        locked.paused_at = None
        if resolver is not None and locked.assignee_id is None:
            locked.assignee = resolver
            return {"assignee": resolver.pk}
        return None

    return apply


def resolve(case: Case, *, actor: User | None, resolution: str, now: dt.datetime | None = None) -> Case:
    """Answer the case; the resolution text is what the citizen is told. Whoever answers a case nobody was
    assigned becomes its assignee, so every answered case names the person who answered it."""
    apply = _resolve_apply(resolution, resolver=actor)
    return _perform(case, "resolve", actor=actor, note=resolution, apply=apply, now=now)


def resolve_on_the_spot(
    case: Case, *, actor: User | None, resolution: str, now: dt.datetime | None = None
) -> Case:
    """An operator answers a new case during the call itself (information given, appointment made)."""
    return _perform(
        case, "resolve_on_the_spot", actor=actor, note=resolution, apply=_resolve_apply(resolution), now=now
    )


def close(case: Case, *, actor: User | None, note: str = "", now: dt.datetime | None = None) -> Case:
    def apply(locked: Case, now):
        locked.closed_at = now

    return _perform(case, "close", actor=actor, note=note, apply=apply, now=now)


def reopen(case: Case, *, actor: User | None, note: str, now: dt.datetime | None = None) -> Case:
    """Open a finished case again (the citizen says it is not done). It goes back to its unit's queue."""

    def apply(locked: Case, now):
        locked.status = Status.ASSIGNED if (locked.assignee_id or locked.team_id) else Status.NEW
        locked.resolution = ""  # the earlier answer stays on the timeline; the case no longer has one
        _restart_clock(locked, now)  # the institution owes a new answer, within the standard from now
        locked.resolved_at = None
        locked.closed_at = None
        locked.rejection_reason = ""

    return _perform(case, "reopen", actor=actor, note=note, apply=apply, now=now)


def reject(case: Case, *, actor: User | None, reason: str, now: dt.datetime | None = None) -> Case:
    def apply(locked: Case, now):
        locked.rejection_reason = reason.strip()
        locked.paused_at = None

    return _perform(case, "reject", actor=actor, note=reason, apply=apply, now=now)


def transfer(
    case: Case,
    *,
    actor: User | None,
    unit: Unit | None = None,
    institution: Institution | None = None,
    category: Category | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Move the case to another unit, or to another institution in the system.

    Within the institution the deadline keeps running. Another institution receives the case now: its
    own category (optional) decides service, unit and a deadline counted from now, the escalation
    ladder starts again, and the applicant's details travel with the case into that institution's
    records (KVKK: the receiving institution becomes the controller of what it needs).
    """

    def apply(locked: Case, now):
        target_institution = institution or (unit.institution if unit else None)
        if target_institution is None and category is not None:
            target_institution = category.institution
        if target_institution is None:
            raise TransitionError(_("Choose the unit or institution to transfer the case to."), "unit")
        if unit is not None and unit.institution_id != target_institution.pk:
            raise TransitionError(_("That unit does not belong to the chosen institution."), "unit")
        if unit is not None and unit.pk == locked.unit_id:
            raise TransitionError(_("The case is already with that unit."), "unit")
        if unit is None and target_institution.pk == locked.institution_id and category is None:
            raise TransitionError(_("The case is already with that institution."), "institution")
        data = {
            "from_unit": locked.unit_id,
            "to_unit": unit.pk if unit else None,
            "from_institution": locked.institution_id,
            "to_institution": target_institution.pk,
        }
        if category is not None and category.institution_id != target_institution.pk:
            raise TransitionError(_("That category does not belong to the chosen institution."), "category")
        if target_institution.pk != locked.institution_id:
            locked.institution = target_institution
            locked.category = category
            locked.service = category.service if category else None
            unit_ = unit or (category.unit if category else None)
            if locked.citizen_id is not None:
                old = locked.citizen
                locked.citizen = find_or_create_citizen(
                    target_institution,
                    name=old.name,
                    tc_kimlik=old.tc_kimlik or "",
                    phone=old.phone,
                    email=old.email,
                    address=old.address,
                    proven=proven_of(old),  # unproven contact data never joins a record there either
                )
            _restart_clock(locked, now)
            locked.search_text = locked.build_search_text()
        else:
            unit_ = unit
        locked.unit = unit_
        locked.assignee = None
        locked.team = None
        data["to_unit"] = unit_.pk if unit_ else None
        return data

    return _perform(case, "transfer", actor=actor, note=note, apply=apply, target=Status.NEW, now=now)


def redirect(
    case: Case, *, actor: User | None, to: str, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Send the matter to a body outside the system (e.g. a ministry, the electricity distributor)."""

    def apply(locked: Case, now):
        if not to.strip():
            raise TransitionError(_("Write the name of the body the case is redirected to."), "to")
        locked.redirected_to = to.strip()[:200]
        return {"to": locked.redirected_to}

    return _perform(case, "redirect", actor=actor, note=note, apply=apply, now=now)


def merge(
    case: Case, *, actor: User | None, into: Case, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Fold a duplicate into the case that carries on; both timelines record it."""

    def apply(locked: Case, now):
        if into.pk == locked.pk:
            raise TransitionError(_("A case cannot be merged into itself."), "into")
        target = Case.objects.select_for_update().get(pk=into.pk)
        if target.institution_id != locked.institution_id or target.status not in ACTIVE_STATUSES:
            raise TransitionError(
                _("A case can only be merged into an open case of the same institution."), "into"
            )
        locked.merged_into = target
        locked.paused_at = None
        _event(
            target,
            "merged_in",
            actor=actor,
            at=now,
            note=note,
            from_status=target.status,
            data={"case": locked.tracking_number},
        )
        return {"into": target.tracking_number}

    with transaction.atomic():
        # Lock both rows in id order, so two opposite merges at once cannot deadlock.
        list(Case.objects.select_for_update().filter(pk__in=[case.pk, into.pk]).order_by("pk"))
        return _perform(case, "merge", actor=actor, note=note, apply=apply, now=now)


def comment(
    case: Case,
    *,
    actor: User | None,
    note: str,
    public: bool = False,
    from_citizen: bool = False,
    now: dt.datetime | None = None,
) -> Event:
    """A note on the timeline without a change of status; ``from_citizen`` for what the citizen wrote."""
    if not note.strip():
        raise TransitionError(_("Please write a note for this action."), "note")
    with transaction.atomic():
        return _event(
            case,
            "comment",
            actor=actor,
            at=now or timezone.now(),
            note=note.strip(),
            public=public,
            from_status=case.status,
            data={"from_citizen": True} if from_citizen else None,
        )


def perform(case: Case, name: str, *, actor: User | None, **params) -> Case:
    """Dispatch a transition by name (for the API and generic forms)."""
    functions = {
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
