"""The field side's domain functions: sending a work order, applying what a team's phone did, its photos,
its devices, its duty and position.

* ``send_work_order``: a unit sends field work on one of its cases to a team (and books machines). The
  timeline says so and the team's leader and members are told by name (notification "work_order").
* ``apply``: ONE action the phone queued (set out, arrived, a note, a call, done, not possible, another team
  needed, the leader's reassignment), idempotent by the id the phone made for it: the first time it is
  applied (or found to conflict, or refused) and the answer kept in ``FieldAction``; a resend, even two at
  once, gets that same answer back and changes nothing. A conflict is an action that was right on the phone
  but that the office overtook meanwhile (the work order was cancelled or given to another team, the case was
  transferred or closed): nothing is applied, and the user is told what happened.
* Reporting (done / not possible / another team) tells the unit (the case's assignee, else the unit's
  managers, kind "work_order_reported") and frees the machines; it never resolves the case: the unit does,
  through kentmasa.cases.services, where approvals apply.
* ``add_photo``: a before/after photo, idempotent by its id like an action. Its place and time are read from
  the photo's own EXIF data before the file is re-encoded without EXIF (kentmasa.cases.attachments), else
  taken from what the phone sent, and kept as data on the attachment.
* ``issue_device`` / ``device_user`` / ``revoke_device``: the phone's revocable key for sending its queue
  when its session has expired (only a hash kept, like directory.ApiToken).
* ``set_duty`` / ``record_position``: the team's status and position, through kentmasa.emergency.teams (one
  team status and position model for the police board and the field, in directory).

Every refusal is a ``TransitionError`` (translated message, code); nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from kentmasa.cases import attachments, services
from kentmasa.cases.models import ACTIVE_STATUSES, Attachment, Case, Channel
from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, TeamPosition, User
from kentmasa.field.models import (
    DeviceToken,
    FailureReason,
    FieldAction,
    Machine,
    WorkOrder,
    WorkOrderPhoto,
)
from kentmasa.lib import edge
from kentmasa.notify.rules import team_people, unit_managers
from kentmasa.notify.tell import shown_subject, tell

log = logging.getLogger(__name__)

R = User.Role
S = WorkOrder.Status
# Who may send a work order besides the case's own unit: the institution's administrators and operators.
SENDER_ROLES = frozenset({R.ADMINISTRATOR, R.OPERATOR})
MAX_MACHINES = 20
INSTRUCTIONS_LIMIT = 2000  # WorkOrder.instructions
NOTE_LIMIT = 2000  # a note on the timeline
REPORT_LIMIT = 4000  # WorkOrder.report
LABEL_LIMIT = 200  # DeviceToken.label
MAX_ACCURACY_M = 100_000
MICRO_DEGREE = Decimal("0.000001")
DEVICE_PREFIX = "kmd_"
DEVICE_TOUCH = dt.timedelta(minutes=1)
MAX_DEVICES = 20  # active device tokens per user; the oldest is revoked when a new one passes it
# What an action is: the phone's "kind" → what the timeline calls it.
ACTION_KINDS = ("set_out", "arrived", "note", "call", "done", "failed", "other_team", "reassign")
REPORTS = {"done": S.DONE, "failed": S.FAILED, "other_team": S.OTHER_TEAM}
# Actions that change the work order's course: refused as a conflict once it was reported or cancelled.
# A note, a call or a photo still goes onto a reported work order (the phone may send them after the report).
COURSE = frozenset({"set_out", "arrived", "done", "failed", "other_team", "reassign"})


# -- who -----------------------------------------------------------------------------------------------------


def field_teams(user: User | Any) -> list[Team]:
    """The active field teams ``user`` works in (a member, or its leader); none for anybody else."""
    if not isinstance(user, User) or not user.is_active or user.role != R.FIELD_TEAM:
        return []
    return list(
        Team.objects.filter(Q(members=user) | Q(leader=user), kind=Team.Kind.FIELD, active=True)
        .select_related("unit")
        .distinct()
        .order_by("name", "pk")
    )


def is_field_user(user: User | Any) -> bool:
    return bool(field_teams(user))


def in_team(user: object, team: Team) -> bool:
    """A field-team member of ``team`` or its leader, active."""
    if not isinstance(user, User) or not user.is_active or user.role != R.FIELD_TEAM:
        return False
    return team.leader_id == user.pk or team.members.filter(pk=user.pk).exists()


def may_send(user: User | Any, case: Case) -> bool:
    """Staff of the case's unit (or a manager above it), the institution's administrators and operators,
    a superuser."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.institution_id is None or user.institution_id != case.institution_id:
        return False
    if user.role in SENDER_ROLES:
        return True
    return user.role in User.UNIT_ROLES and case.unit_id in user.scoped_unit_ids


def stored_language() -> translation.override:
    """What is written down (timeline notes, notifications) is in the site's language, whatever the
    language of the request that caused it; answers to the request are in the request's."""
    return translation.override(settings.LANGUAGE_CODE)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


# -- sending a work order ------------------------------------------------------------------------------------


