"""The common half of every channel's intake: one call per message that arrived.

``receive`` is idempotent on the provider's message id, finds or creates the citizen inside the
institution (for a message threaded onto its case, only by what is proven), threads the message onto
the case it answers (or opens a new case through
kentmasa.cases.intake.open_from), stores the media as attachments, and records the inbound Message — all
in one transaction, so a webhook is acknowledged only after everything it brought is committed.

A message about a resolved or closed case reopens it within the institution's ``reopen_days`` after it
was finished, and otherwise opens a new case that follows it (services.follow_up); rejected, redirected
and merged cases are never threaded onto: the message opens a new case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.intake import Inbound, citizen_for, open_from
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Citizen, Status
from kentmasa.channels.models import Message
from kentmasa.lib import edge

log = logging.getLogger(__name__)


@dataclass
class Received:
    message: Message
    case: Case | None
    created: bool  # False when this delivery was seen before


def _subject(inbound: Inbound) -> str:
    text = (inbound.subject or inbound.text or "").strip()
    first_line = text.splitlines()[0] if text else ""
    if not first_line:
        first_line = "Fotoğraflı bildirim" if inbound.media else "Konum bildirimi"
    return first_line[:120]


def _fit(inbound: Inbound) -> None:
    """Make what a provider sent storable on both databases, whatever it was (see kentmasa.lib.edge).

    NUL is removed from every text; a text longer than its column is cut, an id too long becomes a
    digest (so retries still find it), an e-mail address or phone number too long to be one is dropped
    (a cut one would reach somebody else); the message is recorded all the same. A provider's time
    outside the plausible window gives way to our receipt time.
    """
    for name in ("external_id", "address", "text", "subject", "name", "phone", "email", "thread_key"):
        setattr(inbound, name, edge.clean_text(getattr(inbound, name) or ""))
    inbound.ignore_reason = edge.clean_text(inbound.ignore_reason)
    inbound.data = edge.clean_tree(inbound.data)
    for item in inbound.media:
        item.name = edge.clean_text(item.name)
    inbound.external_id = edge.fit_id(inbound.external_id, _length(Message, "external_id"))
    inbound.thread_key = edge.fit_id(inbound.thread_key, _length(Message, "thread_key"))
    inbound.address = edge.fit(inbound.address, _length(Message, "address"))
    inbound.name = edge.fit(inbound.name, _length(Citizen, "name"))
    if len(inbound.email) > _length(Citizen, "email"):
        inbound.email = ""
    if len(inbound.phone) > _length(Citizen, "phone"):
        inbound.phone = ""
    inbound.received_at = edge.plausible_time(inbound.received_at)


def _length(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a text column")
    return field.max_length


def receive(inbound: Inbound) -> Received:
    """Record one inbound message; returns the (new or earlier) Message and its case."""
    _fit(inbound)
    if inbound.external_id:
        earlier = (
            Message.objects.filter(
                channel=inbound.channel, direction=Message.Direction.IN, external_id=inbound.external_id
            )
            .select_related("case")
            .first()
        )
        if earlier is not None:
            return Received(earlier, earlier.case, created=False)
    try:
        with transaction.atomic():
            return _receive(inbound)
    except IntegrityError:
        # Two deliveries of the same message raced; the other one won and wrote everything. Any other
        # constraint is a real error and goes up.
        earlier = (
            Message.objects.select_related("case")
            .filter(channel=inbound.channel, direction=Message.Direction.IN, external_id=inbound.external_id)
            .first()
            if inbound.external_id
            else None
        )
        if earlier is None:
            raise
        return Received(earlier, earlier.case, created=False)


def _receive(inbound: Inbound) -> Received:
    message = Message(
        direction=Message.Direction.IN,
        channel=inbound.channel,
        institution=inbound.institution,
        address=inbound.address,
        external_id=inbound.external_id,
        thread_key=inbound.thread_key,
        subject=inbound.subject[:300],
        body=inbound.text,
        data=inbound.data,
    )
    if inbound.ignore_reason:
        message.state = Message.State.IGNORED
        message.last_error = inbound.ignore_reason
        message.save()
        return Received(message, None, created=True)
    case = (
        inbound.case
        if inbound.case is not None and inbound.case.institution_id == inbound.institution.pk
        else None
    )
    # A message threaded onto its case records its sender only by what is proven (cases.citizens): a name
    # or typed address alone would only become a second, unconnected person on every message.
    citizen = citizen_for(inbound) if case is None or inbound.proven else None
    message.state = Message.State.RECEIVED
    follows = None
    if case is not None:
        note = inbound.text.strip() or "(ek)"
        answered = False
        if case.status == Status.WAITING_CITIZEN:
            try:
                case, answered = services.citizen_answered(case, actor=None, answer=note), True
            except services.TransitionError:
                # Staff changed the case since the channel read it (took her answer by phone, rejected
                # it): the message is decided on the case as it is now, never a failed delivery.
                case.refresh_from_db()
        if answered:
            pass
        elif case.status in ACTIVE_STATUSES:
            services.comment(case, actor=None, note=note, public=True, from_citizen=True)
        elif case.status in (Status.RESOLVED, Status.CLOSED):
            # A thank-you is only noted. Otherwise, within the institution's window the citizen's message
            # reopens the case; later it opens a new case that follows it. Either way the citizen hears of
            # it (kentmasa.channels.replies).
            reopened = services.follow_up(case, message=note, with_files=bool(inbound.media))
            follows, case = (None, reopened) if reopened is not None else (case, None)
        else:
            case = None
    if case is None:
        if citizen is None and follows is not None:
            # Too late to reopen: the new case records the sender like any new case, and failing anything
            # to record (an X reply in her own thread carries no name) it is the person's of the case it
            # follows, on which the channel threaded her message; she is acknowledged on it.
            citizen = citizen_for(inbound) or follows.citizen
        case = open_from(replace(inbound, subject=_subject(inbound), citizen=citizen, follows=follows))
    message.case = case
    message.save()
    for item in inbound.media:
        try:
            add_attachment(case, item.data, name=item.name, public=True)
        except ValidationError as error:
            # The text still counts; a file we cannot accept is noted on the message, not a lost case.
            message.last_error = "; ".join(error.messages)
            message.save(update_fields=["last_error"])
    return Received(message, case, created=True)
