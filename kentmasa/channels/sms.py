"""SMS: intake from the provider's webhook, replies through the provider chosen in settings."""

import logging
import uuid

from kentmasa.channels.base import Sent
from kentmasa.channels.models import Message

log = logging.getLogger(__name__)


class LogSender:
    """The development default: writes the SMS to the log instead of sending it."""

    channel = "sms"

    def can_reach(self, message: Message) -> bool:
        return message.address.startswith("+")

    def send(self, message: Message) -> Sent:
        log.info("SMS to %s: %s", message.address, message.body)
        return Sent(external_id=f"log-{uuid.uuid4()}")


urlpatterns: list = []
