"""Plate recognition (PTS) in the JSON API: the hotlist, the camera system's reads and the alerts.

* ``POST /pts/hotlist``, ``GET /pts/hotlist``, ``DELETE /pts/hotlist/{plate}``, ``GET /pts/alerts``: police
  operators and administrators of a police institution (staff token or session).
* ``POST /pts/reads``: a token scoped to plate reads (``manage.py api_token USER --scope plate_reads``) of
  a member of a police institution, or a police operator's staff token or session. A plate-reads token is
  refused (401) by every other operation of the API: kentmasa.directory.api.BearerToken accepts staff
  tokens only.

The reads are checked one by one in kentmasa.emergency.pts.ingest (a bad read is reported by its index
and the rest stored), so the body is read here as plain JSON, not through a schema that would refuse the
whole batch for one read; the schema documents what a read should be.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja.responses import Status as WithStatus
from ninja.security import HttpBearer

from kentmasa.cases.api.fields import MAX_OFFSET, MAX_PAGE, Identifier, Text, Timestamp
from kentmasa.cases.services import TransitionError
from kentmasa.directory.api import (
    NON_FIELD,
    ApiError,
    ApiRequest,
    BearerToken,
    InvalidInput,
    StaffSession,
    answers,
)
from kentmasa.directory.models import ApiToken, Institution, User
from kentmasa.emergency import pts, teams
from kentmasa.emergency.models import HotlistEntry, PlateAlert, PlateReason
from kentmasa.lib import edge, plates

router = Router(tags=["plate recognition (PTS)"])
OPERATION_ID = "kentmasa_pts_{}"
FIELDS = {"plate", "reason", "note", "valid_until", "outcome"}
IDEMPOTENCY_KEY = r"^[!-~]{1,200}$"


class PlateReadsToken(HttpBearer):
    """``Authorization: Bearer km_…`` with a token scoped to plate reads (the camera system's)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip(), scopes=(ApiToken.Scope.PLATE_READS,))
        if user is not None:
            request.user = user
            request.plate_reads_only = True  # type: ignore[attr-defined]
        return user


# -- who may -------------------------------------------------------------------------------------------------


def _institution(user: User) -> Institution:
    """The caller's police institution, where they work the Haber Merkezi (403 otherwise)."""
    institution = user.institution if user.institution_id else None
    if institution is None or not pts.is_police(institution) or not teams.is_operator(user, institution.pk):
        raise ApiError(
            403,
            _("Only police operators and administrators of a police institution may use plate recognition."),
            "forbidden",
        )
    return institution


def _reads_institution(request: HttpRequest, user: User) -> Institution:
    if getattr(request, "plate_reads_only", False):
        institution = user.institution if user.institution_id else None
        if institution is None or not pts.is_police(institution):
            raise ApiError(
                403, _("This plate-reads token belongs to no police institution's staff."), "forbidden"
            )
        return institution
    return _institution(user)


def _refusal(error: TransitionError) -> Exception:
    if error.code == "forbidden":
        return ApiError(403, error.message, error.code)
    return InvalidInput.single(error.code if error.code in FIELDS else NON_FIELD, error.message)


# -- schemas -------------------------------------------------------------------------------------------------


class HotlistIn(Schema):
    plate: Identifier = Field(
        max_length=32, description='As written anywhere: "34 ABC 123", "34abc123", "34-ABC-123" are one plate'
    )
    reason: PlateReason = Field(description="stolen, wanted, terror or other")
    note: Text = Field("", max_length=500)
    valid_until: dt.datetime | None = Field(
        None,
        description="Until when reads raise an alert (ISO 8601; without an offset: Europe/Istanbul); "
        "none: until removed",
    )


class PersonOut(Schema):
    id: int
    name: str


class HotlistEntryOut(Schema):
    id: int
    plate: str = Field(description='The key reads are matched on: "34ABC123"')
    display: str = Field(description='"34 ABC 123"')
    plate_kind: str = Field(description="turkish, diplomatic or foreign")
    reason: str
    reason_display: str
    note: str
    valid_until: Timestamp | None
    added_by: PersonOut | None
    added_at: Timestamp
    updated_at: Timestamp


class HotlistPageOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[HotlistEntryOut]


class HotlistFilters(Schema):
    reason: PlateReason | None = None
    plate: Identifier = Field("", max_length=32, description="Entries whose plate starts with this")
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PlateReadIn(Schema):
    """One read, as the camera system sends it. Each read is checked on its own: a read that breaks these
    rules is listed under ``rejected`` with its index; the others are stored."""

    camera: str = Field(max_length=64, description="The camera's id, e.g. ESK-PTS-014")
    plate: str | None = Field(
        max_length=32,
        description='As read; a foreign, diplomatic or unreadable plate ("", "?") is stored too',
    )
    at: dt.datetime = Field(
        description="ISO 8601; without an offset: Europe/Istanbul; from 2000 to now + 5 min"
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class RejectedOut(Schema):
    index: int = Field(description="The read's place in the list, from 0")
    errors: dict[str, list[str]]


class IngestOut(Schema):
    received: int
    stored: int
    rejected: list[RejectedOut]
    hits: int = Field(description="Reads of hotlisted plates")
    alerts: list[int] = Field(description="The alerts those reads raised or joined")


class LastHitOut(Schema):
    camera: str
    camera_name: str
    at: Timestamp
    latitude: float | None
    longitude: float | None


class TeamToldOut(Schema):
    id: int
    name: str
    told_at: Timestamp
    distance_m: int | None
    seen_at: Timestamp | None


class AlertOut(Schema):
    id: int
    plate: str
    display: str
    reason: str
    reason_display: str
    entry_note: str
    opened_at: Timestamp
    last_hit_at: Timestamp
    hit_count: int
    last_hit: LastHitOut | None
    teams: list[TeamToldOut]
    acknowledged_at: Timestamp | None
    acknowledged_by: PersonOut | None
    closed_at: Timestamp | None
    outcome: str
    note: str


class AlertPageOut(Schema):
    limit: int
    offset: int
    items: list[AlertOut]


class AlertFilters(Schema):
    status: Literal["open", "closed", "all"] = "open"
    since: dt.datetime | None = Field(None, description="Only alerts a camera saw at or after this time")
    reason: PlateReason | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


# -- writers -------------------------------------------------------------------------------------------------


def _person(user: User | None) -> dict | None:
    return {"id": user.pk, "name": user.get_full_name() or user.username} if user is not None else None


def _entry(entry: HotlistEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "plate": entry.plate,
        "display": pts.display(entry.plate),
        "plate_kind": entry.plate_kind,
        "reason": entry.reason,
        "reason_display": str(PlateReason(entry.reason).label),
        "note": entry.note,
        "valid_until": entry.valid_until,
        "added_by": _person(entry.added_by),
        "added_at": entry.added_at,
        "updated_at": entry.updated_at,
    }


def _alert(alert: PlateAlert) -> dict[str, Any]:
    hit = alert.last_hit  # type: ignore[attr-defined]
    return {
        "id": alert.pk,
        "plate": alert.plate,
        "display": pts.display(alert.plate),
        "reason": alert.reason,
        "reason_display": str(PlateReason(alert.reason).label),
        "entry_note": alert.entry_note,
        "opened_at": alert.opened_at,
        "last_hit_at": alert.last_hit_at,
        "hit_count": alert.hit_count,
        "last_hit": {
            "camera": hit.camera_code,
            "camera_name": hit.camera.name if hit.camera is not None else "",
            "at": hit.at,
            "latitude": hit.latitude,
            "longitude": hit.longitude,
        }
        if hit is not None
        else None,
        "teams": [
            {
                "id": row.team_id,
                "name": row.team.name,
                "told_at": row.told_at,
                "distance_m": row.distance_m,
                "seen_at": row.seen_at,
            }
            for row in alert.told_teams  # type: ignore[attr-defined]
        ],
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": _person(alert.acknowledged_by),
        "closed_at": alert.closed_at,
        "outcome": alert.outcome,
        "note": alert.note,
    }


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if timezone.is_aware(value):
        return value
    try:
        return timezone.make_aware(value)
    except (OverflowError, ValueError):
        raise InvalidInput.single(field, _("Enter a valid date/time.")) from None


# -- the hotlist ---------------------------------------------------------------------------------------------


@router.post(
    "/pts/hotlist",
    response=answers({200: HotlistEntryOut, 201: HotlistEntryOut}, 403),
    summary="Put a plate on the hotlist (201), or change its entry (200)",
    operation_id=OPERATION_ID.format("upsert_hotlist"),
)
def upsert_hotlist(request: ApiRequest, payload: HotlistIn) -> WithStatus[dict]:
    institution = _institution(request.auth)
    until = _aware(payload.valid_until, "valid_until") if payload.valid_until is not None else None
    try:
        entry, created = pts.upsert_hotlist(
            institution,
            plate=payload.plate,
            reason=payload.reason,
            note=payload.note,
            valid_until=until,
            actor=request.auth,
        )
    except TransitionError as error:
        raise _refusal(error) from None
    entry = HotlistEntry.objects.select_related("added_by").get(pk=entry.pk)
    return WithStatus(201 if created else 200, _entry(entry))


@router.get(
    "/pts/hotlist",
    response=answers({200: HotlistPageOut}, 403),
    summary="The hotlist, by plate",
    operation_id=OPERATION_ID.format("list_hotlist"),
)
def list_hotlist(request: ApiRequest, filters: Query[HotlistFilters]) -> dict:
    institution = _institution(request.auth)
    entries = pts.hotlist(institution).select_related("added_by")
    if filters.reason:
        entries = entries.filter(reason=filters.reason)
    if filters.plate.strip():
        # Typed as a person would ("34 abc"): the start of a key; nothing for what no key can start with.
        prefix = plates.normalize(filters.plate).key
        entries = entries.filter(plate__startswith=prefix) if prefix else entries.none()
    page = entries[filters.offset : filters.offset + filters.limit]
    return {
        "count": entries.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_entry(entry) for entry in page],
    }


@router.delete(
    "/pts/hotlist/{plate}",
    response=answers({204: None}, 403, 404),
    summary="Take a plate off the hotlist (its alerts stay)",
    operation_id=OPERATION_ID.format("remove_hotlist"),
)
def remove_hotlist(request: ApiRequest, plate: str) -> WithStatus[None]:
    institution = _institution(request.auth)
    key = plates.normalize(plate).key
    entry = pts.hotlist(institution).filter(plate=key).first() if key else None
    if entry is None:
        raise ApiError(404, _("This plate is not on the hotlist."), "not_found")
    try:
        pts.remove_hotlist(entry, actor=request.auth)
    except TransitionError as error:
        raise _refusal(error) from None
    return WithStatus(204, None)


# -- reads ---------------------------------------------------------------------------------------------------


READS_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "maxItems": pts.MAX_BATCH,
                "items": PlateReadIn.model_json_schema(),
            }
        }
    },
}


