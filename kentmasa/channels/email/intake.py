"""E-mail: citizens write to the institution's mailbox (alo153@…, eskisehir155@…) and get answers by mail.

Intake is an SMTP or LMTP listener (``manage.py email_listener``) that the institution's mail server
hands the mailbox's mail to. Each mail is parsed with the standard library, threaded onto the case it
answers (an In-Reply-To/References header naming one of the case's messages, or a tracking number in the
subject), and recorded through :func:`kentmasa.channels.intake.receive` in one transaction before the
listener answers 250; a database error answers 451 and the mail server tries again later. The
Message-ID makes a second delivery of the same mail change nothing. Auto-replies, bounces and mailing
lists are recorded as ignored and never open a case; a bounce of one of our own mails marks that mail
failed on its case.

Replies go out through Django's mail API (:class:`EmailSender`) from the institution's mailbox, with
our own Message-ID, In-Reply-To/References pointing at the citizen's mail, the tracking number in the
subject so that the citizen's answer threads, and ``Auto-Submitted`` so that other robots do not answer.

Settings (all optional except the mailboxes)::

    KENTMASA_EMAIL = {
        "MAILBOXES": {"alo153@adana.bel.tr": "adana"},  # address -> institution slug
        "MESSAGE_ID_DOMAIN": "adana.bel.tr",  # default: the domain of the address we send from
        "MAX_SIZE": 50 * 1024 * 1024,  # bytes the listener accepts in one mail
    }
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import logging
import re
import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from email.utils import formataddr, make_msgid, parseaddr
from html import escape
from html.parser import HTMLParser

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import close_old_connections, connections, transaction
from django.utils import timezone, translation
from django.utils.html import linebreaks, urlize
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.channels import intake
from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.intake import Inbound, Media, Received
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib import edge, turkish
from kentmasa.lib.redact import redact

log = logging.getLogger(__name__)

MAX_TEXT = 100_000  # characters of a mail's text we keep
MAX_ATTACHMENTS = 20
MAX_REFERENCES = 50
# Inline images smaller than this with a Content-ID are signature logos, not photos of the problem.
SIGNATURE_IMAGE_BYTES = 8 * 1024
DEFAULT_MAX_SIZE = 50 * 1024 * 1024


# Settings ---------------------------------------------------------------------------------------------


def _config() -> dict:
    return getattr(settings, "KENTMASA_EMAIL", None) or {}


def mailboxes() -> dict[str, str]:
    """Our mailbox addresses (lower case) and the slug of the institution each belongs to."""
    return {address.strip().lower(): slug for address, slug in _config().get("MAILBOXES", {}).items()}


def institution_slug_for(address: str) -> str | None:
    return mailboxes().get((address or "").strip().lower())


def address_of(institution: Institution | None) -> str:
    """The address an institution's mail goes out from: its first mailbox, else DEFAULT_FROM_EMAIL."""
    if institution is not None:
        for address, slug in mailboxes().items():
            if slug == institution.slug:
                return address
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


# Parsing (plain Python) --------------------------------------------------------------------------------


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


_MSGID = re.compile(r"<[^<>\s]+>")
# "Re:", "YNT:", "İLT:", "Fwd:"… in front of a subject, as mail programs in Turkish and English write them.
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|ynt|yan[ıi]t|cevap|fwd?|[iİ]lt|[iİ]leti|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)


def message_key(message_id: str) -> str:
    """A Message-ID as we store it: as written, or a digest when it is too long for the column."""
    if len(message_id) <= 200:
        return message_id
    return f"<{hashlib.sha256(message_id.encode('utf-8', 'surrogateescape')).hexdigest()}@kentmasa.invalid>"


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header so broken that the parser cannot even say what it is
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


def _message_ids(value: str) -> list[str]:
    return [message_key(found) for found in _MSGID.findall(edge.clean_text(value))][:MAX_REFERENCES]


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


