"""The e-mail channel's settings: KENTMASA_EMAIL (see the package docstring) and the mailbox map."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings

from kentmasa.channels.edge import channel_settings, institution_for
from kentmasa.directory.models import Institution

DEFAULT_MAX_SIZE = 50 * 1024 * 1024


DEFAULTS: dict[str, Any] = {
    "MAILBOXES": {},
    "INFORMATION_MAILBOXES": [],
    "MESSAGE_ID_DOMAIN": "",
    "AUTHSERV_ID": "",
    "MAX_SIZE": DEFAULT_MAX_SIZE,
}


def config() -> dict[str, Any]:
    return channel_settings("KENTMASA_EMAIL", DEFAULTS)


def mailboxes() -> dict[str, str]:
    """Our mailbox addresses (lower case) and the slug of the institution each belongs to."""
    return {address.strip().lower(): slug for address, slug in config().get("MAILBOXES", {}).items()}


def is_information_mailbox(address: str) -> bool:
    """Whether mail to this mailbox is an information request under Law 4982 (e.g. bilgiedinme@…): such
    mail opens a case of that kind, whose eligibility the information service checks (kentmasa.foi)."""
    wanted = (address or "").strip().lower()
    return bool(wanted) and wanted in {
        item.strip().lower() for item in config().get("INFORMATION_MAILBOXES", []) or []
    }


def institution_slug_for(address: str) -> str | None:
    return mailboxes().get((address or "").strip().lower())


def institution_of(address: str) -> Institution | None:
    """The institution a mailbox belongs to (by slug, or id), or None when it is not ours."""
    return institution_for(mailboxes(), address, normalise=lambda text: text.strip().lower())


def address_of(institution: Institution | None) -> str:
    """The address an institution's mail goes out from: its first mailbox, else DEFAULT_FROM_EMAIL."""
    if institution is not None:
        for address, slug in mailboxes().items():
            if slug == institution.slug:
                return address
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
