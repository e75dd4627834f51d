"""The SMTP/LMTP listener the institution's mail server delivers the mailboxes to (``email_listener``).

It accepts only our mailboxes and answers 250 only after the mail is committed; a database error
answers 451 and the mail server delivers again later (recording is idempotent on the Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import translation

from kentmasa.channels.email.config import DEFAULT_MAX_SIZE, config, institution_of, institution_slug_for
from kentmasa.channels.email.intake import receive_email

log = logging.getLogger("kentmasa.channels.email")

ACCEPTED = "250 2.0.0 OK: accepted"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"


def check_recipient(address: str) -> str:
    """The answer to RCPT TO: our mailboxes only, and only when their institution exists."""
    slug = institution_slug_for(address)
    if slug is None:
        return f"550 5.1.1 <{address}>: no such mailbox here"
    close_old_connections()
    try:
        if institution_of(address) is None:
            log.error("mailbox %s belongs to institution %r, which does not exist", address, slug)
            return TRY_LATER
    except Exception:
        log.exception("checking mailbox %s failed", address)
        return TRY_LATER
    finally:
        close_old_connections()
    return "250 2.1.5 OK"


def deliver(raw: bytes, recipients: list[str], envelope_sender: str | None) -> list[str]:
    """Record one mail for every institution it is addressed to. Returns one SMTP status per recipient.

    A status starting with 250 means the mail is committed; anything else is temporary (451) and the
    mail server delivers again later. Recording is idempotent, so a repeat never makes a second case.
    """
    close_old_connections()
    try:
        statuses: dict[str | None, str] = {}
        first_address: dict[str | None, str] = {}
        for address in recipients:
            first_address.setdefault(institution_slug_for(address), address)
        for slug, address in first_address.items():
            if slug is None:
                statuses[slug] = "550 5.1.1 No such mailbox here"
                continue
            try:
                institution = institution_of(address)
                if institution is None:
                    raise LookupError(f"mailbox {address} belongs to no institution (slug {slug!r})")
                with translation.override(settings.LANGUAGE_CODE):
                    received = receive_email(
                        raw, institution, envelope_sender=envelope_sender, mailbox=address
                    )
                log.info(
                    "mail %s for %s: %s",
                    received.message.thread_key,
                    slug,
                    received.case.tracking_number if received.case else received.message.state,
                )
                statuses[slug] = ACCEPTED
            except Exception:
                log.exception("recording a mail for %s failed; the mail server will try again", slug)
                statuses[slug] = TRY_LATER
        return [statuses[institution_slug_for(address)] for address in recipients]
    finally:
        close_old_connections()


class MailHandler:
    """The aiosmtpd handler. The database work runs in one thread of its own, off the event loop: one
    writer at a time suits SQLite, and the thread keeps its connection from mail to mail."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kentmasa-mail")

    async def _in_worker(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        status: str = await self._in_worker(check_recipient, address)
        if status.startswith("250"):
            envelope.rcpt_tos.append(address)
        return status

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        statuses = await self._in_worker(
            deliver,
            envelope.original_content or envelope.content,
            list(envelope.rcpt_tos),
            envelope.mail_from,
        )
        if self.lmtp:
            return "\r\n".join(statuses)  # LMTP answers DATA once per recipient (RFC 2033)
        failed = [status for status in statuses if not status.startswith("250")]
        return failed[0] if failed else ACCEPTED

    def close(self) -> None:
        self.worker.submit(connections.close_all).result()
        self.worker.shutdown()


class MailController(Controller):
    """An aiosmtpd controller speaking SMTP, or LMTP when the handler's ``lmtp`` is set."""

    def factory(self) -> SMTP:
        return (LMTP if self.handler.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert)
        self.handler.close()


def listener(host: str, port: int, *, lmtp: bool = False) -> MailController:
    """A listener ready to start(); see the email_listener management command."""
    return MailController(
        MailHandler(lmtp=lmtp),
        hostname=host,
        port=port,
        ident="kentmasa",
        data_size_limit=int(config().get("MAX_SIZE", DEFAULT_MAX_SIZE)),
    )
