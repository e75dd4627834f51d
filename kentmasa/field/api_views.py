"""The field app's JSON API under /saha/api/: what the phone reads (today's work orders) and sends (its
queued actions, photos, position, duty), and its device keys.

Every answer is JSON with a Turkish (or the request's language) ``message`` and a ``code`` when something is
refused; no input causes a 500. Authentication: the staff session (a POST carries the CSRF token in the
``X-CSRFToken`` header) or, for sending the queue only (eylem, foto, konum), ``Authorization: Device <key>``
with a device key the phone fetched once after signing in (kentmasa.field.services.issue_device): an
expired session then loses nothing. Neither: 401 with code "signed_out", and the phone keeps its queue.

The domain work is in kentmasa.field.services; these views only read the request and shape the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from kentmasa.cases.models import Attachment
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Team, User
from kentmasa.emergency.teams import haversine_m
from kentmasa.field import inspections, services
from kentmasa.field.models import DeviceToken, Machine, WorkOrder
from kentmasa.lib import edge
from kentmasa.lib.personal_reads import note_read
from kentmasa.notify.tell import shown_subject

log = logging.getLogger(__name__)

MAX_ACTIONS = 50  # per POST to eylem/
MAX_ORDERS = 200  # listed at once
PHOTOS_PER_ORDER = 20
SUMMARY_LENGTH = 300
DEVICE_SCHEME = "Device "

# (request, user, device) → response
FieldView = Callable[..., HttpResponse]


def reply(body: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def problem(status: int, code: str, message: str) -> JsonResponse:
    return reply({"ok": False, "code": code, "message": message}, status)


def _csrf_refused(request: HttpRequest) -> bool:
    """The CSRF check the middleware skipped (the views are exempt so that a device key may post)."""
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    return check.process_view(request, lambda _request: HttpResponse(), (), {}) is not None


def field_api(*methods: str, device: bool = False) -> Callable[[FieldView], Callable[..., HttpResponse]]:
    """Allow ``methods``; sign the caller in by session (POST: with the CSRF token) or, where ``device``,
    by a device key; only members of a field team. The view gets (request, user, device or None, ...)."""

    def decorate(view: FieldView) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = problem(405, "method", _("This address does not take that method."))
                response["Allow"] = ", ".join(methods)
                return response
            header = request.META.get("HTTP_AUTHORIZATION", "")
            key: DeviceToken | None = None
            if header.startswith(DEVICE_SCHEME):
                if not device:
                    return problem(403, "device_not_here", _("A device key only sends the queue; sign in."))
                found = services.device_user(header[len(DEVICE_SCHEME) :].strip())
                if found is None:
                    return problem(
                        401,
                        "device_refused",
                        _("This device's key is not valid or was revoked; sign in again."),
                    )
                user, key = found
                request.user = (
                    user  # who read what the answer shows (the KVKK access log) is the device's user
                )
            elif isinstance(request.user, User) and request.user.is_active:
                user = request.user
                if request.method not in ("GET", "HEAD") and _csrf_refused(request):
                    return problem(403, "csrf", _("The page is out of date: reload it and try again."))
            else:
                return problem(401, "signed_out", _("You are signed out. Sign in to send what waits."))
            if not services.is_field_user(user):
                return problem(403, "not_field", _("Only members of a field team use the field app."))
            return view(request, user, key, *args, **kwargs)

        return guarded

    return decorate


def _json_body(request: HttpRequest) -> Any:
    """The parsed JSON body; edge.Malformed or RequestDataTooBig when it is not one."""
    return edge.read_json(request.body)


def _bad_body(error: Exception) -> JsonResponse:
    if isinstance(error, RequestDataTooBig):
        return problem(413, "too_large", _("The request is too large."))
    return problem(400, "invalid", _("The request must be a JSON object."))


def _refusal(error: TransitionError | services.Refused, status: int = 400) -> JsonResponse:
    return problem(status, error.code, str(error.message))


# -- today's work orders -------------------------------------------------------------------------------------


def _iso(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def _address(case: Any) -> str:
    if case.address_text:
        return str(case.address_text)
    street = " ".join(part for part in (case.street, case.building_no) if part)
    return ", ".join(part for part in (street, case.neighbourhood, case.district) if part)


def order_json(
    order: WorkOrder,
    *,
    today: Any,
    reasons: dict[int, list[dict[str, Any]]],
    photos: list[Attachment],
    origin: tuple[float, float] | None,
    may_inspect: bool = False,
) -> dict[str, Any]:
    """One work order as the phone shows it (the shape documented in /work/notes/field-design.md)."""
    case = order.case
    first_name, phone = services.citizen_contact(case)
    hidden = services.hides_contact(case)
    distance = None
    if origin is not None and case.latitude is not None and case.longitude is not None:
        distance = round(haversine_m(origin[0], origin[1], float(case.latitude), float(case.longitude)))
    shown_photos = []
    for photo in photos[:PHOTOS_PER_ORDER]:
        taken = getattr(photo, "work_order_photo", None)
        shown_photos.append(
            {
                "id": photo.pk,
                "url": reverse("cases:attachment", args=[case.tracking_number, photo.pk]),
                "phase": taken.phase if taken is not None else "citizen",
                "work_order": taken.work_order_id if taken is not None else None,
                "taken_at": _iso(photo.taken_at),
                "latitude": float(photo.latitude) if photo.latitude is not None else None,
                "longitude": float(photo.longitude) if photo.longitude is not None else None,
            }
        )
    return {
        "id": order.pk,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "priority": order.priority,
        "scheduled_for": order.scheduled_for.isoformat(),
        "overdue": order.scheduled_for < today,
        "instructions": order.instructions,
        "case": {
            "number": case.tracking_display,
            "title": shown_subject(case),
            "summary": "" if hidden else (case.description or "")[:SUMMARY_LENGTH],
            "category": case.category.name if case.category is not None else "",
            "address": _address(case),
            "mahalle": case.neighbourhood,
            "latitude": float(case.latitude) if case.latitude is not None else None,
            "longitude": float(case.longitude) if case.longitude is not None else None,
            "due_at": _iso(case.due_at),
            "citizen": first_name,
            "phone": phone,
        },
        "photos": shown_photos,
        "machines": [
            {"id": m.pk, "name": m.name, "plate": m.plate, "kind": str(m.get_kind_display())}
            for m in order.machines.all()
        ],
        "distance_m": distance,
        "failure_reasons": reasons.get(order.unit_id, []),
        "team": {"id": order.team_id, "name": order.team.name},
        "assignee": _person(order.assignee),
        "started_at": _iso(order.started_at),
        "arrived_at": _iso(order.arrived_at),
        "reported_at": _iso(order.finished_at),
        # The inspection report's page (kentmasa.field.inspections.may_write), else null.
        "inspection_url": reverse("field:office_inspection", args=[case.pk]) if may_inspect else None,
    }


def _origin(request: HttpRequest) -> tuple[float, float] | None:
    """The phone's position from ?lat=&lng= (both or neither); services.Refused when not a position."""
    lat, lng = request.GET.get("lat", ""), request.GET.get("lng", "")
    if not lat and not lng:
        return None
    return (
        float(services.degrees(edge.clean_text(lat), "lat", 90)),
        float(services.degrees(edge.clean_text(lng), "lng", 180)),
    )


