"""Cases opened in the field (channel FIELD): on the spot (/saha/yeni/) or at a visit (kentmasa.field.visits).

A field user records what they see: the category (or none: the router classifies it, as for a WhatsApp
message), what it is, photos, the phone's position, and the citizen when one is there. The case goes the
one way in (kentmasa.cases.intake.open_from) and is routed like any other after it is committed
(kentmasa.routing.intake). The citizen's name and phone are what somebody said in the street: nothing about
them is proven (kentmasa.cases.citizens), so they never find, fill in or join an existing citizen's record;
they stay on a record of their own until staff link it.

Every form carries an id made when it was shown (a uuid); the phone's ledger (FieldAction, kind "open_case")
keeps it, so a form sent twice (a double tap, a resend after a dropped answer) opens one case. The ledger row
is written first in the transaction: a second request with the same id waits for the first on PostgreSQL
(the unique constraint) and then finds its case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.citizens import NOTHING
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Channel
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Category, User
from kentmasa.field import photos as field_photos
from kentmasa.field.models import FieldAction, Visit

R = User.Role
# Who works in the field and may open a case there or keep a visit log: field crews, unit staff (Esenler's
# house visits and stands), Beyaz Masa operators at a stand, administrators.
FIELD_ROLES = frozenset({R.FIELD_TEAM, R.UNIT_STAFF, R.UNIT_MANAGER, R.OPERATOR, R.ADMINISTRATOR})
OPEN_CASE = "open_case"


def may_work_in_the_field(user: User) -> bool:
    return (
        user.is_active and user.institution_id is not None and (user.is_superuser or user.role in FIELD_ROLES)
    )


@dataclass
class FieldCase:
    """What a field user recorded about a new case."""

    client_id: uuid.UUID
    description: str
    category: Category | None = None
    subject: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    neighbourhood: str = ""
    address_text: str = ""
    citizen_name: str = ""
    citizen_phone: str = ""  # cleaned E.164, unproven
    photos: list[field_photos.Photo] = field(default_factory=list)


def claim(user: User, client_id: uuid.UUID, kind: str, *, case: Case | None = None) -> FieldAction | None:
    """Write the ledger row for this id, or return the row already there (its work was done). Call inside a
    transaction; the row is completed with ``finish``."""
    now = timezone.now()
    try:
        with transaction.atomic():
            FieldAction.objects.create(
                user=user,
                client_id=client_id,
                kind=kind,
                case=case,
                done_at=now,
                received_at=now,
                outcome=FieldAction.Outcome.APPLIED,
                answer={},
            )
    except IntegrityError:
        found = FieldAction.objects.get(user=user, client_id=client_id)
        if found.kind != kind:
            raise TransitionError(
                _("This form was already used for something else; open it again."), "id"
            ) from None
        return found
    return None


def finish(user: User, client_id: uuid.UUID, *, case: Case | None, answer: dict) -> None:
    FieldAction.objects.filter(user=user, client_id=client_id).update(case=case, answer=answer)


def _subject(recorded: FieldCase) -> str:
    if recorded.subject.strip():
        return recorded.subject.strip()
    if recorded.category is not None:
        return recorded.category.name
    first_line = recorded.description.strip().splitlines()[0] if recorded.description.strip() else ""
    return first_line[:80] or _("Recorded in the field")


def open_field_case(recorded: FieldCase, *, actor: User, visit: Visit | None = None) -> tuple[Case, bool]:
    """Open the case (or find the one this form already opened). Returns (case, opened now).

    Raises TransitionError when the user may not, or the case is refused (nothing written then)."""
    if not may_work_in_the_field(actor) or actor.institution is None:
        raise TransitionError(
            _("Only field staff of an institution may open a case in the field."), "forbidden"
        )
    if not recorded.description.strip():
        raise TransitionError(_("Write what you saw."), "description")
    if recorded.category is not None and recorded.category.institution_id != actor.institution_id:
        raise TransitionError(_("Choose a category from the list."), "category")
    if visit is not None and visit.institution_id != actor.institution_id:
        raise TransitionError(_("The visit belongs to another institution."), "visit")
    with transaction.atomic():
        done = claim(actor, recorded.client_id, OPEN_CASE)
        if done is not None:
            if done.case is None:
                raise TransitionError(
                    _("This form was already used for something else; open it again."), "id"
                )
            return done.case, False
        location: dict = {"neighbourhood": recorded.neighbourhood, "address_text": recorded.address_text}
        case = open_from(
            Inbound(
                channel=Channel.FIELD,
                institution=actor.institution,
                subject=_subject(recorded),
                text=recorded.description,
                name=recorded.citizen_name.strip(),
                phone=recorded.citizen_phone,
                proven=NOTHING,  # said in the street: matched to nobody (kentmasa.cases.citizens)
                category=recorded.category,
                location={key: value for key, value in location.items() if value},
                latitude=float(recorded.latitude) if recorded.latitude is not None else None,
                longitude=float(recorded.longitude) if recorded.longitude is not None else None,
                actor=actor,
                opening={"field": {"visit": visit.pk} if visit is not None else {}},
            )
        )
        field_photos.store(
            case,
            recorded.photos,
            actor=actor,
            latitude=recorded.latitude,
            longitude=recorded.longitude,
            taken_at=timezone.now(),
        )
        if visit is not None:
            visit.cases.add(case)
        finish(
            actor,
            recorded.client_id,
            case=case,
            answer={
                "case": case.pk,
                "tracking_number": case.tracking_number,
                "visit": visit.pk if visit else None,
            },
        )
    return case, True
