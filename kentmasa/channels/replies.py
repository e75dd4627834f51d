"""Answer the citizen on the channel they used when something they should hear of happens to their case.

Connected to kentmasa.cases.signals.case_event (sent after commit). For each public event of an
announced kind, one outbound Message is made (unique per event and channel, so an event announced
twice is still sent once) and a task sends it. A case that came by phone, at a desk or by a channel
that cannot send is answered by SMS when a phone number is known.
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
from kentmasa.cases.models import Case, Channel, Event
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels import silence, templates
from kentmasa.channels.base import sender_for
from kentmasa.channels.models import Message
from kentmasa.lib import lockout

log = logging.getLogger(__name__)

_suppressed = contextvars.ContextVar("kentmasa_replies_suppressed", default=False)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Replay history without messaging anybody (the demo loader, imports of old cases)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def reply_channel(case: Case) -> tuple[str, str] | None:
    """(channel, address) to answer this case on, or None when the citizen cannot be reached."""
    citizen = case.citizen
    # The message the case came in with: later messages on other channels (or from other people) never
    # redirect the answer.
    inbound = (
        Message.objects.filter(case=case, direction=Message.Direction.IN, channel=case.channel)
        .order_by("pk")
        .first()
    )
    if inbound is not None and inbound.address and sender_for(inbound.channel) is not None:
        return inbound.channel, inbound.address
    if case.channel == Channel.EMAIL and citizen and citizen.email and sender_for(Channel.EMAIL):
        return Channel.EMAIL, citizen.email
    if (
        case.channel == Channel.WEB
        and citizen
        and citizen.email
        and not citizen.phone
        and sender_for(Channel.EMAIL)
    ):
        return Channel.EMAIL, citizen.email
    if citizen and citizen.phone and sender_for(Channel.SMS) is not None:
        return Channel.SMS, citizen.phone
    if citizen and citizen.email and sender_for(Channel.EMAIL) is not None:
        return Channel.EMAIL, citizen.email
    return None


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
    }


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
    """The outbound message for this event, made once; None when nothing is to be sent.

    Nothing is ever sent about a KADES case: the phone may be in the aggressor's hands (kentmasa.channels.
    silence; an event she would have heard of leaves a note on the case instead). The "reopen" answer
    acknowledges the citizen's own message (actor None); a reopen by staff is not announced.
    """
    announced = (
        event.public
        and event.action in templates.DEFAULTS
        and case.citizen is not None
        and not (event.action == "reopen" and event.actor_id is not None)
    )
    if silence.is_silent(case):
        if announced:
            silence.note_withheld(case, event)
        return None
    if not announced or case.citizen is None:
        return None
    target = reply_channel(case)
    if target is None:
        return None
    channel, address = target
    source = templates.choose(case.institution, channel, event.action)
    if source is None:
        return None
    citizen = case.citizen
    if (
        channel == Channel.SMS
        and not citizen.phone_verified
        and not _within_unproven_sms_limits(case, citizen.phone)
    ):
        return None
    context = context_for(case, event)
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
    (already committed) success into an error, so it is logged and shown on the case instead."""
    if _suppressed.get():
        return
    try:
        message = make_reply(case, event)
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
        return
    if message is not None:
        from kentmasa.channels.tasks import send_message

        send_message.enqueue(message.pk)
