"""The unit's side of a work order: who sends one, which reports wait for the unit, marking one reviewed;
and the team leader's side: which teams a user leads.

A team's report (done, could not be done, another team needed) comes back to the unit that sent the work
order, and to the unit that holds the case now if it moved. The unit reads it with the photos, positions and
times, marks it reviewed ("İncelendi") and resolves the case on the case page (approvals apply there): the
review never resolves the case by itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import access
from kentmasa.cases import services as case_services
from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Team, User
from kentmasa.field import services
from kentmasa.field.models import WorkOrder

R = User.Role
EVENT = "work_order_reviewed"


def may_send(user: User, case: Case) -> bool:
    """Whether the case page offers "İş emri gönder": an active case with a unit, a sender the service
    accepts (kentmasa.field.services.may_send, which checks again when it is sent)."""
    return (
        case.status in ACTIVE_STATUSES
        and case.unit_id is not None
        and access.can_see(user, case)
        and services.may_send(user, case)
    )


def _scope(user: User) -> Q | None:
    """The work orders of the user's units (sent by them or on their cases); None: none at all."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    if user.institution_id is None:
        return None
    if user.role == R.ADMINISTRATOR:
        return Q(institution_id=user.institution_id)
    if user.role in User.UNIT_ROLES:
        units = user.scoped_unit_ids
        return Q(institution_id=user.institution_id) & (Q(unit_id__in=units) | Q(case__unit_id__in=units))
    return None


def may_review_any(user: User) -> bool:
    return _scope(user) is not None


def unit_work_orders(user: User) -> QuerySet[WorkOrder]:
    scope = _scope(user)
    return WorkOrder.objects.none() if scope is None else WorkOrder.objects.filter(scope)


def awaiting_review(user: User) -> QuerySet[WorkOrder]:
    return unit_work_orders(user).filter(status__in=WorkOrder.REPORTED, reviewed_at__isnull=True)


def mark_reviewed(work_order: WorkOrder, *, actor: User) -> WorkOrder:
    """The unit has read the team's report. Marking it again changes nothing. TransitionError when the user
    may not, or the team has not reported yet."""
    if not unit_work_orders(actor).filter(pk=work_order.pk).exists():
        raise TransitionError(_("Only the unit of the work order may review its report."), "forbidden")
    with transaction.atomic():
        locked = (
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("case", "team")
            .get(pk=work_order.pk)
        )
        if locked.reviewed_at is not None:
            return locked
        if locked.status not in WorkOrder.REPORTED:
            raise TransitionError(_("The team has not reported on this work order yet."), "not_reported")
        now = timezone.now()
        locked.reviewed_at, locked.reviewed_by = now, actor
        locked.save(update_fields=["reviewed_at", "reviewed_by"])
        with translation.override(settings.LANGUAGE_CODE):  # kept on the timeline in the site's language
            note = _("%(team)s's report (%(status)s) was reviewed.") % {
                "team": locked.team.name,
                "status": locked.get_status_display(),
            }
        case_services.record_event(
            locked.case,
            EVENT,
            note=note,
            actor=actor,
            data={"work_order": locked.pk},
            now=now,
        )
    return locked


def led_teams(user: User) -> QuerySet[Team]:
    """The active field teams the user leads."""
    if not user.is_active:
        return Team.objects.none()
    return (
        Team.objects.filter(leader=user, kind=Team.Kind.FIELD, active=True)
        .select_related("unit")
        .order_by("name", "pk")
    )
