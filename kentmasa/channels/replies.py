"""Answer the citizen on the channel they used, and on every other channel the rules ask for, when something
they should hear of happens to their case.

Connected to kentmasa.cases.signals.case_event (sent after commit). For each public event of an announced
kind, one outbound Message per channel is made (unique per event and channel, so an event announced twice
is still sent once) and a task sends each. The channel used comes first: the sender of the message the case
came with, else a contact given on the case (a case that came by phone, at a desk or by a channel that
cannot send is answered by SMS when a phone number was given). ``AnswerRule`` (per institution, kind of
case or service) adds the other contacts given on this case — never contact data the citizen's record holds
from elsewhere — and the citizen's preference ("answer_by") narrows them unless the rule is "required".
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import clock
from kentmasa.cases import standards as citizen_standards
from kentmasa.cases.models import Case, Channel, Event, Kind
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels import silence, templates
from kentmasa.channels.base import sender_for
from kentmasa.channels.models import AnswerRule, Message
from kentmasa.lib import lockout
from kentmasa.lib import notices as notice_hook
from kentmasa.lib.process_cache import ProcessCache

log = logging.getLogger(__name__)

# A timeline event saying the answer is handed over in person (kentmasa.privacy: a KVKK answer given at the
# desk, perhaps to a KADES person): the case's answer is then never sent on any channel.
HANDED_OVER = "answer_handed_over"
HANDED_OVER_ACTIONS = frozenset({"resolve", "resolve_on_the_spot"})

_suppressed = contextvars.ContextVar("kentmasa_replies_suppressed", default=False)

# The channels whose messages carry a thread key: e-mail (the Message-ID, kentmasa.channels.email.intake)
# and X (the conversation, kentmasa.channels.x.intake). An answer copies the key of its channel's latest
# message that has one; on any other channel no message ever has one, so none is looked for.
THREADED_CHANNELS = frozenset({Channel.EMAIL, Channel.SOCIAL})

ANSWER_RULES = ProcessCache("answer_rules")


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Replay history without messaging anybody (the demo loader, imports of old cases)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


# What the "open" event's data holds is read once per answer: ``opening`` below is that data when the caller
# has it (the "open" event itself is being announced), else UNREAD and it is read here.
UNREAD: Any = object()


def opening_data(case: Case, event: Event | None = None) -> Any:
    """The data of the case's "open" event: the event in hand when it is that one, else one query."""
    if event is not None and event.action == "open" and event.case_id == case.pk:
        return event.data
    return Event.objects.filter(case=case, action="open").values_list("data", flat=True).first()


def given_contacts(case: Case, *, opening: Any = UNREAD) -> dict[str, str] | None:
    """{channel: address} of the contacts the citizen gave on THIS case ("sms": their phone, "email"), as
    the case's "open" event records them (kentmasa.cases.intake) — the addresses themselves, even one that
    never joined the record (an e-mail typed beside a proven phone); None for a case opened before they were
    recorded. Contact data the record holds from other cases (a proven number that found the record, an
    e-mail a staff member recorded on another case) is not among them. Events of before the addresses were
    kept name only the kinds ("phone", "email"): those are read from the case's citizen, as then."""
    opened = opening_data(case) if opening is UNREAD else opening
    contacts = opened.get("contacts") if isinstance(opened, dict) else None
    if isinstance(contacts, dict):
        return {
            channel: address
            for channel, address in contacts.items()
            if channel in (Channel.SMS, Channel.EMAIL) and isinstance(address, str) and address
        }
    if not isinstance(contacts, list):
        return None
    citizen = case.citizen
    given: dict[str, str] = {}
    if citizen is not None:
        if "phone" in contacts and citizen.phone:
            given[Channel.SMS] = citizen.phone
        if "email" in contacts and citizen.email:
            given[Channel.EMAIL] = citizen.email
    return given


def reply_channel(case: Case, *, opening: Any = UNREAD) -> tuple[str, str] | None:
    """(channel, address) to answer this case on — the channel the citizen used — or None when the citizen
    cannot be reached. Only the sender of the message the case came with, or a contact given on this case."""
    citizen = case.citizen
    # The message the case came in with: later messages on other channels (or from other people) never
    # redirect the answer. Only a channel we can send on has one worth looking for (a phone call, the web
    # form or the API: none).
    if sender_for(case.channel) is not None:
        inbound = (
            Message.objects.filter(case=case, direction=Message.Direction.IN, channel=case.channel)
            .order_by("pk")
            .first()
        )
        if inbound is not None and inbound.address:
            return inbound.channel, inbound.address
    given = given_contacts(case, opening=opening)
    phone = (citizen.phone if citizen else "") if given is None else given.get(Channel.SMS, "")
    email = (citizen.email if citizen else "") if given is None else given.get(Channel.EMAIL, "")
    if case.channel == Channel.EMAIL and email and sender_for(Channel.EMAIL):
        return Channel.EMAIL, email
    if case.channel == Channel.WEB and email and not phone and sender_for(Channel.EMAIL):
        return Channel.EMAIL, email
    if phone and sender_for(Channel.SMS) is not None:
        return Channel.SMS, phone
    if email and sender_for(Channel.EMAIL) is not None:
        return Channel.EMAIL, email
    return None


