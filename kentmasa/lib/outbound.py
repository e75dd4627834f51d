"""What a sender answers, for every sender (SMS, e-mail, channel replies, staff notifications).

A send either returns :class:`Sent` (the provider's id for it, and the state it is in now) or raises
:class:`SendError`: a *temporary* one (the provider is down, our credentials are wrong) is worth trying
again later; a *permanent* one (a bad number, a refused address, a text too long) is not.
:func:`staff_text` writes a sender's texts for staff (errors stored on a message or a delivery) in the
site's language, whoever triggered the send.

``kentmasa.channels.base`` re-exports both classes: channel code and its tests import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation


class SendError(Exception):
    """A send that did not go through. ``permanent`` ones (a bad number, a blocked user) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Sent:
    """A send that went through: the provider's id for it and its state ("sent"; "delivered" if known)."""

    external_id: str
    state: str = "sent"


def staff_text(message: object, **params: object) -> str:
    """A text for the staff (an error, a note on a case), in the site's language whoever triggered it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)
