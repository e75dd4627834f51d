"""Meta's webhook deliveries read into what kentmasa needs: citizens' messages and our messages' statuses.

A delivery that is not Meta's at all (not JSON, no ``entry`` list, a change without its business number)
raises :class:`~kentmasa.channels.edge.Malformed` and is answered 400 before anything is written. Inside a
well-formed delivery each message stands alone: whatever can be read is kept and what cannot is noted on
the message (:attr:`Incoming.problems`), so one odd message (an interactive one without a reply, a photo
without its media id) never costs the other citizens' messages of the same delivery.

What the formats carry (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
reference/messages/): the sender's phone number in ``from`` and, since 2026, the business-scoped user id
(BSUID, ``TR.1234…``) in ``from_user_id``. A citizen who adopted a username and whose number Meta withholds
has only the user id, and is answered by it. Flow replies (``nfm_reply``) carry their answers as a JSON
string; a shared contact card names somebody else, never the sender; ``edited`` messages replace an earlier
one; a ``system`` message says the user changed number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from kentmasa.channels.edge import Malformed, read_json
from kentmasa.lib import edge

MEDIA_TYPES = ("image", "video", "audio", "document")
# Recorded without an answer: a reaction to our message is not a new message, a welcome request is Meta's.
SILENT_TYPES = ("reaction", "request_welcome")
# A business-scoped user id: two letters of country, a dot, then letters and digits (ENT ids have two dots).
USER_ID = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]{1,160}$")
MAX_SENDER = 200


@dataclass
class Incoming:
    """One citizen message out of a delivery, in the shape kentmasa needs."""

    id: str
    wa_id: str  # whom it is from and whom we answer: the phone number's digits, else the user id
    type: str
    sent_at: dt.datetime | None = None
    phone: str = ""  # the phone number's digits when Meta shared it
    user_id: str = ""  # the business-scoped user id when Meta sent it
    text: str = ""
    media_id: str = ""
    media_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""  # the location's name and address, as WhatsApp shows them
    context_id: str = ""  # the message of ours (or theirs) this one replies to
    edits: str = ""  # the id of the citizen's earlier message this one replaces
    changed_number: dict[str, str] = field(default_factory=dict)  # a system notice: old and new ids
    supported: bool = True
    silent: bool = False  # recorded without an answer
    problems: list[str] = field(default_factory=list)  # what could not be read, noted on the message

    @property
    def brings_something(self) -> bool:
        return bool(self.media_id) or self.latitude is not None


@dataclass
class Change:
    phone_number_id: str
    names: dict[str, str] = field(default_factory=dict)  # wa_id or user id → WhatsApp profile name
    messages: list[Incoming] = field(default_factory=list)
    statuses: list[dict] = field(default_factory=list)


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not an object")
    return value


def _list(container: dict, key: str) -> list:
    value = container.get(key, [])
    if not isinstance(value, list):
        raise Malformed(f"{key} is not a list")
    return value


def _string(container: dict, key: str, what: str) -> str:
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise Malformed(f"{what} has no {key}")
    return value.strip()


def _optional(container: dict, key: str) -> str:
    value = container.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Meta's seconds since 1970; None for anything unusable or implausible (kentmasa.lib.edge), so that
    our receipt time counts instead."""
    try:
        sent_at = dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    if not edge.is_plausible(sent_at):
        return None
    return min(sent_at, timezone.now())  # a phone's clock ahead of ours does not date a case in the future


def _coordinate(location: dict, key: str, limit: float) -> float:
    value = location.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Malformed(f"location has no {key}")
    try:
        number = float(value)
    except ValueError as error:
        raise Malformed(f"location {key} is not a number") from error
    if not -limit <= number <= limit:
        raise Malformed(f"location {key} is out of range")
    return number


def _digest_id(raw: Any) -> str:
    """A stable id for a message Meta sent without one, so a second delivery is still recognised."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return "wa-digest:" + hashlib.sha256(canonical.encode("utf-8", "replace")).hexdigest()


def _contacts_text(cards: list) -> str:
    """A shared contact card as text: the contact's name and numbers. Never the sender's identity."""
    lines = []
    for card in cards:
        if not isinstance(card, dict):
            continue
        name = card["name"] if isinstance(card.get("name"), dict) else {}
        label = _optional(name, "formatted_name") or " ".join(
            part for part in (_optional(name, "first_name"), _optional(name, "last_name")) if part
        )
        numbers = [
            _optional(phone, "phone") or _optional(phone, "wa_id")
            for phone in card.get("phones") or []
            if isinstance(phone, dict)
        ]
        lines.append(" ".join(part for part in (label, *filter(None, numbers)) if part))
    return "\n".join(line for line in lines if line)


def _flow_answers(reply: dict) -> str:
    """A Flow's answers (``nfm_reply.response_json``, a JSON string) as lines of "field: value"."""
    raw = reply.get("response_json")
    try:
        answers = read_json(raw) if isinstance(raw, str) else raw
    except Malformed:
        return str(raw)
    if not isinstance(answers, dict):
        return ""
    lines = []
    for key, value in answers.items():
        if key == "flow_token" or value in (None, "", [], {}):
            continue  # the token is ours, not the citizen's answer
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def _interactive(message: dict) -> str:
    interactive = _object(message.get("interactive"), "interactive")
    kind = interactive.get("type")
    if kind == "nfm_reply" or isinstance(interactive.get("nfm_reply"), dict):
        reply = _object(interactive.get("nfm_reply"), "nfm_reply")
        answers = _flow_answers(reply)
        body = _optional(reply, "body")
        return "\n".join(part for part in (body if body and body != "Sent" else "", answers) if part)
    reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
    if not isinstance(reply, dict):
        return ""
    title, description = _optional(reply, "title"), _optional(reply, "description")
    return "\n".join(part for part in (title, description) if part)


