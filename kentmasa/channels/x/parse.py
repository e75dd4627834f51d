"""X (Twitter): mentions and direct messages through the Account Activity webhook, answers in the thread.

Intake. X calls ``/kanal/x/webhook/``:

* ``GET ?crc_token=…``: the challenge-response check X makes when the webhook is registered and then
  regularly. We answer with the token's HMAC-SHA256 under the app's consumer secret, which proves we hold it.
* ``POST``: the activity of a subscribed account (``for_user_id``, one of ours), signed with the same secret
  over the raw body in ``x-twitter-webhooks-signature``. A delivery without a valid signature gets 403 and
  writes nothing; one we cannot read gets 400 and writes nothing.

A tweet that mentions our account (``tweet_create_events``) opens a case (its message is
``tweet:<tweet id>@<our account id>``, our public replies ``tweet:<tweet id>``); the author's
later tweets in that conversation thread onto it. A direct message (``direct_message_events``) opens a
case, or threads onto the sender's active case (or the case whose tracking number it quotes), ``dm:<id>``.
Our own tweets and DMs, retweets and everything else X reports (likes, follows, typing…) are ignored. A
delivery X sends again finds its messages already recorded and changes nothing.

Reply. :class:`XSender` answers where the case began. A tweet is read by everybody, so a case that began
with a public mention gets a public reply in its thread that carries only the tracking number and a fixed
status line: never a name, a phone number, an address or the unit's free-text answer, which may contain
any of them. A case that began by DM gets the full templated text by DM.

Settings (``settings.KENTMASA_X``, each defaulting to an environment variable, see ``_from_environment``):
``CONSUMER_SECRET`` (the app's API secret: CRC and signatures), ``BEARER_TOKEN`` (OAuth 2.0 user access
token of the account, scopes tweet.read tweet.write users.read dm.read dm.write), ``BEARER_TOKENS``
(per account id, when several institutions' accounts share the app), ``BEARER_TOKEN_FILE`` (read at each
send, for a token refreshed by another process), ``ACCOUNTS`` ({our account's user id: institution slug}),
``API_URL``, ``MEDIA_HOSTS`` (where photos may be fetched from) and ``TIMEOUT`` (seconds).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Status
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.intake import Inbound, Media, receive
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution
from kentmasa.lib import edge

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
TWEET_LIMIT = 280
MAX_PHOTOS = 4  # a tweet carries at most four
MAX_PHOTO_BYTES = 15 * 1024 * 1024
# The statuses in which intake threads a message onto a case rather than opening a new one.
THREADING_STATUSES = (*ACTIVE_STATUSES, Status.RESOLVED, Status.CLOSED)
TRACKING_NUMBER = re.compile(r"\b\d{2}[- ]?\d{7}[- ]?\d\b")
LEADING_MENTIONS = re.compile(r"^(?:@\w+[\s,]*)+")

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


def _accounts_from(value: str) -> dict[str, str]:
    """``"1234:esenler,5678:kayseri"`` → ``{"1234": "esenler", "5678": "kayseri"}``."""
    accounts = {}
    for item in value.split(","):
        account, _sep, slug = item.strip().partition(":")
        if account.strip() and slug.strip():
            accounts[account.strip()] = slug.strip()
    return accounts


def _from_environment() -> dict:
    return {
        "CONSUMER_SECRET": os.environ.get("KENTMASA_X_CONSUMER_SECRET", ""),
        "BEARER_TOKEN": os.environ.get("KENTMASA_X_BEARER_TOKEN", ""),
        "BEARER_TOKENS": {},
        "BEARER_TOKEN_FILE": os.environ.get("KENTMASA_X_BEARER_TOKEN_FILE", ""),
        "ACCOUNTS": _accounts_from(os.environ.get("KENTMASA_X_ACCOUNTS", "")),
        "API_URL": os.environ.get("KENTMASA_X_API_URL", "https://api.x.com"),
        "MEDIA_HOSTS": ["pbs.twimg.com", "ton.twitter.com"],
        "TIMEOUT": float(os.environ.get("KENTMASA_X_TIMEOUT", "10")),
    }


def config() -> dict:
    return {**_from_environment(), **getattr(settings, "KENTMASA_X", {})}


# --- signatures ----------------------------------------------------------------------------------------


def _hmac(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(secret: str, crc_token: str) -> str:
    """The ``response_token`` X expects for a CRC check."""
    return _hmac(secret, crc_token.encode())


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    return bool(signature) and hmac.compare_digest(_hmac(secret, body).encode(), signature.strip().encode())


# --- reading a delivery ----------------------------------------------------------------------------------


class Malformed(ValueError):
    """A delivery we cannot read: refused with 400, nothing written."""


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


def _id(value) -> str:
    """X ids are decimal strings (older payloads also send them as numbers)."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isdigit() else ""