def send_work_order(
    case: Case,
    team: Team,
    *,
    actor: User,
    instructions: str = "",
    machines: Iterable[Machine | int] = (),
    day: dt.date | None = None,
    assignee: User | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Send field work on ``case`` to ``team`` (and book ``machines``); returns the work order.

    Refused (TransitionError, nothing written): a sender who may not, a case that is not active or has no
    unit, a team that is not an active field team of the case's institution or already has an open work
    order on it, a member to give it to who is not in the team, machines not of the institution or not
    available, instructions too long, a day in the past.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    day = day or today
    text = storable(instructions or "").strip()
    if len(text) > INSTRUCTIONS_LIMIT:
        raise TransitionError(
            _("The instructions may be at most %(limit)d characters long.") % {"limit": INSTRUCTIONS_LIMIT},
            "instructions",
        )
    if day < today or day > today + dt.timedelta(days=366):
        raise TransitionError(_("Choose a day from today on, within a year."), "day")
    try:
        wanted = sorted({m.pk if isinstance(m, Machine) else int(m) for m in machines})
    except (TypeError, ValueError):
        raise TransitionError(_("Choose machines of the institution."), "machines") from None
    if len(wanted) > MAX_MACHINES:
        raise TransitionError(
            _("A work order can book at most %(n)d machines.") % {"n": MAX_MACHINES}, "machines"
        )
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
        if not may_send(actor, locked):
            raise TransitionError(_("Only the case's unit may send a work order on it."), "forbidden")
        if locked.status not in ACTIVE_STATUSES:
            raise TransitionError(
                _("A work order can only be sent on an active case (this one is “%(status)s”).")
                % {"status": locked.get_status_display()},
                "case_status",
            )
        if locked.unit_id is None:
            raise TransitionError(_("The case has no unit yet: send it to a unit first."), "unit")
        crew = Team.objects.select_related("unit").filter(pk=team.pk).first()
        if (
            crew is None
            or not crew.active
            or crew.kind != Team.Kind.FIELD
            or crew.unit.institution_id != locked.institution_id
        ):
            raise TransitionError(_("Choose an active field team of the institution."), "team")
        if WorkOrder.objects.filter(case=locked, team=crew, status__in=WorkOrder.OPEN).exists():
            raise TransitionError(
                _("%(team)s already has an open work order on this case.") % {"team": crew.name}, "duplicate"
            )
        if assignee is not None and not in_team(assignee, crew):
            raise TransitionError(_("The person to give it to must be a member of the team."), "assignee")
        booked = list(
            Machine.objects.select_for_update(of=("self",)).filter(pk__in=wanted).select_related("unit")
        )
        if len(booked) != len(wanted) or any(m.unit.institution_id != locked.institution_id for m in booked):
            raise TransitionError(_("Choose machines of the institution."), "machines")
        busy = [m for m in booked if m.status != Machine.Status.AVAILABLE]
        if busy:
            raise TransitionError(
                _("Not available: %(machines)s.") % {"machines": ", ".join(str(m) for m in busy)}, "machines"
            )
        order = WorkOrder.objects.create(
            case=locked,
            team=crew,
            unit_id=locked.unit_id,
            institution_id=locked.institution_id,
            assignee=assignee,
            instructions=text,
            priority=locked.priority,
            scheduled_for=day,
            status=S.ASSIGNED,
            status_at=now,
            created_by=actor,
            created_at=now,
        )
        if booked:
            order.machines.set(booked)
            Machine.objects.filter(pk__in=wanted).update(status=Machine.Status.OUT, status_at=now)
        if locked.team_id is None:
            # The case's own team field, so that lists which show a case's team show this one.
            Case.objects.filter(pk=locked.pk, team__isnull=True).update(team=crew)
        with stored_language():
            _tell_team_sent(order, locked, booked, today)
    return order


def _tell_team_sent(order: WorkOrder, case: Case, booked: list[Machine], today: dt.date) -> None:
    """The timeline's line for a work order sent, and its team told (in the site's language)."""
    crew, assignee, day = order.team, order.assignee, order.scheduled_for
    parts = [_("Work order sent to %(team)s") % {"team": crew.name}]
    if assignee is not None:
        parts.append(_("person: %(person)s") % {"person": _name(assignee)})
    if day != today:
        parts.append(_("day: %(day)s") % {"day": day.strftime("%d.%m.%Y")})
    if booked:
        parts.append(_("machines: %(machines)s") % {"machines": ", ".join(str(m) for m in booked)})
    note = " · ".join(parts)
    if order.instructions:
        note = f"{note}\n{order.instructions}"
    services.record_event(
        case,
        "work_order",
        note=note,
        data={
            "work_order": order.pk,
            "team": crew.pk,
            "assignee": assignee.pk if assignee else None,
            "machines": [m.pk for m in booked],
            "day": day.isoformat(),
        },
        actor=order.created_by,
        now=order.created_at,
    )
    headline = _("New work order for %(team)s") % {"team": crew.name}
    tell(
        team_people(crew),
        "work_order",
        _text(headline, case),
        case=case,
        link=app_link(order),
        actor=order.created_by,
        now=order.created_at,
    )


def cancel_work_order(
    work_order: WorkOrder, *, actor: User, note: str = "", now: dt.datetime | None = None
) -> WorkOrder:
    """The unit takes an open work order back: its machines are freed, the team is told, the timeline says
    so. What the phone sends about it afterwards is a conflict ("cancelled")."""
    now = now or timezone.now()
    note = storable(note or "").strip()[:NOTE_LIMIT]
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=work_order.case_id)
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("team").get(pk=work_order.pk)
        if not may_send(actor, case):
            raise TransitionError(_("Only the case's unit may cancel its work orders."), "forbidden")
        if not order.is_open:
            raise TransitionError(
                _("The work order is “%(status)s” already.") % {"status": order.get_status_display()},
                "status",
            )
        order.status, order.status_at = S.CANCELLED, now
        order.cancel_reason = WorkOrder.CancelReason.UNIT
        order.save(update_fields=["status", "status_at", "cancel_reason"])
        _release_machines(order, now)
        with stored_language():
            text = _("Work order of %(team)s cancelled") % {"team": order.team.name}
            services.record_event(
                case,
                "work_order_cancelled",
                note=f"{text}\n{note}" if note else text,
                data={"work_order": order.pk, "team": order.team_id},
                actor=actor,
                now=now,
            )
            tell(
                team_people(order.team),
                "work_order",
                _text(text, case),
                case=case,
                link=app_link(order),
                actor=actor,
                now=now,
            )
    return order


