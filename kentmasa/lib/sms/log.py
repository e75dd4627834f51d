"""The development SMS provider: writes the text to the log instead of sending it."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

from kentmasa.lib import phones
from kentmasa.lib.outbound import SendError
from kentmasa.lib.redact import redact
from kentmasa.lib.sms import SmsSent
from kentmasa.lib.sms.encoding import segments
from kentmasa.lib.sms.options import options

log = logging.getLogger(__name__)


class LogProvider:
    """The development default: the SMS goes to the log, with the number masked and the text redacted."""

    name = "log"

    def can_reach(self, number: str) -> bool:
        return number.startswith("+")

    def send(self, number: str, text: str) -> SmsSent:
        if settings.KENTMASA_PRODUCTION:
            # A real installation that forgot to choose a provider must not report SMS as sent.
            raise SendError("no SMS provider is configured (KENTMASA_SMS_PROVIDER)", permanent=True)
        encoding, parts = segments(text, turkish_shift=bool(options().get("turkish", True)))
        log.info("SMS to %s: %s", phones.mask(number), redact(text))
        return SmsSent(external_id=f"log-{uuid.uuid4()}", provider=self.name, encoding=encoding, parts=parts)
