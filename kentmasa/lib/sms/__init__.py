"""SMS for everything that sends one: answers to citizens (kentmasa.channels.sms) and staff notifications.

:func:`send` texts a number through the configured provider and returns :class:`SmsSent` (a
:class:`~kentmasa.lib.outbound.Sent` that also says how the text went), or raises
:class:`~kentmasa.lib.outbound.SendError`; :func:`can_reach` says whether the provider can text a number
at all. ``settings.KENTMASA_SMS_PROVIDER`` picks the provider:

* ``"log"`` (the default, :mod:`.log`): writes the text to the log; refused in production;
* ``"netgsm"`` (:mod:`.netgsm`): Netgsm's REST v2 API, configured by ``NETGSM_*`` (:mod:`.options`);
* the dotted path of a provider class: anything with a ``name``, ``can_reach(number)`` and
  ``send(number, text) -> SmsSent``, made without arguments.

What a text costs and how it is written so an SMS can carry it is :mod:`.encoding` (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from kentmasa.lib.outbound import Sent

PROVIDERS = {
    "log": "kentmasa.lib.sms.log.LogProvider",
    "netgsm": "kentmasa.lib.sms.netgsm.Netgsm",
}


@dataclass(frozen=True)
class SmsSent(Sent):
    """A sent SMS, and what its sender records about it: the provider, the encoding and the parts billed."""

    provider: str = ""
    encoding: str = ""  # kentmasa.lib.sms.encoding: gsm7, turkish, ucs2
    parts: int = 0


class Provider(Protocol):
    name: str

    def can_reach(self, number: str) -> bool:
        """Whether this provider can text the number (E.164) at all."""

    def send(self, number: str, text: str) -> SmsSent:
        """Text the number, or raise SendError."""


def provider(name: str | None = None) -> Provider:
    """The provider called ``name`` ("log", "netgsm" or a dotted path), else the configured one."""
    chosen = name or getattr(settings, "KENTMASA_SMS_PROVIDER", "") or "log"
    path = PROVIDERS.get(chosen, chosen)
    try:
        found = import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"KENTMASA_SMS_PROVIDER: {chosen!r} is neither log, netgsm nor the dotted path of a class"
        ) from error
    made: Provider = found() if isinstance(found, type) else found
    return made


def send(number: str, text: str) -> SmsSent:
    """Text ``number`` (E.164) through the configured provider; raises SendError when it did not go."""
    return provider().send(number, text)


def can_reach(number: str) -> bool:
    """Whether the configured provider can text ``number`` (E.164) at all."""
    return provider().can_reach(number)