def overtaken_reason(order: WorkOrder, case: Case) -> str | None:
    """Why the case overtook this open work order: it moved to another unit or institution (CASE_MOVED) or
    is no longer active: resolved, closed, rejected, redirected, merged (CASE_CLOSED); None if it did not."""
    if case.institution_id != order.institution_id or case.unit_id != order.unit_id:
        return WorkOrder.CancelReason.CASE_MOVED
    if order.kind == WorkOrder.Kind.INSPECTION:
        # The Derman loop (kentmasa.field.derman) inspects answered cases too: only a merge ends it.
        return WorkOrder.CancelReason.CASE_CLOSED if case.merged_into_id is not None else None
    if case.status not in ACTIVE_STATUSES:
        return WorkOrder.CancelReason.CASE_CLOSED
    return None


def cancel_overtaken(case_id: int, *, now: dt.datetime | None = None) -> list[WorkOrder]:
    """The open work orders of a case that moved (another unit or institution) or finished, cancelled with
    the reason (WorkOrder.cancel_reason), their machines freed, the timeline told ("work_order_cancelled"),
    and the team told by name: the leader, the members and the member it was given to (notify kind
    "work_order"). Called after each of the case's events (kentmasa.field.signals); idempotent: a work
    order already cancelled is left alone, so two events at once cancel it once."""
    open_orders = WorkOrder.objects.filter(case_id=case_id, status__in=WorkOrder.OPEN).select_related("case")
    if not any(overtaken_reason(order, order.case) for order in open_orders):
        return []
    now = now or timezone.now()
    cancelled = []
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("unit", "institution").get(pk=case_id)
        )
        locked = (
            WorkOrder.objects.select_for_update(of=("self",))
            .filter(case_id=case_id, status__in=WorkOrder.OPEN)
            .select_related("team", "assignee")
            .order_by("pk")
        )
        for order in locked:
            reason = overtaken_reason(order, case)
            if reason is None:
                continue
            order.status, order.status_at, order.cancel_reason = S.CANCELLED, now, reason
            order.save(update_fields=["status", "status_at", "cancel_reason"])
            _release_machines(order, now)
            with stored_language():
                if reason == WorkOrder.CancelReason.CASE_MOVED:
                    where = case.unit.name if case.unit else case.institution.name
                    text = _("Work order of %(team)s cancelled: the case moved to %(where)s") % {
                        "team": order.team.name,
                        "where": where,
                    }
                else:
                    text = _("Work order of %(team)s cancelled: the case is “%(status)s”") % {
                        "team": order.team.name,
                        "status": case.get_status_display(),
                    }
                services.record_event(
                    case,
                    "work_order_cancelled",
                    note=text,
                    data={"work_order": order.pk, "team": order.team_id, "reason": str(reason)},
                    now=now,
                )
                people = team_people(order.team)
                if order.assignee is not None:
                    people.append(order.assignee)
                tell(people, "work_order", _text(text, case), case=case, link=app_link(order), now=now)
            cancelled.append(order)
    return cancelled


def _release_machines(order: WorkOrder, now: dt.datetime) -> None:
    """The order's machines that are out and booked by no other open work order are available again."""
    others = WorkOrder.objects.filter(status__in=WorkOrder.OPEN).exclude(pk=order.pk)
    free = (
        Machine.objects.filter(work_orders=order, status=Machine.Status.OUT)
        .exclude(work_orders__in=others)
        .values_list("pk", flat=True)
    )
    Machine.objects.filter(pk__in=list(free)).update(status=Machine.Status.AVAILABLE, status_at=now)


def app_link(order: WorkOrder) -> str:
    """Where the phone app opens the work order (kentmasa.field app: the shell reads the fragment)."""
    return f"/saha/#is/{order.pk}"


def _text(headline: str, case: Case) -> str:
    """ "Yeni iş emri: 26-0001234-7 Sokakta çukur var" (a KADES case never shows its subject)."""
    return f"{headline}: {case.tracking_display} {shown_subject(case)}"


# -- the phone's actions -------------------------------------------------------------------------------------


@dataclass
class Refused(Exception):
    """Bad input in an action: answered with outcome "refused", nothing changed."""

    message: str
    code: str = "invalid"


@dataclass
class Conflict(Exception):
    """Overtaken by the office meanwhile: answered with outcome "conflict", nothing applied."""

    message: str
    code: str = "conflict"


def order_state(order: WorkOrder | None) -> dict[str, Any] | None:
    """What an answer says of the work order now."""
    if order is None:
        return None
    return {
        "id": order.pk,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "assignee": order.assignee_id,
        "reported_at": timezone.localtime(order.finished_at).isoformat() if order.finished_at else None,
    }


def _answer(
    client_id: object, outcome: str, message: str, order: WorkOrder | None, code: str = "", **more: Any
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": client_id,
        "outcome": outcome,
        "message": message,
        "work_order": order_state(order),
    }
    if code:
        answer["code"] = code
    answer.update(more)
    return answer


def client_uuid(value: object) -> uuid.UUID | None:
    """The id the phone made for an action: a UUID in its text form, else None."""
    if not isinstance(value, str) or not 32 <= len(value) <= 45 or edge.NUL in value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def shown_id(value: object) -> object:
    """An id as the answer repeats it (bounded: a refused id may be anything)."""
    if isinstance(value, str):
        return storable(value)[:64]
    if isinstance(value, int) and not isinstance(value, bool) and value in edge.KEY_RANGE:
        return value
    return None


