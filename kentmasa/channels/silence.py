"""KADES silence: nothing ever reaches the person of a KADES incident, on any channel.

A KADES alert is pressed in a woman's phone app; the phone (and her mailbox) may be in the aggressor's hands,
and a receipt, an answer, a question or a code from the police would tell him she called for help. So a case
whose channel is KADES — opened by the KADES gateway (no citizen record), recorded by an operator for a person
with a phone and e-mail on record, or set to KADES afterwards — is never answered, whatever the templates,
the events or the staff do:

* :func:`kentmasa.channels.replies.make_reply` makes no message for it (the first refusal, before anything
  is written) and notes on the case, once per event it would have announced, that nothing was sent;
* :func:`kentmasa.channels.tasks.deliver`, the one door through which every queued message reaches a
  provider (answers, retries, the periodic safety net, a WhatsApp template resent after the 24-hour window),
  refuses any message of a KADES case, however it came to be queued: it is marked failed, never handed to a
  sender, and the case's timeline says why;
* :func:`kentmasa.channels.phone_codes.send_phone_code` sends no one-time code to a number on record for a
  KADES case of the same institution, and answers as if it had (a stranger typing her number on the public
  form must not learn that it called the police).

The notes carry ``{"kades_silence": …}``, not ``reply_failed``: staff are not asked to reach her another way.
"""

from __future__ import annotations

import logging

from django.db.models import QuerySet

from kentmasa.cases.models import Case, Channel, Event
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution

log = logging.getLogger(__name__)

# What the case's timeline says, in Turkish like the other notes the channels write there.
NOTE = "KADES: vatandaşa ileti gönderilmez."
WITHHELD = "KADES: vatandaşa ileti gönderilmez; gönderilmedi."


def is_silent(case: Case | None) -> bool:
    """Whether nothing may be sent about this case: a KADES case."""
    return case is not None and case.channel == Channel.KADES


def note_withheld(case: Case, event: Event) -> None:
    """Say on the case that the answer to ``event`` was not made, once per event."""
    from kentmasa.cases import services

    if Event.objects.filter(case=case, action="comment", data__kades_silence=event.pk).exists():
        return
    services.comment(case, actor=None, public=False, note=NOTE, data={"kades_silence": event.pk})


def withhold(message: Message) -> str:
    """Refuse a queued message of a KADES case for good (it has been claimed: nobody else sends it)."""
    from kentmasa.cases import services

    Message.objects.filter(pk=message.pk).update(
        state=Message.State.FAILED,
        last_error=WITHHELD,
        next_attempt_at=None,
        attempts=message.attempts + 1,
    )
    log.warning("message %s of KADES case %s withheld", message.pk, message.case_id)
    if message.case is not None:
        services.comment(
            message.case,
            actor=None,
            public=False,
            note=WITHHELD,
            data={"kades_silence": "withheld", "message": message.pk},
        )
    return Message.State.FAILED


def kades_cases() -> QuerySet[Case]:
    """The KADES cases whose person has a number on record: filtered by institution and number (an
    ``OuterRef`` for a subquery), it answers :func:`kades_number` for many rows in one query."""
    return Case.objects.filter(channel=Channel.KADES).exclude(citizen__phone="")


def kades_number(institution: Institution, phone: str) -> bool:
    """Whether this number belongs to a person of a KADES case of the institution (index citizen_phone, then
    the case's citizen index)."""
    if not phone:
        return False
    return Case.objects.filter(
        institution=institution, channel=Channel.KADES, citizen__institution=institution, citizen__phone=phone
    ).exists()
