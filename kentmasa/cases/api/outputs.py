"""What the cases API answers: the schemas of its bodies, and ``CaseWriter``, which fills them in for one
caller.

Institution-wide roles see a citizen's TC kimlik no and phone in full; unit and field staff see them
masked. Times go out in the configured time zone (``Timestamp``).

The list is written apart from the schemas (``CaseWriter.listed``, ``json_answer``): its cases are read as
plain values (``LISTED``), not model instances, and its body is encoded as ninja would encode it but without
ninja validating each of its items against ``CaseOut`` again; together they were two thirds of a list's
time. The list's body is the same, byte for byte, as one written from ``CaseWriter.case`` (tests).
"""

import json
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

from django.http import HttpResponse
from django.utils.translation import get_language, override
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder

from kentmasa.cases import access, clock
from kentmasa.cases.api.fields import Timestamp
from kentmasa.cases.models import Case, Citizen
from kentmasa.deadlines.calendar import BusinessCalendar
from kentmasa.directory.api import NamedOut
from kentmasa.directory.models import Institution, Service, User
from kentmasa.lib import edge, phones, tckimlik


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


def _pair(pk: int | None, name: str) -> dict | None:
    return {"id": pk, "name": name} if pk is not None else None


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


def _listed_citizen(row: dict[str, Any], full: bool) -> dict | None:
    """``_citizen`` from a listed row's ``citizen__…`` values (masked as Citizen.masked_… mask them)."""
    if row["citizen_id"] is None:
        return None
    tc, phone, email = row["citizen__tc_kimlik"], row["citizen__phone"], row["citizen__email"]
    if full:
        return {
            "name": row["citizen__name"],
            "tc_kimlik": tc or "",
            "phone": phone,
            "email": email,
            "address": row["citizen__address"],
            "masked": False,
        }
    return {
        "name": row["citizen__name"],
        "tc_kimlik": tckimlik.mask(tc) if tc else "",
        "phone": phones.mask(phone) if phone else "",
        "email": _mask_email(email) if email else "",
        "address": "",
        "masked": True,
    }


DISPLAYED = ("kind", "channel", "status", "priority")