def _system(incoming: Incoming, message: dict) -> None:
    """A number change: kept as a note (who changed to what); identities are never merged on its word."""
    system = _object(message.get("system"), "system")
    incoming.supported, incoming.silent = False, True
    incoming.text = _optional(system, "body")
    kind = _optional(system, "type")
    if kind in ("user_changed_number", "customer_changed_number", "user_changed_user_id"):
        incoming.changed_number = {
            "type": kind,
            "old": incoming.phone or incoming.user_id,
            "new_wa_id": _optional(system, "wa_id") or _optional(system, "new_wa_id"),
            "new_user_id": _optional(system, "user_id"),
        }


def _content(incoming: Incoming, message: dict) -> None:
    """Fill in what the message says, by its type; raises Malformed for a part that cannot be read."""
    kind = incoming.type
    if kind == "text":
        incoming.text = str(_object(message.get("text"), "text").get("body") or "")
    elif kind in MEDIA_TYPES:
        media = _object(message.get(kind), kind)
        incoming.text = str(media.get("caption") or "")
        incoming.media_name = str(media.get("filename") or "")[:200]
        incoming.media_id = _string(media, "id", kind)
    elif kind == "location":
        location = _object(message.get("location"), "location")
        incoming.place = "\n".join(
            str(location.get(key)).strip() for key in ("name", "address") if location.get(key)
        )
        incoming.text = incoming.place
        coordinates = _coordinate(location, "latitude", 90), _coordinate(location, "longitude", 180)
        incoming.latitude, incoming.longitude = coordinates
    elif kind == "button":
        button = _object(message.get("button"), "button")
        incoming.text = _optional(button, "text") or _optional(button, "payload")
    elif kind == "interactive":
        incoming.text = _interactive(message)
    elif kind == "contacts":
        incoming.text = _contacts_text(_list(message, "contacts"))
    elif kind == "edit":
        edit = _object(message.get("edit"), "edit")
        incoming.edits = _optional(edit, "original_message_id")
        inner = _object(edit.get("message"), "edit message")
        part = inner.get(_optional(inner, "type") or "text")
        part = part if isinstance(part, dict) else {}
        incoming.text = _optional(part, "body") or _optional(part, "caption")
    elif kind == "system":
        _system(incoming, message)
    elif kind in SILENT_TYPES:
        incoming.supported, incoming.silent = False, True
    else:  # sticker, order, unsupported and whatever Meta adds next
        incoming.supported = False


def _incoming(raw: Any) -> Incoming:
    """One message, whatever shape it came in: never raises; problems are noted on it."""
    message = raw if isinstance(raw, dict) else {}
    phone = _optional(message, "from")
    user_id = _optional(message, "from_user_id")
    incoming = Incoming(
        id=_optional(message, "id") or _digest_id(raw),
        wa_id=(phone or user_id)[:MAX_SENDER],
        type=_optional(message, "type") or "unknown",
        sent_at=parse_timestamp(message.get("timestamp")),
        phone=phone if phone.isdigit() else "",
        user_id=user_id if USER_ID.match(user_id) else "",
    )
    if not isinstance(raw, dict):
        incoming.problems.append("message is not an object")
    if not incoming.wa_id:
        incoming.problems.append("message has no sender (neither from nor from_user_id)")
    context = message.get("context")
    if isinstance(context, dict) and isinstance(context.get("id"), str):
        incoming.context_id = context["id"]
    try:
        _content(incoming, message)
    except Malformed as error:
        incoming.problems.append(str(error))
    if incoming.supported and not (incoming.text.strip() or incoming.brings_something):
        # Nothing a person could read (an interactive message without a reply, a broken photo…).
        incoming.supported = False
    if not incoming.wa_id:
        incoming.supported, incoming.silent = False, True  # nobody to answer
    return incoming


def _change(raw_change: dict) -> Change:
    value = _object(raw_change.get("value"), "value")
    metadata = _object(value.get("metadata"), "metadata")
    change = Change(phone_number_id=_string(metadata, "phone_number_id", "metadata"))
    for contact in _list(value, "contacts"):
        if not isinstance(contact, dict):
            continue
        profile = contact["profile"] if isinstance(contact.get("profile"), dict) else {}
        name = (_optional(profile, "name") or _optional(profile, "username"))[:200]
        for key in ("wa_id", "user_id"):
            if _optional(contact, key):
                change.names[_optional(contact, key)] = name
    change.messages = [_incoming(message) for message in _list(value, "messages")]
    for status in _list(value, "statuses"):
        if isinstance(status, dict) and _optional(status, "id") and _optional(status, "status"):
            change.statuses.append(status)
    return change


def parse_delivery(body: bytes) -> list[Change]:
    """The message changes of one webhook delivery, or Malformed when the delivery itself is not Meta's."""
    # The signature was checked over the body as sent; NUL goes only now, and the message is still recorded.
    payload = _object(read_json(body), "the body")
    if not isinstance(payload.get("entry"), list):
        raise Malformed("the body has no entry list")
    changes = []
    for entry in payload["entry"]:
        for raw_change in _list(_object(entry, "entry"), "changes"):
            raw_change = _object(raw_change, "change")
            if raw_change.get("field") != "messages":
                continue  # account, template and quality notices are Meta's business, not a case
            changes.append(_change(raw_change))
    return changes
