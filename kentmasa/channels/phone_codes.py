"""Sends the public form's one-time phone codes (kentmasa.cases.phone_codes) by SMS, at once.

The citizen waits on the form, so the code is sent inside the request, once, and never retried by the
worker (a new code is one click away). The outbound Message is kept for the cost ledger, with the code
itself blanked out: only its hash is stored anywhere. A number on record for a KADES case of the
institution gets no code at all (kentmasa.channels.silence).
"""

import logging
from typing import Any

from django.utils import timezone

from kentmasa.cases.models import Channel, PhoneCode
from kentmasa.channels import silence
from kentmasa.channels.base import SendError, sender_for
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution

log = logging.getLogger(__name__)


def send_phone_code(
    sender: type[PhoneCode], *, institution: Institution, phone: str, text: str, code: str, **kwargs: Any
) -> bool:
    if silence.kades_number(institution, phone):
        # The person of a KADES case: no code, no ledger row, and the form says it was sent, so typing her
        # number there tells nobody that it called the police (kentmasa.channels.silence).
        log.warning("phone code withheld: the number is on record for a KADES case")
        return True
    sms = sender_for(Channel.SMS)
    if sms is None:
        return False
    message = Message.objects.create(
        direction=Message.Direction.OUT,
        channel=Channel.SMS,
        state=Message.State.SENDING,
        institution=institution,
        address=phone,
        body=text.replace(code, "•" * len(code)),
        template="phone_code",
        attempts=1,
    )
    message.body = text  # the real text exists only in memory, for the provider
    if not sms.can_reach(message):
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.FAILED, last_error="unreachable number"
        )
        return False
    try:
        sent = sms.send(message)
    except SendError as error:
        log.warning("phone code SMS not sent: %s", error)
        Message.objects.filter(pk=message.pk).update(state=Message.State.FAILED, last_error=str(error)[:500])
        return False
    Message.objects.filter(pk=message.pk).update(
        state=sent.state, external_id=sent.external_id, sent_at=timezone.now()
    )
    return True
