"""Header values of a parsed mail as clean text, and Message-IDs as we store them."""

from __future__ import annotations

import hashlib
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message

from kentmasa.lib import edge

MAX_REFERENCES = 50

_MSGID = re.compile(r"<[^<>\s]+>")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# "Re:", "YNT:", "İLT:", "Fwd:"… in front of a subject, as mail programs in Turkish and English write them.
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|ynt|yan[ıi]t|cevap|fwd?|[iİ]lt|[iİ]leti|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)


def message_key(message_id: str) -> str:
    """A Message-ID as we store it: as written, or a digest when it is too long for the column."""
    if len(message_id) <= 200:
        return message_id
    return f"<{hashlib.sha256(message_id.encode('utf-8', 'surrogateescape')).hexdigest()}@kentmasa.invalid>"


def header(message: Message, name: str) -> str:
    """A header's text: RFC 2047 encoded words decoded, folding and NUL removed ("" when unreadable).

    Old mail programs write Turkish into headers as raw 8-bit bytes, without RFC 2047. The parser would
    turn those into "\ufffd" before anybody could look, so such a header is read from the bytes as they
    came (the parser keeps them in ``raw_items``): as UTF-8 (RFC 6532), else as the Turkish Windows code
    page, which ISO-8859-9 is a part of for every letter.
    """
    raw = _raw_value(message, name)
    if raw is not None and any("\udc80" <= ch <= "\udcff" for ch in raw):
        text = _decode_words(_decode_8bit(raw.encode("ascii", "surrogateescape")))
    else:
        try:
            value = message.get(name)
        except Exception:  # noqa: BLE001 - a header so broken that the parser cannot even say what it is
            return ""
        text = str(value or "")
    return " ".join(edge.clean_text(text).split())  # NUL is removed at the edge (kentmasa.lib.edge)


def _raw_value(message: Message, name: str) -> str | None:
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1254", "replace")


def _decode_words(text: str) -> str:
    """Encoded words (``=?utf-8?q?…?=``) that share a header with raw 8-bit text, each on its own."""
    return _ENCODED_WORD.sub(_decoded_word, text)


def _decoded_word(found: re.Match[str]) -> str:
    try:
        return str(make_header(decode_header(found.group())))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return found.group()


def message_ids(value: str) -> list[str]:
    return [message_key(found) for found in _MSGID.findall(edge.clean_text(value))][:MAX_REFERENCES]
