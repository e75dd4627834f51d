"""Cases in the JSON API: the scoped list, recording a case, reading it and its timeline, and transitions.

The views only parse and check input; every change goes through kentmasa.cases.services and every read
through kentmasa.cases.access. A refused request writes nothing: input is checked in full before the
domain function runs, and the citizen record and the case are written in one transaction.
"""

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as WithStatus
from pydantic import BeforeValidator, ConfigDict, PlainSerializer, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from kentmasa.cases import access, clock, services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import (
    OPEN_STATUSES,
    ApiIdempotencyKey,
    Case,
    Channel,
    Citizen,
    Event,
    Kind,
    Priority,
    Status,
)
from kentmasa.cases.search import search_cases
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.cases.validators import clean_phone, clean_tc_kimlik
from kentmasa.directory.api import (
    NON_FIELD,
    ApiError,
    InvalidInput,
    NamedOut,
    add_error,
    answers,
    institution_filter,
)
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.lib import edge

router = Router(tags=["cases"])

# The error type our own field checks give pydantic; kentmasa.api shows its message as it is.
INVALID = "kentmasa_invalid"
MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1  # row ids are 64-bit: a larger number is refused before it reaches the database
MAX_TEXT = 20000
# White space as both Python (str.strip) and JSON Schema (ECMA-262 \s) count it: a subject must have a
# character outside this class, and the schema says so with the same class.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError(INVALID, "{message}", {"message": str(message)})


def _django_check(check, value):
    try:
        return check(value)
    except DjangoValidationError as error:
        raise _invalid(" ".join(error.messages)) from None


def _without_nul(value):
    return edge.clean_text(value) if isinstance(value, str) else value


def _refuse_nul(value):
    if isinstance(value, str) and edge.NUL in value:
        raise _invalid(str(edge.NUL_MESSAGE))
    return value


