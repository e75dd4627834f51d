"""The development SMS sender: writes the text to the log instead of sending it."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.models import Message
from kentmasa.lib import phones
from kentmasa.lib.redact import redact

log = logging.getLogger(__name__)

# --- senders ----------------------------------------------------------------------------------------


class LogSender:
    """The development default: writes the SMS to the log instead of sending it."""

    channel = "sms"

    def can_reach(self, message: Message) -> bool:
        return message.address.startswith("+")

    def send(self, message: Message) -> Sent:
        if settings.KENTMASA_PRODUCTION:
            # A real installation that forgot KENTMASA_SMS_SENDER must not report SMS as sent.
            raise SendError("no SMS provider is configured (KENTMASA_SMS_SENDER)", permanent=True)
        log.info("SMS to %s: %s", phones.mask(message.address), redact(message.body))
        return Sent(external_id=f"log-{uuid.uuid4()}")
