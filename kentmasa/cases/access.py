"""Who sees which cases, and who may do what to them. Every view and API call goes through here."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from kentmasa.cases.models import Case
from kentmasa.cases.transitions import TRANSITIONS, Transition
from kentmasa.directory.models import Team, User

R = User.Role
# Roles that work the institution's whole intake rather than their own units' cases.
INSTITUTION_WIDE = {R.OPERATOR, R.POLICE_OPERATOR, R.FEEDBACK_OPERATOR, R.ADMINISTRATOR}


def visible_cases(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases this member of staff may see: none for anybody else."""
    cases = Case.objects.all()
    if not isinstance(user, User) or not user.is_active:  # anonymous or switched off
        return cases.none()
    if user.is_superuser:
        return cases
    if user.institution_id is None:
        return cases.none()
    cases = cases.filter(institution_id=user.institution_id)
    if user.role in INSTITUTION_WIDE:
        return cases
    if user.role in User.UNIT_ROLES:
        return cases.filter(unit_id__in=user.scoped_unit_ids)
    if user.role == R.FIELD_TEAM:
        teams = field_team_ids(user)
        return cases.filter(Q(team_id__in=teams) | Exists(work_orders(teams).filter(case_id=OuterRef("pk"))))
    return cases.none()


def field_team_ids(user: User) -> QuerySet:
    """The teams a field user works in (a member or its leader), as a subquery of their keys."""
    return Team.objects.filter(Q(members=user) | Q(leader=user)).values("pk")


def work_orders(teams: QuerySet | Iterable[int]) -> QuerySet:
    """The work orders (kentmasa.field) of these teams that were not cancelled: their cases are open to the
    teams' members besides the cases whose ``team`` is theirs, so a second team (an inspection next to the
    unit's own crew) works the same case. Looked up by name: ``field`` is an app above ``cases``."""
    work_order = apps.get_model("field", "WorkOrder")
    return work_order.objects.filter(team_id__in=teams).exclude(status="cancelled")


def can_see(user: User | AnonymousUser, case: Case) -> bool:
    if not isinstance(user, User) or not user.is_active:  # anonymous or switched off
        return False
    if user.is_superuser:
        return True
    if case.institution_id != user.institution_id:
        return False
    if user.role in INSTITUTION_WIDE:
        return True
    if user.role in User.UNIT_ROLES:
        return case.unit_id in user.scoped_unit_ids
    if user.role == R.FIELD_TEAM:
        teams = field_team_ids(user)
        if case.team_id is not None and teams.filter(pk=case.team_id).exists():
            return True
        return work_orders(teams).filter(case_id=case.pk).exists()
    return False


def holds_its_application_place(user: User | AnonymousUser, case: Case) -> bool:
    """The case was escalated to an application place this member of staff holds (ApplicationPlace.holders):
    they are told of it (kentmasa.notify.rules) and may read it, though it is not in their queue."""
    if not isinstance(user, User) or not user.is_active or case.institution_id != user.institution_id:
        return False
    held = reading_places(case)
    return bool(held) and user.application_places.filter(pk__in=held).exists()


def may_read(user: User | AnonymousUser, case: Case) -> bool:
    """Whether the case page opens for this user: who may see the case, and the holders of the application
    place it was escalated to (who get no buttons: may_perform still asks can_see)."""
    return can_see(user, case) or holds_its_application_place(user, case)


def reading_places(case: Case) -> list[int]:
    """The application places whose holders may read the case now (holds_its_application_place): the first
    once it was escalated, the second too at the second level."""
    service = case.service if case.escalation_level >= 1 and case.service_id is not None else None
    if service is None:
        return []
    places = [service.first_application_place_id]
    if case.escalation_level >= 2:
        places.append(service.second_application_place_id)
    return [place for place in places if place is not None]


@dataclass(frozen=True)
class Scope:
    """``may_read`` decided from a case's facts alone, for what reads many changes for one user (the live
    stream, kentmasa.notify.stream) and cannot read each case: the rules of ``can_see`` and
    ``holds_its_application_place`` above, taken once from the user. A test holds the two to the same answers.
    """

    user_id: int
    everything: bool  # a superuser
    institution_id: int | None
    institution_wide: bool
    unit_ids: frozenset[int]
    team_ids: frozenset[int]
    place_ids: frozenset[int]  # application places the user holds
    case_ids: frozenset[int] = frozenset()  # the cases of their teams' work orders (a field user)

    @classmethod
    def of(cls, user: User | AnonymousUser) -> "Scope | None":
        """None for anybody who may see no case at all (anonymous, switched off, no institution)."""
        if not isinstance(user, User) or not user.is_active:
            return None
        if not user.is_superuser and user.institution_id is None:
            return None
        unit_ids = frozenset(user.scoped_unit_ids) if user.role in User.UNIT_ROLES else frozenset()
        team_ids: frozenset[int] = frozenset()
        case_ids: frozenset[int] = frozenset()
        if user.role == R.FIELD_TEAM:
            team_ids = frozenset(field_team_ids(user).values_list("pk", flat=True))
            case_ids = frozenset(work_orders(team_ids).values_list("case_id", flat=True).distinct())
        return cls(
            user_id=user.pk,
            everything=user.is_superuser,
            institution_id=user.institution_id,
            institution_wide=user.role in INSTITUTION_WIDE,
            unit_ids=unit_ids,
            team_ids=team_ids,
            place_ids=frozenset(user.application_places.values_list("pk", flat=True)),
            case_ids=case_ids,
        )

    def sees(
        self,
        *,
        institution_id: int | None,
        unit_id: int | None,
        team_id: int | None,
        places: Iterable[int] = (),
        case_id: int | None = None,
    ) -> bool:
        """Whether a case with these facts opens for the user (``may_read``)."""
        if self.everything:
            return True
        if institution_id is None or institution_id != self.institution_id:
            return False
        if self.institution_wide:
            return True
        if unit_id is not None and unit_id in self.unit_ids:
            return True
        if team_id is not None and team_id in self.team_ids:
            return True
        if case_id is not None and case_id in self.case_ids:
            return True
        return not self.place_ids.isdisjoint(places)


def may_perform(user: User, case: Case, transition: Transition | str) -> bool:
    """True if the user's role allows the transition on a case they can see (whatever its status)."""
    if isinstance(transition, str):
        transition = TRANSITIONS[transition]
    if not can_see(user, case):
        return False
    return user.is_superuser or user.role in transition.roles


def may_take(user: User, case: Case) -> bool:
    """ "Üzerime al": a member of the case's unit (staff or manager) may assign a running case that nobody
    has to themselves (kentmasa.cases.services.take)."""
    return (
        user.role in User.UNIT_ROLES
        and case.assignee_id is None
        and case.status in TRANSITIONS["assign"].sources
        and may_perform(user, case, "assign")
    )


def available_transitions(user: User, case: Case) -> list[Transition]:
    """The buttons to show on the case page: allowed from the case's status and for the user's role."""
    if not can_see(user, case):
        return []
    return [
        t
        for t in TRANSITIONS.values()
        if case.status in t.sources and (user.is_superuser or user.role in t.roles)
    ]