def key(value: object) -> int | None:
    """A database key (1 … 2^63-1) from JSON: an integer or its digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if 0 < value < 2**63 else None


def phone_time(value: object, now: dt.datetime) -> dt.datetime:
    """The phone's ISO 8601 time of an action; believed inside the plausible window (edge.plausible_time),
    else the receipt time (a phone whose clock was reset still has its work kept). Not a time: Refused."""
    if value is None or value == "":
        return now
    if not isinstance(value, str) or len(value) > 40:
        raise Refused(_("The time must be given as ISO 8601 text."), "at")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except (ValueError, OverflowError):
        raise Refused(_("The time must be given as ISO 8601 text."), "at") from None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            return now
    return edge.plausible_time(moment, now=now)


def degrees(value: object, field: str, limit: int) -> Decimal:
    """A latitude (limit 90) or longitude (180) to the micro-degree; Refused for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Refused(_("Give the position as a number of degrees."), field)
    try:
        number = Decimal(str(value).strip()[:40])
    except (InvalidOperation, ValueError):
        raise Refused(_("Give the position as a number of degrees."), field) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise Refused(_("The position is out of range."), field)
    return number.quantize(MICRO_DEGREE)


def accuracy(value: object) -> int | None:
    """Metres (0 … 100 km), None when not given; Refused for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Refused(_("The accuracy must be a number of metres."), "accuracy")
    try:
        number = Decimal(str(value).strip()[:40])
    except (InvalidOperation, ValueError):
        raise Refused(_("The accuracy must be a number of metres."), "accuracy") from None
    if not number.is_finite() or not 0 <= number <= MAX_ACCURACY_M:
        raise Refused(_("The accuracy must be a number of metres."), "accuracy")
    return int(number.to_integral_value())


def storable(text: str) -> str:
    """Text as a database holds it: without NUL and lone surrogates (JSON's "\\ud800" gives one)."""
    text = edge.clean_text(text)
    if text.isascii():
        return text
    return text.encode("utf-8", "ignore").decode("utf-8")


def _text_of(action: dict, limit: int, *, required: bool = False) -> str:
    value = action.get("text", "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(_("The note must be text."), "text")
    text = storable(value).strip()
    if len(text) > limit:
        raise Refused(_("The note may be at most %(limit)d characters long.") % {"limit": limit}, "text")
    if required and not text:
        raise Refused(_("Please write a note for this action."), "text")
    return text


def apply(
    user: User, action: object, *, device: DeviceToken | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Apply one queued action of the phone and return its answer (see the module's docstring).

    The answer is kept under (user, the action's id): a resend gets it back unchanged. An action without a
    usable id cannot be kept and is refused every time.
    """
    now = now or timezone.now()
    if not isinstance(action, dict):
        return _answer(
            None, FieldAction.Outcome.REFUSED, _("An action must be a JSON object."), None, "invalid"
        )
    client_id = client_uuid(action.get("id"))
    if client_id is None:
        return _answer(
            shown_id(action.get("id")),
            FieldAction.Outcome.REFUSED,
            _("The action has no valid id (a UUID made on the phone)."),
            None,
            "id",
        )
    kind = action.get("kind")
    stored_kind = kind if isinstance(kind, str) and kind in ACTION_KINDS else "unknown"
    return _once(user, client_id, stored_kind, now, device, lambda row: _apply_action(user, action, row, now))


def _once(
    user: User,
    client_id: uuid.UUID,
    kind: str,
    now: dt.datetime,
    device: DeviceToken | None,
    work: Callable[[FieldAction], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``work`` once for (user, client_id): the ledger row is claimed first, in the same transaction as
    the work, so a second copy sent at the same time waits on it and then reads the first one's answer."""
    kept = FieldAction.objects.filter(user=user, client_id=client_id).only("answer").first()
    if kept is not None:
        return dict(kept.answer)
    try:
        with transaction.atomic():
            row = FieldAction.objects.create(
                user=user,
                client_id=client_id,
                kind=kind,
                done_at=now,
                received_at=now,
                device=device,
                outcome=FieldAction.Outcome.REFUSED,
                answer={},
            )
            answer = work(row)
            row.outcome = answer["outcome"]
            row.answer = answer
            row.save()
    except IntegrityError:
        kept = FieldAction.objects.filter(user=user, client_id=client_id).only("answer").first()
        if kept is None:
            raise
        return dict(kept.answer)
    return answer


def _apply_action(user: User, action: dict, row: FieldAction, now: dt.datetime) -> dict[str, Any]:
    """Inside _once's transaction: the action applied, or its conflict or refusal as an answer (a refusal or
    conflict leaves nothing but the ledger row: what was changed before it is rolled back)."""
    client_id = str(row.client_id)
    order: WorkOrder | None = None
    try:
        with transaction.atomic():
            kind = action.get("kind")
            if not isinstance(kind, str) or kind not in ACTION_KINDS:
                raise Refused(_("Unknown action."), "kind")
            at = phone_time(action.get("at"), now)
            row.done_at = at
            order, case = _locked_order(user, action.get("work_order"))
            row.work_order, row.case = order, case
            _check_current(user, order, case, kind)
            at = min(max(at, order.created_at), now)  # not before it was sent, not after it was received
            row.done_at = at
            message = ACTIONS[kind](user, order, case, action, at, now)
            return _answer(client_id, FieldAction.Outcome.APPLIED, message, order)
    except Refused as refusal:
        return _answer(client_id, FieldAction.Outcome.REFUSED, refusal.message, _fresh(order), refusal.code)
    except Conflict as conflict:
        return _answer(
            client_id, FieldAction.Outcome.CONFLICT, conflict.message, _fresh(order), conflict.code
        )
    except TransitionError as error:
        return _answer(client_id, FieldAction.Outcome.REFUSED, error.message, _fresh(order), error.code)


def _fresh(order: WorkOrder | None) -> WorkOrder | None:
    """The work order as committed, after a rolled-back attempt may have changed the object in memory."""
    if order is None:
        return None
    return WorkOrder.objects.filter(pk=order.pk).first()


def _locked_order(user: User, value: object) -> tuple[WorkOrder, Case]:
    """The work order an action names and its case, both locked (the case first, as every domain function
    of kentmasa.cases locks it, so a transfer and an action never wait on each other the wrong way round)."""
    pk = key(value)
    missing = Refused(_("There is no such work order."), "work_order")
    if pk is None:
        raise missing
    found = WorkOrder.objects.filter(pk=pk).values_list("case_id", "institution_id").first()
    if found is None or (not user.is_superuser and found[1] != user.institution_id):
        raise missing
    case = Case.objects.select_for_update(of=("self",)).select_related("unit", "institution").get(pk=found[0])
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("team", "unit", "assignee")
        .get(pk=pk)
    )
    return order, case


def _check_current(user: User, order: WorkOrder, case: Case, kind: str) -> None:
    """Conflict when the office overtook the phone: the work order cancelled or given to another team, the
    case moved to another unit or institution, finished, or the work order already reported."""
    if order.status == S.CANCELLED and order.cancel_reason == WorkOrder.CancelReason.CASE_CLOSED:
        raise Conflict(
            _("The case is “%(status)s” now; nothing was recorded.") % {"status": case.get_status_display()},
            "case_closed",
        )
    if order.status == S.CANCELLED and order.cancel_reason != WorkOrder.CancelReason.CASE_MOVED:
        raise Conflict(_("The unit cancelled this work order meanwhile; nothing was recorded."), "cancelled")
    if not in_team(user, order.team):
        if not field_teams(user):
            raise Refused(_("Only field-team members may send field actions."), "forbidden")
        raise Conflict(
            _("The work order was given to another team (%(team)s) meanwhile; nothing was recorded.")
            % {"team": order.team.name},
            "other_team",
        )
    if case.institution_id != order.institution_id:
        raise Conflict(
            _("The case was transferred to another institution meanwhile; nothing was recorded."),
            "transferred",
        )
    if case.unit_id != order.unit_id:
        unit = case.unit.name if case.unit else _("no unit")
        raise Conflict(
            _("The case was transferred to another unit (%(unit)s) meanwhile; nothing was recorded.")
            % {"unit": unit},
            "transferred",
        )
    if order.status == S.CANCELLED:  # overtaken by a move that was undone since: cancelled all the same
        raise Conflict(_("The unit cancelled this work order meanwhile; nothing was recorded."), "cancelled")
    if kind not in COURSE:
        return
    if case.status not in ACTIVE_STATUSES:
        raise Conflict(
            _("The case is “%(status)s” now; nothing was recorded.") % {"status": case.get_status_display()},
            "case_closed",
        )
    if not order.is_open:
        status = order.get_status_display()
        if order.finished_by_id:
            message = _(
                "%(person)s already reported the work order as “%(status)s”; nothing was recorded."
            ) % {"person": _name(order.finished_by), "status": status}
        else:
            message = _("The work order was already reported as “%(status)s”; nothing was recorded.") % {
                "status": status
            }
        raise Conflict(message, "reported")


# Each action: (user, locked order, locked case, the action, the phone's time, now) → the answer's message.
Action = Callable[[User, WorkOrder, Case, dict, dt.datetime, dt.datetime], str]


def _event(
    case: Case, name: str, order: WorkOrder, user: User, at: dt.datetime, note: str, **data: Any
) -> None:
    services.record_event(
        case,
        name,
        note=note,
        data={"work_order": order.pk, "team": order.team_id, **data},
        actor=user,
        now=at,
    )


def _set_out(
    user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime
) -> str:
    fields = []
    if order.status == S.ASSIGNED:
        order.status, order.status_at = S.EN_ROUTE, now
        fields += ["status", "status_at"]
    if order.started_at is None:
        order.started_at = at
        fields.append("started_at")
    if fields:
        order.save(update_fields=fields)
    with stored_language():
        _event(case, "work_order_set_out", order, user, at, _("%(team)s set out") % {"team": order.team.name})
    return _("Recorded: on the way.")


def _arrived(
    user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime
) -> str:
    lat = lon = None
    if action.get("latitude") is not None or action.get("longitude") is not None:
        lat = degrees(action.get("latitude"), "latitude", 90)
        lon = degrees(action.get("longitude"), "longitude", 180)
    metres = accuracy(action.get("accuracy"))
    fields = []
    if order.status != S.ON_SITE:
        order.status, order.status_at = S.ON_SITE, now
        fields += ["status", "status_at"]
    if order.started_at is None:
        order.started_at = at
        fields.append("started_at")
    if order.arrived_at is None:
        order.arrived_at = at
        order.arrived_latitude, order.arrived_longitude, order.arrived_accuracy_m = lat, lon, metres
        fields += ["arrived_at", "arrived_latitude", "arrived_longitude", "arrived_accuracy_m"]
    if fields:
        order.save(update_fields=fields)
    with stored_language():
        note = _("%(team)s arrived") % {"team": order.team.name}
    place: dict[str, Any] = {}
    if lat is not None and lon is not None:
        place = {"latitude": str(lat), "longitude": str(lon), "accuracy_m": metres}
        note += f" ({lat}, {lon}" + (f" ±{metres} m)" if metres is not None else ")")
    _event(case, "work_order_arrived", order, user, at, note, **place)
    return _("Recorded: on site.")


def _note(user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime) -> str:
    text = _text_of(action, NOTE_LIMIT, required=True)
    _event(case, "work_order_note", order, user, at, text)
    return _("Note recorded.")


def _call(user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime) -> str:
    with stored_language():
        note = _("%(person)s called the citizen") % {"person": _name(user)}
    _event(case, "work_order_call", order, user, at, note)
    return _("Call recorded.")


def _report(user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime) -> str:
    kind = action["kind"]
    status = REPORTS[kind]
    text = _text_of(action, REPORT_LIMIT, required=kind == "other_team")
    reason = None
    if kind == "failed":
        reason_pk = key(action.get("reason"))
        reason = (
            FailureReason.objects.filter(pk=reason_pk, unit_id=order.unit_id, active=True).first()
            if reason_pk is not None
            else None
        )
        if reason is None:
            raise Refused(_("Choose a reason from the unit's list."), "reason")
    order.status, order.status_at = status, now
    order.finished_at, order.finished_by, order.report, order.failure_reason = at, user, text, reason
    order.save(
        update_fields=["status", "status_at", "finished_at", "finished_by", "report", "failure_reason"]
    )
    _release_machines(order, now)
    with stored_language():
        headline = {
            "done": _("%(team)s completed the work order"),
            "failed": _("%(team)s could not do the work order"),
            "other_team": _("%(team)s reports that another team is needed"),
        }[kind] % {"team": order.team.name}
        lines = [headline]
        if reason is not None:
            lines.append(_("Reason: %(reason)s") % {"reason": reason.text})
    if text:
        lines.append(text)
    _event(
        case,
        f"work_order_{kind}",
        order,
        user,
        at,
        "\n".join(lines),
        reason=reason.pk if reason else None,
    )
    _tell_unit(order, case, headline, user, now)
    messages = {
        "done": _("Reported to the unit: completed. The unit resolves the case."),
        "failed": _("Reported to the unit: could not be done."),
        "other_team": _("Reported to the unit: another team is needed."),
    }
    return messages[kind]


def _tell_unit(order: WorkOrder, case: Case, headline: str, actor: User, now: dt.datetime) -> None:
    """The case's assignee, else the unit's managers, by name (the timeline names them); nobody to tell is
    written on the timeline too, so the report is never silently lost."""
    with stored_language():
        people = [case.assignee] if case.assignee_id and case.assignee and case.assignee.is_active else []
        if not people:
            people = unit_managers(order.unit)
        told = tell(
            people,
            "work_order_reported",
            _text(headline, case),
            case=case,
            link=_case_link(case),
            actor=actor,
            now=now,
        )
        if not told:
            services.record_event(
                case,
                "notified",
                note=_("%(headline)s; the case has no assignee and the unit no manager to tell.")
                % {"headline": headline},
                data={"kind": "work_order_reported", "users": [], "notifications": []},
                now=now,
            )


def _case_link(case: Case) -> str:
    return reverse("cases:detail", args=[case.tracking_number]) if case.tracking_number else ""


def _reassign(
    user: User, order: WorkOrder, case: Case, action: dict, at: dt.datetime, now: dt.datetime
) -> str:
    if order.team.leader_id != user.pk:
        raise Refused(_("Only the team leader may give the work order to another member."), "forbidden")
    value = action.get("assignee")
    person = None
    if value is not None:
        pk = key(value)
        person = User.objects.filter(pk=pk).first() if pk is not None else None
        if person is None or not in_team(person, order.team):
            raise Refused(_("Choose a member of the team."), "assignee")
    if (person.pk if person else None) == order.assignee_id:
        return _("Nothing to change: the work order is already given so.")
    order.assignee = person
    order.save(update_fields=["assignee"])
    with stored_language():
        if person is None:
            note = _("Work order given to the whole team %(team)s") % {"team": order.team.name}
        else:
            note = _("Work order given to %(person)s") % {"person": _name(person)}
        _event(case, "work_order_reassigned", order, user, at, note, assignee=person.pk if person else None)
        people = [person] if person is not None else team_people(order.team)
        tell(people, "work_order", _text(note, case), case=case, link=app_link(order), actor=user, now=now)
    return _("Work order reassigned.")


ACTIONS: dict[str, Action] = {
    "set_out": _set_out,
    "arrived": _arrived,
    "note": _note,
    "call": _call,
    "done": _report,
    "failed": _report,
    "other_team": _report,
    "reassign": _reassign,
}


# -- photos --------------------------------------------------------------------------------------------------


@dataclass
class PhotoPlace:
    """What a photo's own EXIF data says of where and when it was taken."""

    latitude: Decimal | None = None
    longitude: Decimal | None = None
    taken_at: dt.datetime | None = None


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        numerator, denominator = value
        return float(numerator) / float(denominator)
    return float(value)


def _dms(values: Any, ref: Any, negative: str, limit: int) -> Decimal | None:
    """EXIF degrees, minutes, seconds and the hemisphere letter → signed decimal degrees, or None."""
    try:
        d, m, s = (_ratio(v) for v in values)
        number = d + m / 60 + s / 3600
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if str(ref or "").strip().upper().startswith(negative):
        number = -number
    try:
        result = Decimal(repr(number))
    except InvalidOperation:
        return None
    if not result.is_finite() or not -limit <= result <= limit:
        return None
    return result.quantize(MICRO_DEGREE)


GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
OFFSET_TIME_ORIGINAL = 36881


def read_photo_place(data: bytes) -> PhotoPlace:
    """The GPS position and the time the photo was taken, from its EXIF data, as far as it holds them.

    Read from the bytes as they came, before kentmasa.cases.attachments re-encodes them without EXIF.
    Anything unreadable is simply not there: this never refuses a photo.
    """
    place = PhotoPlace()
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            gps = exif.get_ifd(GPS_IFD)
            details = exif.get_ifd(EXIF_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return place
    except Exception:  # a malformed EXIF block may fail anywhere in its parser: then it has no place
        log.info("unreadable EXIF data in a field photo", exc_info=True)
        return place
    if gps:
        lat = _dms(gps.get(2), gps.get(1), "S", 90) if gps.get(2) else None
        lon = _dms(gps.get(4), gps.get(3), "W", 180) if gps.get(4) else None
        if lat is not None and lon is not None and not (lat == 0 and lon == 0):
            place.latitude, place.longitude = lat, lon
    original = details.get(DATETIME_ORIGINAL) if details else None
    if isinstance(original, str):
        try:
            # Naive as EXIF keeps it; the offset (or the site's time zone) makes it aware just below.
            moment = dt.datetime.strptime(original.strip()[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
            offset = details.get(OFFSET_TIME_ORIGINAL)
            if isinstance(offset, str) and len(offset.strip()) == 6:
                moment = dt.datetime.fromisoformat(moment.isoformat() + offset.strip())
            else:
                moment = timezone.make_aware(moment)  # a camera keeps local time: the institution's
            place.taken_at = moment
        except (ValueError, OverflowError):
            pass
    return place


PHOTO_TYPES = frozenset(
    mime for mime, (kind, _limit) in attachments.ACCEPTED.items() if kind == Attachment.Kind.PHOTO
)
PHOTO_LIMIT = max(limit for mime, (_kind, limit) in attachments.ACCEPTED.items() if mime in PHOTO_TYPES)


def add_photo(
    user: User,
    work_order: object,
    file: UploadedFile | bytes,
    *,
    client_id: object,
    phase: object,
    taken_at: object = None,
    latitude: object = None,
    longitude: object = None,
    source: object = "phone",
    device: DeviceToken | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Store one before/after photo the phone took on a work order; the answer is like ``apply``'s, and
    idempotent by ``client_id`` in the same way (a resend stores no second photo).

    The photo's place and time: its own EXIF GPS position and time when it has them (read before the file
    is re-encoded without EXIF), else the position and time the phone sent (``source`` "photo" when the
    phone read them from the photo itself, "phone" when it took its own position at capture).
    """
    now = now or timezone.now()
    uid = client_uuid(client_id)
    if uid is None:
        return _answer(
            shown_id(client_id),
            FieldAction.Outcome.REFUSED,
            _("The photo has no valid id (a UUID made on the phone)."),
            None,
            "id",
        )

    def work(row: FieldAction) -> dict[str, Any]:
        order: WorkOrder | None = None
        try:
            with transaction.atomic():
                if phase not in WorkOrderPhoto.Phase.values:
                    raise Refused(_("Say whether the photo is from before or after the work."), "phase")
                data = _photo_bytes(file)
                at = phone_time(taken_at, now)
                row.done_at = at
                order, case = _locked_order(user, work_order)
                row.work_order, row.case = order, case
                _check_current(user, order, case, "photo")
                lat = lon = None
                if latitude not in (None, "") or longitude not in (None, ""):
                    lat = degrees(latitude, "latitude", 90)
                    lon = degrees(longitude, "longitude", 180)
                told_source = source if source in ("photo", "phone") else "phone"
                own = read_photo_place(data)
                if own.latitude is not None and own.longitude is not None:
                    lat, lon, told_source = own.latitude, own.longitude, "photo"
                if own.taken_at is not None and edge.is_plausible(own.taken_at, now=now):
                    at = own.taken_at
                row.done_at = at
                with stored_language():
                    label = str(WorkOrderPhoto.Phase(phase).label)
                    note = _("%(team)s: photo (%(phase)s)") % {
                        "team": order.team.name,
                        "phase": label.lower(),
                    }
                event = services.record_event(
                    case,
                    "work_order_photo",
                    note=note,
                    data={"work_order": order.pk, "team": order.team_id, "phase": phase},
                    actor=user,
                    now=min(max(at, order.created_at), now),
                )
                try:
                    stored = attachments.add_attachment(
                        case, data, actor=user, public=True, event=event, name=f"{phase}.jpg"
                    )
                except ValidationError as error:
                    raise Refused(" ".join(str(m) for m in error.messages), error.code or "file") from None
                stored.taken_at = at
                stored.latitude, stored.longitude = lat, lon
                stored.position_source = told_source if lat is not None else ""
                stored.save(update_fields=["taken_at", "latitude", "longitude", "position_source"])
                WorkOrderPhoto.objects.create(work_order=order, attachment=stored, phase=phase)
                return _answer(
                    str(uid),
                    FieldAction.Outcome.APPLIED,
                    _("Photo saved."),
                    order,
                    attachment=stored.pk,
                )
        except Refused as refusal:
            return _answer(
                str(uid), FieldAction.Outcome.REFUSED, refusal.message, _fresh(order), refusal.code
            )
        except Conflict as conflict:
            return _answer(
                str(uid), FieldAction.Outcome.CONFLICT, conflict.message, _fresh(order), conflict.code
            )

    return _once(user, uid, "photo", now, device, work)


def _photo_bytes(file: UploadedFile | bytes) -> bytes:
    """The upload's bytes, when it is a photo of an accepted type within the limit; else Refused."""
    size = len(file) if isinstance(file, bytes) else file.size
    if size is not None and size > PHOTO_LIMIT:
        raise Refused(
            _("The file is larger than %(limit)d MB.") % {"limit": PHOTO_LIMIT // attachments.MB}, "file_size"
        )
    data = file if isinstance(file, bytes) else file.read(PHOTO_LIMIT + 1)
    if not data:
        raise Refused(_("The file is empty."), "empty")
    if len(data) > PHOTO_LIMIT:
        raise Refused(
            _("The file is larger than %(limit)d MB.") % {"limit": PHOTO_LIMIT // attachments.MB}, "file_size"
        )
    guessed = filetype.guess(data)
    if guessed is None or guessed.mime not in PHOTO_TYPES:
        raise Refused(_("Send a photo (JPEG, PNG or WebP)."), "file_type")
    return data


# -- device tokens -------------------------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_device(
    user: User, label: object = "", *, now: dt.datetime | None = None
) -> tuple[DeviceToken, str]:
    """A new device token for ``user``'s phone; returns the row and the raw token (shown once, never kept).
    A user keeps at most MAX_DEVICES active ones: the oldest beyond that is revoked."""
    if not is_field_user(user):
        raise TransitionError(_("Only field-team members get a device key."), "forbidden")
    now = now or timezone.now()
    text = storable(label if isinstance(label, str) else "").strip()[:LABEL_LIMIT]
    raw = DEVICE_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        device = DeviceToken.objects.create(user=user, label=text, key_hash=_hash(raw), created_at=now)
        active = DeviceToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at", "-pk")
        stale = list(active.values_list("pk", flat=True)[MAX_DEVICES:])
        if stale:
            DeviceToken.objects.filter(pk__in=stale).update(revoked_at=now)
    return device, raw


def device_user(raw: object, *, now: dt.datetime | None = None) -> tuple[User, DeviceToken] | None:
    """The active user and device a raw device token belongs to; None for anything else (unknown, revoked,
    the user switched off). Looked up by hash only."""
    if not isinstance(raw, str) or not raw.startswith(DEVICE_PREFIX) or len(raw) > 100:
        return None
    device = (
        DeviceToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if device is None or not device.user.is_active:
        return None
    now = now or timezone.now()
    if device.last_used_at is None or now - device.last_used_at >= DEVICE_TOUCH:
        DeviceToken.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now
    return device.user, device


def revoke_device(device: DeviceToken, *, actor: User, now: dt.datetime | None = None) -> DeviceToken:
    """The user's own device (or any, by a superuser or an administrator of their institution); revoking
    again changes nothing."""
    owner = device.user
    allowed = actor.is_active and (
        actor.pk == owner.pk
        or actor.is_superuser
        or (actor.role == R.ADMINISTRATOR and actor.institution_id == owner.institution_id)
    )
    if not allowed:
        raise TransitionError(_("You may only revoke your own devices."), "forbidden")
    now = now or timezone.now()
    DeviceToken.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=now)
    device.refresh_from_db()
    return device


# -- duty and position ---------------------------------------------------------------------------------------

ON_DUTY, OFF_DUTY = "on_duty", "off_duty"


def team_of(user: User, team: object = None) -> Team:
    """The field team an action of ``user`` is for: the one named (by key), else their first."""
    mine = field_teams(user)
    if not mine:
        raise TransitionError(_("You are not a member of any field team."), "no_team")
    if team is None or team == "":
        return mine[0]
    pk = key(team.pk if isinstance(team, Team) else team)
    chosen = next((t for t in mine if t.pk == pk), None)
    if chosen is None:
        raise TransitionError(_("You are not a member of that team."), "team")
    return chosen


def on_duty(team: Team) -> bool:
    return team.status != Team.Status.OFF_DUTY


def set_duty(user: User, status: object, *, team: object = None) -> Team:
    """On duty (the team available) or off duty, set from a member's phone."""
    from kentmasa.emergency import teams as team_status

    if status not in (ON_DUTY, OFF_DUTY):
        raise TransitionError(_("The status must be “on_duty” or “off_duty”."), "status")
    crew = team_of(user, team)
    if status == ON_DUTY and on_duty(crew):
        return crew
    wanted = Team.Status.AVAILABLE if status == ON_DUTY else Team.Status.OFF_DUTY
    return team_status.set_status(crew, wanted, actor=user)


def record_position(
    user: User,
    *,
    latitude: object,
    longitude: object,
    accuracy_m: object = None,
    team: object = None,
    at: dt.datetime | None = None,
) -> TeamPosition:
    """The phone's position for its team while on duty (kentmasa.emergency.teams.record_position: the team's
    last position, kept a while, and the live "team" event). Off duty: refused ("off_duty"), nothing kept."""
    from kentmasa.emergency import teams as team_status

    crew = team_of(user, team)
    if not on_duty(crew):
        raise TransitionError(_("The team is off duty: no position is sent."), "off_duty")
    return team_status.record_position(
        crew, latitude=latitude, longitude=longitude, accuracy_m=accuracy_m, at=at, actor=user
    )


# -- the day's work orders -----------------------------------------------------------------------------------


def todays_orders(user: User, *, now: dt.datetime | None = None, limit: int = 200) -> QuerySet[WorkOrder]:
    """The work orders the phone lists: of the user's field teams, today's (whatever became of them, except
    cancelled) and the open ones of earlier days; given to the user or to the whole team (a leader: all of
    the team's); only while the case is still with the unit that sent them. Highest priority and earliest
    deadline first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = field_teams(user)
    led = [t.pk for t in mine if t.leader_id == user.pk]
    return (
        WorkOrder.objects.filter(team__in=mine)
        .filter(
            Q(scheduled_for=today) & ~Q(status=S.CANCELLED)
            | Q(scheduled_for__lt=today, status__in=WorkOrder.OPEN)
        )
        .filter(Q(team__in=led) | Q(assignee=user) | Q(assignee__isnull=True))
        .filter(case__unit_id=F("unit_id"), case__institution_id=F("institution_id"))
        .select_related("case", "case__category", "case__citizen", "case__institution", "team", "assignee")
        .order_by("-priority", "case__due_at", "scheduled_for", "pk")[:limit]
    )


def hides_contact(case: Case) -> bool:
    """A KADES alert or any case of a police directorate: the team never gets the person's name or phone."""
    return case.channel == Channel.KADES or case.institution.kind == Institution.Kind.POLICE


def citizen_contact(case: Case) -> tuple[str | None, str | None]:
    """(first name, phone for a tel: link) of the case's citizen as the phone may show them; None each
    when there is none or it must not be shown."""
    if hides_contact(case) or case.citizen_id is None or case.citizen is None:
        return None, None
    words = (case.citizen.name or "").split()
    return (words[0] if words else None), (case.citizen.phone or None)


def active_failure_reasons(unit_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in unit_ids}
    for reason in FailureReason.objects.filter(unit_id__in=unit_ids, active=True).order_by("position", "pk"):
        found[reason.unit_id].append({"id": reason.pk, "text": reason.text})
    return found
