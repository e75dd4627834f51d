"""Asking citizens after resolution: who is asked and how, recording the call, the rating link, the figures.

* ``on_resolved`` (called in the resolve's own transaction, kentmasa.feedback.signals) puts the resolved case
  on the feedback operator's call list, or asks the citizen by a rating link (SMS or e-mail), as the
  service's rule (else the institution's) says: every case, a share chosen by the case's id (the same
  cases every time), or none. Never a KADES case or an anonymous tip-off, never anybody without a contact.
* ``record_call``: how the call went. Satisfied: the case is closed. Not satisfied (with the reason): the
  case is reopened to its unit, and its assignee and the unit's managers are told by name. Not reached: the
  call comes back to the list after the set hours, until the set number of attempts; then the case is
  closed as not reached. Wrong number: the case is closed. One outcome per call, however many operators
  press at once (the row is locked and the claim is conditional).
* ``send_link`` and ``rate``: the rating link (``/degerlendir/<token>/``), single-use and expiring, of which
  only the token's hash is kept; ``expire_links`` settles the links nobody used.
* Every settled question raises the day's figures (FeedbackDaily) in the same transaction.

KADES: a KADES case is never asked, a number on record for a KADES case is never texted, and the one door
every message goes through (kentmasa.channels.tasks.deliver) refuses KADES cases anyway.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import services as case_services
from kentmasa.cases.models import Case, Channel, Event, Kind, Status
from kentmasa.channels import silence, templates
from kentmasa.channels.base import sender_for
from kentmasa.channels.models import Message
from kentmasa.channels.replies import given_contacts
from kentmasa.directory.models import User
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily, FeedbackRule, FeedbackSettings, Mode
from kentmasa.lib import phones
from kentmasa.notify.tell import shown_subject, tell

log = logging.getLogger(__name__)

Outcome = FeedbackCall.Outcome
Method = FeedbackCall.Method
State = FeedbackCall.State

# Who works the call list: the feedback operators and the administrators of the institution.
CALL_ROLES = {User.Role.FEEDBACK_OPERATOR, User.Role.ADMINISTRATOR}
LOW_SCORE = 2  # a rating of 1–2 with "not solved" ticked reopens the case
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
# The rating link's message, unless the institution wrote its own (Reply templates, event "feedback_rating").
RATING_TEMPLATE = (
    "Başvurunuzu değerlendirin: {{ tracking_number }}",
    "{{ institution }}: {{ tracking_number }} numaralı başvurunuz sonuçlandı. Memnun kaldınız mı? "
    "Tek dokunuşla puan verin: {{ link }} ({{ days }} gün geçerli)",
)

_quiet = contextvars.ContextVar("kentmasa_feedback_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Replay history without asking anybody by message (the demo loader): resolutions still join the call
    list, but no rating link is made for them."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


class FeedbackError(Exception):
    """A refused recording. ``message`` is translated and safe to show; nothing was written."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# -- who is asked, and how -----------------------------------------------------------------------------------


def in_share(case_id: int, percent: int) -> bool:
    """Whether the case falls in the share called: decided by a hash of its id, the same every time."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"kentmasa-feedback:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def never_asked(case: Case, phone: str = "") -> bool:
    """KADES cases and anonymous tip-offs (no citizen, or one without a name) are never asked, nor is
    anybody whose number (the record's, or ``phone``: the one a question was made for) is on record for a
    KADES case of the institution."""
    if silence.is_silent(case):
        return True
    citizen = case.citizen
    if citizen is None:
        return True
    if case.kind == Kind.TIP_OFF and not citizen.name.strip():
        return True
    numbers = {number for number in (citizen.phone, phone) if number}
    return any(silence.kades_number(case.institution, number) for number in numbers)


def _never_asked_call(call: FeedbackCall) -> bool:
    return never_asked(call.case, call.address if call.method in (Method.CALL, Method.SMS) else "")


def kades_calls() -> Exists:
    """For a FeedbackCall query: whether the citizen's number (the record's, or the one the question was
    made for) is on record for a KADES case of the call's institution — one subquery, no query per row."""
    return Exists(
        silence.kades_cases().filter(
            Q(citizen__phone=OuterRef("case__citizen__phone")) | Q(citizen__phone=OuterRef("address")),
            institution_id=OuterRef("institution_id"),
            citizen__institution_id=OuterRef("institution_id"),
        )
    )


