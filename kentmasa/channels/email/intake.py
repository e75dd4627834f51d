"""Recording one mail delivered to one of an institution's mailboxes, and bounces of our own mails.

:func:`receive_email` parses the mail, sorts out robots (:mod:`.filters`), threads it (:mod:`.threading`)
and hands it to :func:`kentmasa.channels.intake.receive`; everything commits together. The Message-ID is
the provider id, so a second delivery changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.intake import Inbound
from kentmasa.cases.models import Attachment, Channel, Kind
from kentmasa.channels import intake
from kentmasa.channels.email.config import is_information_mailbox
from kentmasa.channels.email.filters import ignore_reason
from kentmasa.channels.email.headers import REPLY_PREFIX
from kentmasa.channels.email.parse import ParsedMail, Report, parse
from kentmasa.channels.email.quotes import strip_quoted_reply
from kentmasa.channels.email.threading import find_case
from kentmasa.channels.intake import Received
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib.redact import redact


def _earlier(mail: ParsedMail, institution: Institution) -> tuple[Message | None, str]:
    """(this institution's earlier record of the mail, the external id a new record gets).

    The Message-ID is the external id. One mail addressed to two institutions is recorded by each;
    the second one to record it qualifies the id with its slug (provider ids are unique per channel).
    """
    qualified = f"{mail.message_id} {institution.slug}"
    seen = list(
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Message.Direction.IN,
            external_id__in=[mail.message_id, qualified],
        ).select_related("case")
    )
    for message in seen:
        if message.institution_id == institution.pk:
            return message, ""
    return None, qualified if seen else mail.message_id


def _record(inbound: Inbound, mail: ParsedMail, institution: Institution) -> Received:
    earlier, external_id = _earlier(mail, institution)
    if earlier is not None:
        return Received(earlier, earlier.case, created=False)
    inbound.external_id = external_id
    received = intake.receive(inbound)
    if received.message.institution_id != institution.pk:
        # Another institution recorded the same mail at the same moment and took the plain Message-ID.
        inbound.external_id = f"{mail.message_id} {institution.slug}"
        received = intake.receive(inbound)
    return received


def keep_original(received: Received, raw: bytes) -> Attachment | None:
    """Keep the mail as it came, as a private file of its case (staff only, never on the tracking page).

    The parsed text and files are what staff work with; the original is the record of what the citizen
    sent: every part, every header (who relayed it, what our server's DMARC check said). It is personal
    data like the case's other files and lives and goes with them. Its message notes which file it is.
    """
    case = received.case
    if case is None or not received.created:
        return None
    digest = hashlib.sha256(raw).hexdigest()
    original = Attachment(
        case=case,
        kind=Attachment.Kind.DOCUMENT,
        content_type="message/rfc822",
        size=len(raw),
        original_name=f"eposta-{received.message.pk}.eml",
        sha256=digest,
        public=False,
    )
    original.file.save(f"{digest[:16]}-eposta.eml", ContentFile(raw), save=False)
    original.save()
    received.message.data = {**received.message.data, "original": original.pk}
    received.message.save(update_fields=["data"])
    return original


def receive_email(
    raw: bytes, institution: Institution, *, envelope_sender: str | None = None, mailbox: str = ""
) -> Received:
    """Record one mail delivered to one of the institution's mailboxes. Everything commits together.

    ``mailbox`` is the address it was delivered to: a new case from mail to an information mailbox
    (config.is_information_mailbox) is an information request under Law 4982."""
    mail = parse(raw)
    reason = ignore_reason(mail, envelope_sender)
    data: dict[str, Any] = {"message_id": mail.message_id}
    if envelope_sender:
        data["envelope_from"] = envelope_sender
    if mail.in_reply_to:
        data["in_reply_to"] = mail.in_reply_to[0]
    subject = REPLY_PREFIX.sub("", mail.subject).strip() or mail.subject
    with transaction.atomic():
        if reason:
            if mail.report:
                data["report"] = {"message_ids": mail.report.message_ids, "action": mail.report.action}
            inbound = Inbound(
                channel=Channel.EMAIL,
                institution=institution,
                external_id="",
                address=mail.sender or (envelope_sender or "").strip("<>"),
                subject=mail.subject,
                text=mail.text,
                thread_key=mail.message_id,
                ignore_reason=reason,
                data=data,
            )
            received = _record(inbound, mail, institution)
            if received.created and mail.report:
                apply_report(mail.report)
            return received
        case = find_case(institution, mail)
        text = strip_quoted_reply(mail.text) if case is not None else mail.text
        if mail.media:
            data["attachments"] = [item.name for item in mail.media]
        inbound = Inbound(
            channel=Channel.EMAIL,
            institution=institution,
            external_id="",
            address=mail.sender,
            email=mail.sender,
            proven=frozenset({"email"}) if mail.sender_proven else frozenset(),
            name=mail.name,
            subject=subject,
            text=text,
            thread_key=mail.message_id,
            case=case,
            media=mail.media,
            data=data,
        )
        if is_information_mailbox(mailbox):
            inbound.kind = Kind.INFORMATION_REQUEST
        received = _record(inbound, mail, institution)
        keep_original(received, raw)
        return received


def apply_report(report: Report) -> Message | None:
    """A bounce (or a delivery notice) of one of our mails: update that mail, tell staff on its case."""
    sent = (
        Message.objects.select_for_update(of=("self",))
        .filter(channel=Channel.EMAIL, direction=Message.Direction.OUT, external_id__in=report.message_ids)
        .select_related("case")
        .first()
    )
    if sent is None:
        return None
    if report.action == "failed" and sent.state in (Message.State.SENT, Message.State.DELIVERED):
        error = redact(report.diagnostic or "bounced")
        Message.objects.filter(pk=sent.pk).update(state=Message.State.FAILED, last_error=error[:2000])
        if sent.case is not None:
            services.comment(
                sent.case,
                actor=None,
                public=False,
                note=_("The e-mail to the citizen (%(address)s) could not be delivered: %(error)s")
                % {"address": redact(sent.address), "error": error},
            )
    elif report.action in ("delivered", "relayed") and sent.state == Message.State.SENT:
        Message.objects.filter(pk=sent.pk).update(state=Message.State.DELIVERED, delivered_at=timezone.now())
    return sent
