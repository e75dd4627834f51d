"""What every channel module provides, and the registry that picks the module for a channel.

A channel module (``kentmasa/channels/sms/``, ``email/``, ``whatsapp/``…) has two halves:

* intake: parse and verify what arrived, then call :func:`kentmasa.channels.intake.receive`, which finds
  or creates the citizen, threads the message onto its case or opens a new one, and stores the media;
* reply: a :class:`Sender` whose ``send(message)`` delivers one outbound :class:`Message` and returns
  :class:`Sent` (the provider's id), or raises :class:`SendError` (temporary: retried with backoff;
  permanent: given up). Both come from :mod:`kentmasa.lib.outbound`; the SMS and e-mail senders build on
  :mod:`kentmasa.lib.sms` and :mod:`kentmasa.lib.mail`, which staff notifications use as well.

``settings.KENTMASA_SENDERS`` maps a channel to the dotted path of its sender (the SMS sender uses the
provider ``settings.KENTMASA_SMS_PROVIDER`` names); :func:`sender_for` returns it, or None when the
channel cannot send (the reply then goes by SMS if a phone number is known).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from kentmasa.channels.models import Message
from kentmasa.lib.outbound import SendError, Sent

# SendError and Sent are kentmasa.lib.outbound's (the senders of SMS and e-mail below the channels use
# them too); they are named here as well so that channel code keeps one place to import from.
__all__ = ["SendError", "Sender", "Sent", "sender_for"]


class Sender(Protocol):
    channel: str

    def can_reach(self, message: Message) -> bool:
        """Whether this message has what the channel needs (a phone number, an address, a user id)."""

    def send(self, message: Message) -> Sent:
        """Deliver it, or raise SendError."""


def sender_for(channel: str) -> Sender | None:
    path = settings.KENTMASA_SENDERS.get(channel)
    if not path:
        return None
    sender: Sender | type[Sender] = import_string(path)  # a sender object, or a class to instantiate
    return sender() if isinstance(sender, type) else sender