def answer_reach(case: Case) -> str:
    """How far this case's answers go (AnswerRule.Reach): the rule of its service, else of its kind, else
    the institution's; without one, the channel used only — information requests (Law 4982) at least to
    every contact given."""
    rules = answer_rules(case.institution_id)
    by_service: dict[int | None, str] = {rule.service_id: rule.reach for rule in rules if rule.service_id}
    by_kind = {rule.kind: rule.reach for rule in rules if rule.service_id is None}
    reach = by_service.get(case.service_id) or by_kind.get(case.kind) or by_kind.get("")
    if reach is None:
        reach = AnswerRule.Reach.GIVEN if case.kind == Kind.INFORMATION_REQUEST else AnswerRule.Reach.USED
    return reach


def answer_rules(institution_id: int) -> tuple[AnswerRule, ...]:
    """The institution's answer rules, oldest first, kept per process (kentmasa.lib.process_cache: a saved
    or deleted rule clears them here at once, in the other processes within the cache's seconds)."""

    def load() -> tuple[AnswerRule, ...]:
        return tuple(AnswerRule.objects.filter(institution_id=institution_id).order_by("pk"))

    return ANSWER_RULES.get(institution_id, load)


def preferred_channels(case: Case, *, opening: Any = UNREAD) -> frozenset[str]:
    """The channels the citizen asked to be answered on ("answer_by" on the case's "open" event: "sms",
    "email"; empty: no preference)."""
    opened = opening_data(case) if opening is UNREAD else opening
    wanted = opened.get("answer_by") if isinstance(opened, dict) else None
    if not isinstance(wanted, list):
        return frozenset()
    return frozenset(str(channel) for channel in wanted) & {Channel.SMS, Channel.EMAIL}


def reply_targets(case: Case, *, opening: Any = UNREAD) -> list[tuple[str, str]]:
    """Every (channel, address) an answer of this case goes to, the channel used first.

    The channel used (``reply_channel``); then, when the rule asks (``answer_reach``), each other contact
    given on this case. A citizen who asked for some channels only gets those (a preferred contact given on
    the case is added if the rule did not ask for it), unless the rule is "required" (the law requires
    every channel); a preference nothing given satisfies leaves the channel used.
    """
    if opening is UNREAD:
        opening = opening_data(case)
    primary = reply_channel(case, opening=opening)
    targets = [primary] if primary is not None else []
    given = given_contacts(case, opening=opening) or {}
    reach = answer_reach(case)
    if reach != AnswerRule.Reach.USED:
        for channel in (Channel.SMS, Channel.EMAIL):
            address = given.get(channel)
            if address and (channel, address) not in targets and sender_for(channel) is not None:
                targets.append((channel, address))
    wanted = preferred_channels(case, opening=opening)
    if wanted and reach != AnswerRule.Reach.REQUIRED:
        kept = [target for target in targets if target[0] in wanted]
        for channel in (Channel.SMS, Channel.EMAIL):
            address = given.get(channel)
            if channel in wanted and address and (channel, address) not in kept and sender_for(channel):
                kept.append((channel, address))
        targets = kept or targets[:1]
    return targets


def context_for(case: Case, event: Event) -> dict:
    # As Turks write it: "05.12.2026", with the time when the standard runs in minutes or hours.
    standard = clock.standard_for(case)
    due = citizen_standards.deadline_text(case.due_at, standard.unit if standard else None)
    track = reverse("public:track") + f"?no={case.tracking_number}"
    return {
        "case": case,
        "event": event,
        "institution": case.institution.name,
        "unit": case.unit.name if case.unit is not None else "",
        "tracking_number": format_tracking_number(case.tracking_number),
        "note": event.note,
        "due": due,
        "track_url": settings.KENTMASA_PUBLIC_URL.rstrip("/") + track if settings.KENTMASA_PUBLIC_URL else "",
        # The institution's standards page (its application places), never their details in a message.
        "standards_url": citizen_standards.standards_url(case.institution),
        # The privacy notice the applicant was given (KVKK m.10), as a short link: the first reply carries it.
        "kvkk_url": _notice_url(case, event) if event.action == "open" else "",
    }


def _notice_url(case: Case, event: Event) -> str:
    base = settings.KENTMASA_PUBLIC_URL.rstrip("/") if settings.KENTMASA_PUBLIC_URL else ""
    if not base:
        return ""
    notice = notice_hook.for_case(case.pk, event=event)
    return base + notice.short_path if base and notice is not None else ""


