"""Sending replies in the background, with retries and backoff, never twice."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kentmasa.channels import silence
from kentmasa.channels.base import SendError, sender_for
from kentmasa.channels.models import Message
from kentmasa.lib.redact import redact

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# 1, 2, 4, 8, 16 minutes between attempts; after the sixth failure the message is given up and shown.
BACKOFF = [dt.timedelta(minutes=2**n) for n in range(MAX_ATTEMPTS)]


def _claim(message_id: int) -> bool:
    """Take the message for this worker: only a queued message that is due can be claimed, once."""
    now = timezone.now()
    return bool(
        Message.objects.filter(pk=message_id, state=Message.State.QUEUED, next_attempt_at__lte=now).update(
            state=Message.State.SENDING
        )
    )


def deliver(message_id: int) -> str:
    """Send one queued message now. Returns its new state. Every queued message reaches its provider here
    and only here, so this is where a KADES case's is stopped (kentmasa.channels.silence)."""
    if not _claim(message_id):
        return "skipped"
    message = Message.objects.select_related("case", "institution").get(pk=message_id)
    if silence.is_silent(message.case):
        # However it was queued (before the case became KADES, a retry, a resend), it never leaves.
        return silence.withhold(message)
    sender = sender_for(message.channel)
    try:
        if sender is None:
            raise SendError(f"no sender is configured for {message.channel}", permanent=True)
        sent = sender.send(message)
    except SendError as error:
        return _failed(message, str(error), permanent=error.permanent)
    except Exception as error:  # a provider outage, a timeout, a bug: retried, and logged
        log.exception("sending message %s failed", message_id)
        return _failed(message, f"{type(error).__name__}: {error}", permanent=False)
    Message.objects.filter(pk=message.pk).update(
        state=sent.state,
        external_id=sent.external_id or message.external_id,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        last_error="",
    )
    return sent.state


def _failed(message: Message, error: str, *, permanent: bool) -> str:
    error = redact(error)  # provider errors quote the citizen's address; staff lists must not
    attempts = message.attempts + 1
    with transaction.atomic():
        if permanent or attempts >= MAX_ATTEMPTS:
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.FAILED, attempts=attempts, last_error=error[:2000], next_attempt_at=None
            )
            if message.case is not None:
                from kentmasa.cases import services

                services.comment(
                    message.case,
                    actor=None,
                    public=False,
                    data={"reply_failed": True},
                    note=(
                        f"Vatandaşa {message.get_channel_display()} ile gönderilemedi "
                        f"({attempts} deneme): {error}"
                    ),
                )
            return Message.State.FAILED
        retry_at = timezone.now() + BACKOFF[attempts - 1]
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.QUEUED, attempts=attempts, last_error=error[:2000], next_attempt_at=retry_at
        )
    send_message.using(run_after=retry_at).enqueue(message.pk)
    return Message.State.QUEUED


@task()
def send_message(message_id: int) -> str:
    return deliver(message_id)


@task()
def send_due_messages() -> int:
    """Periodic safety net: send queued messages whose task was lost.

    A message left "sending" by a worker that died is not retried by itself: the provider may already
    have accepted it, and a citizen must never get the same message twice. Staff see it on the case.
    """
    due = list(
        Message.objects.filter(state=Message.State.QUEUED, next_attempt_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )[:500]
    )
    for message_id in due:
        deliver(message_id)
    return len(due)
