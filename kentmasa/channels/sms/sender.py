"""Answers to citizens by SMS: the channel's sender over :mod:`kentmasa.lib.sms`.

:class:`SmsSender` (the default in ``settings.KENTMASA_SENDERS``) texts through the provider
``settings.KENTMASA_SMS_PROVIDER`` names and records on the message how the text went (provider,
encoding, parts: what it cost). Delivery reports and received SMS are the channel's: for a provider that
keeps them (Netgsm) the sender polls them through :data:`POLLING`.

:class:`LogSender` and :class:`kentmasa.channels.sms.netgsm.NetgsmSender` are the same sender with its
provider fixed, for installations that name them in ``KENTMASA_SMS_SENDER``.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.module_loading import import_string

from kentmasa.cases.models import Channel
from kentmasa.channels.models import Message
from kentmasa.lib import sms
from kentmasa.lib.sms import SmsSent

# Provider name → the channel's poller for its delivery reports and inbox (made with the provider).
POLLING = {"netgsm": "kentmasa.channels.sms.netgsm.NetgsmPolling"}


class Polling(Protocol):
    def poll_reports(self) -> int:
        """Apply the provider's delivery reports; how many messages changed state."""

    def poll_inbox(self) -> int:
        """Read the SMS citizens sent into the intake; how many were new."""


class SmsSender:
    """Texts citizens through kentmasa.lib.sms: the configured provider, or the one a subclass names."""

    channel = Channel.SMS
    provider_name: str | None = None  # None: settings.KENTMASA_SMS_PROVIDER

    def __init__(self) -> None:
        self.provider = sms.provider(self.provider_name)

    def can_reach(self, message: Message) -> bool:
        return self.provider.can_reach(message.address)

    def send(self, message: Message) -> SmsSent:
        sent = self.provider.send(message.address, message.body)
        if sent.provider:
            Message.objects.filter(pk=message.pk).update(
                data={
                    **message.data,
                    "sms": {"provider": sent.provider, "encoding": sent.encoding, "parts": sent.parts},
                }
            )
        return sent

    def _polling(self) -> Polling | None:
        path = POLLING.get(self.provider.name)
        return import_string(path)(self.provider) if path else None

    def poll_reports(self) -> int:
        """Ask the provider how the SMS still "sent" fared; how many changed state (0: it keeps none)."""
        polling = self._polling()
        return polling.poll_reports() if polling is not None else 0

    def poll_inbox(self) -> int:
        """Read the SMS citizens sent, where the provider keeps them; how many were new."""
        polling = self._polling()
        return polling.poll_inbox() if polling is not None else 0


class LogSender(SmsSender):
    """The development sender: the SMS goes to the log (kentmasa.lib.sms.log), never in production."""

    provider_name = "log"
