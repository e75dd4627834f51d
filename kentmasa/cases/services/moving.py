"""Moving a case: to another unit or institution, to a body outside the system, into another case."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from kentmasa.cases import citizens
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Status
from kentmasa.cases.services.base import TransitionError, _event, _perform, _restart_clock
from kentmasa.directory import channel_rows
from kentmasa.directory.models import Category, Institution, Unit, User


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
    own category (optional) and the case's channel decide service, unit and a deadline counted from now
    (on that service's clock), the escalation ladder starts again, and the applicant's details travel
    with the case into that institution's records (KVKK: the receiving institution becomes the controller
    of what it needs).
    """

    def apply(locked: Case, now: dt.datetime) -> dict | None:
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
            category_service = category.service if category else None
            locked.service = channel_rows.service_for(target_institution, locked.channel, category_service)
            unit_ = unit or (category.unit if category else None)
            old = locked.citizen
            if old is not None:
                locked.citizen = citizens.find_or_create_citizen(
                    target_institution,
                    name=old.name,
                    tc_kimlik=old.tc_kimlik or "",
                    phone=old.phone,
                    email=old.email,
                    address=old.address,
                    proven=citizens.proven_of(old),  # unproven contact data never joins a record there either
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

    def apply(locked: Case, now: dt.datetime) -> dict | None:
        if not to.strip():
            raise TransitionError(_("Write the name of the body the case is redirected to."), "to")
        locked.redirected_to = to.strip()[:200]
        return {"to": locked.redirected_to}

    return _perform(case, "redirect", actor=actor, note=note, apply=apply, now=now)


def merge(
    case: Case, *, actor: User | None, into: Case, note: str = "", now: dt.datetime | None = None
) -> Case:
    """Fold a duplicate into the case that carries on; both timelines record it."""

    def apply(locked: Case, now: dt.datetime) -> dict | None:
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
