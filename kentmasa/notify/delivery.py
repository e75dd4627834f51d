"""Sending notifications by Web Push, SMS and e-mail in the background: retries with backoff, never twice.

A delivery is sent by whichever worker first moves it from "queued" (and due) to "sending" in one
conditional UPDATE; nobody else can then send it. A temporary failure queues it again after a backoff; a
permanent one, or the last attempt, marks it failed and, when the notification is about a case, says so on
the case's internal timeline. A delivery left "sending" by a worker that died is not retried by itself
(the provider may have taken it: a member of staff must not get the same SMS twice).

The senders: Web Push through kentmasa.notify.webpush.push_to_user, SMS through kentmasa.lib.sms, e-mail
through kentmasa.lib.mail. Links are made absolute with settings.KENTMASA_PUBLIC_URL.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kentmasa.lib.outbound import SendError
from kentmasa.lib.redact import redact
from kentmasa.notify.kinds import EMAIL, KINDS, MEDIUM_LABELS, PUSH, SMS
from kentmasa.notify.models import Delivery, Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# 1, 2, 4, 8 minutes between attempts; after the fifth failure the delivery is given up.
BACKOFF = [dt.timedelta(minutes=2**n) for n in range(MAX_ATTEMPTS)]
DUE_BATCH = 500  # deliveries the periodic safety net sends at a time
SMS_PREFIX = "kentmasa: "
SMS_LENGTH = 160  # one SMS part in GSM 7-bit: the text is cut to fit with the prefix and the link
SMS_TEXT_MIN = 40  # however long the link, this much of the text is kept


def absolute(link: str) -> str:
    """A site path ("/vaka/…/") made absolute with the public address; other links are left out."""
    if not link.startswith("/") or link.startswith("//"):
        return settings.KENTMASA_PUBLIC_URL.rstrip("/") + "/"
    return settings.KENTMASA_PUBLIC_URL.rstrip("/") + link


def _claim(delivery_id: int) -> bool:
    """Take the delivery for this worker: only a queued delivery that is due can be claimed, once."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state=Delivery.State.QUEUED, next_attempt_at__lte=timezone.now()
        ).update(state=Delivery.State.SENDING)
    )


def deliver(delivery_id: int) -> str:
    """Send one queued, due delivery now. Returns its new state ("skipped" when it was not ours to send)."""
    if not _claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.select_related("notification__user", "notification__case").get(pk=delivery_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            external_id = _send(delivery)
    except SendError as error:
        return _failed(delivery, str(error), permanent=error.permanent)
    except Exception as error:  # a provider outage, a timeout, a bug: retried, and logged
        log.exception("sending notification delivery %s failed", delivery_id)
        return _failed(delivery, f"{type(error).__name__}: {error}", permanent=False)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENT,
        sent_at=timezone.now(),
        attempts=delivery.attempts + 1,
        external_id=external_id[:200],
        last_error="",
        next_attempt_at=None,
    )
    return Delivery.State.SENT


def _send(delivery: Delivery) -> str:
    notification = delivery.notification
    user = notification.user
    if user is not None and not user.is_active:
        raise SendError("the staff member's account is no longer active", permanent=True)
    if delivery.medium == PUSH:
        return _send_push(notification)
    if delivery.medium == SMS:
        return _send_sms(notification)
    if delivery.medium == EMAIL:
        return _send_email(notification)
    raise SendError(f"unknown medium {delivery.medium!r}", permanent=True)


def _send_push(notification: Notification) -> str:
    from kentmasa.notify.webpush import push_to_user

    if notification.user is None:
        raise SendError("a unit's mailbox takes no Web Push", permanent=True)
    accepted = push_to_user(notification.user, push_payload(notification))
    return f"{accepted} subscription(s)"


def push_payload(notification: Notification) -> dict:
    """What the service worker shows: a title, the text, where a tap leads, a tag (one per notification)."""
    return {
        "title": str(KINDS[notification.kind].label) if notification.kind in KINDS else "kentmasa",
        "body": notification.text,
        "url": absolute(notification.link),
        "tag": f"notification-{notification.pk}",
        "critical": notification.critical,
    }