def _within_unproven_sms_limits(case: Case, number: str) -> bool:
    """SMS to a number nobody proved (typed on the public form or in an app) cost money and can be abused
    ("SMS pumping"): at most so many a day to one such number and from one institution in all
    (KENTMASA_UNPROVEN_SMS_LIMITS). Past them the citizen is not texted and staff see why on the case."""
    limits = settings.KENTMASA_UNPROVEN_SMS_LIMITS
    day = 24 * 60 * 60
    institution = str(case.institution_id)
    if (
        lockout.count("unproven-sms-number", number, window_seconds=day) >= limits["per_number_day"]
        or lockout.count("unproven-sms-institution", institution, window_seconds=day) >= limits["per_day"]
    ):
        log.warning("SMS to an unproven number withheld for case %s: daily limit reached", case.pk)
        from kentmasa.cases import services

        services.comment(
            case,
            actor=None,
            public=False,
            note="Vatandaşa SMS gönderilmedi: doğrulanmamış numaralara günlük SMS sınırı doldu.",
            data={"reply_failed": True},
        )
        return False
    lockout.tally("unproven-sms-number", number, window_seconds=day)
    lockout.tally("unproven-sms-institution", institution, window_seconds=day)
    return True


def make_reply(case: Case, event: Event) -> Message | None:
    """The answer on the channel the citizen used (the first of ``make_replies``), made once; None when
    nothing is to be sent there (or it was made already)."""
    made = make_replies(case, event)
    return made[0] if made else None


def is_announced(case: Case, event: Event) -> bool:
    """Whether the citizen would hear of this event at all (a KADES case's silence aside): a public event of
    a kind answers are made for, on a case with a citizen, not a reopen by staff. Reads nothing."""
    return (
        event.public
        and event.action in templates.DEFAULTS
        and case.citizen_id is not None
        and not (event.action == "reopen" and event.actor_id is not None)
    )


def make_replies(case: Case, event: Event) -> list[Message]:
    """The outbound messages for this event, one per channel it goes to (``reply_targets``), each made once
    (a second call makes none); empty when nothing is to be sent.

    Nothing is ever sent about a KADES case: the phone may be in the aggressor's hands (kentmasa.channels.
    silence; an event she would have heard of leaves a note on the case instead). The "reopen" answer
    acknowledges the citizen's own message (actor None); a reopen by staff is not announced.
    """
    announced = is_announced(case, event)
    if silence.is_silent(case):
        if announced:
            silence.note_withheld(case, event)
        return []
    if not announced or case.citizen is None:
        return []
    if event.action in HANDED_OVER_ACTIONS and Event.objects.filter(case=case, action=HANDED_OVER).exists():
        return []  # the answer was handed over in person (a KVKK answer at the desk: kentmasa.privacy)
    made = []
    for channel, address in reply_targets(case, opening=opening_data(case, event)):
        message = _make_one(case, event, channel, address)
        if message is not None:
            made.append(message)
    return made


def _make_one(case: Case, event: Event, channel: str, address: str) -> Message | None:
    source = templates.choose(case.institution_id, channel, event.action)
    if source is None:
        return None
    citizen = case.citizen
    proven = citizen is not None and citizen.phone_verified and citizen.phone == address
    if (
        channel == Channel.SMS
        and citizen is not None
        and not proven
        and not _within_unproven_sms_limits(case, address)
    ):
        return None
    context = context_for(case, event)
    thread = ""
    if channel in THREADED_CHANNELS:
        thread = (
            Message.objects.filter(case=case, channel=channel)
            .exclude(thread_key="")
            .order_by("-pk")
            .values_list("thread_key", flat=True)
            .first()
            or ""
        )
    try:
        with transaction.atomic():
            return Message.objects.create(
                direction=Message.Direction.OUT,
                channel=channel,
                state=Message.State.QUEUED,
                institution=case.institution,
                case=case,
                event=event,
                address=address,
                subject=templates.render(source[0], context)[:300],
                body=templates.render(source[1], context),
                template=event.action,
                thread_key=thread,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None  # already made for this event


def on_case_event(sender: object, case: Case, event: Event, **kwargs: Any) -> None:
    """Runs after the case's transaction committed: whatever goes wrong here must not turn the caller's
    (already committed) success into an error, so it is logged and shown on the case instead.

    The messages and their sending tasks are written in one transaction (one commit, not one per row):
    a message is never left without the task that sends it, and a failure leaves neither."""
    if _suppressed.get() or not is_announced(case, event):
        return  # nothing to make, nothing to withhold: no transaction opened
    from kentmasa.channels.tasks import send_message

    try:
        with transaction.atomic():
            for message in make_replies(case, event):
                send_message.enqueue(message.pk)
    except Exception as error:  # a broken reply template, a database hiccup
        log.exception("no reply could be made for event %s of case %s", event.pk, case.pk)
        from kentmasa.cases import services

        # The failure is logged above; if even the note cannot be written (the same database hiccup),
        # there is nothing more to do here, and the caller's committed success must stand.
        with contextlib.suppress(Exception):
            services.comment(
                case,
                actor=None,
                public=False,
                note=f"Vatandaşa yanıt hazırlanamadı ({type(error).__name__}); yanıt şablonunu denetleyin.",
                data={"reply_failed": True},
            )
