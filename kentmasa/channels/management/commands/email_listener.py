"""Receive the institutions' mailboxes (alo153@…, eskisehir155@…) over SMTP or LMTP and record each mail.

The institution's mail server hands the mailbox's mail to this listener (a Postfix transport, an
Exchange connector). It accepts only the addresses in KENTMASA_EMAIL["MAILBOXES"] and answers 250 only
after the mail is committed, so it must be reachable by the mail server alone: it does no spam or virus
filtering and no authentication of its own.
"""

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.channels.email.config import mailboxes
from kentmasa.channels.email.smtpd import listener


class Command(BaseCommand):
    help = "Listen for citizens' e-mail over SMTP (or LMTP) and open or update cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8025, help="Port to listen on (default 8025).")
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (RFC 2033) instead of SMTP.")

    def handle(self, *args: Any, host: str, port: int, lmtp: bool, **options: Any) -> None:
        addresses = mailboxes()
        if not addresses:
            raise CommandError('No mailboxes: set KENTMASA_EMAIL["MAILBOXES"] (address -> institution slug).')
        if options["verbosity"] < 2:
            # aiosmtpd logs every command with the citizens' addresses; keep those out of the logs.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = listener(host, port, lmtp=lmtp)
        try:
            controller.start()
        except Exception as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from error
        protocol = "LMTP" if lmtp else "SMTP"
        self.stdout.write(f"{protocol} on {host}:{port} for {', '.join(sorted(addresses))}")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
            self.stdout.write("stopped")