def sms_text(notification: Notification) -> str:
    """ "kentmasa: <text> <link>", the text cut so the whole fits one SMS where it can."""
    url = absolute(notification.link)
    room = max(SMS_LENGTH - len(SMS_PREFIX) - 1 - len(url), SMS_TEXT_MIN)
    text = " ".join(notification.text.split())
    if len(text) > room:
        cut = text[: room - 3]
        if " " in cut[-15:]:
            cut = cut.rsplit(" ", 1)[0]  # at a word's end when one is near
        text = cut.rstrip() + "..."  # GSM 7-bit has no "…"
    return f"{SMS_PREFIX}{text} {url}"


def _send_sms(notification: Notification) -> str:
    from kentmasa.lib import sms

    if notification.user is None or not notification.user.mobile:
        raise SendError("no mobile number to send the SMS to", permanent=True)
    return sms.send(notification.user.mobile, sms_text(notification)).external_id


def email_parts(notification: Notification) -> tuple[str, str, str]:
    """The subject, plain text and HTML of a notification's e-mail."""
    context = {
        "notification": notification,
        "kind": KINDS.get(notification.kind),
        "url": absolute(notification.link),
        "body": notification.body or notification.text,
    }
    subject = f"kentmasa: {notification.text}"[:200]
    text = render_to_string("notify/email.txt", context)
    html = render_to_string("notify/email.html", context)
    return subject, text, html


def _send_email(notification: Notification) -> str:
    from kentmasa.lib import mail

    to = notification.user.email if notification.user is not None else notification.address
    if not to:
        raise SendError("no e-mail address to send to", permanent=True)
    subject, text, html = email_parts(notification)
    return mail.send(to, subject, text, html=html).external_id


def _failed(delivery: Delivery, error: str, *, permanent: bool) -> str:
    error = redact(error)  # provider errors quote addresses and numbers; staff lists must not
    attempts = delivery.attempts + 1
    with transaction.atomic():
        if permanent or attempts >= MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.FAILED, attempts=attempts, last_error=error[:2000], next_attempt_at=None
            )
            _record_failure(delivery, attempts, error)
            return Delivery.State.FAILED
        retry_at = timezone.now() + BACKOFF[attempts - 1]
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.QUEUED, attempts=attempts, last_error=error[:2000], next_attempt_at=retry_at
        )
    deliver_notification.using(run_after=retry_at).enqueue(delivery.pk)
    return Delivery.State.QUEUED


def _record_failure(delivery: Delivery, attempts: int, error: str) -> None:
    notification = delivery.notification
    if notification.case is None:
        return
    from kentmasa.cases import services

    user = notification.user
    who = (user.get_full_name() or user.username) if user is not None else notification.address
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Could not notify %(who)s by %(medium)s (%(attempts)s attempts): %(error)s") % {
            "who": who,
            "medium": MEDIUM_LABELS.get(delivery.medium, delivery.medium),
            "attempts": attempts,
            "error": error[:300],
        }
    services.record_event(
        notification.case,
        "notify_failed",
        note=note,
        data={"notification": notification.pk, "delivery": delivery.pk, "medium": delivery.medium},
    )


def enqueue(deliveries: Iterable[Delivery]) -> None:
    """Hand deliveries to the worker: at once, or when they are due (the end of quiet hours)."""
    now = timezone.now()
    for delivery in deliveries:
        due = delivery.next_attempt_at
        if due is not None and due > now:
            deliver_notification.using(run_after=due).enqueue(delivery.pk)
        else:
            deliver_notification.enqueue(delivery.pk)


@task()
def deliver_notification(delivery_id: int) -> str:
    return deliver(delivery_id)


@task()
def send_due_deliveries() -> int:
    """Periodic safety net: send queued deliveries that are due and whose task was lost."""
    due = list(
        Delivery.objects.filter(state=Delivery.State.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )
    for delivery_id in due:
        deliver(delivery_id)
    return len(due)
