"""What every e-mail test shares: the mailboxes, a free port, the listener on a real socket."""

import socket

import pytest

from kentmasa.channels.email.smtpd import listener as mail_listener

MAILBOX = "alo153@esenler.bel.tr"
KAYSERI_MAILBOX = "alo153@kayseri.bel.tr"
AUTHSERV_ID = "mx.esenler.bel.tr"  # our receiving server, as its Authentication-Results name it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.KENTMASA_EMAIL = {"MAILBOXES": {MAILBOX: "esenler", KAYSERI_MAILBOX.upper(): "kayseri"}}
    settings.KENTMASA_SENDERS = {"email": "kentmasa.channels.email.sender.EmailSender"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there unless the outgoing server is started
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def listener():
    controller = mail_listener("127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()