def drop_silenced(call: FeedbackCall, now: dt.datetime | None = None) -> bool:
    """A question that must not be asked any more (its case, or the citizen's number, is KADES): settled as
    dropped, nothing sent, nothing counted. Returns whether it must not be asked (dropped now or before)."""
    if not _never_asked_call(call):
        return False
    FeedbackCall.objects.filter(pk=call.pk, state__in=[State.WAITING, State.SENT]).update(
        state=State.DROPPED, recorded_at=now or timezone.now()
    )
    return True


def drop_for_kades(case: Case, event: Event) -> int:
    """A KADES case was opened (or a case became one): the open questions of the institution to its
    person's number are dropped (not called, links no longer work). Returns how many."""
    if not silence.is_silent(case) or case.citizen is None or not case.citizen.phone:
        return 0
    phone = case.citizen.phone
    return (
        FeedbackCall.objects.filter(institution_id=case.institution_id, state__in=[State.WAITING, State.SENT])
        .filter(Q(case__citizen__phone=phone) | Q(address=phone))
        .update(state=State.DROPPED, recorded_at=event.at)
    )


def rule_for(case: Case) -> tuple[FeedbackSettings, str, int] | None:
    """(the institution's settings, the rule, the share) for this case; None: the institution asks nobody."""
    found = FeedbackSettings.objects.filter(institution_id=case.institution_id).first()
    if found is None:
        return None
    rule = FeedbackRule.objects.filter(service_id=case.service_id).first() if case.service_id else None
    if rule is not None:
        return found, rule.mode, rule.share_percent
    return found, found.mode, found.share_percent


def plan(case: Case) -> tuple[str, str] | None:
    """(method, address) to ask this resolved case by, or None: the call list when the rule calls it and a
    phone is known; otherwise, if the institution asks by message, a rating link by e-mail for a case that
    came by e-mail, else by SMS to a mobile, else by e-mail. Only this case's own contact data is used: the
    contacts given on it (kentmasa.channels.replies.given_contacts), not what the record holds today."""
    found = rule_for(case)
    if found is None or never_asked(case):
        return None
    institution_settings, mode, share = found
    if mode == Mode.NONE:
        return None
    citizen = case.citizen
    if citizen is None:  # never_asked says so already; for the type checker
        return None
    given = given_contacts(case)
    phone = citizen.phone if given is None else given.get(Channel.SMS, "")
    email = citizen.email if given is None else given.get(Channel.EMAIL, "")
    if phone and phone != citizen.phone and silence.kades_number(case.institution, phone):
        return None
    called = mode == Mode.ALL or in_share(case.pk, share)
    if called and phone:
        return Method.CALL, phone
    if not institution_settings.ask_by_message:
        return None
    mobile = phone if phones.is_turkish_mobile(phone) else ""
    options = [(Method.EMAIL, email)] if case.channel == Channel.EMAIL else []
    options += [(Method.SMS, mobile), (Method.EMAIL, email)]
    for method, address in options:
        if address and sender_for(method) is not None:
            return method, address
    return None


def on_resolved(case: Case, event: Event) -> FeedbackCall | None:
    """In the resolve's transaction: the question for this resolution, made once (None: nobody is asked)."""
    existing = FeedbackCall.objects.filter(resolve_event=event).first()
    if existing is not None:
        return existing
    planned = plan(case)
    if planned is None:
        return None
    method, address = planned
    if method != Method.CALL and _quiet.get():
        return None
    try:
        with transaction.atomic():
            call = FeedbackCall.objects.create(
                institution_id=case.institution_id,
                case=case,
                resolve_event=event,
                method=method,
                address=address,
                due_at=event.at,
                resolved_at=case.resolved_at or event.at,
                unit_id=case.unit_id,
                service_id=case.service_id,
                channel=case.channel,
                district=case.district,
                neighbourhood=case.neighbourhood,
                created_at=event.at,
            )
    except IntegrityError:
        return FeedbackCall.objects.get(resolve_event=event)
    if method != Method.CALL:
        transaction.on_commit(lambda: _enqueue_link(call.pk))
    return call