# Free text (a citizen's words, a note) has NUL removed, as on every edge (kentmasa.lib.edge); an
# identifier that carries one is refused, since it could only be a wrong identifier.
Text = Annotated[str, BeforeValidator(_without_nul)]
Identifier = Annotated[str, BeforeValidator(_refuse_nul)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Times go out in the configured time zone, with an offset of whole minutes (kentmasa.lib.edge.shown_time).
Timestamp = Annotated[dt.datetime, PlainSerializer(edge.shown_time, return_type=dt.datetime)]


# --- input -----------------------------------------------------------------------------------------------


class CitizenIn(Schema):
    name: Text = Field("", max_length=200)
    tc_kimlik: Identifier = Field(
        "", max_length=20, description="11 digits; checked with the official checksum"
    )
    phone: Identifier = Field(
        "", max_length=30, description='Any Turkish way of writing it: "0532 123 45 67", "+90 532 123 4567"'
    )
    email: Identifier = Field("", max_length=254)
    address: Text = Field("", max_length=400)

    @field_validator("tc_kimlik")
    @classmethod
    def _tc_kimlik(cls, value: str) -> str:
        return _django_check(clean_tc_kimlik, value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _django_check(clean_phone, value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if value:
            _django_check(validate_email, value)
        return value


class LocationIn(Schema):
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    province: Text = Field("", max_length=60)
    district: Text = Field("", max_length=60)
    neighbourhood: Text = Field("", max_length=120)
    street: Text = Field("", max_length=200)
    building_no: Text = Field("", max_length=20)
    address_text: Text = Field("", max_length=400)


class CaseIn(Schema):
    channel: Channel
    subject: Text = Field(
        min_length=1,
        max_length=200,
        description="Not blank: at least one character other than white space",
        json_schema_extra={"pattern": NOT_BLANK},
    )
    description: Text = Field("", max_length=MAX_TEXT)
    kind: Kind = Kind.REQUEST
    category: RowId | None = Field(None, description="An active category of the caller's institution (id)")
    citizen: CitizenIn | None = None
    location: LocationIn | None = None
    priority: Priority = Priority.NORMAL
    several_institutions: bool = False
    received_at: dt.datetime | None = Field(
        None,
        description="When the citizen got in touch; default now. From 2000-01-01 on and at most five "
        "minutes ahead of the server's clock; a time without an offset is read in the server's time zone.",
    )

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if not re.search(NOT_BLANK, value):
            raise PydanticCustomError("missing", "Field required")
        return value.strip()

    @field_validator("category")
    @classmethod
    def _category(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        request = (info.context or {}).get("request")
        user = getattr(request, "auth", None)
        if (
            user is None
            or not Category.objects.filter(pk=value, active=True, **institution_filter(user)).exists()
        ):
            raise _invalid(_("There is no such category in your institution."))
        return value

    @field_validator("received_at")
    @classmethod
    def _received_at(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if edge.is_plausible(value):
            return value
        # A little slack (edge.FUTURE_SLACK) for clocks that are a few minutes apart.
        if value > timezone.now():
            raise _invalid(_("The time a case was received cannot be in the future."))
        raise _invalid(_("The time a case was received cannot be before 2000."))


TransitionName = Literal[tuple(TRANSITIONS)]  # type: ignore[valid-type]

# The transitions whose text has its own name in the request; the others read "note".
TEXT_FIELD = {
    "ask_citizen": "question",
    "citizen_answered": "answer",
    "resolve": "resolution",
    "resolve_on_the_spot": "resolution",
    "reject": "reason",
}
# Domain error codes (TransitionError.code) that name a request field.
FIELD_CODES = {"assignee", "team", "unit", "institution", "to", "into", "subject", "channel", "kind"}


def _transition_rules() -> dict:
    """What each transition needs besides its name, as JSON Schema: one ``anyOf`` branch per transition
    with a rule (its ``name`` and the fields it needs), one for all the others.

    The same rules are checked by the domain functions (kentmasa.cases.services), which answer 400 naming
    the field; a transition not possible in the case's status is refused with 409 before they are looked at.
    """

    def filled(field: str) -> dict:
        if field in ("assignee", "team", "unit"):
            return {"required": [field], "properties": {field: {"type": "integer"}}}
        return {"required": [field], "properties": {field: {"type": "string", "pattern": NOT_BLANK}}}

    needs = {"assign": ("assignee", "team"), "transfer": ("unit", "institution"), "redirect": ("to",)}
    needs["merge"] = ("into",)
    for transition in TRANSITIONS.values():
        if transition.note_required:
            needs[transition.name] = tuple(dict.fromkeys((TEXT_FIELD.get(transition.name, "note"), "note")))
    branches = []
    for name, fields in needs.items():
        options = [filled(field) for field in fields]
        branch: dict = {"properties": {"name": {"const": name}}}
        if len(options) == 1:
            branch["properties"] |= options[0]["properties"]
            branch["required"] = options[0]["required"]
        else:
            branch["anyOf"] = options
        branches.append(branch)
    others = [name for name in TRANSITIONS if name not in needs]
    branches.append({"properties": {"name": {"enum": others}}})
    return {"anyOf": branches}


class TransitionIn(Schema):
    model_config = ConfigDict(json_schema_extra=_transition_rules())

    name: TransitionName
    note: Text = Field("", max_length=MAX_TEXT)
    resolution: Text = Field(
        "", max_length=MAX_TEXT, description="resolve, resolve_on_the_spot: what the citizen is told"
    )
    reason: Text = Field("", max_length=MAX_TEXT, description="reject: the legal reason")
    question: Text = Field("", max_length=MAX_TEXT, description="ask_citizen")
    answer: Text = Field("", max_length=MAX_TEXT, description="citizen_answered")
    assignee: RowId | None = Field(None, description="assign: a member of staff (id); or team, or both")
    team: RowId | None = Field(None, description="assign: a field team (id); or assignee, or both")
    unit: RowId | None = Field(None, description="transfer: the receiving unit (id); or institution")
    institution: Identifier | None = Field(
        None, max_length=60, description="transfer: the receiving institution (short name); or unit"
    )
    category: RowId | None = Field(
        None,
        description="transfer to another institution: its category (id), which sets service and deadline",
    )
    to: Text = Field("", max_length=200, description="redirect: the body outside the system")
    into: Identifier | None = Field(
        None, max_length=40, description="merge: tracking number of the case that carries on"
    )


DAYS = f"A day from {edge.QUERY_FIRST_DAY} to {edge.QUERY_LAST_DAY}"


class CaseFilters(Schema):
    status: list[Status] | None = Field(None, description="One or more, e.g. ?status=new&status=assigned")
    unit: RowId | None = None
    category: RowId | None = None
    overdue: bool | None = None
    q: str = Field("", max_length=200, description="Tracking number, TC kimlik no, phone, name or words")
    received_from: dt.date | None = Field(
        None, ge=edge.QUERY_FIRST_DAY, le=edge.QUERY_LAST_DAY, description=f"{DAYS} and later"
    )
    received_to: dt.date | None = Field(
        None, ge=edge.QUERY_FIRST_DAY, le=edge.QUERY_LAST_DAY, description=f"{DAYS}; inclusive"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# --- output ----------------------------------------------------------------------------------------------


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


class CasePageOut(Schema):
    count: int
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


# Timeline actions that are not transitions.
EVENT_LABELS = {
    "open": gettext_lazy("Case opened"),
    "comment": gettext_lazy("Note"),
    "merged_in": gettext_lazy("Another case merged into this one"),
    "escalate": gettext_lazy("Escalated"),
}


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def _named(obj) -> dict | None:
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


class CaseWriter:
    """Turns cases into JSON for one caller; one business calendar per institution, not one per case."""

    def __init__(self, user: User):
        self.user = user
        self.full_identifiers = sees_identifiers(user)
        self.calendars: dict[int, object] = {}
        self.english = (get_language() or "").startswith("en")

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
            "kind_display": str(case.get_kind_display()),
            "channel": case.channel,
            "channel_display": str(case.get_channel_display()),
            "status": case.status,
            "status_display": str(case.get_status_display()),
            "priority": case.priority,
            "priority_display": str(case.get_priority_display()),
            "subject": case.subject,
            "description": case.description,
            "category": _named(case.category),
            "service": _named(case.service),
            "unit": _named(case.unit),
            "assignee": _person(case.assignee),
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
            "merged_into": case.merged_into.tracking_number if case.merged_into_id else None,
        }

    def detail(self, case: Case) -> dict:
        data = self.case(case)
        data["transitions"] = [t.name for t in access.available_transitions(self.user, case)]
        return data


# --- helpers ---------------------------------------------------------------------------------------------

RELATED = ("institution", "category", "service", "unit", "assignee", "team", "citizen", "merged_into")


def _cases_for(user: User):
    return access.visible_cases(user).select_related(*RELATED)


def _get_case(user: User, tracking_number: str) -> Case:
    """The case if the caller may see it; 404 otherwise, so other units' cases do not reveal themselves."""
    number = clean_tracking_number(tracking_number) or tracking_number
    case = _cases_for(user).filter(tracking_number=number).first()
    if case is None:
        raise ApiError(404, _("There is no case with this tracking number that you may see."), "not_found")
    return case


def refusal(error: services.TransitionError, text_field: str = "note") -> Exception:
    """The API's answer to a domain refusal: 403 forbidden, 409 not possible in this status, else 400."""
    if error.code == "forbidden":
        return ApiError(403, error.message, error.code)
    if error.code == "illegal_transition":
        return ApiError(409, error.message, error.code)
    if error.code == "note":
        return InvalidInput.single(text_field, error.message)
    if error.code == "transition":
        return InvalidInput.single("name", error.message)
    return InvalidInput.single(error.code if error.code in FIELD_CODES else NON_FIELD, error.message)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- endpoints -------------------------------------------------------------------------------------------


@router.get("/cases", response=answers({200: CasePageOut}), summary="Cases the caller may see, newest first")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]):
    cases = _cases_for(request.auth)
    if filters.status:
        cases = cases.filter(status__in=filters.status)
    if filters.unit is not None:
        cases = cases.filter(unit_id=filters.unit)
    if filters.category is not None:
        cases = cases.filter(category_id=filters.category)
    if filters.overdue is True:
        cases = cases.filter(overdue_since__isnull=False, status__in=OPEN_STATUSES)
    elif filters.overdue is False:
        cases = cases.exclude(overdue_since__isnull=False, status__in=OPEN_STATUSES)
    if filters.received_from:
        cases = cases.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        cases = cases.filter(received_at__lt=_day_start(filters.received_to + dt.timedelta(days=1)))
    cases = search_cases(cases, filters.q).order_by("-received_at", "-pk")
    writer = CaseWriter(request.auth)
    page = cases[filters.offset : filters.offset + filters.limit]
    return {
        "count": cases.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [writer.case(case) for case in page],
    }


IDEMPOTENCY_KEY = rf"^[!-~]{{1,{ApiIdempotencyKey.MAX_LENGTH}}}$"


def _idempotency_key(value):
    if isinstance(value, str) and not re.fullmatch(IDEMPOTENCY_KEY, value):
        raise _invalid(
            _("An Idempotency-Key is 1 to %(limit)d printable ASCII characters without spaces.")
            % {"limit": ApiIdempotencyKey.MAX_LENGTH}
        )
    return value


IdempotencyKey = Annotated[
    str,
    BeforeValidator(_idempotency_key),
    Field(
        min_length=1,
        max_length=ApiIdempotencyKey.MAX_LENGTH,
        json_schema_extra={"pattern": IDEMPOTENCY_KEY},
        description="Any string of printable ASCII without spaces, e.g. a UUID, made once per case to "
        "record. A retry with the same key and the same body (after a lost answer) is answered with the case "
        "the first request recorded (201, the same body, header Idempotent-Replayed: true), never with "
        "a second case; the same key with a different body is refused with 422. Keys are the caller's "
        "own (per member of staff and institution) and kept as long as the case.",
    ),
]


def _fingerprint(payload: CaseIn) -> str:
    """What a retry must repeat: the request as read (field order, spacing and defaults do not count)."""
    checked = json.dumps(payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(checked.encode()).hexdigest()


def _recorded_by_key(user: User, key: str, fingerprint: str) -> Case | None:
    """The case an earlier request with this key recorded; 422 if that request was a different one."""
    earlier = ApiIdempotencyKey.objects.filter(user=user, institution_id=user.institution_id, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise ApiError(
            422,
            _("This Idempotency-Key was used for a different request; use a new key for a new case."),
            "idempotency_key_reused",
        )
    return Case.objects.select_related(*RELATED).get(pk=earlier.case_id)


def _created_body(user: User, case: Case) -> dict:
    data = CaseWriter(user).detail(case)
    data["verification_code"] = case.verification_code
    return data


@router.post(
    "/cases",
    response=answers({201: CaseCreatedOut}, 403, 422),
    summary="Record a new case",
    description="With an `Idempotency-Key` header a retry never records a second case (see the header).",
    openapi_extra={
        "responses": {
            # An int, as django-ninja keys its own responses: a "201" string would be a second key.
            201: {
                "headers": {
                    "Idempotent-Replayed": {
                        "description": "true when this is the answer to an earlier request with the same "
                        "Idempotency-Key: the case it recorded, as it is now",
                        "schema": {"type": "string", "enum": ["true"]},
                        "required": False,
                    }
                }
            }
        }
    },
)
def create_case(
    request: HttpRequest,
    response: HttpResponse,
    payload: CaseIn,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
):
    user: User = request.auth
    if user.institution_id is None:
        raise ApiError(
            403,
            _("Your account is not linked to an institution, so it cannot record cases."),
            "no_institution",
        )
    fingerprint = _fingerprint(payload)
    if idempotency_key and (earlier := _recorded_by_key(user, idempotency_key, fingerprint)):
        response["Idempotent-Replayed"] = "true"
        return WithStatus(201, _created_body(user, earlier))
    category = Category.objects.get(pk=payload.category) if payload.category is not None else None
    location = payload.location.model_dump(exclude_defaults=True) if payload.location else None
    try:
        with transaction.atomic():
            # Inserted first: a copy sent at the same moment waits here (PostgreSQL) or at BEGIN (SQLite)
            # until this transaction ends, then fails on the unique constraint and answers with this case.
            record = (
                ApiIdempotencyKey.objects.create(
                    user=user,
                    institution_id=user.institution_id,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                )
                if idempotency_key
                else None
            )
            citizen = (
                find_or_create_citizen(user.institution, **payload.citizen.model_dump(), proven=STAFF)
                if payload.citizen
                else None
            )
            case = services.open_case(
                institution=user.institution,
                channel=payload.channel,
                kind=payload.kind,
                subject=payload.subject,
                description=payload.description,
                citizen=citizen,
                category=category,
                priority=payload.priority,
                received_at=payload.received_at,
                several_institutions=payload.several_institutions,
                actor=user,
                location=location,
            )
            if record is not None:
                record.case = case
                record.save(update_fields=["case"])
    except services.TransitionError as error:
        raise refusal(error) from None
    except IntegrityError:
        earlier = _recorded_by_key(user, idempotency_key, fingerprint) if idempotency_key else None
        if earlier is None:
            raise
        response["Idempotent-Replayed"] = "true"
        return WithStatus(201, _created_body(user, earlier))
    case = Case.objects.select_related(*RELATED).get(pk=case.pk)
    return WithStatus(201, _created_body(user, case))


@router.get("/cases/{tracking_number}", response=answers({200: CaseDetailOut}, 404), summary="One case")
def get_case(request: HttpRequest, tracking_number: str):
    return CaseWriter(request.auth).detail(_get_case(request.auth, tracking_number))


@router.get(
    "/cases/{tracking_number}/events",
    response=answers({200: list[EventOut]}, 404),
    summary="A case's timeline, oldest first",
)
def list_events(request: HttpRequest, tracking_number: str):
    case = _get_case(request.auth, tracking_number)
    events = Event.objects.filter(case=case).select_related("actor").order_by("at", "pk")
    return [
        {
            "at": event.at,
            "action": event.action,
            "action_display": str(TRANSITIONS[event.action].label)
            if event.action in TRANSITIONS
            else str(EVENT_LABELS.get(event.action, event.action)),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "public": event.public,
            "actor": _person(event.actor),
            "data": event.data,
        }
        for event in events
    ]


def _transition_params(user: User, case: Case, body: TransitionIn) -> dict:
    """The keyword arguments of the domain function, with ids and numbers turned into rows; 400 if unknown."""
    name = body.name
    errors: dict[str, list[str]] = {}
    text_field = TEXT_FIELD.get(name, "note")
    params: dict = {text_field: getattr(body, text_field) or body.note}
    if name == "assign":
        if body.assignee is not None:
            params["assignee"] = User.objects.filter(pk=body.assignee, is_active=True).first()
            if params["assignee"] is None:
                add_error(errors, "assignee", _("There is no such member of staff."))
        if body.team is not None:
            params["team"] = Team.objects.select_related("unit").filter(pk=body.team, active=True).first()
            if params["team"] is None:
                add_error(errors, "team", _("There is no such team."))
    elif name == "transfer":
        if body.unit is not None:
            params["unit"] = (
                Unit.objects.select_related("institution").filter(pk=body.unit, active=True).first()
            )
            if params["unit"] is None:
                add_error(errors, "unit", _("There is no such unit."))
        if body.institution:
            params["institution"] = Institution.objects.filter(slug=body.institution).first()
            if params["institution"] is None:
                add_error(errors, "institution", _("There is no such institution."))
        if body.category is not None:
            params["category"] = (
                Category.objects.select_related("service", "unit")
                .filter(pk=body.category, active=True)
                .first()
            )
            if params["category"] is None:
                add_error(errors, "category", _("There is no such category."))
    elif name == "redirect":
        params["to"] = body.to
    elif name == "merge":
        number = clean_tracking_number(body.into or "") or (body.into or "")
        params["into"] = access.visible_cases(user).filter(tracking_number=number).first() if number else None
        if params["into"] is None:
            add_error(errors, "into", _("There is no case with this tracking number that you may see."))
    if errors:
        raise InvalidInput(errors)
    return params


@router.post(
    "/cases/{tracking_number}/transitions",
    response=answers({200: CaseDetailOut}, 403, 404, 409),
    summary="Act on a case: assign, start, ask_citizen, resolve, transfer, merge…",
)
def perform_transition(request: HttpRequest, tracking_number: str, payload: TransitionIn):
    user: User = request.auth
    case = _get_case(user, tracking_number)
    params = _transition_params(user, case, payload)
    try:
        services.perform(case, payload.name, actor=user, **params)
    except services.TransitionError as error:
        raise refusal(error, TEXT_FIELD.get(payload.name, "note")) from None
    case = Case.objects.select_related(*RELATED).get(pk=case.pk)
    return CaseWriter(user).detail(case)
