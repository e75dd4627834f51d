"""Answers on X: publicly in the thread for a case that began with a mention, by DM for one begun by DM.

A tweet is read by everybody, so a public reply carries only the tracking number and a fixed status line
(:data:`PUBLIC_TEXTS`): never a name, a phone number, an address or the unit's free-text answer. X refuses
a post whose text repeats an earlier one, so a public reply that would say what an earlier reply on the
same case said gets a counter ("(2)"). A DM carries the full templated text.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kentmasa.cases.models import Channel
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.models import Message
from kentmasa.channels.x import client
from kentmasa.channels.x.options import config, credentials, staff_text

TWEET_LIMIT = 280
NOT_A_USER = gettext_noop("This is not an X user id: %(address)s")
NO_TOKEN = gettext_noop("No X access token is configured.")

# What a public reply says for each event: the tracking number and a neutral line, nothing more.
PUBLIC_TEXTS = {
    "open": gettext_noop(
        "Your request has been recorded with number %(number)s. For details, send us a direct message."
    ),
    "transfer": gettext_noop("Request %(number)s has been passed to the unit responsible for it."),
    "ask_citizen": gettext_noop(
        "We need more information for request %(number)s. Please send us a direct message."
    ),
    "resolve": gettext_noop(
        "Request %(number)s has been concluded. For the answer, send us a direct message with this number."
    ),
    "resolve_on_the_spot": gettext_noop(
        "Request %(number)s has been concluded. For the answer, send us a direct message with this number."
    ),
    "reject": gettext_noop(
        "Request %(number)s could not be taken up. For the reason, send us a direct message with this number."
    ),
    "redirect": gettext_noop("Request %(number)s has been referred to the institution responsible for it."),
}
PUBLIC_FALLBACK = gettext_noop(
    "There is news about request %(number)s. For details, send us a direct message with this number."
)


def public_text(message: Message) -> str:
    """The public reply for this event: the tracking number and a fixed line, in the site's language."""
    number = format_tracking_number(message.case.tracking_number) if message.case is not None else ""
    with translation.override(settings.LANGUAGE_CODE):
        text = _(PUBLIC_TEXTS.get(message.template, PUBLIC_FALLBACK)) % {"number": number}
    return text[:TWEET_LIMIT]


def distinct_text(message: Message, text: str) -> str:
    """The text, with a counter when an earlier public reply on the case said exactly this."""
    if message.case_id is None:
        return text
    earlier = set(
        Message.objects.filter(
            case_id=message.case_id, channel=Channel.SOCIAL, direction=Message.Direction.OUT
        )
        .exclude(pk=message.pk)
        .filter(data__has_key="tweet_text")
        .values_list("data__tweet_text", flat=True)
    )
    candidate, count = text, 1
    while candidate in earlier:
        count += 1
        suffix = f" ({count})"
        candidate = text[: TWEET_LIMIT - len(suffix)] + suffix
    return candidate


def _origin(message: Message) -> Message | None:
    """The inbound message the case began with on X (the one replies.reply_channel answers)."""
    if message.case_id is None:
        return None
    return (
        Message.objects.filter(
            case_id=message.case_id, channel=Channel.SOCIAL, direction=Message.Direction.IN
        )
        .order_by("pk")
        .first()
    )


def _citizen_tweet(message: Message) -> str:
    """The citizen's latest tweet on the case: the public reply answers it, so it lands in their thread."""
    if message.case_id is None:
        return ""
    latest = (
        Message.objects.filter(
            case_id=message.case_id,
            channel=Channel.SOCIAL,
            direction=Message.Direction.IN,
            address=message.address,
            external_id__startswith="tweet:",
        )
        .order_by("-pk")
        .first()
    )
    return latest.external_id.removeprefix("tweet:").partition("@")[0] if latest is not None else ""


class XSender:
    """Answers X cases: publicly in the thread for a mention, by DM for a DM."""

    channel = Channel.SOCIAL

    def can_reach(self, message: Message) -> bool:
        return message.address.isdigit()

    def send(self, message: Message) -> Sent:
        if not self.can_reach(message):
            raise SendError(staff_text(NOT_A_USER, address=message.address), permanent=True)
        conf = config()
        origin = _origin(message)
        account = str((origin.data or {}).get("account", "")) if origin is not None else ""
        if not account and message.institution is not None:
            slug = message.institution.slug
            account = next((a for a, s in (conf.get("ACCOUNTS") or {}).items() if s == slug), "")
        signer = credentials(conf, account)
        if signer is None:
            raise SendError(staff_text(NO_TOKEN), permanent=True)
        in_reply_to = _citizen_tweet(message) if origin is not None and not origin.data.get("dm") else ""
        if in_reply_to:
            text = distinct_text(message, public_text(message))
            body = {"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}}
            data = client.post(conf, signer, "/2/tweets", body)
            Message.objects.filter(pk=message.pk).update(data={**(message.data or {}), "tweet_text": text})
            return Sent(external_id=f"tweet:{data['id']}" if data.get("id") else "")
        data = client.post(
            conf, signer, f"/2/dm_conversations/with/{message.address}/messages", {"text": message.body}
        )
        event_id = data.get("dm_event_id") or data.get("id")
        return Sent(external_id=f"dm:{event_id}" if event_id else "")
