"""The visit log: house visits and street stands (Esenler's "ev ziyaretleri", "stant çalışmaları").

A visit says where (the place, its mahalle, a point), when, who went (staff of the institution), how many
people were met and what they asked. Each request raised there becomes a case of the institution (channel
FIELD, kentmasa.field.opening), linked to the visit.

Who sees a visit: a superuser all; administrators and operators their institution's; unit staff and managers
those of their units and those they went on or wrote; a field team member those they went on or wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.access import INSTITUTION_WIDE
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Unit, User
from kentmasa.field.models import Visit
from kentmasa.field.opening import FIELD_ROLES, may_work_in_the_field

R = User.Role
MAX_STAFF = 50


def visible_visits(user: User) -> QuerySet[Visit]:
    visits = Visit.objects.all()
    if not user.is_active:
        return visits.none()
    if user.is_superuser:
        return visits
    if user.institution_id is None:
        return visits.none()
    visits = visits.filter(institution_id=user.institution_id)
    if user.role in INSTITUTION_WIDE:
        return visits
    mine = Q(created_by=user) | Q(
        pk__in=Visit.staff.through.objects.filter(user_id=user.pk).values("visit_id")
    )
    if user.role in User.UNIT_ROLES:
        return visits.filter(mine | Q(unit_id__in=user.scoped_unit_ids))
    if user.role in FIELD_ROLES:
        return visits.filter(mine)
    return visits.none()


def colleagues(user: User) -> QuerySet[User]:
    """Who a visit may name as its staff: the active field staff of the user's institution."""
    return User.objects.filter(
        institution=user.institution, is_active=True, role__in=sorted(FIELD_ROLES)
    ).order_by("first_name", "last_name", "username")


@dataclass
class VisitRecord:
    kind: str
    place: str
    started_at: dt.datetime
    mahalle: str = ""
    ended_at: dt.datetime | None = None
    people: int = 0
    asked: str = ""
    unit: Unit | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    staff: list[User] = field(default_factory=list)


def record_visit(record: VisitRecord, *, actor: User) -> Visit:
    """Write one visit. TransitionError (nothing written) when the user may not or it makes no sense."""
    if not may_work_in_the_field(actor) or actor.institution_id is None:
        raise TransitionError(_("Only field staff of an institution may keep the visit log."), "forbidden")
    if record.kind not in Visit.Kind.values:
        raise TransitionError(_("Choose the kind of visit."), "kind")
    if not record.place.strip():
        raise TransitionError(_("Write where the visit was."), "place")
    if record.ended_at is not None and record.ended_at < record.started_at:
        raise TransitionError(_("A visit cannot end before it starts."), "ended_at")
    if record.unit is not None and record.unit.institution_id != actor.institution_id:
        raise TransitionError(_("The unit belongs to another institution."), "unit")
    staff = _staff(actor, record.staff)
    with transaction.atomic():
        visit = Visit.objects.create(
            institution_id=actor.institution_id,
            unit=record.unit,
            kind=record.kind,
            place=record.place.strip(),
            mahalle=record.mahalle.strip(),
            latitude=record.latitude,
            longitude=record.longitude,
            started_at=record.started_at,
            ended_at=record.ended_at,
            people=record.people,
            asked=record.asked.strip(),
            created_by=actor,
            created_at=timezone.now(),
        )
        visit.staff.set(staff)
    return visit


def _staff(actor: User, named: Iterable[User]) -> list[User]:
    chosen = {user.pk: user for user in named}
    if len(chosen) > MAX_STAFF:
        raise TransitionError(_("Name at most %(count)d people.") % {"count": MAX_STAFF}, "staff")
    strangers = [user for user in chosen.values() if user.institution_id != actor.institution_id]
    if strangers:
        raise TransitionError(_("Only staff of your institution can be named."), "staff")
    return list(chosen.values()) or [actor]