@router.post(
    "/pts/reads",
    auth=[PlateReadsToken(), BearerToken(), StaffSession()],
    response=answers({200: IngestOut}, 403),
    summary="A batch of plate reads from the camera system",
    description=(
        f"A JSON list of at most {pts.MAX_BATCH} reads (`PlateReadIn`). Each read is checked on its own: "
        "a bad one is listed under `rejected` with its index and the errors by field, and the rest are "
        "stored. A read of a hotlisted plate raises an alert on the Haber Merkezi's board; a read made at "
        f"most {pts.TELL_WITHIN.seconds // 60} minutes before it arrives also tells the nearest available "
        "teams (when none is told, the duty supervisors), an older one tells nobody. With an "
        "`Idempotency-Key` header a batch sent again is not stored again: the first answer comes back "
        "(header `Idempotent-Replayed: true`)."
    ),
    operation_id=OPERATION_ID.format("post_reads"),
    openapi_extra={
        "requestBody": READS_BODY,
        "responses": {
            200: {
                "headers": {
                    "Idempotent-Replayed": {
                        "description": "true when the batch was stored before under this Idempotency-Key",
                        "schema": {"type": "string", "enum": ["true"]},
                        "required": False,
                    }
                }
            }
        },
    },
)
def post_reads(
    request: ApiRequest,
    response: HttpResponse,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            pattern=IDEMPOTENCY_KEY,
            description="Printable ASCII without spaces, made once per batch (e.g. a UUID)",
        ),
    ] = None,
) -> dict:
    institution = _reads_institution(request, request.auth)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        message = _("The request body is not valid JSON.")
        raise InvalidInput.single(NON_FIELD, message) from None
    if not isinstance(body, list):
        raise InvalidInput.single(NON_FIELD, _("Send a list of reads."))
    try:
        result = pts.ingest(institution, body, idempotency_key=idempotency_key or None)
    except TransitionError as error:
        raise _refusal(error) from None
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return result.as_dict()


# -- alerts --------------------------------------------------------------------------------------------------


@router.get(
    "/pts/alerts",
    response=answers({200: AlertPageOut}, 403),
    summary="Plate alerts, the newest first",
    operation_id=OPERATION_ID.format("list_alerts"),
)
def list_alerts(request: ApiRequest, filters: Query[AlertFilters]) -> dict:
    institution = _institution(request.auth)
    alerts = PlateAlert.objects.filter(institution_id=institution.pk).select_related("acknowledged_by")
    if filters.status == "open":
        alerts = alerts.filter(closed_at__isnull=True)
    elif filters.status == "closed":
        alerts = alerts.filter(closed_at__isnull=False)
    if filters.reason:
        alerts = alerts.filter(reason=filters.reason)
    if filters.since is not None:
        since = _aware(filters.since, "since")
        if not edge.is_searchable(since):
            raise InvalidInput.single("since", _("Give a time between 2000 and 2099."))
        alerts = alerts.filter(last_hit_at__gte=since)
    page = list(alerts.order_by("-opened_at", "-pk")[filters.offset : filters.offset + filters.limit])
    pts.attach(page)
    return {"limit": filters.limit, "offset": filters.offset, "items": [_alert(alert) for alert in page]}
