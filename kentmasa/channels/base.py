"""What every channel module provides, and the registry that picks the module for a channel.

A channel module (``kentmasa/channels/sms/``, ``email/``, ``whatsapp/``…) has two halves:

* intake: parse and verify what arrived, then call :func:`kentmasa.channels.intake.receive`, which finds
  or creates the citizen, threads the message onto its case or opens a new one, and stores the media;
* reply: a :class:`Sender` whose ``send(message)`` delivers one outbound :class:`Message` and returns the
  provider's id, or raises :class:`SendError` (temporary: retried with backoff; permanent: given up).

``settings.KENTMASA_SENDERS`` maps a channel to the dotted path of its sender (so the SMS provider is a
setting); :func:`sender_for` returns it, or None when the channel cannot send (the reply then goes by
SMS if a phone number is known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from kentmasa.channels.models import Message


class SendError(Exception):
    """A send that did not go through. ``permanent`` ones (a bad number, a blocked user) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Sent:
    external_id: str
    state: str = Message.State.SENT


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
