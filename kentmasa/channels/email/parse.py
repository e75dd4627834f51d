"""One mail's bytes as a :class:`ParsedMail`: sender, subject, readable text, files, delivery report.

Plain Python on the standard library's ``email`` package; the only setting read is our mail server's
authserv-id, for :func:`dmarc_passed`.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr

from kentmasa.cases.intake import Media
from kentmasa.channels.email.config import config
from kentmasa.channels.email.filters import looks_like_bounce
from kentmasa.channels.email.headers import header, message_ids
from kentmasa.channels.email.htmltext import html_to_text
from kentmasa.lib import edge

MAX_TEXT = 100_000  # characters of a mail's text we keep
MAX_ATTACHMENTS = 20
# Inline images smaller than this with a Content-ID are signature logos, not photos of the problem.
SIGNATURE_IMAGE_BYTES = 8 * 1024


@dataclass
class Report:
    """What a delivery status notification says about one of the mails it names."""

    message_ids: list[str]
    action: str  # failed, delayed, delivered, relayed, expanded
    diagnostic: str = ""


@dataclass
class ParsedMail:
    message: EmailMessage
    message_id: str
    sender: str  # the address answers go to (Reply-To, else From), lower case
    name: str
    subject: str
    text: str
    sender_proven: bool = False  # From passed DMARC at our own mail server and answers go to From
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    report: Report | None = None


# Text declared as Western European often is Turkish from an old mail program: the six letters where
# ISO-8859-1 and ISO-8859-9 differ show up as ð þ ý Ð Þ Ý instead of ğ ş ı Ğ Ş İ.
_TURKISH_OF = {"iso8859-1": "iso8859-9", "latin-1": "iso8859-9", "cp1252": "cp1254"}
_MISREAD_TURKISH = re.compile("[ðþýÐÞÝ]")


def decode_text(data: bytes, declared: str | None) -> str:
    """The text of a body part: its declared charset, else UTF-8, else the Turkish Windows code page."""
    candidates = [declared or "", "utf-8", "cp1254"]
    for charset in dict.fromkeys(candidates):
        if not charset:
            continue
        try:
            name = codecs.lookup(charset).name
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        if name in _TURKISH_OF and _MISREAD_TURKISH.search(text):
            text = data.decode(_TURKISH_OF[name], "replace")
        return text
    return data.decode("cp1254", "replace")


def _tidy(text: str) -> str:
    text = edge.clean_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[:MAX_TEXT]


def _body_text(message: EmailMessage) -> tuple[str, EmailMessage | None]:
    """The readable text of a mail (text/plain preferred, else HTML as text) and the part it came from."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 - the email package raises many kinds on a hostile structure
        part = None
    if part is None:
        return "", None
    data = part.get_payload(decode=True) or b""
    text = decode_text(data, part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return _tidy(text), part


def _media(message: EmailMessage, body: EmailMessage | None) -> list[Media]:
    """Files that came with the mail. The intake decides which types it accepts; we pass every file."""
    found: list[Media] = []
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        maintype = part.get_content_maintype()
        disposition = part.get_content_disposition()
        if maintype in ("multipart", "message") or (maintype == "text" and disposition != "attachment"):
            continue
        if part.get_content_type() in ("application/pgp-signature", "application/pkcs7-signature"):
            continue
        data = part.get_payload(decode=True) or b""
        if not data:
            continue
        if (
            maintype == "image"
            and part.get("Content-ID")
            and disposition != "attachment"
            and len(data) < SIGNATURE_IMAGE_BYTES
        ):
            continue
        try:
            name = part.get_filename() or ""
        except Exception:  # noqa: BLE001 - a file name so broken that the parser cannot read it
            name = ""
        found.append(Media(data, name[:200]))
        if len(found) >= MAX_ATTACHMENTS:
            break
    return found


def _report(message: EmailMessage, text: str) -> Report | None:
    """The delivery report a bounce carries: which of the mails it names failed (or arrived), and why."""
    ids: list[str] = []
    action, diagnostic = "", ""
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload() if isinstance(part.get_payload(), list) else []
            for block in blocks:  # the first block is about the report; the others about each recipient
                if not action and block.get("Action"):
                    action = str(block.get("Action")).strip().lower()
                    diagnostic = " ".join(
                        str(block.get(name, "")).strip() for name in ("Status", "Diagnostic-Code")
                    ).strip()
        elif ctype == "message/rfc822":
            payload = part.get_payload()
            original = payload[0] if isinstance(payload, list) and payload else None
            if original is not None:
                ids += message_ids(header(original, "Message-ID"))
        elif ctype == "text/rfc822-headers":
            headers = HeaderParser(policy=policy.default).parsestr(part.get_content())
            ids += message_ids(str(headers.get("Message-ID", "")))
    if not ids:
        # Bounces in no standard format quote the original mail's headers in their text.
        ids = message_ids(" ".join(re.findall(r"(?im)^\s*Message-ID:\s*(<[^<>\s]+>)", text)))
    if not ids:
        return None
    return Report(list(dict.fromkeys(ids)), action or "failed", edge.clean_text(diagnostic)[:500])


def parse(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = next(iter(message_ids(header(message, "Message-ID"))), "")
    if not message_id:
        # A mail without a Message-ID is known by its bytes: a second delivery of it is the same mail.
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@kentmasa.invalid>"
    name, sender, from_address = "", "", ""
    for field_name in ("Reply-To", "From"):
        parsed_name, address = parseaddr(header(message, field_name))
        if address and "@" in address:
            sender = sender or address.strip().lower()
            name = name or parsed_name.strip()
            if field_name == "From":
                from_address = address.strip().lower()
    text, body = _body_text(message)
    subject = header(message, "Subject")
    parsed = ParsedMail(
        message=message,
        message_id=message_id,
        sender=sender,
        name=name[:200],
        sender_proven=bool(sender) and sender == from_address and dmarc_passed(message, from_address),
        subject=subject,
        text=text,
        in_reply_to=message_ids(header(message, "In-Reply-To")),
        references=message_ids(header(message, "References")),
        media=_media(message, body),
    )
    if message.get_content_type() == "multipart/report" or looks_like_bounce(parsed):
        parsed.report = _report(message, text)
    return parsed


def dmarc_passed(message: EmailMessage, from_address: str) -> bool:
    """Whether our own mail server recorded ``dmarc=pass`` for the From domain (RFC 8601, RFC 7489).

    Anyone can write a From address, and anyone can add an Authentication-Results header before the mail
    reaches us; only the one our receiving server added counts. It is the topmost header carrying our
    server's authserv-id (``KENTMASA_EMAIL_AUTHSERV_ID``), which a conforming server strips from incoming
    mail before adding its own. Without that setting no From address is believed.
    """
    authserv_id = (config().get("AUTHSERV_ID") or "").strip().lower()
    domain = from_address.rpartition("@")[2]
    if not authserv_id or not domain:
        return False
    for value in message.get_all("Authentication-Results") or []:
        text = " ".join(str(value).split())
        head, _sep, results = text.partition(";")
        if head.lower().split()[:1] != [authserv_id]:
            continue
        for result in results.split(";"):
            words = result.strip().lower().split()
            if words and words[0] == "dmarc=pass":
                header_from = next((w.split("=", 1)[1] for w in words if w.startswith("header.from=")), "")
                return header_from.strip('"') == domain
        return False  # our server's verdict was not a pass
    return False