def _enqueue_link(call_id: int) -> None:
    from kentmasa.feedback.tasks import send_rating_link

    send_rating_link.enqueue(call_id)


def drop_open_questions(case: Case, event: Event) -> int:
    """The case left "resolved" by someone else's reopen or close: its waiting call or unused link has
    nothing left to ask (a link then says so). Returns how many were dropped."""
    return FeedbackCall.objects.filter(case=case, state__in=[State.WAITING, State.SENT]).update(
        state=State.DROPPED, recorded_at=event.at
    )


# -- the call list -------------------------------------------------------------------------------------------


def may_work_calls(user: object) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or (user.institution_id is not None and user.role in CALL_ROLES)


def calls_of(user: User) -> QuerySet[FeedbackCall]:
    """The calls this user may see: their institution's (every institution's for a superuser)."""
    calls = FeedbackCall.objects.all()
    if not may_work_calls(user):
        return calls.none()
    if user.is_superuser or user.institution_id is None:
        return calls if user.is_superuser else calls.none()
    return calls.filter(institution_id=user.institution_id)


def waiting_calls(user: User, now: dt.datetime | None = None) -> QuerySet[FeedbackCall]:
    """The call list: calls due now, oldest first (index feedback_call_list); never a KADES case, nor a
    citizen whose number is on record for a KADES case of the institution (it may have become one since)."""
    now = now or timezone.now()
    return (
        calls_of(user)
        .filter(state=State.WAITING, method=Method.CALL, due_at__lte=now)
        .exclude(case__channel=Channel.KADES)
        .exclude(kades_calls())
        .select_related("case__citizen", "unit", "service")
        .order_by("due_at", "pk")
    )


def later_calls(user: User, now: dt.datetime | None = None) -> QuerySet[FeedbackCall]:
    """Calls not reached before, back on the list after their gap."""
    now = now or timezone.now()
    return calls_of(user).filter(state=State.WAITING, method=Method.CALL, due_at__gt=now)


@dataclass(frozen=True)
class Recorded:
    call: FeedbackCall
    case: Case
    again_at: dt.datetime | None = None  # not reached: when the call is back on the list


