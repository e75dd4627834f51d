"""What a request to the cases API may send: a new case (with its citizen and location), a transition,
the list's filters and the Idempotency-Key header, each checked in full before anything is written.

A category must be an active one of the caller's institution; ``received_at`` lies between 2000 and five
minutes from now. The transitions' needs (``TransitionIn``) are stated in the schema as one ``anyOf``
branch per transition and checked again by the domain functions.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from kentmasa.cases.api.fields import (
    MAX_CASE_OFFSET,
    MAX_PAGE,
    MAX_TEXT,
    NOT_BLANK,
    Identifier,
    RowId,
    Text,
    django_check,
    invalid,
)
from kentmasa.cases.models import ApiIdempotencyKey, Channel, Kind, Priority, Status
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.cases.validators import clean_phone, clean_tc_kimlik
from kentmasa.directory import cached
from kentmasa.directory.api import institution_filter
from kentmasa.lib import edge


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
        return django_check(clean_tc_kimlik, value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return django_check(clean_phone, value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if value:
            django_check(validate_email, value)
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
        # Read through the per-process cache the intake reads it from (kentmasa.directory.cached).
        category = cached.category(value) if user is not None else None
        scope = institution_filter(user) if user is not None else {}
        if (
            category is None
            or not category.active
            or ("institution_id" in scope and category.institution_id != scope["institution_id"])
        ):
            raise invalid(_("There is no such category in your institution."))
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
            raise invalid(_("The time a case was received cannot be in the future."))
        raise invalid(_("The time a case was received cannot be before 2000."))


if TYPE_CHECKING:
    TransitionName = str
else:  # one of the transitions' names, listed in the schema
    TransitionName = Literal[tuple(TRANSITIONS)]

# The transitions whose text has its own name in the request; the others read "note".
TEXT_FIELD = {
    "ask_citizen": "question",
    "citizen_answered": "answer",
    "resolve": "resolution",
    "resolve_on_the_spot": "resolution",
    "reject": "reason",
}


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
    # Bounded: a deep offset walks that many index entries on every request. The schema states the maximum;
    # the check is ours, so its message can say how to reach older cases.
    offset: int = Field(
        0,
        ge=0,
        json_schema_extra={"maximum": MAX_CASE_OFFSET},
        description=f"At most {MAX_CASE_OFFSET}; reach older cases by date (received_from, received_to)",
    )

    @field_validator("offset")
    @classmethod
    def _offset(cls, value: int) -> int:
        if value > MAX_CASE_OFFSET:
            raise invalid(
                _(
                    "A page may start at most %(limit)s cases into the list; to reach older cases, narrow "
                    "the list by date with received_from and received_to."
                )
                % {"limit": number_format(MAX_CASE_OFFSET, force_grouping=True)}
            )
        return value


IDEMPOTENCY_KEY = rf"^[!-~]{{1,{ApiIdempotencyKey.MAX_LENGTH}}}$"


def _idempotency_key(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(IDEMPOTENCY_KEY, value):
        raise invalid(
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
