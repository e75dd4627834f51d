"""What the cases API answers: the schemas of its bodies, and ``CaseWriter``, which fills them in for one
caller.

Institution-wide roles see a citizen's TC kimlik no and phone in full; unit and field staff see them
masked. Times go out in the configured time zone (``Timestamp``).
"""

from functools import cache
from typing import Any, Protocol

from django.utils.translation import get_language, override
from ninja import Field, Schema

from kentmasa.cases import access, clock
from kentmasa.cases.api.fields import Timestamp
from kentmasa.cases.models import Case, Citizen
from kentmasa.deadlines.calendar import BusinessCalendar
from kentmasa.directory.api import NamedOut
from kentmasa.directory.models import User


class PersonOut(Schema):
    id: int
    name: str


class CitizenOut(Schema):
    name: str
    tc_kimlik: str
    phone: str
    email: str
    address: str
    masked: bool = Field(description="True when identifiers are masked for the caller's role")


class LocationOut(Schema):
    latitude: float | None
    longitude: float | None
    province: str
    district: str
    neighbourhood: str
    street: str
    building_no: str
    address_text: str


class CaseOut(Schema):
    tracking_number: str
    kind: str
    kind_display: str
    channel: str
    channel_display: str
    status: str
    status_display: str
    priority: int
    priority_display: str
    subject: str
    description: str
    category: NamedOut | None
    service: NamedOut | None
    unit: NamedOut | None
    assignee: PersonOut | None
    team: NamedOut | None
    citizen: CitizenOut | None
    location: LocationOut
    received_at: Timestamp
    due_at: Timestamp | None
    remaining: str | None = Field(description='"3 iş günü kaldı"; null when no answer is owed or no deadline')
    is_overdue: bool
    resolution: str
    rejection_reason: str
    redirected_to: str
    merged_into: str | None


class CaseDetailOut(CaseOut):
    transitions: list[str] = Field(description="What the caller may do now (names for POST …/transitions)")


class CaseCreatedOut(CaseDetailOut):
    verification_code: str = Field(description="Given to the citizen with the tracking number")


class HeldOut(Schema):
    """202: the action needs an approver's yes first; nothing was done to the case yet."""

    detail: str = Field(description='Translated, e.g. "Onaya gönderildi: Ayşe Yılmaz"')
    approval: int = Field(description="The waiting approval; the action is performed once it is approved")


class CasePageOut(Schema):
    count: int = Field(description="How many cases match, counted up to 10 000 (see `more`)")
    more: bool = Field(
        default=False, description="True when more than `count` cases match: the count stops at 10 000"
    )
    limit: int
    offset: int
    items: list[CaseOut]


class EventOut(Schema):
    at: Timestamp
    action: str
    action_display: str
    from_status: str
    to_status: str
    note: str
    public: bool
    actor: PersonOut | None
    data: dict


def person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


class _Named(Protocol):
    pk: Any
    name: str


def _named(obj: _Named | None) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def sees_identifiers(user: User) -> bool:
    """Institution-wide roles see TC kimlik no and phone in full; unit and field staff see them masked."""
    return user.is_superuser or user.role in access.INSTITUTION_WIDE


def _citizen(citizen: Citizen | None, full: bool) -> dict | None:
    if citizen is None:
        return None
    if full:
        return {
            "name": citizen.name,
            "tc_kimlik": citizen.tc_kimlik or "",
            "phone": citizen.phone,
            "email": citizen.email,
            "address": citizen.address,
            "masked": False,
        }
    return {
        "name": citizen.name,
        "tc_kimlik": citizen.masked_tc_kimlik,
        "phone": citizen.masked_phone,
        "email": _mask_email(citizen.email) if citizen.email else "",
        "address": "",
        "masked": True,
    }


DISPLAYED = ("kind", "channel", "status", "priority")


def _choices(name: str) -> list[tuple[Any, Any]]:
    field = Case._meta.get_field(name)
    return list(getattr(field, "flatchoices", []))


@cache
def labels(language: str | None) -> dict[str, dict[Any, str]]:
    """{"status": {"new": "Yeni", ...}, ...}: the translated labels of the fields the API shows beside their
    values, once per process and language (they are the models' fixed choices), so a page of cases does not
    translate four lazy strings per case (``get_FOO_display`` cost half of a list's time)."""
    with override(language):
        return {name: {value: str(label) for value, label in _choices(name)} for name in DISPLAYED}


class CaseWriter:
    """Turns cases into JSON for one caller; one business calendar per institution, not one per case."""

    def __init__(self, user: User):
        self.user = user
        self.full_identifiers = sees_identifiers(user)
        self.calendars: dict[int, BusinessCalendar] = {}
        language = get_language()
        self.english = (language or "").startswith("en")
        self.labels = labels(language)

    def _display(self, case: Case, name: str) -> str:
        value = getattr(case, name)
        shown = self.labels[name].get(value)
        # A value outside the choices (an old row) is shown as itself, as get_FOO_display does.
        return shown if shown is not None else str(value)

    def remaining(self, case: Case) -> str | None:
        if case.due_at is None or not case.is_active:
            return None
        if case.institution_id not in self.calendars:
            self.calendars[case.institution_id] = clock.calendar_for(case)
        left = clock.remaining(case, calendar=self.calendars[case.institution_id])
        if left is None:
            return None
        return left.describe_en() if self.english else left.describe_tr()

    def case(self, case: Case) -> dict:
        return {
            "tracking_number": case.tracking_number,
            "kind": case.kind,
            "kind_display": self._display(case, "kind"),
            "channel": case.channel,
            "channel_display": self._display(case, "channel"),
            "status": case.status,
            "status_display": self._display(case, "status"),
            "priority": case.priority,
            "priority_display": self._display(case, "priority"),
            "subject": case.subject,
            "description": case.description,
            "category": _named(case.category),
            "service": _named(case.service),
            "unit": _named(case.unit),
            "assignee": person(case.assignee),
            "team": _named(case.team),
            "citizen": _citizen(case.citizen, self.full_identifiers),
            "location": {
                "latitude": float(case.latitude) if case.latitude is not None else None,
                "longitude": float(case.longitude) if case.longitude is not None else None,
                "province": case.province,
                "district": case.district,
                "neighbourhood": case.neighbourhood,
                "street": case.street,
                "building_no": case.building_no,
                "address_text": case.address_text,
            },
            "received_at": case.received_at,
            "due_at": case.due_at,
            "remaining": self.remaining(case),
            "is_overdue": case.is_overdue,
            "resolution": case.resolution,
            "rejection_reason": case.rejection_reason,
            "redirected_to": case.redirected_to,
            "merged_into": case.merged_into.tracking_number if case.merged_into is not None else None,
        }

    def detail(self, case: Case) -> dict:
        data = self.case(case)
        data["transitions"] = [t.name for t in access.available_transitions(self.user, case)]
        return data
