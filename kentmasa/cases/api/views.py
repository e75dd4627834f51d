"""Cases in the JSON API: the scoped list, recording a case, reading it and its timeline, and transitions.

The views only parse and check input; every change goes through kentmasa.cases.services and every read
through kentmasa.cases.access. A refused request writes nothing: input is checked in full before the
domain function runs, and the citizen record and the case are written in one transaction.

Operation ids are given as they were when this was one module (kentmasa.cases.api), so the published
schema and the clients generated from it do not change.
"""

import contextvars
import datetime as dt
import hashlib
import json
from typing import Annotated

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router
from ninja.responses import Status as WithStatus

from kentmasa.cases import access, services
from kentmasa.cases.api.inputs import TEXT_FIELD, CaseFilters, CaseIn, IdempotencyKey, TransitionIn
from kentmasa.cases.api.outputs import (
    LISTED,
    CaseCreatedOut,
    CaseDetailOut,
    CasePageOut,
    CaseWriter,
    EventOut,
    HeldOut,
    json_answer,
    person,
)
from kentmasa.cases.citizens import STAFF
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import OPEN_STATUSES, ApiIdempotencyKey, Case, Event
from kentmasa.cases.search import search_cases
from kentmasa.cases.signals import case_event
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.cases.transitions import event_label
from kentmasa.directory import cached
from kentmasa.directory.api import NON_FIELD, ApiError, ApiRequest, InvalidInput, add_error, answers
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.lib.personal_reads import note_read

router = Router(tags=["cases"])

# The list's count stops here (``more`` says there are more), so a page of a 10-million-case institution does
# not count them all.
COUNT_LIMIT = 10_000


# Domain error codes (TransitionError.code) that name a request field.
FIELD_CODES = {"assignee", "team", "unit", "institution", "to", "into", "subject", "channel", "kind"}
OPERATION_ID = "kentmasa_cases_api_{}"

# --- helpers ---------------------------------------------------------------------------------------------

RELATED = ("institution", "category", "service", "unit", "assignee", "team", "citizen", "merged_into")


def _cases_for(user: User) -> QuerySet[Case]:
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
    if error.code in ("illegal_transition", "approval_pending"):
        return ApiError(409, error.message, error.code)
    if error.code == "note":
        return InvalidInput.single(text_field, error.message)
    if error.code == "transition":
        return InvalidInput.single("name", error.message)
    return InvalidInput.single(error.code if error.code in FIELD_CODES else NON_FIELD, error.message)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- endpoints -------------------------------------------------------------------------------------------


@router.get(
    "/cases",
    response=answers({200: CasePageOut}),
    summary="Cases the caller may see, newest first",
    operation_id=OPERATION_ID.format("list_cases"),
)
def list_cases(request: ApiRequest, filters: Query[CaseFilters]) -> HttpResponse:
    cases = _cases_for(request.auth)
    if filters.status:
        cases = cases.filter(status__in=filters.status)
    if filters.unit is not None:
        cases = cases.filter(unit_id=filters.unit)
    if filters.category is not None:
        cases = cases.filter(category_id=filters.category)
    # Case.is_overdue: marked by the sweep, still owed, and not a forwarding clock staff have stopped.
    overdue = Q(overdue_since__isnull=False, status__in=OPEN_STATUSES, clock_stopped_at__isnull=True)
    if filters.overdue is True:
        cases = cases.filter(overdue)
    elif filters.overdue is False:
        cases = cases.exclude(overdue)
    if filters.received_from:
        cases = cases.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        cases = cases.filter(received_at__lt=_day_start(filters.received_to + dt.timedelta(days=1)))
    cases = search_cases(cases, filters.q).order_by("-received_at", "-pk")
    # The page's keys first, along the (institution, received_at) index, then its rows by key: with the joins
    # in the ordered query SQLite sorted every case of the institution before the limit (4.7 s at 1M).
    keys = list(cases.values_list("pk", flat=True)[filters.offset : filters.offset + filters.limit])
    # Its rows as values, not model instances (outputs.LISTED): the same joins, a third of the time.
    rows = {row["pk"]: row for row in Case.objects.filter(pk__in=keys).values(*LISTED)}
    page = [rows[key] for key in keys if key in rows]
    # KVKK access log: one row per listed case (at most ``limit``), in the request's one insert, so the
    # report per citizen finds a list that showed the person too.
    for row in page:
        note_read(request, what="api_case_list", case_id=row["pk"], citizen_id=row["citizen_id"])
    # Counted over the ids of at most COUNT_LIMIT + 1 rows, not the whole institution's millions.
    found = cases.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    # Written as CasePageOut says (tests compare it with CaseWriter.case), so ninja need not check the
    # page's items again one by one (json_answer): that check was a third of a list's time.
    return json_answer(
        {
            "count": min(found, COUNT_LIMIT),
            "more": found > COUNT_LIMIT,
            "limit": filters.limit,
            "offset": filters.offset,
            "items": CaseWriter(request.auth).listed_page(page),
        }
    )