# What a listed case is read as (``QuerySet.values``): its own columns and the names of the rows it refers to,
# in the one joined query the list's rows were read with before, without a model instance per row.
LISTED = (
    "pk",
    "tracking_number",
    "kind",
    "channel",
    "status",
    "priority",
    "subject",
    "description",
    "category_id",
    "category__name",
    "service_id",
    "service__name",
    "service__completion_time",
    "service__counts_closed_days",
    "unit_id",
    "unit__name",
    "assignee_id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "team_id",
    "team__name",
    "citizen_id",
    "citizen__name",
    "citizen__tc_kimlik",
    "citizen__phone",
    "citizen__email",
    "citizen__address",
    "latitude",
    "longitude",
    "province",
    "district",
    "neighbourhood",
    "street",
    "building_no",
    "address_text",
    "received_at",
    "due_at",
    "overdue_since",
    "resolution",
    "rejection_reason",
    "redirected_to",
    "merged_into__tracking_number",
    "institution_id",
    # What clock.remaining and Case.is_overdue read besides (``CaseWriter._clocked``).
    "clock",
    "clock_stopped_at",
    "paused_at",
    "several_institutions",
)
# The columns a case's clock is read from; set on a stand-in case row after row (``CaseWriter._clocked``).
CLOCKED = (
    "kind",
    "status",
    "due_at",
    "overdue_since",
    "clock",
    "clock_stopped_at",
    "paused_at",
    "several_institutions",
)


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
        # The listed cases' institutions (``listed_page``), and for their clocks (``_clocked``) one stand-in
        # case per institution and their services as read with the rows.
        self.institutions: dict[int, Institution] = {}
        self.stand_ins: dict[int, Case] = {}
        self.services: dict[int, Service] = {}

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

    def listed_page(self, rows: Iterable[dict[str, Any]]) -> list[dict]:
        """``case`` for each of ``rows`` (``QuerySet.values(*LISTED)``), the same values without instances."""
        rows = list(rows)
        missing = {row["institution_id"] for row in rows} - self.institutions.keys()
        own = self.user.institution if User.institution.is_cached(self.user) else None  # the token reads it
        if own is not None and own.pk in missing:
            self.institutions[own.pk] = own
            missing.discard(own.pk)
        if missing:  # a superuser's page of other institutions' cases, or a session's: one query
            self.institutions.update(Institution.objects.in_bulk(missing))
        return [self.listed(row) for row in rows]

    def _clocked(self, row: dict[str, Any]) -> Case:
        """A case carrying ``row``'s clock (kind, status, deadline, pauses, service): one unsaved Case per
        institution, its clock fields set row after row, so ``remaining`` and ``Case.is_overdue`` read a
        listed row exactly as they read a case (a model instance per row cost more than the rest)."""
        case = self.stand_ins.get(row["institution_id"])
        if case is None:
            case = Case(institution=self.institutions[row["institution_id"]])
            self.stand_ins[row["institution_id"]] = case
        service_id = row["service_id"]
        service = self.services.get(service_id) if service_id is not None else None
        if service_id is not None and service is None:
            service = Service(
                pk=service_id,
                name=row["service__name"],
                completion_time=row["service__completion_time"],
                counts_closed_days=row["service__counts_closed_days"],
            )
            self.services[service_id] = service
        case.service = service
        for name in CLOCKED:
            setattr(case, name, row[name])
        return case

    def _label(self, name: str, value: Any) -> str:
        shown = self.labels[name].get(value)
        return shown if shown is not None else str(value)

    def listed(self, row: dict[str, Any]) -> dict:
        """``case`` for one row of ``QuerySet.values(*LISTED)``, its times as ``Timestamp`` gives them out."""
        clocked = self._clocked(row)
        assignee = None
        if row["assignee_id"] is not None:
            full_name = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()  # get_full_name
            assignee = {"id": row["assignee_id"], "name": full_name or row["assignee__username"]}
        latitude, longitude, due_at = row["latitude"], row["longitude"], row["due_at"]
        return {
            "tracking_number": row["tracking_number"],
            "kind": row["kind"],
            "kind_display": self._label("kind", row["kind"]),
            "channel": row["channel"],
            "channel_display": self._label("channel", row["channel"]),
            "status": row["status"],
            "status_display": self._label("status", row["status"]),
            "priority": row["priority"],
            "priority_display": self._label("priority", row["priority"]),
            "subject": row["subject"],
            "description": row["description"],
            "category": _pair(row["category_id"], row["category__name"]),
            "service": _pair(row["service_id"], row["service__name"]),
            "unit": _pair(row["unit_id"], row["unit__name"]),
            "assignee": assignee,
            "team": _pair(row["team_id"], row["team__name"]),
            "citizen": _listed_citizen(row, self.full_identifiers),
            "location": {
                "latitude": float(latitude) if latitude is not None else None,
                "longitude": float(longitude) if longitude is not None else None,
                "province": row["province"],
                "district": row["district"],
                "neighbourhood": row["neighbourhood"],
                "street": row["street"],
                "building_no": row["building_no"],
                "address_text": row["address_text"],
            },
            "received_at": edge.shown_time(row["received_at"]),
            "due_at": edge.shown_time(due_at) if due_at is not None else None,
            "remaining": self.remaining(clocked),
            "is_overdue": clocked.is_overdue,
            "resolution": row["resolution"],
            "rejection_reason": row["rejection_reason"],
            "redirected_to": row["redirected_to"],
            "merged_into": row["merged_into__tracking_number"],
        }

    def detail(self, case: Case) -> dict:
        data = self.case(case)
        data["transitions"] = [t.name for t in access.available_transitions(self.user, case)]
        return data


def json_answer(body: Any, status: int = 200) -> HttpResponse:
    """``body`` as ninja's JSON renderer encodes an operation's answer (its encoder, its content type), for
    a view that fills in its schema itself and need not have ninja check it item by item again."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )
