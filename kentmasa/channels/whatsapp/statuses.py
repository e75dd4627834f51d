"""Meta's news about the messages we sent: sent, delivered, read or failed.

Statuses only move forward (a late "delivered" never undoes "read") and each is idempotent. A failure is
shown to staff on the case; one that says the 24-hour window had closed sends the approved template instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.channels.models import Message
from kentmasa.channels.whatsapp.graph import REENGAGEMENT_REQUIRED, describe_error
from kentmasa.channels.whatsapp.parse import parse_timestamp

_EARLIER = {
    "delivered": [Message.State.SENT],
    "read": [Message.State.SENT, Message.State.DELIVERED],
}


def apply_status(status: dict) -> None:
    """Meta's news about one of our messages: delivered, read or failed. Idempotent."""
    state = status["status"]
    at = parse_timestamp(status.get("timestamp")) or timezone.now()
    ours = Message.objects.filter(
        channel=Channel.WHATSAPP, direction=Message.Direction.OUT, external_id=status["id"]
    )
    if state == "delivered":
        ours.filter(state__in=_EARLIER["delivered"]).update(state=Message.State.DELIVERED, delivered_at=at)
    elif state == "read":
        ours.filter(state__in=_EARLIER["read"]).update(
            state=Message.State.READ, delivered_at=Coalesce("delivered_at", at)
        )
    elif state == "failed":
        _failed(ours, status)
    # "sent" is what the send itself recorded; anything else (e.g. "deleted") changes nothing.


def _failed(ours: QuerySet[Message], status: dict) -> None:
    errors = [error for error in status.get("errors") or [] if isinstance(error, dict)]
    codes = {error.get("code") for error in errors}
    description = "; ".join(describe_error(error) for error in errors) or "failed"
    with transaction.atomic():
        message = ours.select_for_update(of=("self",)).select_related("case").first()
        if message is None or message.state not in (Message.State.SENT, Message.State.DELIVERED):
            return
        if REENGAGEMENT_REQUIRED in codes and message.case_id and message.data.get("sent_as") != "template":
            # The window had closed before Meta tried: the approved template goes instead.
            message.data = {**message.data, "outside_window": True}
            message.state = Message.State.QUEUED
            message.next_attempt_at = timezone.now()
            message.last_error = description
            message.save(update_fields=["data", "state", "next_attempt_at", "last_error"])
            from kentmasa.channels.tasks import send_message

            transaction.on_commit(lambda: send_message.enqueue(message.pk))
            return
        message.state = Message.State.FAILED
        message.last_error = description[:2000]
        message.next_attempt_at = None
        message.save(update_fields=["state", "last_error", "next_attempt_at"])
        if message.case is not None:
            with translation.override(settings.LANGUAGE_CODE):
                note = _("The WhatsApp message to the citizen was not delivered: %(error)s") % {
                    "error": description
                }
            services.comment(message.case, actor=None, public=False, note=note, data={"reply_failed": True})
