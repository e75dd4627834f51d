"""Header values of a parsed mail as clean text, and Message-IDs as we store them."""

from __future__ import annotations

import hashlib
import re
from email.message import EmailMessage

from kentmasa.lib import edge

MAX_REFERENCES = 50

_MSGID = re.compile(r"<[^<>\s]+>")
# "Re:", "YNT:", "İLT:", "Fwd:"… in front of a subject, as mail programs in Turkish and English write them.
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|ynt|yan[ıi]t|cevap|fwd?|[iİ]lt|[iİ]leti|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)


def message_key(message_id: str) -> str:
    """A Message-ID as we store it: as written, or a digest when it is too long for the column."""
    if len(message_id) <= 200:
        return message_id
    return f"<{hashlib.sha256(message_id.encode('utf-8', 'surrogateescape')).hexdigest()}@kentmasa.invalid>"


def header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header so broken that the parser cannot even say what it is
        return ""
    text = str(value or "")
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # Raw 8-bit text in a header, written without RFC 2047: UTF-8, or else the Turkish code page.
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1254", "replace")
    return " ".join(edge.clean_text(text).split())  # NUL is removed at the edge (kentmasa.lib.edge)


def message_ids(value: str) -> list[str]:
    return [message_key(found) for found in _MSGID.findall(edge.clean_text(value))][:MAX_REFERENCES]