def _clean_text(text: str, media_links: list[str]) -> str:
    """The words of a tweet: entities unescaped, media links and the leading @mentions of a reply removed."""
    text = html.unescape(text or "")
    for link in media_links:
        if link:
            text = text.replace(link, "")
    stripped = LEADING_MENTIONS.sub("", text.strip()).strip()
    return stripped or text.strip()


def _from_millis(value) -> dt.datetime | None:
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


def parse_delivery(payload) -> Delivery:
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


# --- recording it ----------------------------------------------------------------------------------------


def _bearer_token(conf: dict, account: str) -> str:
    token = (conf.get("BEARER_TOKENS") or {}).get(account, "")
    if not token and conf.get("BEARER_TOKEN_FILE"):
        try:
            token = Path(conf["BEARER_TOKEN_FILE"]).read_text().strip()
        except OSError as error:
            log.error("cannot read the X bearer token file: %s", error)
    return token or conf.get("BEARER_TOKEN", "")


def _read_limited(response: requests.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise ValueError(f"larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_photos(post: Post, conf: dict, account: str) -> tuple[list[Media], list[str]]:
    """Download the post's photos from X's media hosts. A photo we cannot get is noted, not fatal."""
    photos, problems = [], []
    hosts = set(conf.get("MEDIA_HOSTS") or ())
    for url in post.photo_urls[:MAX_PHOTOS]:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or parts.hostname not in hosts:
            problems.append(f"not fetched from an unexpected host: {url}")
            continue
        # Photos of a DM are private: X serves them only to the account's own token.
        token = _bearer_token(conf, account) if post.kind == "dm" else ""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            with requests.get(url, headers=headers, timeout=conf["TIMEOUT"], stream=True) as response:
                response.raise_for_status()
                data = _read_limited(response, MAX_PHOTO_BYTES)
        except (requests.RequestException, ValueError) as error:
            log.warning("X photo %s of %s not fetched: %s", url, post.external_id, error)
            problems.append(f"{url}: {error}")
            continue
        photos.append(Media(data, name=PurePosixPath(parts.path).name or "x-photo.jpg"))
    return photos, problems


def _social(institution: Institution):
    return Message.objects.filter(channel=Channel.SOCIAL, institution=institution)


def _tweet_thread(post: Post, institution: Institution) -> tuple[str, Case | None]:
    """The conversation this tweet belongs to, and the case it continues (only the author's own case)."""
    earlier = None
    if post.in_reply_to:
        earlier = (
            _social(institution)
            .filter(external_id__in=[f"tweet:{post.in_reply_to}", f"tweet:{post.in_reply_to}@{post.account}"])
            .select_related("case")
            .order_by("-pk")
            .first()
        )
    if earlier is None and post.conversation_id:
        earlier = (
            _social(institution)
            .filter(thread_key=post.conversation_id, address=post.author_id)
            .select_related("case")
            .order_by("-pk")
            .first()
        )
    thread_key = post.conversation_id or (earlier.thread_key if earlier else "") or post.id
    # Somebody else answering in a citizen's thread is a different person: their own case, not a
    # comment on somebody else's.
    case = earlier.case if earlier is not None and earlier.address == post.author_id else None
    return thread_key, case


def _dm_case(post: Post, institution: Institution) -> Case | None:
    """The sender's case this DM continues: the one whose tracking number it quotes, else their active one."""
    from_sender = _social(institution).filter(direction=Message.Direction.IN, address=post.author_id)
    for match in TRACKING_NUMBER.findall(post.text):
        number = clean_tracking_number(match)
        if number:
            quoted = from_sender.filter(case__tracking_number=number).select_related("case").first()
            if quoted is not None:
                return quoted.case
    active = (
        from_sender.filter(case__status__in=ACTIVE_STATUSES).select_related("case").order_by("-pk").first()
    )
    return active.case if active is not None else None


def _inbound(post: Post, delivery: Delivery, institution: Institution, photos, problems) -> Inbound:
    if post.kind == "tweet":
        thread_key, case = _tweet_thread(post, institution)
    else:
        thread_key, case = post.conversation_id, _dm_case(post, institution)
    data = {
        "dm": post.kind == "dm",
        "account": delivery.account,
        "screen_name": post.screen_name,
        f"{post.kind}_id": post.id,
    }
    if problems:
        data["media_problems"] = problems
    name = post.name or (f"@{post.screen_name}" if post.screen_name else "")
    if case is not None and case.status in THREADING_STATUSES:
        # The message joins a case whose citizen we already know; a name alone would only make
        # intake record a second, unconnected person.
        name = ""
    return Inbound(
        channel=Channel.SOCIAL,
        institution=institution,
        external_id=post.external_id,
        address=post.author_id,
        name=name,
        text=post.text,
        thread_key=thread_key,
        case=case,
        media=photos,
        data=data,
        received_at=post.created_at,
    )


def record(delivery: Delivery, institution: Institution, conf: dict) -> int:
    """Record the delivery's posts; returns how many were new."""
    seen = set(
        _social(institution)
        .filter(direction=Message.Direction.IN, external_id__in=[p.external_id for p in delivery.posts])
        .values_list("external_id", flat=True)
    )
    # Photos are fetched before the transaction (nothing is locked while X's servers answer), and only
    # for posts not seen before: a repeated delivery downloads nothing.
    fetched = {
        post.external_id: fetch_photos(post, conf, delivery.account)
        for post in delivery.posts
        if post.external_id not in seen
    }
    created = 0
    with transaction.atomic():
        for post in delivery.posts:
            photos, problems = fetched.get(post.external_id, ([], []))
            created += receive(_inbound(post, delivery, institution, photos, problems)).created
    return created


def _refuse(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> JsonResponse:
    conf = config()
    secret = conf.get("CONSUMER_SECRET", "")
    if not secret:
        log.error("X webhook called but KENTMASA_X['CONSUMER_SECRET'] is not set")
        return _refuse(_("The X channel is not configured."), 503)
    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return _refuse(_("The crc_token parameter is missing."), 400)
        return JsonResponse({"response_token": crc_response(secret, crc_token)})
    if not signature_is_valid(secret, request.body, request.headers.get(SIGNATURE_HEADER, "")):
        log.warning("X webhook delivery with a missing or wrong signature refused")
        return _refuse(_("The signature of this delivery is missing or wrong."), 403)
    try:
        # Signed as sent; NUL is removed only now, so the posts are still recorded (kentmasa.lib.edge).
        delivery = parse_delivery(edge.clean_tree(json.loads(request.body)))
    except (ValueError, UnicodeDecodeError) as error:  # Malformed is a ValueError, as is bad JSON
        log.warning("X webhook delivery refused: %s", error)
        return _refuse(_("This delivery could not be read: %(error)s") % {"error": error}, 400)
    slug = (conf.get("ACCOUNTS") or {}).get(delivery.account)
    institution = Institution.objects.filter(slug=slug).first() if slug else None
    if institution is None:
        # Acknowledged so X does not retry: the account is subscribed but not (or no longer) ours.
        log.warning("X activity for account %s, which no institution is configured for", delivery.account)
        return JsonResponse({"received": 0, "ignored": "account"})
    return JsonResponse({"received": record(delivery, institution, conf)})


# --- replying --------------------------------------------------------------------------------------------


def public_text(message: Message) -> str:
    """The public reply for this event: the tracking number and a fixed line, in the site's language."""
    number = format_tracking_number(message.case.tracking_number) if message.case_id else ""
    with translation.override(settings.LANGUAGE_CODE):
        text = _(PUBLIC_TEXTS.get(message.template, PUBLIC_FALLBACK)) % {"number": number}
    return text[:TWEET_LIMIT]


def _origin(message: Message) -> Message | None:
    """The inbound message the case began with on X (the one replies.reply_channel answers)."""
    if not message.case_id:
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


def _problem(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        return str(body.get("detail") or body.get("title") or first.get("message") or body)[:200]
    return str(body)[:200]


def _call(conf: dict, token: str, api_path: str, body: dict) -> dict:
    """POST to the X API; returns its ``data``. 429 and 5xx are worth retrying, other refusals are not."""
    url = conf["API_URL"].rstrip("/") + api_path
    try:
        response = requests.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=conf["TIMEOUT"]
        )
    except requests.ReadTimeout as error:
        # X may have posted it: trying again could post the reply twice. Staff see it on the case.
        raise SendError(
            _("X did not answer in time; the reply may or may not have been posted."), permanent=True
        ) from error
    except requests.RequestException as error:
        raise SendError(_("X could not be reached: %(error)s") % {"error": error}) from error
    status = response.status_code
    if 200 <= status < 300:
        try:
            data = response.json().get("data") or {}
        except (ValueError, AttributeError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        if not data:
            # X took it; sending again to learn its id would post it twice.
            log.warning("X accepted %s but its answer carried no id", api_path)
        return data
    error = _("X refused the message (HTTP %(status)s): %(problem)s") % {
        "status": status,
        "problem": _problem(response),
    }
    # 401: the user token expired and is being refreshed (BEARER_TOKEN_FILE); worth another try.
    raise SendError(error, permanent=not (status in (401, 429) or status >= 500))


class XSender:
    """Answers X cases: publicly in the thread for a mention, by DM for a DM."""

    channel = Channel.SOCIAL

    def can_reach(self, message: Message) -> bool:
        return message.address.isdigit()

    def send(self, message: Message) -> Sent:
        if not self.can_reach(message):
            raise SendError(
                _("This is not an X user id: %(address)s") % {"address": message.address}, permanent=True
            )
        conf = config()
        origin = _origin(message)
        account = str((origin.data or {}).get("account", "")) if origin is not None else ""
        if not account and message.institution_id:
            slug = message.institution.slug
            account = next((a for a, s in (conf.get("ACCOUNTS") or {}).items() if s == slug), "")
        token = _bearer_token(conf, account)
        if not token:
            raise SendError(_("No X access token is configured."), permanent=True)
        in_reply_to = _citizen_tweet(message) if origin is not None and not origin.data.get("dm") else ""
        if in_reply_to:
            body = {"text": public_text(message), "reply": {"in_reply_to_tweet_id": in_reply_to}}
            data = _call(conf, token, "/2/tweets", body)
            return Sent(external_id=f"tweet:{data['id']}" if data.get("id") else "")
        data = _call(
            conf, token, f"/2/dm_conversations/with/{message.address}/messages", {"text": message.body}
        )
        event_id = data.get("dm_event_id") or data.get("id")
        return Sent(external_id=f"dm:{event_id}" if event_id else "")


urlpatterns = [
    path("webhook/", webhook, name="x_webhook"),
]