class _HTMLText(HTMLParser):
    BLOCKS = {
        "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }  # fmt: skip
    HIDDEN = {"head", "script", "style", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _tidy(text: str) -> str:
    text = edge.clean_text(text).replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[:MAX_TEXT]


def _body_text(message: EmailMessage) -> tuple[str, EmailMessage | None]:
    """The readable text of a mail (text/plain preferred, else HTML as text) and the part it came from."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
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
        if maintype == "image" and part.get("Content-ID") and disposition != "attachment":
            if len(data) < SIGNATURE_IMAGE_BYTES:
                continue
        try:
            name = part.get_filename() or ""
        except Exception:
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
                ids += _message_ids(_header(original, "Message-ID"))
        elif ctype == "text/rfc822-headers":
            headers = HeaderParser(policy=policy.default).parsestr(part.get_content())
            ids += _message_ids(str(headers.get("Message-ID", "")))
    if not ids:
        # Bounces in no standard format quote the original mail's headers in their text.
        ids = _message_ids(" ".join(re.findall(r"(?im)^\s*Message-ID:\s*(<[^<>\s]+>)", text)))
    if not ids:
        return None
    return Report(list(dict.fromkeys(ids)), action or "failed", edge.clean_text(diagnostic)[:500])


def parse(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    message_id = next(iter(_message_ids(_header(message, "Message-ID"))), "")
    if not message_id:
        # A mail without a Message-ID is known by its bytes: a second delivery of it is the same mail.
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@kentmasa.invalid>"
    name, sender, from_address = "", "", ""
    for header in ("Reply-To", "From"):
        parsed_name, address = parseaddr(_header(message, header))
        if address and "@" in address:
            sender = sender or address.strip().lower()
            name = name or parsed_name.strip()
            if header == "From":
                from_address = address.strip().lower()
    text, body = _body_text(message)
    subject = _header(message, "Subject")
    parsed = ParsedMail(
        message=message,
        message_id=message_id,
        sender=sender,
        name=name[:200],
        sender_proven=bool(sender) and sender == from_address and dmarc_passed(message, from_address),
        subject=subject,
        text=text,
        in_reply_to=_message_ids(_header(message, "In-Reply-To")),
        references=_message_ids(_header(message, "References")),
        media=_media(message, body),
    )
    if message.get_content_type() == "multipart/report" or _looks_like_bounce(parsed):
        parsed.report = _report(message, text)
    return parsed


def dmarc_passed(message: EmailMessage, from_address: str) -> bool:
    """Whether our own mail server recorded ``dmarc=pass`` for the From domain (RFC 8601, RFC 7489).

    Anyone can write a From address, and anyone can add an Authentication-Results header before the mail
    reaches us; only the one our receiving server added counts. It is the topmost header carrying our
    server's authserv-id (``KENTMASA_EMAIL_AUTHSERV_ID``), which a conforming server strips from incoming
    mail before adding its own. Without that setting no From address is believed.
    """
    authserv_id = (_config().get("AUTHSERV_ID") or "").strip().lower()
    domain = from_address.rpartition("@")[2]
    if not authserv_id or not domain:
        return False
    for header in message.get_all("Authentication-Results") or []:
        text = " ".join(str(header).split())
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


# Auto-replies, bounces and lists ---------------------------------------------------------------------

_SYSTEM_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-AutoReply-From", "X-Mail-Autoreply")
_OUT_OF_OFFICE = re.compile(
    r"^(otomatik yanit|otomatik cevap|ofis disinda|ofiste degilim|out of (the )?office|automatic reply|"
    r"auto[- ]?reply|autoreply|auto[- ]?response|abwesenheitsnotiz)"
)
_BOUNCE_SUBJECT = re.compile(
    r"^(undeliverable|undelivered mail|delivery status notification|mail delivery failed|"
    r"returned mail|delivery failure|failure notice|teslim edilemedi|iletilemedi|teslim edilemeyen)"
)


def _folded_subject(subject: str) -> str:
    return _REPLY_PREFIX.sub("", turkish.fold(subject))


def _looks_like_bounce(mail: ParsedMail) -> bool:
    local = mail.sender.split("@")[0]
    return local in _SYSTEM_SENDERS or bool(_BOUNCE_SUBJECT.match(_folded_subject(mail.subject)))


def ignore_reason(mail: ParsedMail, envelope_sender: str | None = None) -> str:
    """Why this mail must not open or touch a case ("" when it is a citizen's mail)."""
    message = mail.message
    report_type = str(message.get_param("report-type", "") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        return "bounce: delivery status notification"
    if message.get_content_type() == "multipart/report" and report_type == "disposition-notification":
        return "receipt: read receipt"
    if message.get_content_type() == "multipart/report":
        return f"auto_generated: report ({report_type or 'unknown'})"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "bounce: empty envelope sender"
    if _header(message, "Return-Path").replace(" ", "") == "<>":
        return "bounce: empty Return-Path"
    if not mail.sender:
        return "bounce: no sender address"
    if mail.sender.split("@")[0] in _SYSTEM_SENDERS:
        return f"bounce: sent by {mail.sender.split('@')[0]}"
    if mail.sender in mailboxes():
        return "loop: sent from one of our own mailboxes"
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto_reply: Auto-Submitted: {auto_submitted[:60]}"
    for name in _AUTO_HEADERS:
        if message.get(name) is not None:
            return f"auto_reply: {name}"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"auto_reply: Precedence: {precedence}"
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return "mailing_list: List-Id"
    folded = _folded_subject(mail.subject)
    if _OUT_OF_OFFICE.match(folded):
        return "auto_reply: out-of-office subject"
    if _BOUNCE_SUBJECT.match(folded):
        return "bounce: delivery failure subject"
    return ""


# Threading -------------------------------------------------------------------------------------------

_QUOTE_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|orijinal ileti|özgün ileti|asıl ileti|forwarded message|"
    r"iletilen ileti)\s*-{2,}\s*$",
    re.I,
)
_ATTRIBUTION = re.compile(r"(wrote|yazdı)\s*:\s*$", re.I)
_OUTLOOK_FROM = re.compile(r"^\s*(from|kimden|gönderen)\s*:", re.I)
_OUTLOOK_DATE = re.compile(r"^\s*(sent|date|gönderildi|tarih|gönderilme tarihi)\s*:", re.I)


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: what the citizen wrote above the quoted earlier mail."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        cut = None
        if line.lstrip().startswith(">") or _QUOTE_SEPARATOR.match(line):
            cut = index
        elif _ATTRIBUTION.search(line):
            cut = index
            if (
                index
                and lines[index - 1].strip().lower().startswith("on ")
                and not line.lower().startswith("on ")
            ):
                cut = index - 1  # "On Tue, 3 Mar 2026 at 10:00, Ali Kaya <ali@…>" wrapped before "wrote:"
        elif _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_DATE.match(nxt) for nxt in lines[index + 1 : index + 4]
        ):
            cut = index
        if cut is not None:
            before = "\n".join(lines[:cut]).strip()
            return before or text
    return text


def tracking_numbers_in(text: str) -> list[str]:
    """Valid tracking numbers written in a text: "[26-0000123-4]", "26 0000123 4", "2600001234"."""
    found: list[str] = []
    for run in re.finditer(r"\d+(?:[ \-]\d+)*", text or ""):
        groups = re.split(r"[ \-]", run.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > 14:
                    break
                number = clean_tracking_number(digits) if len(digits) >= 10 else None
                if number and number not in found:
                    found.append(number)
    return found


def _current(case: Case) -> Case:
    """A merged case lives on in the case it was merged into."""
    for _hop in range(5):
        if case.merged_into_id is None:
            break
        case = Case.objects.select_related("citizen").get(pk=case.merged_into_id)
    return case


def find_case(institution: Institution, mail: ParsedMail) -> Case | None:
    """The institution's case this mail answers, or None for a new matter.

    A reply names one of the case's mails in In-Reply-To or References (ours or the citizen's); failing
    that, the subject carries the tracking number of one of the sender's own cases — believed only when
    the From address passed DMARC at our mail server (``sender_proven``), since anyone can write a From
    line and tracking numbers are not secret.
    """
    references = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    if references:
        keys = references + [f"{ref} {institution.slug}" for ref in references]
        known = {
            message.external_id: message.case
            for message in Message.objects.filter(
                channel=Channel.EMAIL, institution=institution, external_id__in=keys, case__isnull=False
            ).select_related("case", "case__citizen")
        }
        for ref in references:
            for key in (ref, f"{ref} {institution.slug}"):
                if key in known:
                    return _current(known[key])
    numbers = tracking_numbers_in(mail.subject) if mail.sender_proven else []
    if numbers:
        cases = list(
            Case.objects.filter(institution=institution, tracking_number__in=numbers).select_related(
                "citizen"
            )
        )
        # Only the case's own citizen (or an address that already wrote on that case) may continue it by
        # quoting its number: tracking numbers are not secret, and a stranger must not answer for someone
        # else, nor redirect the answer to themselves. Anybody else's mail becomes a new case.
        wrote = set(
            Message.objects.filter(
                case__in=cases,
                channel=Channel.EMAIL,
                direction=Message.Direction.IN,
                address__iexact=mail.sender,
            ).values_list("case_id", flat=True)
        )
        own = [
            case
            for case in cases
            if (case.citizen_id and case.citizen.email.lower() == mail.sender.lower()) or case.pk in wrote
        ]
        if own:
            return _current(own[0])
    return None


# Intake ----------------------------------------------------------------------------------------------


def _earlier(mail: ParsedMail, institution: Institution) -> tuple[Message | None, str]:
    """(this institution's earlier record of the mail, the external id a new record gets).

    The Message-ID is the external id. One mail addressed to two institutions is recorded by each;
    the second one to record it qualifies the id with its slug (provider ids are unique per channel).
    """
    qualified = f"{mail.message_id} {institution.slug}"
    seen = list(
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Message.Direction.IN,
            external_id__in=[mail.message_id, qualified],
        ).select_related("case")
    )
    for message in seen:
        if message.institution_id == institution.pk:
            return message, ""
    return None, qualified if seen else mail.message_id


def _record(inbound: Inbound, mail: ParsedMail, institution: Institution) -> Received:
    earlier, external_id = _earlier(mail, institution)
    if earlier is not None:
        return Received(earlier, earlier.case, created=False)
    inbound.external_id = external_id
    received = intake.receive(inbound)
    if received.message.institution_id != institution.pk:
        # Another institution recorded the same mail at the same moment and took the plain Message-ID.
        inbound.external_id = f"{mail.message_id} {institution.slug}"
        received = intake.receive(inbound)
    return received


def receive_email(raw: bytes, institution: Institution, *, envelope_sender: str | None = None) -> Received:
    """Record one mail delivered to one of the institution's mailboxes. Everything commits together."""
    mail = parse(raw)
    reason = ignore_reason(mail, envelope_sender)
    data = {"message_id": mail.message_id}
    if envelope_sender:
        data["envelope_from"] = envelope_sender
    if mail.in_reply_to:
        data["in_reply_to"] = mail.in_reply_to[0]
    subject = _REPLY_PREFIX.sub("", mail.subject).strip() or mail.subject
    with transaction.atomic():
        if reason:
            if mail.report:
                data["report"] = {"message_ids": mail.report.message_ids, "action": mail.report.action}
            inbound = Inbound(
                channel=Channel.EMAIL,
                institution=institution,
                external_id="",
                address=mail.sender or (envelope_sender or "").strip("<>"),
                subject=mail.subject,
                text=mail.text,
                thread_key=mail.message_id,
                ignore_reason=reason,
                data=data,
            )
            received = _record(inbound, mail, institution)
            if received.created and mail.report:
                apply_report(mail.report)
            return received
        case = find_case(institution, mail)
        text = strip_quoted_reply(mail.text) if case is not None else mail.text
        if mail.media:
            data["attachments"] = [item.name for item in mail.media]
        inbound = Inbound(
            channel=Channel.EMAIL,
            institution=institution,
            external_id="",
            address=mail.sender,
            email=mail.sender,
            proven=frozenset({"email"}) if mail.sender_proven else frozenset(),
            name=mail.name,
            subject=subject,
            text=text,
            thread_key=mail.message_id,
            case=case,
            media=mail.media,
            data=data,
        )
        return _record(inbound, mail, institution)


def apply_report(report: Report) -> Message | None:
    """A bounce (or a delivery notice) of one of our mails: update that mail, tell staff on its case."""
    sent = (
        Message.objects.select_for_update(of=("self",))
        .filter(channel=Channel.EMAIL, direction=Message.Direction.OUT, external_id__in=report.message_ids)
        .select_related("case")
        .first()
    )
    if sent is None:
        return None
    if report.action == "failed" and sent.state in (Message.State.SENT, Message.State.DELIVERED):
        error = redact(report.diagnostic or "bounced")
        Message.objects.filter(pk=sent.pk).update(state=Message.State.FAILED, last_error=error[:2000])
        if sent.case_id:
            services.comment(
                sent.case,
                actor=None,
                public=False,
                note=_("The e-mail to the citizen (%(address)s) could not be delivered: %(error)s")
                % {"address": redact(sent.address), "error": error},
            )
    elif report.action in ("delivered", "relayed") and sent.state == Message.State.SENT:
        Message.objects.filter(pk=sent.pk).update(state=Message.State.DELIVERED, delivered_at=timezone.now())
    return sent


# The listener ----------------------------------------------------------------------------------------

ACCEPTED = "250 2.0.0 OK: accepted"
TRY_LATER = "451 4.3.0 Temporary failure, please try again later"


def check_recipient(address: str) -> str:
    """The answer to RCPT TO: our mailboxes only, and only when their institution exists."""
    slug = institution_slug_for(address)
    if slug is None:
        return f"550 5.1.1 <{address}>: no such mailbox here"
    close_old_connections()
    try:
        if not Institution.objects.filter(slug=slug).exists():
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
        for slug in dict.fromkeys(institution_slug_for(address) for address in recipients):
            if slug is None:
                statuses[slug] = "550 5.1.1 No such mailbox here"
                continue
            try:
                institution = Institution.objects.get(slug=slug)
                with translation.override(settings.LANGUAGE_CODE):
                    received = receive_email(raw, institution, envelope_sender=envelope_sender)
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

    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kentmasa-mail")

    async def _in_worker(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        status = await self._in_worker(check_recipient, address)
        if status.startswith("250"):
            envelope.rcpt_tos.append(address)
        return status

    async def handle_DATA(self, server, session, envelope):
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

    def factory(self):
        return (LMTP if self.handler.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False):
        super().stop(no_assert)
        self.handler.close()


def listener(host: str, port: int, *, lmtp: bool = False) -> MailController:
    """A listener ready to start(); see the email_listener management command."""
    return MailController(
        MailHandler(lmtp=lmtp),
        hostname=host,
        port=port,
        ident="kentmasa",
        data_size_limit=int(_config().get("MAX_SIZE", DEFAULT_MAX_SIZE)),
    )


# Replies ---------------------------------------------------------------------------------------------


def _thread_headers(message: Message) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a reply: the citizen's latest mail on the case, and the thread."""
    if message.case_id is None:
        return "", []
    earlier = (
        Message.objects.filter(case_id=message.case_id, channel=Channel.EMAIL)
        .exclude(pk=message.pk)
        .order_by("pk")
        .values_list("direction", "external_id", "thread_key")
    )
    thread: list[str] = []
    last_inbound = ""
    for direction, external_id, thread_key in earlier:
        key = thread_key if direction == Message.Direction.IN else external_id
        if key.startswith("<") and key not in thread:
            thread.append(key)
        if direction == Message.Direction.IN and thread_key.startswith("<"):
            last_inbound = thread_key
    parent = message.thread_key if message.thread_key.startswith("<") else last_inbound
    if not parent:
        return "", []
    references = [key for key in thread if key != parent][-9:] + [parent]
    return parent, references


def _tag(case: Case | None) -> str:
    return f"[{format_tracking_number(case.tracking_number)}]" if case and case.tracking_number else ""


def tagged_subject(message: Message) -> str:
    """The subject with the tracking number as "[26-0000123-4]", which threads the citizen's answer."""
    subject = " ".join((message.subject or "").split())
    tag = _tag(message.case)
    if not tag:
        return subject or (message.institution.name if message.institution else "")
    number = tag[1:-1]
    if tag in subject:
        return subject
    if number in subject:
        return subject.replace(number, tag, 1)
    return f"{tag} {subject or message.case.institution.name}"


class EmailSender:
    """Sends a reply by mail through Django's e-mail backend (EMAIL_HOST, EMAIL_PORT…)."""

    channel = Channel.EMAIL

    def can_reach(self, message: Message) -> bool:
        try:
            validate_email(message.address)
        except ValidationError:
            return False
        return message.address.strip().lower() not in mailboxes()  # never write to ourselves

    def build(self, message: Message, connection=None) -> EmailMultiAlternatives:
        institution = message.institution or (message.case.institution if message.case_id else None)
        from_address = address_of(institution)
        domain = _config().get("MESSAGE_ID_DOMAIN") or from_address.rpartition("@")[2] or "localhost"
        tag = _tag(message.case)
        with translation.override(settings.LANGUAGE_CODE):
            footer = (
                _("To add to your application, reply to this e-mail and keep %(number)s in the subject.")
                % {"number": tag}
                if tag
                else ""
            )
        sender = institution.name if institution else ""
        text = message.body.strip() + (f"\n\n-- \n{sender}\n{footer}".rstrip() if sender or footer else "")
        headers = {
            "Message-ID": make_msgid(idstring=str(message.pk), domain=domain),
            # RFC 3834: robots must not answer us. The acknowledgement answers the citizen's own mail;
            # the other notices are generated by events on the case.
            "Auto-Submitted": "auto-replied" if message.template == "open" else "auto-generated",
            "X-Auto-Response-Suppress": "All",  # the same, for Microsoft Exchange and Outlook
        }
        in_reply_to, references = _thread_headers(message)
        if in_reply_to:
            headers["In-Reply-To"] = in_reply_to
            headers["References"] = " ".join(references)
        mail = EmailMultiAlternatives(
            subject=tagged_subject(message),
            body=text,
            from_email=formataddr((sender, from_address)) if sender else from_address,
            to=[message.address],
            headers=headers,
            connection=connection,
        )
        html = linebreaks(urlize(message.body.strip(), autoescape=True), autoescape=False)
        if sender or footer:
            html += f'<hr><p style="color:#555">{escape(sender)}<br>{escape(footer)}</p>'
        mail.attach_alternative(
            f'<html><body style="font-family:sans-serif">{html}</body></html>', "text/html"
        )
        return mail

    def send(self, message: Message) -> Sent:
        if not self.can_reach(message):
            raise SendError(f"not an address we can write to: {message.address!r}", permanent=True)
        connection = get_connection(
            fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30
        )
        mail = self.build(message, connection)
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise SendError(
                f"recipient refused: {_smtp_text(error.recipients)}",
                permanent=bool(codes) and all(500 <= code < 600 for code in codes),
            ) from error
        except smtplib.SMTPAuthenticationError as error:
            # Our credentials, not the citizen's address: retried while somebody fixes the setting.
            raise SendError(f"SMTP authentication failed: {error.smtp_code}") from error
        except smtplib.SMTPResponseException as error:
            raise SendError(
                f"SMTP {error.smtp_code}: {_smtp_text(error.smtp_error)}",
                permanent=500 <= error.smtp_code < 600,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendError(f"mail server unreachable: {type(error).__name__}: {error}") from error
        return Sent(external_id=mail.extra_headers["Message-ID"])


def _smtp_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return "; ".join(f"{address}: {code} {_smtp_text(text)}" for address, (code, text) in value.items())
    return str(value)


urlpatterns: list = []