def record_call(
    call: FeedbackCall,
    *,
    actor: User,
    outcome: str,
    score: int | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Recorded:
    """Record how the call went (see the module's docstring). Raises FeedbackError and writes nothing when
    it is refused: not the actor's call, already recorded, not yet due, a reason missing."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    _check_outcome(outcome, score, reason)
    if not calls_of(actor).filter(pk=call.pk).exists():
        raise FeedbackError(_("You may not record this call."), "forbidden")
    recorded: Recorded | None = None
    with transaction.atomic():
        locked = (
            FeedbackCall.objects.select_for_update(of=("self",))
            .select_related("case__institution", "case__citizen", "case__unit", "case__assignee")
            .get(pk=call.pk)
        )
        if locked.state != State.WAITING or locked.method != Method.CALL:
            raise FeedbackError(_("This call has already been recorded."), "recorded")
        if locked.due_at > now:
            raise FeedbackError(
                _("This citizen is to be called again from %(time)s.")
                % {"time": timezone.localtime(locked.due_at).strftime("%d.%m.%Y %H:%M")},
                "not_due",
            )
        case = locked.case
        if case.status != Status.RESOLVED or _never_asked_call(locked):
            _claim(locked, state=State.DROPPED, recorded_by=actor, recorded_at=now)
        else:
            with translation.override(settings.LANGUAGE_CODE):
                recorded = _record(locked, case, actor, outcome, score, reason, now)
    if recorded is None:  # dropped (committed): the case left "resolved" meanwhile
        raise FeedbackError(_("The case is no longer resolved: there is nothing to ask."), "dropped")
    return recorded


def _check_outcome(outcome: str, score: int | None, reason: str) -> None:
    if outcome not in (Outcome.SATISFIED, Outcome.NOT_SATISFIED, Outcome.NOT_REACHED, Outcome.WRONG_NUMBER):
        raise FeedbackError(_("Choose how the call went."), "outcome")
    if score is not None and (outcome not in FeedbackCall.REACHED or not 1 <= score <= 5):
        raise FeedbackError(_("A score from 1 to 5 is given only by a citizen who was reached."), "score")
    if outcome == Outcome.NOT_SATISFIED and not reason:
        raise FeedbackError(_("Write why the citizen is not satisfied."), "reason")


def _claim(call: FeedbackCall, **changes: object) -> int:
    """Write the call's change only if nobody changed it since it was read (the same state and attempts):
    the second of two operators pressing at once changes nothing."""
    return FeedbackCall.objects.filter(pk=call.pk, state=call.state, attempts=call.attempts).update(**changes)


def _record(
    call: FeedbackCall,
    case: Case,
    actor: User,
    outcome: str,
    score: int | None,
    reason: str,
    now: dt.datetime,
) -> Recorded:
    settings_ = FeedbackSettings.objects.filter(institution_id=call.institution_id).first()
    max_attempts = settings_.max_attempts if settings_ else 3
    retry_hours = settings_.retry_hours if settings_ else 4
    if outcome == Outcome.NOT_REACHED and call.attempts + 1 < max_attempts:
        again = now + dt.timedelta(hours=retry_hours)
        if not _claim(call, attempts=call.attempts + 1, due_at=again, recorded_by=actor, recorded_at=now):
            raise FeedbackError(_("This call has already been recorded."), "recorded")
        note = _(
            "Feedback call: not reached (attempt %(n)d of %(max)d); to be called again from %(time)s."
        ) % {
            "n": call.attempts + 1,
            "max": max_attempts,
            "time": timezone.localtime(again).strftime("%d.%m.%Y %H:%M"),
        }
        case_services.record_event(
            case,
            "feedback_call",
            note=note,
            actor=actor,
            data={"outcome": outcome, "attempt": call.attempts + 1},
            now=now,
        )
        call.refresh_from_db()
        return Recorded(call, case, again_at=again)
    attempts = call.attempts + 1
    changes = {
        "state": State.DONE,
        "outcome": outcome,
        "score": score,
        "note": reason,
        "attempts": attempts,
        "recorded_by": actor,
        "recorded_at": now,
    }
    if not _claim(call, **changes):
        raise FeedbackError(_("This call has already been recorded."), "recorded")
    scored = f" ({score}/5)" if score else ""
    if outcome == Outcome.NOT_SATISFIED:
        note = _("Feedback call: the citizen is not satisfied%(score)s. %(reason)s") % {
            "score": scored,
            "reason": reason,
        }
        case = case_services.reopen(case, actor=actor, note=note, now=now)
        _tell_unit(case, reason, actor, now)
    else:
        notes: dict[str, str] = {
            Outcome.SATISFIED: _("Feedback call: the citizen is satisfied%(score)s.") % {"score": scored},
            Outcome.NOT_REACHED: _("Feedback call: not reached after %(n)d attempts; closed as not reached.")
            % {"n": attempts},
            Outcome.WRONG_NUMBER: _("Feedback call: wrong number."),
        }
        text = notes[outcome] + (f" {reason}" if reason and outcome != Outcome.NOT_REACHED else "")
        case = case_services.close(case, actor=actor, note=text, now=now)
    call.refresh_from_db()
    count(call, now, outcome=outcome, score=score, reopened=outcome == Outcome.NOT_SATISFIED)
    return Recorded(call, case)


def _tell_unit(case: Case, reason: str, actor: User | None, now: dt.datetime) -> None:
    """The case is open again: its assignee and its unit's managers are told by name (else the institution's
    administrators, so somebody always hears of it)."""
    people: list[User] = []
    if case.assignee_id is not None and case.assignee is not None:
        people.append(case.assignee)
    if case.unit is not None:
        people += case.unit.managers()
    if not [person for person in people if actor is None or person.pk != actor.pk]:
        people += list(
            User.objects.filter(
                institution_id=case.institution_id, role=User.Role.ADMINISTRATOR, is_active=True
            ).order_by("pk")[:10]
        )
    text = _("Not satisfied, open again: %(number)s %(subject)s — %(reason)s") % {
        "number": case.tracking_display,
        "subject": shown_subject(case),
        "reason": reason,
    }
    link = reverse("cases:detail", args=[case.tracking_number]) if case.tracking_number else ""
    tell(people, "feedback_not_satisfied", text, case=case, link=link, actor=actor, now=now)


# -- the figures ---------------------------------------------------------------------------------------------


def count(
    call: FeedbackCall, at: dt.datetime, *, outcome: str, score: int | None = None, reopened: bool = False
) -> None:
    """Raise the figures of the call's group on the day of ``at`` by one settled question (in the caller's
    transaction)."""
    day = timezone.localdate(at)
    group = (
        call.institution_id,
        day.isoformat(),
        call.unit_id,
        call.service_id,
        call.channel,
        call.district,
        call.neighbourhood,
        call.method,
    )
    key = hashlib.sha256(repr(group).encode()).hexdigest()
    figures = {
        "calls": 1,
        "reached": int(outcome in FeedbackCall.REACHED),
        "satisfied": int(outcome == Outcome.SATISFIED),
        "not_satisfied": int(outcome == Outcome.NOT_SATISFIED),
        "reopened": int(reopened),
        "not_reached": int(outcome == Outcome.NOT_REACHED),
        "wrong_number": int(outcome == Outcome.WRONG_NUMBER),
        "no_rating": int(outcome == Outcome.NO_RATING),
        "score_sum": score or 0,
        "score_count": int(score is not None),
    }
    raise_by = {name: F(name) + value for name, value in figures.items() if value}
    if FeedbackDaily.objects.filter(key=key).update(**raise_by):
        return
    try:
        with transaction.atomic():
            FeedbackDaily.objects.create(
                key=key,
                institution_id=call.institution_id,
                day=day,
                unit_id=call.unit_id,
                service_id=call.service_id,
                channel=call.channel,
                district=call.district,
                neighbourhood=call.neighbourhood,
                method=call.method,
                **figures,
            )
    except IntegrityError:  # the group's first row was written at the same moment by another outcome
        FeedbackDaily.objects.filter(key=key).update(**raise_by)


# -- the rating link -----------------------------------------------------------------------------------------


def link_for(raw: str) -> str:
    return settings.KENTMASA_PUBLIC_URL.rstrip("/") + reverse("rating:rate", args=[raw])


def send_link(call_id: int, now: dt.datetime | None = None) -> Message | None:
    """Make the rating link of a waiting SMS or e-mail question and its message (sent by the channels'
    worker, delivery tracked there); once, however often it is asked. None when nothing is to be sent."""
    now = now or timezone.now()
    with transaction.atomic():
        call = (
            FeedbackCall.objects.select_for_update(of=("self",))
            .select_related("case__institution", "case__citizen")
            .filter(pk=call_id)
            .first()
        )
        if call is None or call.state != State.WAITING or call.method == Method.CALL:
            return None
        case = call.case
        if case.status != Status.RESOLVED or _never_asked_call(call):
            _claim(call, state=State.DROPPED, recorded_at=now)
            return None
        days = (
            FeedbackSettings.objects.filter(institution_id=call.institution_id)
            .values_list("link_days", flat=True)
            .first()
            or 14
        )
        raw = secrets.token_urlsafe(24)
        source = templates.choose(case.institution, call.method, "feedback_rating") or RATING_TEMPLATE
        context = {
            "case": case,
            "institution": case.institution.name,
            "tracking_number": case.tracking_display,
            "link": link_for(raw),
            "days": days,
        }
        with translation.override(settings.LANGUAGE_CODE):
            shown = phones.mask(call.address) if call.method == Method.SMS else _mask_email(call.address)
            asked = case_services.record_event(
                case,
                "feedback_asked",
                note=_("Rating link sent by %(how)s to %(address)s.")
                % {"how": call.get_method_display(), "address": shown},
                data={"method": call.method, "feedback_call": call.pk},
                now=now,
            )
        message = Message.objects.create(
            direction=Message.Direction.OUT,
            channel=call.method,
            state=Message.State.QUEUED,
            institution=case.institution,
            case=case,
            event=asked,
            address=call.address,
            subject=templates.render(source[0], context)[:300],
            body=templates.render(source[1], context),
            template="feedback_rating",
            next_attempt_at=now,
        )
        _claim(
            call,
            state=State.SENT,
            token_hash=FeedbackCall.hash_token(raw),
            expires_at=now + dt.timedelta(days=days),
            message=message,
        )
        transaction.on_commit(lambda: _send(message.pk))
    return message


def _send(message_id: int) -> None:
    from kentmasa.channels.tasks import send_message

    send_message.enqueue(message_id)


def _mask_email(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:2]}***@{domain}" if domain else "***"


def find_link(raw: object, now: dt.datetime | None = None) -> FeedbackCall:
    """The question a rating link opens; FeedbackError "unknown", "used" or "expired" otherwise. A link of
    a question that must not be asked any more (KADES) is "used": dropped, and nothing of the case shown."""
    now = now or timezone.now()
    if not isinstance(raw, str) or not TOKEN_SHAPE.fullmatch(raw):
        raise FeedbackError(_("This rating link is not valid."), "unknown")
    call = (
        FeedbackCall.objects.select_related("case__institution", "case__citizen", "unit")
        .filter(token_hash=FeedbackCall.hash_token(raw))
        .first()
    )
    if call is None:
        raise FeedbackError(_("This rating link is not valid."), "unknown")
    if call.state != State.SENT or drop_silenced(call, now):
        raise FeedbackError(_("This rating link has already been used or is no longer valid."), "used")
    if call.expires_at is None or call.expires_at <= now:
        raise FeedbackError(_("This rating link has expired."), "expired")
    return call


def rate(
    raw: object, *, score: int, unsolved: bool = False, comment: str = "", now: dt.datetime | None = None
) -> FeedbackCall:
    """The citizen's rating through the link: once. A score of 1–2 with "not solved" ticked reopens the case
    to its unit, as a "not satisfied" call does; any other rating closes it."""
    now = now or timezone.now()
    if not 1 <= score <= 5:
        raise FeedbackError(_("Choose from 1 to 5 stars."), "score")
    comment = (comment or "").strip()[:2000]
    found = find_link(raw, now)  # a KADES question is dropped (committed) and refused here
    with transaction.atomic():
        call = (
            FeedbackCall.objects.select_for_update(of=("self",))
            .select_related("case__institution", "case__citizen", "case__unit", "case__assignee")
            .get(pk=found.pk)
        )
        if call.state != State.SENT or _never_asked_call(call):
            raise FeedbackError(_("This rating link has already been used or is no longer valid."), "used")
        satisfied = score > LOW_SCORE and not unsolved
        outcome = Outcome.SATISFIED if satisfied else Outcome.NOT_SATISFIED
        reopen = score <= LOW_SCORE and unsolved
        if not _claim(
            call,
            state=State.DONE,
            outcome=outcome,
            score=score,
            unsolved=unsolved,
            note=comment,
            recorded_at=now,
        ):
            raise FeedbackError(_("This rating link has already been used or is no longer valid."), "used")
        case = call.case
        with translation.override(settings.LANGUAGE_CODE):
            said = _("Rating by the citizen: %(score)d/5.") % {"score": score}
            if unsolved:
                said += " " + _("The citizen says it is not solved.")
            if comment:
                said += " " + comment
            if reopen:
                case = case_services.reopen(case, actor=None, note=said, now=now)
                _tell_unit(case, comment or _("The citizen says it is not solved."), None, now)
            else:
                case_services.close(case, actor=None, note=said, now=now)
        call.refresh_from_db()
        count(call, now, outcome=outcome, score=score, reopened=reopen)
    return call


def expire_links(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Links nobody used before they expired: settled as "no rating", and the case closed as the call list
    closes a citizen not reached. Safe with several workers (each link is claimed once)."""
    now = now or timezone.now()
    due = list(
        FeedbackCall.objects.filter(state=State.SENT, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    settled = 0
    for pk in due:
        with transaction.atomic():
            call = FeedbackCall.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)
            if call.state != State.SENT or not _claim(
                call, state=State.DONE, outcome=Outcome.NO_RATING, recorded_at=now
            ):
                continue
            if call.case.status == Status.RESOLVED:
                with translation.override(settings.LANGUAGE_CODE):
                    note = _("No rating came through the link; closed.")
                case_services.close(call.case, actor=None, note=note, now=now)
            count(call, now, outcome=Outcome.NO_RATING)
            settled += 1
    return settled


def send_due_links(now: dt.datetime | None = None, limit: int = 200) -> int:
    """The periodic safety net: rating links whose task was lost."""
    now = now or timezone.now()
    due = list(
        FeedbackCall.objects.filter(state=State.WAITING, due_at__lte=now)
        .exclude(method=Method.CALL)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if send_link(pk, now) is not None)
