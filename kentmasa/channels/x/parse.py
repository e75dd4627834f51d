"""Reading one Account Activity delivery: the tweets and direct messages in it that are addressed to us.

:func:`parse_delivery` returns a :class:`Delivery` or raises :class:`~kentmasa.channels.edge.Malformed`
(the webhook answers 400 and writes nothing). Pure apart from the clock: no database.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field

from kentmasa.channels.edge import Malformed
from kentmasa.lib import edge

# The @mentions a reply starts with (X adds them itself); the words after them are the citizen's.
LEADING_MENTIONS = re.compile(r"^(?:@\w+[\s,]*)+")


@dataclass
class Post:
    """One tweet or direct message addressed to us, as read from a delivery."""

    kind: str  # "tweet" or "dm"
    id: str
    account: str  # which of our accounts it reached
    author_id: str
    name: str
    screen_name: str
    text: str
    photo_urls: list[str] = field(default_factory=list)
    # The post a quote tweet quotes: (author's screen name, its words), else empty.
    quoted: tuple[str, str] = ("", "")
    in_reply_to: str = ""  # the tweet this one answers
    conversation_id: str = ""
    created_at: dt.datetime | None = None

    @property
    def external_id(self) -> str:
        if self.kind == "tweet":
            # One tweet may mention two of our institutions' accounts (the district and the metropolitan
            # municipality): X delivers it once for each, and each institution gets its own case.
            return f"tweet:{self.id}@{self.account}"
        return f"dm:{self.id}"


@dataclass
class Delivery:
    account: str  # for_user_id: which of our accounts this activity belongs to
    posts: list[Post]


def _id(value: object) -> str:
    """X ids are decimal strings (older payloads also send them as numbers)."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isdigit() else ""


def _clean_text(text: str, media_links: list[str]) -> str:
    """The words of a tweet: entities unescaped, media links and the leading @mentions removed.

    A photo sent with nothing but "@EsenlerBld" has no words: its text is empty (never our own handle),
    and the intake names it by what it carries.
    """
    text = html.unescape(text or "")
    for link in media_links:
        if link:
            text = text.replace(link, "")
    return LEADING_MENTIONS.sub("", text.strip()).strip()


def _quoted(tweet: dict) -> tuple[str, str]:
    """The screen name and words of the post a quote tweet quotes, if the delivery carries it."""
    quoted = tweet.get("quoted_status")
    if not isinstance(quoted, dict):
        return "", ""
    extended = quoted.get("extended_tweet") or {}
    text = extended.get("full_text") or quoted.get("full_text") or quoted.get("text") or ""
    media = (extended.get("extended_entities") or quoted.get("extended_entities") or {}).get("media") or []
    words = _clean_text(str(text), [str(m.get("url", "")) for m in media if isinstance(m, dict)])
    return str((quoted.get("user") or {}).get("screen_name") or ""), words


def _from_millis(value: object) -> dt.datetime | None:
    """X's milliseconds since 1970; None for anything unusable, and never later than now."""
    millis = _id(value)
    if not millis:
        return None
    try:
        moment = dt.datetime.fromtimestamp(int(millis) / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return _plausible(moment)


def _plausible(moment: dt.datetime | None) -> dt.datetime | None:
    """X's time if plausible (kentmasa.lib.edge), never later than now; else None: receipt time counts."""
    if moment is None or not edge.is_plausible(moment):
        return None
    return min(moment, dt.datetime.now(dt.UTC))


def _parse_tweet(tweet: dict, account: str) -> Post | None:
    tweet_id = _id(tweet.get("id_str") or tweet.get("id"))
    user = tweet.get("user") or {}
    author = _id(user.get("id_str") or user.get("id"))
    if not tweet_id or not author:
        raise Malformed("a tweet without id or author")
    if author == account or "retweeted_status" in tweet:
        return None
    extended = tweet.get("extended_tweet") or {}  # a tweet longer than 140 characters keeps its text here
    entities = extended.get("entities") or tweet.get("entities") or {}
    mentioned = {_id(m.get("id_str") or m.get("id")) for m in entities.get("user_mentions") or []}
    replying_to = _id(tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id"))
    if account not in mentioned and replying_to != account:
        return None
    media = (extended.get("extended_entities") or tweet.get("extended_entities") or {}).get("media") or []
    text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    created_at = _from_millis(tweet.get("timestamp_ms"))
    if created_at is None and tweet.get("created_at"):
        try:
            created_at = _plausible(dt.datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y"))
        except (TypeError, ValueError):
            created_at = None
    return Post(
        kind="tweet",
        id=tweet_id,
        account=account,
        author_id=author,
        name=str(user.get("name") or ""),
        screen_name=str(user.get("screen_name") or ""),
        text=_clean_text(text, [m.get("url", "") for m in media]),
        photo_urls=[
            m.get("media_url_https") or m.get("media_url") or ""
            for m in media
            if m.get("type") == "photo" and (m.get("media_url_https") or m.get("media_url"))
        ],
        quoted=_quoted(tweet),
        in_reply_to=_id(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")),
        conversation_id=_id(tweet.get("conversation_id")),
        created_at=created_at,
    )


def _parse_dm(event: dict, account: str, users: dict) -> Post | None:
    if event.get("type") != "message_create":
        return None
    event_id = _id(event.get("id"))
    create = event.get("message_create") or {}
    sender = _id(create.get("sender_id"))
    if not event_id or not sender:
        raise Malformed("a direct message without id or sender")
    if sender == account:
        return None  # the copy X sends of our own DM
    recipient = _id((create.get("target") or {}).get("recipient_id")) or account
    message_data = create.get("message_data") or {}
    attachment = message_data.get("attachment") or {}
    media = (attachment.get("media") or {}) if attachment.get("type") == "media" else {}
    photo = media.get("media_url_https") or media.get("media_url") or ""
    user = users.get(sender) or {}
    return Post(
        kind="dm",
        id=event_id,
        account=account,
        author_id=sender,
        name=str(user.get("name") or ""),
        screen_name=str(user.get("screen_name") or ""),
        text=_clean_text(message_data.get("text") or "", [media.get("url", "")]),
        photo_urls=[photo] if photo and media.get("type") == "photo" else [],
        # A one-to-one DM conversation is named by its two user ids, the smaller first.
        conversation_id="-".join(sorted((sender, recipient), key=int)),
        created_at=_from_millis(event.get("created_timestamp")),
    )


def parse_delivery(payload: object) -> Delivery:
    """The posts of one Account Activity delivery that are addressed to us. Raises Malformed."""
    try:
        if not isinstance(payload, dict):
            raise Malformed("the body is not a JSON object")
        account = _id(payload.get("for_user_id"))
        if not account:
            raise Malformed("for_user_id is missing")
        users = payload.get("users") or {}
        posts = [_parse_tweet(tweet, account) for tweet in payload.get("tweet_create_events") or []]
        posts += [_parse_dm(event, account, users) for event in payload.get("direct_message_events") or []]
    except (AttributeError, TypeError, KeyError) as error:
        # A list where an object belongs, a number where a list does: the shape is not X's.
        raise Malformed(f"unexpected structure: {error}") from error
    return Delivery(account=account, posts=[post for post in posts if post is not None])
