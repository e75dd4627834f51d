"""Delivery reports of the SMS we sent: applied once, failures shown on the case; the periodic poll.

:func:`record_delivery` applies one report (pushed to the webhook or polled from the provider);
:func:`poll_provider` / the task ``poll_sms_provider`` asks the configured provider for reports (and for
received SMS, where it keeps them).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_tasks import task

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.channels.base import SendError, sender_for
from kentmasa.channels.models import Message
from kentmasa.lib.outbound import staff_text

log = logging.getLogger(__name__)

# --- delivery reports -------------------------------------------------------------------------------

DELIVERED = "delivered"
FAILED = "failed"
PENDING = "pending"


def record_delivery(
    external_id: str, outcome: str, *, error: str = "", at: dt.datetime | None = None
) -> tuple[Message | None, bool]:
    """Apply a delivery report to the SMS the provider knows by this id: (the message, whether it changed).

    Only a message still "sent" changes, so a report delivered twice (or by the webhook and the poll)
    changes it once, and a failure is noted on the case once. The message is None if we sent no SMS
    with this id (yet: a report may overtake the worker that is recording the provider's answer).
    """
    message = (
        Message.objects.filter(channel=Channel.SMS, direction=Message.Direction.OUT, external_id=external_id)
        .select_related("case")
        .first()
    )
    if message is None or outcome == PENDING:
        return message, False
    if outcome == DELIVERED:
        changed = Message.objects.filter(pk=message.pk, state=Message.State.SENT).update(
            state=Message.State.DELIVERED, delivered_at=at or timezone.now()
        )
    else:
        with transaction.atomic():
            changed = Message.objects.filter(pk=message.pk, state=Message.State.SENT).update(
                state=Message.State.FAILED, last_error=error[:2000], next_attempt_at=None
            )
            if changed and message.case is not None:
                services.comment(
                    message.case,
                    actor=None,
                    public=False,
                    data={"reply_failed": True},
                    note=staff_text(
                        gettext_lazy("The SMS to the citizen was not delivered: %(reason)s"), reason=error
                    ),
                )
    message.refresh_from_db()
    return message, bool(changed)


def poll_provider() -> dict:
    """Ask the configured SMS provider for delivery reports (and received SMS, where it keeps them)."""
    sender = sender_for(Channel.SMS)
    done = {"reports": 0, "received": 0}
    if sender is None:
        return done
    try:
        if hasattr(sender, "poll_reports"):
            done["reports"] = sender.poll_reports()
        if hasattr(sender, "poll_inbox"):
            done["received"] = sender.poll_inbox()
    except SendError as error:
        # The provider is down or refuses us; the next run asks again.
        log.warning("polling the SMS provider failed: %s", error)
    return done


@task()
def poll_sms_provider() -> dict:
    """Periodic: delivery reports (and the inbox) from the SMS provider. Safe in several copies."""
    return poll_provider()
