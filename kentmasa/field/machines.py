"""A unit's machinery (iş makinesi): who may see and change it, where a machine that is out stands.

A machine is AVAILABLE, OUT (booked by an open work order: kentmasa.field.services sets it out when the work
order is sent and available again when the team reports), in MAINTENANCE, or RETIRED (the admin only). On
the machinery page a unit manager moves a machine between AVAILABLE and MAINTENANCE; an OUT machine is
released by its work order, never by hand, so the page never loses track of what stands where.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import User
from kentmasa.field.models import Machine, WorkOrder

R = User.Role
# The statuses a unit manager sets by hand (the page's two buttons).
MANUAL = (Machine.Status.AVAILABLE, Machine.Status.MAINTENANCE)


def unit_ids_of(user: User) -> list[int] | None:
    """The units whose machines ``user`` sees: None for all of the institution's (administrators)."""
    if not user.is_active:
        return []
    if user.is_superuser or (user.role == R.ADMINISTRATOR and user.institution_id is not None):
        return None
    if user.role in User.UNIT_ROLES:
        return list(user.scoped_unit_ids)
    return []


def visible_machines(user: User) -> QuerySet[Machine]:
    machines = Machine.objects.select_related("unit")
    ids = unit_ids_of(user)
    if ids is None:
        return machines if user.is_superuser else machines.filter(unit__institution=user.institution)
    return machines.filter(unit_id__in=ids)


def may_see_machines(user: User) -> bool:
    ids = unit_ids_of(user)
    return ids is None or bool(ids)


def may_change(user: User, machine: Machine) -> bool:
    """A manager of the machine's unit (or of a unit above it), an administrator of its institution."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.role == R.ADMINISTRATOR:
        return user.institution_id is not None and machine.unit.institution_id == user.institution_id
    return user.role == R.UNIT_MANAGER and machine.unit_id in user.scoped_unit_ids


def set_status(machine: Machine, status: str, *, actor: User) -> Machine:
    """Available ↔ in maintenance, by a manager of its unit. Raises TransitionError (nothing written)."""
    if status not in MANUAL:
        raise TransitionError(
            _("A machine can only be made available or sent to maintenance here."), "status"
        )
    if not may_change(actor, machine):
        raise TransitionError(_("Only a manager of the machine's unit may change its status."), "forbidden")
    with transaction.atomic():
        locked = Machine.objects.select_for_update().get(pk=machine.pk)
        if locked.status == status:
            return locked
        if locked.status == Machine.Status.OUT:
            raise TransitionError(
                _("The machine is out on a work order; it is released when the team reports."), "out"
            )
        if locked.status == Machine.Status.RETIRED:
            raise TransitionError(_("The machine is retired."), "retired")
        locked.status = status
        locked.status_at = timezone.now()
        locked.save(update_fields=["status", "status_at"])
    return locked


def bookable(unit_ids: list[int]) -> QuerySet[Machine]:
    """The available machines of these units, for a work order."""
    return (
        Machine.objects.filter(unit_id__in=unit_ids, status=Machine.Status.AVAILABLE)
        .select_related("unit")
        .order_by("unit__name", "kind", "name", "pk")
    )


def with_their_work(machines: QuerySet[Machine]) -> QuerySet[Machine]:
    """The machines with ``open_orders``: the open work orders that booked them (the case and the team)."""
    orders = (
        WorkOrder.objects.filter(status__in=WorkOrder.OPEN).select_related("case", "team").order_by("-pk")
    )
    return machines.prefetch_related(Prefetch("work_orders", queryset=orders, to_attr="open_orders"))
