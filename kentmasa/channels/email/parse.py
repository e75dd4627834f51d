"""One mail's bytes as a :class:`ParsedMail`: sender, subject, readable text, files, delivery report.

Plain Python on the standard library's ``email`` package; the only setting read is our mail server's
authserv-id, for :func:`dmarc_passed`.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr

from PIL import Image

from kentmasa.cases.intake import Media
from kentmasa.channels.email.config import config
from kentmasa.channels.email.filters import looks_like_bounce
from kentmasa.channels.email.headers import header, message_ids
from kentmasa.channels.email.htmltext import read_html
from kentmasa.lib import edge

MAX_TEXT = 100_000  # characters of a mail's text we keep
MAX_ATTACHMENTS = 20
# Inline images (shown by Content-ID) this small are signature logos, not photos of the problem.
SIGNATURE_IMAGE_BYTES = 8 * 1024
SIGNATURE_IMAGE_SIDE = 400  # pixels


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


MAX_DEPTH = 20  # nested multiparts we read; a hostile mail may nest thousands


def _text_parts(part: MIMEPart, depth: int = 0) -> list[MIMEPart]:
    """The parts a mail program shows as the mail's text, in order.

    Of alternatives the plain text is read (the HTML when there is no plain text); of mixed or related
    parts every inline text part, so the text after an inline photo is kept. Attached mails and files
    are not the text.
    """
    if depth > MAX_DEPTH:
        return []
    if part.is_multipart():
        children = [_text_parts(child, depth + 1) for child in part.iter_parts()]
        if part.get_content_subtype() == "alternative":
            for wanted in ("plain", "html"):
                for found in children:
                    if any(p.get_content_subtype() == wanted and _payload(p).strip() for p in found):
                        return found
            return []
        return [found for parts in children for found in parts]
    if part.get_content_type() not in ("text/plain", "text/html"):
        return []
    if part.get_content_disposition() == "attachment":
        return []
    return [part]


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _body_text(message: EmailMessage) -> tuple[str, list[MIMEPart], set[str]]:
    """The readable text of a mail, the parts it came from and the images its HTML signature shows."""
    try:
        parts = _text_parts(message)
    except Exception:  # noqa: BLE001 - the email package raises many kinds on a hostile structure
        parts = []
    texts: list[str] = []
    signature_cids: set[str] = set()
    for part in parts:
        text = decode_text(_payload(part), part.get_content_charset())
        if part.get_content_subtype() == "html":
            html = read_html(text)
            text = html.text
            signature_cids |= html.signature_cids
        texts.append(text.strip("\r\n"))
    return _tidy("\n\n".join(texts)), parts, signature_cids


def _signature_image(part: Message, data: bytes, signature_cids: set[str]) -> bool:
    """An inline image of the sender's signature (a logo, an icon), not a photo of the problem.

    Mail programs show it by its Content-ID: one shown inside the HTML signature is one, and so is any
    inline image under SIGNATURE_IMAGE_BYTES or with no side over SIGNATURE_IMAGE_SIDE pixels (Outlook
    names its logos image001.png and hides them in no signature element). A citizen's photo is larger.
    """
    content_id = " ".join(str(part.get("Content-ID", "")).split())
    if not content_id or part.get_content_disposition() == "attachment":
        return False
    if f"<{content_id.strip('<>')}>" in signature_cids or len(data) < SIGNATURE_IMAGE_BYTES:
        return True
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return False  # not an image we can read: the intake decides what to do with the file
    return max(width, height) <= SIGNATURE_IMAGE_SIDE


def _media(message: EmailMessage, body: list[MIMEPart], signature_cids: set[str]) -> list[Media]:
    """Files that came with the mail. The intake decides which types it accepts; we pass every file."""
    found: list[Media] = []
    for part in message.walk():
        if any(part is text for text in body) or part.is_multipart():
            continue
        maintype = part.get_content_maintype()
        disposition = part.get_content_disposition()
        if maintype in ("multipart", "message") or (maintype == "text" and disposition != "attachment"):
            continue
        if part.get_content_type() in ("application/pgp-signature", "application/pkcs7-signature"):
            continue
        data = _payload(part)
        if not data:
            continue
        if maintype == "image" and _signature_image(part, data, signature_cids):
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
                if isinstance(block, Message) and not action and block.get("Action"):
                    action = str(block.get("Action")).strip().lower()
                    diagnostic = " ".join(
                        str(block.get(name, "")).strip() for name in ("Status", "Diagnostic-Code")
                    ).strip()
        elif ctype == "message/rfc822":
            payload = part.get_payload()
            original = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(original, Message):
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
    text, body, signature_cids = _body_text(message)
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
        media=_media(message, body, signature_cids),
    )
    # Complaints (RFC 5965) and read receipts quote our mail too, but say nothing about its delivery.
    is_report = message.get_content_type() == "multipart/report"
    report_type = str(message.get_param("report-type", "") or "").lower() if is_report else ""
    if report_type not in ("feedback-report", "disposition-notification") and (
        is_report or looks_like_bounce(parsed)
    ):
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