def _fingerprint(payload: CaseIn) -> str:
    """What a retry must repeat: the request as read (field order, spacing and defaults do not count)."""
    checked = json.dumps(payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(checked.encode()).hexdigest()


def _recorded_by_key(user: User, institution_id: int, key: str, fingerprint: str) -> Case | None:
    """The case an earlier request with this key recorded; 422 if that request was a different one."""
    earlier = ApiIdempotencyKey.objects.filter(user=user, institution_id=institution_id, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise ApiError(
            422,
            _("This Idempotency-Key was used for a different request; use a new key for a new case."),
            "idempotency_key_reused",
        )
    if earlier.case_id is None:  # never committed without its case (see the model)
        raise LookupError(f"Idempotency-Key {earlier.pk} has no case")
    return Case.objects.select_related(*RELATED).get(pk=earlier.case_id)


def _inbound(user: User, payload: CaseIn) -> Inbound:
    """The case a request describes, as the one way in takes it; what staff record is proven."""
    citizen = payload.citizen.model_dump() if payload.citizen else {}
    institution = user.institution
    if institution is None:  # refused before (create_case); checked again for the type checker
        raise _no_institution()
    return Inbound(
        channel=payload.channel,
        institution=institution,
        subject=payload.subject,
        text=payload.description,
        name=citizen.get("name", ""),
        tc_kimlik=citizen.get("tc_kimlik", ""),
        phone=citizen.get("phone", ""),
        email=citizen.get("email", ""),
        postal_address=citizen.get("address", ""),
        proven=STAFF,
        kind=payload.kind,
        category=_category(payload.category),
        priority=payload.priority,
        several_institutions=payload.several_institutions,
        location=payload.location.model_dump(exclude_defaults=True) if payload.location else {},
        received_at=payload.received_at,
        actor=user,
    )


def _category(pk: int | None) -> Category | None:
    """The category the input check found (kentmasa.directory.cached: no query while it is fresh)."""
    if pk is None:
        return None
    category: Category | None = cached.category(pk)
    if category is None:  # deleted between the check and here
        raise InvalidInput.single("category", _("There is no such category in your institution."))
    return category


def _read_back(case: Case) -> Case:
    """The case as it is once its transaction committed: what ran after the commit (routing: a category
    from the classifier, a routing rule's unit or transfer) may have changed it since it was written."""
    return Case.objects.select_related(*RELATED).get(pk=case.pk)


# The case ids of the timeline events announced (kentmasa.cases.signals.case_event, after their commit)
# while this request records a case; None outside create_case.
_announced: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "kentmasa_api_announced", default=None
)


def _heard(sender: object, case: Case, event: Event, **kwargs: object) -> None:
    heard = _announced.get()
    if heard is not None:
        heard.append(event.case_id)


case_event.connect(_heard, dispatch_uid="kentmasa.cases.api.views.heard")


def _recorded(user: User, payload: CaseIn) -> Case:
    """Open the case (one transaction of its own) and return it as stored once what ran after its commit is
    done. Every change to a case is a timeline event announced after its commit, so when nothing but the
    opening was announced for it (routing kept the category's unit, nothing was redirected), the case in
    hand is the stored one, its times in UTC as the database gives them, and it is not read again."""
    token = _announced.set([])
    try:
        case = open_from(_inbound(user, payload))
        heard = _announced.get() or []
    finally:
        _announced.reset(token)
    if heard != [case.pk] or payload.received_at is not None:
        return _read_back(case)
    for field in Case._meta.concrete_fields:
        value = getattr(case, field.attname)
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            setattr(case, field.attname, value.astimezone(dt.UTC))
    return case


def _no_institution() -> ApiError:
    return ApiError(
        403, _("Your account is not linked to an institution, so it cannot record cases."), "no_institution"
    )


def _created_body(user: User, case: Case) -> dict:
    data = CaseWriter(user).detail(case)
    data["verification_code"] = case.verification_code
    return data


@router.post(
    "/cases",
    response=answers({201: CaseCreatedOut}, 403, 422),
    summary="Record a new case",
    operation_id=OPERATION_ID.format("create_case"),
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
    request: ApiRequest,
    response: HttpResponse,
    payload: CaseIn,
    idempotency_key: Annotated[IdempotencyKey | None, Header(alias="Idempotency-Key")] = None,
) -> WithStatus[dict]:
    user = request.auth
    institution_id = user.institution_id
    if institution_id is None:
        raise _no_institution()
    fingerprint = _fingerprint(payload)
    if idempotency_key and (earlier := _recorded_by_key(user, institution_id, idempotency_key, fingerprint)):
        response["Idempotent-Replayed"] = "true"
        return WithStatus(201, _created_body(user, earlier))
    if not idempotency_key:
        try:
            case = _recorded(user, payload)
        except services.TransitionError as error:
            raise refusal(error) from None
        return WithStatus(201, _created_body(user, case))
    try:
        with transaction.atomic():
            # Inserted first: a copy sent at the same moment waits here (PostgreSQL) or at BEGIN (SQLite)
            # until this transaction ends, then fails on the unique constraint and answers with this case.
            record = ApiIdempotencyKey.objects.create(
                user=user,
                institution_id=institution_id,
                key=idempotency_key,
                fingerprint=fingerprint,
            )
            case = open_from(_inbound(user, payload))
            record.case = case
            record.save(update_fields=["case"])
    except services.TransitionError as error:
        raise refusal(error) from None
    except IntegrityError:
        earlier = _recorded_by_key(user, institution_id, idempotency_key, fingerprint)
        if earlier is None:
            raise
        response["Idempotent-Replayed"] = "true"
        return WithStatus(201, _created_body(user, earlier))
    return WithStatus(201, _created_body(user, _read_back(case)))


@router.get(
    "/cases/{tracking_number}",
    response=answers({200: CaseDetailOut}, 404),
    summary="One case",
    operation_id=OPERATION_ID.format("get_case"),
)
def get_case(request: ApiRequest, tracking_number: str) -> dict:
    case = _get_case(request.auth, tracking_number)
    note_read(request, what="api_case", case_id=case.pk, citizen_id=case.citizen_id)  # KVKK access log
    return CaseWriter(request.auth).detail(case)


@router.get(
    "/cases/{tracking_number}/events",
    response=answers({200: list[EventOut]}, 404),
    summary="A case's timeline, oldest first",
    operation_id=OPERATION_ID.format("list_events"),
)
def list_events(request: ApiRequest, tracking_number: str) -> list[dict]:
    case = _get_case(request.auth, tracking_number)
    events = Event.objects.filter(case=case).select_related("actor").order_by("at", "pk")
    return [
        {
            "at": event.at,
            "action": event.action,
            "action_display": event_label(event.action),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "public": event.public,
            "actor": person(event.actor),
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
    response=answers({200: CaseDetailOut, 202: HeldOut}, 403, 404, 409),
    summary="Act on a case: assign, start, ask_citizen, resolve, transfer, merge…",
    description="202: the action needs approval first (an approval rule of the institution); nothing was "
    "done yet, the approver was asked. 409 also while an earlier action on the case waits for approval.",
    operation_id=OPERATION_ID.format("perform_transition"),
)
def perform_transition(request: ApiRequest, tracking_number: str, payload: TransitionIn) -> WithStatus[dict]:
    user = request.auth
    case = _get_case(user, tracking_number)
    params = _transition_params(user, case, payload)
    try:
        services.perform(case, payload.name, actor=user, **params)
    except services.Held as held:
        return WithStatus(202, {"detail": held.message, "approval": held.approval_id})
    except services.TransitionError as error:
        raise refusal(error, TEXT_FIELD.get(payload.name, "note")) from None
    case = Case.objects.select_related(*RELATED).get(pk=case.pk)
    return WithStatus(200, CaseWriter(user).detail(case))
