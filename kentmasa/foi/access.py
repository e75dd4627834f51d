"""Who may see and work information requests. Every view of the foi app asks here.

- the information service: the institution's operators and administrators, and the staff and managers of
  the unit that runs it (FoiSettings.unit, and the units below it for its managers) see every request of
  the institution and do every step;
- the unit holding the information: its staff and managers see the requests whose case is with their
  units, and may decide them, extend them and ask for the fee;
- nobody outside the institution sees anything (superusers aside).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from kentmasa.directory.models import Institution, User
from kentmasa.foi.models import FoiRequest, FoiSettings

OFFICE_ROLES = {User.Role.OPERATOR, User.Role.ADMINISTRATOR}


def _staff(user: User | AnonymousUser) -> User | None:
    if not isinstance(user, User) or not user.is_active:
        return None
    return user


def settings_of(institution_id: int | None) -> FoiSettings | None:
    if institution_id is None:
        return None
    return FoiSettings.objects.filter(institution_id=institution_id).select_related("unit").first()


def is_office(user: User | AnonymousUser, institution: Institution | int | None = None) -> bool:
    """Works the information service of their institution (or of ``institution``)."""
    staff = _staff(user)
    if staff is None:
        return False
    institution_id = institution.pk if isinstance(institution, Institution) else institution
    if staff.is_superuser:
        return True
    if staff.institution_id is None or (
        institution_id is not None and institution_id != staff.institution_id
    ):
        return False
    if staff.role in OFFICE_ROLES:
        return True
    if staff.role in User.UNIT_ROLES:
        found = settings_of(staff.institution_id)
        return found is not None and found.unit_id in staff.scoped_unit_ids
    return False


def may_use_pages(user: User | AnonymousUser) -> bool:
    """Whether the menu offers the information service's pages (/bilgi-edinme/): to those who may see a
    request there — the office (operators, administrators, the service's unit) and the staff and managers
    of the units that hold the information — of an institution that runs the service (has FoiSettings).
    One indexed query, and none for the other roles."""
    staff = _staff(user)
    if staff is None:
        return False
    if staff.is_superuser and staff.institution_id is None:
        return FoiSettings.objects.exists()
    if staff.institution_id is None or not (
        staff.is_superuser or staff.role in OFFICE_ROLES or staff.role in User.UNIT_ROLES
    ):
        return False
    return FoiSettings.objects.filter(institution_id=staff.institution_id).exists()


def may_see(user: User | AnonymousUser, request: FoiRequest) -> bool:
    staff = _staff(user)
    if staff is None:
        return False
    if is_office(staff, request.institution_id):
        return True
    return (
        staff.institution_id == request.institution_id
        and staff.role in User.UNIT_ROLES
        and request.case.unit_id in staff.scoped_unit_ids
    )


def visible_requests(user: User | AnonymousUser) -> QuerySet[FoiRequest]:
    staff = _staff(user)
    requests = FoiRequest.objects.all()
    if staff is None:
        return requests.none()
    if staff.is_superuser:
        return requests
    if staff.institution_id is None:
        return requests.none()
    requests = requests.filter(institution_id=staff.institution_id)
    if is_office(staff):
        return requests
    if staff.role in User.UNIT_ROLES:
        return requests.filter(case__unit_id__in=staff.scoped_unit_ids)
    return requests.none()