def _teams_json(user: User, teams: list[Team]) -> list[dict[str, Any]]:
    shown = []
    for team in teams:
        leads = team.leader_id == user.pk
        entry: dict[str, Any] = {
            "id": team.pk,
            "name": team.name,
            "unit": team.unit.name,
            "status": team.status,
            "on_duty": services.on_duty(team),
            "leader": leads,
        }
        if leads:
            members = team.members.filter(is_active=True, role=User.Role.FIELD_TEAM).order_by(
                "first_name", "pk"
            )
            entry["members"] = [_person(member) for member in members[:100]]
        shown.append(entry)
    return shown


@field_api("GET")
def orders(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """GET /saha/api/isler/?lat=&lng=: today's work orders (and earlier ones still open), nearest first when
    the phone says where it is, else by priority and deadline."""
    try:
        origin = _origin(request)
    except services.Refused as refusal:
        return _refusal(refusal)
    now = timezone.now()
    today = timezone.localdate(now)
    found = list(
        services.todays_orders(user, now=now, limit=MAX_ORDERS).prefetch_related(
            Prefetch("machines", queryset=Machine.objects.order_by("name", "pk"))
        )
    )
    case_ids = {order.case_id for order in found}
    photos: dict[int, list[Attachment]] = {pk: [] for pk in case_ids}
    rows = (
        Attachment.objects.filter(case_id__in=case_ids, kind=Attachment.Kind.PHOTO)
        .select_related("work_order_photo")
        .order_by("created_at", "pk")[: MAX_ORDERS * PHOTOS_PER_ORDER]
    )
    for photo in rows:
        photos[photo.case_id].append(photo)
    reasons = services.active_failure_reasons(sorted({order.unit_id for order in found}))
    writable = inspections.writable_cases(user, case_ids)
    shown = [
        order_json(
            order,
            today=today,
            reasons=reasons,
            photos=photos[order.case_id],
            origin=origin,
            may_inspect=order.case_id in writable,
        )
        for order in found
    ]
    for order in found:  # KVKK access log: the citizen's name and phone reach the phone with each order
        if not services.hides_contact(order.case):
            note_read(request, what="work_order", case_id=order.case_id, citizen_id=order.case.citizen_id)
    if origin is not None:
        shown.sort(key=lambda o: (o["distance_m"] is None, o["distance_m"] or 0))
    get_token(request)  # the CSRF cookie, fresh, for the POSTs that follow (the app's shell may be cached)
    return reply(
        {
            "server_time": _iso(now),
            "teams": _teams_json(user, services.field_teams(user)),
            "work_orders": shown,
        }
    )


# -- the queue -----------------------------------------------------------------------------------------------


@field_api("POST", device=True)
def actions(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """POST /saha/api/eylem/ {"actions": [...]}: each action applied on its own (services.apply), one
    answer each in the same order; one bad action stops none of the others."""
    try:
        body = _json_body(request)
    except (edge.Malformed, RequestDataTooBig) as error:
        return _bad_body(error)
    queued = body.get("actions") if isinstance(body, dict) else None
    if not isinstance(queued, list):
        return problem(400, "actions", _("Send the actions as a list under “actions”."))
    if len(queued) > MAX_ACTIONS:
        return problem(400, "too_many", _("Send at most %(n)d actions at a time.") % {"n": MAX_ACTIONS})
    results = []
    for item in queued:
        try:
            results.append(services.apply(user, item, device=device))
        except Exception:  # one action's failure must not lose the answers of the others
            log.exception("field action failed")
            results.append(
                {
                    "id": services.shown_id(item.get("id")) if isinstance(item, dict) else None,
                    "outcome": "error",
                    "message": _("This action could not be recorded now; it stays in the queue."),
                    "work_order": None,
                    "code": "error",
                }
            )
    return reply({"results": results, "server_time": _iso(timezone.now())})


@field_api("POST", device=True)
def photo(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """POST /saha/api/foto/ (multipart: id, work_order, phase, taken_at, latitude, longitude, source,
    file): one photo, answered like an action."""
    try:
        fields, files = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
        return problem(400, "invalid", _("Send the photo as a multipart form."))
    uploaded = files.get("file")
    if uploaded is None:
        return reply(
            {
                "id": services.shown_id(fields.get("id")),
                "outcome": "refused",
                "message": _("No photo was sent."),
                "work_order": None,
                "code": "file",
            }
        )
    try:
        answer = services.add_photo(
            user,
            fields.get("work_order"),
            uploaded,
            client_id=fields.get("id"),
            phase=fields.get("phase"),
            taken_at=fields.get("taken_at"),
            latitude=fields.get("latitude"),
            longitude=fields.get("longitude"),
            source=fields.get("source") or "phone",
            device=device,
        )
    except Exception:
        log.exception("field photo failed")
        return problem(503, "error", _("The photo could not be saved now; it stays in the queue."))
    return reply(answer)


@field_api("POST", device=True)
def position(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """POST /saha/api/konum/ {latitude, longitude, accuracy, team?}: 204; 409 "off_duty" off duty."""
    try:
        body = _json_body(request)
    except (edge.Malformed, RequestDataTooBig) as error:
        return _bad_body(error)
    if not isinstance(body, dict):
        return _bad_body(edge.Malformed("not an object"))
    try:
        services.record_position(
            user,
            latitude=body.get("latitude"),
            longitude=body.get("longitude"),
            accuracy_m=body.get("accuracy"),
            team=body.get("team"),
        )
    except TransitionError as error:
        status = {"off_duty": 409, "no_team": 403, "team": 403, "forbidden": 403}.get(error.code, 400)
        return _refusal(error, status)
    return HttpResponse(status=204)


@field_api("POST")
def duty(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """POST /saha/api/durum/ {"status": "on_duty" | "off_duty", "team"?}: the team's duty."""
    try:
        body = _json_body(request)
    except (edge.Malformed, RequestDataTooBig) as error:
        return _bad_body(error)
    if not isinstance(body, dict):
        return _bad_body(edge.Malformed("not an object"))
    try:
        team = services.set_duty(user, body.get("status"), team=body.get("team"))
    except TransitionError as error:
        return _refusal(error, 403 if error.code in ("no_team", "team", "forbidden") else 400)
    return reply(
        {"team": {"id": team.pk, "name": team.name, "status": team.status, "on_duty": services.on_duty(team)}}
    )


# -- device keys ---------------------------------------------------------------------------------------------


def _device_json(device: DeviceToken) -> dict[str, Any]:
    return {
        "id": device.pk,
        "label": device.label,
        "created_at": _iso(device.created_at),
        "last_used_at": _iso(device.last_used_at),
        "revoked_at": _iso(device.revoked_at),
    }


@field_api("GET", "POST")
def devices(request: HttpRequest, user: User, device: DeviceToken | None) -> HttpResponse:
    """GET /saha/api/cihaz/: my device keys (never the keys themselves). POST {"label"}: a new key, shown in
    this answer only (201). Session only."""
    if request.method == "GET":
        mine = DeviceToken.objects.filter(user=user).order_by("-created_at", "-pk")[:50]
        return reply({"devices": [_device_json(d) for d in mine]})
    try:
        body = _json_body(request) if request.body else {}
    except (edge.Malformed, RequestDataTooBig) as error:
        return _bad_body(error)
    if not isinstance(body, dict):
        return _bad_body(edge.Malformed("not an object"))
    label = body.get("label", "")
    if not isinstance(label, str):
        return problem(400, "label", _("The device name must be text."))
    try:
        made, raw = services.issue_device(user, label)
    except TransitionError as error:
        return _refusal(error, 403)
    return reply({**_device_json(made), "token": raw}, 201)


@field_api("POST")
def revoke(request: HttpRequest, user: User, device: DeviceToken | None, pk: int) -> HttpResponse:
    """POST /saha/api/cihaz/<pk>/iptal/: revoke one of my device keys (again: no change)."""
    found = DeviceToken.objects.filter(pk=pk, user=user).first() if pk in edge.KEY_RANGE else None
    if found is None:
        return problem(404, "not_found", _("There is no such device."))
    revoked = services.revoke_device(found, actor=user)
    return reply(_device_json(revoked))
