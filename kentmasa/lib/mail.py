"""E-mail for everything that sends one: answers to citizens (kentmasa.channels.email), staff notices.

:func:`send` writes one mail (text, optionally HTML) and :func:`deliver` sends a mail already built, both
through Django's e-mail backend (``EMAIL_BACKEND``, ``EMAIL_HOST``, ``EMAIL_PORT``…, waiting at most
``EMAIL_TIMEOUT`` seconds). Each returns :class:`~kentmasa.lib.outbound.Sent` with the mail's Message-ID,
or raises :class:`~kentmasa.lib.outbound.SendError`: the mail server's 5xx refusals (of the recipient, or
of the mail) are permanent; 4xx answers, refused credentials (ours, not the recipient's) and a server
that cannot be reached are temporary, worth trying again later.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.validators import validate_email

from kentmasa.lib.outbound import SendError, Sent


def is_address(address: str) -> bool:
    """Whether ``address`` is one e-mail address we could write to (no display name, no list)."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def send(
    to: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    from_email: str | None = None,
    headers: dict | None = None,
) -> Sent:
    """Mail ``text`` (and ``html`` as its alternative) to one address, from ``DEFAULT_FROM_EMAIL`` unless
    ``from_email`` says otherwise; ``headers`` are added as they are (a Message-ID given is kept)."""
    if not is_address(to):
        raise SendError(f"not an address we can write to: {to!r}", permanent=True)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line: a header cannot hold a line break
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=dict(headers or {}),
    )
    if html is not None:
        mail.attach_alternative(html, "text/html")
    return deliver(mail)


def connection() -> Any:
    """A connection to the configured backend that raises its errors and gives up after EMAIL_TIMEOUT."""
    return get_connection(fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30)


def deliver(mail: EmailMessage) -> Sent:
    """Send a built mail (through its own connection, else :func:`connection`); SMTP errors → SendError.

    The mail gets a Message-ID (at the sender's domain) unless it has one: that is the Sent's id.
    """
    if not any(name.lower() == "message-id" for name in mail.extra_headers):
        domain = parseaddr(str(mail.from_email))[1].rpartition("@")[2] or "localhost"
        mail.extra_headers["Message-ID"] = make_msgid(domain=domain)
    if mail.connection is None:
        mail.connection = connection()
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _text in error.recipients.values()]
        raise SendError(
            f"recipient refused: {_smtp_text(error.recipients)}",
            permanent=bool(codes) and all(500 <= code < 600 for code in codes),
        ) from error
    except smtplib.SMTPAuthenticationError as error:
        # Our credentials, not the recipient's address: retried while somebody fixes the setting.
        raise SendError(f"SMTP authentication failed: {error.smtp_code}") from error
    except smtplib.SMTPResponseException as error:
        raise SendError(
            f"SMTP {error.smtp_code}: {_smtp_text(error.smtp_error)}",
            permanent=500 <= error.smtp_code < 600,
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"mail server unreachable: {type(error).__name__}: {error}") from error
    except ValueError as error:
        # A header with a line break, an address Django cannot encode: it will not be any better later.
        raise SendError(f"the mail cannot be written: {error}", permanent=True) from error
    message_id = next(value for name, value in mail.extra_headers.items() if name.lower() == "message-id")
    return Sent(external_id=str(message_id))


def _smtp_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return "; ".join(f"{address}: {code} {_smtp_text(text)}" for address, (code, text) in value.items())
    return str(value)
