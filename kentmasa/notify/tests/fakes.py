"""Real servers for the notification tests: an SMTP server (aiosmtpd) that records or refuses mail, and
settings that point lib.sms at the local fake Netgsm (kentmasa.lib.tests.fake_netgsm) over real HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from kentmasa.lib.tests.fake_netgsm import FakeNetgsm


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """Records every mail, or answers RCPT with ``refuse`` (e.g. "550 no such user") when it is set."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.recipients.append(list(envelope.rcpt_tos))
        mail = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        return "250 OK"


def mail_server(settings) -> Iterator[MailServer]:
    """A mail server on a free local port that Django's SMTP backend sends to (a fixture's body)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    yield handler
    controller.stop()


def fake_netgsm(settings) -> Iterator[FakeNetgsm]:
    """lib.sms sends through Netgsm's API, answered by the local fake (a fixture's body)."""
    fake = FakeNetgsm().start()
    settings.KENTMASA_SMS_PROVIDER = "netgsm"
    settings.KENTMASA_SMS = {
        "netgsm_username": fake.username,
        "netgsm_password": fake.password,
        "netgsm_msgheader": fake.msgheader,
        "netgsm_base_url": fake.url,
        "timeout": 5,
    }
    yield fake
    fake.stop()
