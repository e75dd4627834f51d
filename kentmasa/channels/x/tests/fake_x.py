"""A stand-in for X on this machine: the v2 API over real HTTP, and deliveries shaped as X sends them.

:class:`FakeX` answers what kentmasa calls, as the X API v2 documents it:

* ``POST /2/tweets`` → 201 ``{"data": {"id", "text"}}``; 400 for a tweet over 280 characters or a reply
  without ``in_reply_to_tweet_id``; 403 for a text the account already posted (duplicate content), and,
  with ``summoned_only``, for a reply to a post that did not mention or quote the account (self-serve
  plans since 2026: ``summoned`` holds the tweet ids that did);
* ``POST /2/dm_conversations/with/<user id>/messages`` → 201
  ``{"data": {"dm_conversation_id", "dm_event_id"}}``;
* user-context authentication only: a valid OAuth 1.0a signature (HMAC-SHA1 over the request, checked
  with the consumer and token secrets) or the OAuth 2.0 user ``token``; the app-only Bearer token
  ``app_token`` gets 403 "Unsupported Authentication" on every POST, as X answers; anything else 401;
* ``GET /media/<name>``: the photos registered in ``photos`` (what pbs.twimg.com / ton.twitter.com serve);
  a request signed with OAuth 1.0a (a DM's private photo) must carry a valid signature, or gets 401.

It records every request, and ``fail_next(status)`` makes the next API calls fail as X does when it is
overloaded or refuses. :func:`mention` and :func:`direct_message` build Account Activity deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

from oauthlib.common import Request
from oauthlib.oauth1.rfc5849 import signature

# X's answers, as its API documents and sends them.
UNSUPPORTED_AUTHENTICATION = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}
DUPLICATE_CONTENT = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
REPLY_NOT_ALLOWED = {
    "detail": "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
    "engaged by the author of the post you are replying to.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}

OUR_ACCOUNT = "1500000000000000001"  # the municipality's X account (for_user_id)
OUR_HANDLE = "EsenlerBld"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: dict | None


@dataclass
class FakeX:
    token: str = ""  # an OAuth 2.0 user access token
    app_token: str = "AAAAAAAAAAAAAAAAAAAAAapp-only-bearer"
    consumer_key: str = "kentmasa-consumer-key"
    consumer_secret: str = "kentmasa-consumer-secret"
    access_token: str = "1500000000000000001-esenlerbld"
    access_token_secret: str = "esenlerbld-token-secret"
    summoned_only: bool = False
    summoned: set[str] = field(default_factory=set)
    posted: list[str] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    _next_id: int = 1900000000000000000

    def start(self) -> FakeX:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, status: int, payload: dict | None = None, raw: bytes = b"", kind=""):
                body = json.dumps(payload).encode() if payload is not None else raw
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                fake.requests.append(Recorded("GET", self.path, dict(self.headers), None))
                authorization = self.headers.get("Authorization") or ""
                if authorization.startswith("OAuth ") and not fake.authorised(
                    "GET", f"{fake.url}{self.path}", authorization
                ):
                    self._answer(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
                    return
                name = self.path.removeprefix("/media/")
                if self.path.startswith("/media/") and name in fake.photos:
                    self._answer(200, raw=fake.photos[name], kind="image/jpeg")
                else:
                    self._answer(404, {"title": "Not Found Error"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    body = None
                fake.requests.append(Recorded("POST", self.path, dict(self.headers), body))
                authorization = self.headers.get("Authorization") or ""
                if authorization == f"Bearer {fake.app_token}":
                    self._answer(403, UNSUPPORTED_AUTHENTICATION)
                    return
                if not fake.authorised("POST", f"{fake.url}{self.path}", authorization):
                    self._answer(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
                    return
                if fake.failures:
                    status = fake.failures.pop(0)
                    title = {429: "Too Many Requests", 503: "Service Unavailable"}.get(status, "Forbidden")
                    self._answer(status, {"title": title, "status": status, "detail": title})
                    return
                fake._next_id += 1
                if self.path == "/2/tweets":
                    self._tweet(body, str(fake._next_id))
                elif self.path.startswith("/2/dm_conversations/with/") and self.path.endswith("/messages"):
                    participant = self.path.split("/")[4]
                    self._answer(
                        201,
                        {
                            "data": {
                                "dm_conversation_id": f"{OUR_ACCOUNT}-{participant}",
                                "dm_event_id": str(fake._next_id),
                            }
                        },
                    )
                else:
                    self._answer(404, {"title": "Not Found Error"})

            def _tweet(self, body, tweet_id: str):
                text = (body or {}).get("text") or ""
                reply = (body or {}).get("reply")
                if (
                    not text
                    or len(text) > 280
                    or (reply is not None and not reply.get("in_reply_to_tweet_id"))
                ):
                    self._answer(
                        400, {"title": "Invalid Request", "detail": "One or more parameters are invalid."}
                    )
                    return
                if text in fake.posted:
                    self._answer(403, DUPLICATE_CONTENT)
                    return
                if (
                    fake.summoned_only
                    and reply is not None
                    and reply["in_reply_to_tweet_id"] not in fake.summoned
                ):
                    self._answer(403, REPLY_NOT_ALLOWED)
                    return
                fake.posted.append(text)
                self._answer(201, {"data": {"id": tweet_id, "text": text}})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def authorised(self, method: Literal["GET", "POST"], url: str, authorization: str) -> bool:
        """A user-context request: the OAuth 2.0 user token, or an OAuth 1.0a signature that checks out."""
        if self.token and authorization == f"Bearer {self.token}":
            return True
        if not authorization.startswith("OAuth "):
            return False
        # Checked as a server checks it (oauthlib's server side, RFC 5849 3.4), not with kentmasa's code.
        fields = oauth_fields(authorization)
        if (
            fields.get("oauth_consumer_key") != self.consumer_key
            or fields.get("oauth_token") != self.access_token
            or fields.get("oauth_signature_method") != "HMAC-SHA1"
        ):
            return False
        request: Any = Request(url, http_method=method, headers={"Authorization": authorization})
        request.params = signature.collect_parameters(
            uri_query=urlsplit(url).query, headers=request.headers, exclude_oauth_signature=True
        )
        request.signature = fields.get("oauth_signature", "")
        return bool(signature.verify_hmac_sha1(request, self.consumer_secret, self.access_token_secret))

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def api_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/2/")]


def oauth_fields(authorization: str) -> dict[str, str]:
    """The decoded parameters of an ``Authorization: OAuth …`` header (RFC 5849 3.5.1)."""
    return dict(
        signature.collect_parameters(headers={"Authorization": authorization}, exclude_oauth_signature=False)
    )


def sign(body: bytes, secret: str) -> str:
    """The ``x-twitter-webhooks-signature`` X puts on a delivery."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _user(user_id: str, name: str, screen_name: str) -> dict:
    return {
        "id": int(user_id),
        "id_str": user_id,
        "name": name,
        "screen_name": screen_name,
        "location": "İstanbul",
        "protected": False,
        "verified": False,
        "followers_count": 120,
        "friends_count": 310,
        "created_at": "Mon Mar 02 09:15:00 +0000 2015",
    }


def tweet(
    tweet_id: str,
    text: str,
    *,
    author: tuple[str, str, str],
    mentions: tuple[tuple[str, str], ...] = ((OUR_ACCOUNT, OUR_HANDLE),),
    in_reply_to: tuple[str, str] | None = None,
    photos: tuple[str, ...] = (),
    retweet_of: dict | None = None,
) -> dict:
    """A v1.1 tweet object as the Account Activity API delivers it. ``author`` is (id, name, screen name);
    ``in_reply_to`` (tweet id, user id); ``photos`` are media URLs."""
    user_mentions = []
    for user_id, handle in mentions:
        start = text.find(f"@{handle}")
        user_mentions.append(
            {
                "screen_name": handle,
                "name": handle,
                "id": int(user_id),
                "id_str": user_id,
                "indices": [start, start + len(handle) + 1],
            }
        )
    media = [
        {
            "id": 1600000000000000000 + n,
            "id_str": str(1600000000000000000 + n),
            "indices": [len(text) + 1, len(text) + 24],
            "media_url": url.replace("https://", "http://"),
            "media_url_https": url,
            "url": f"https://t.co/ph{n}oto",
            "display_url": "pic.x.com/ph0to",
            "expanded_url": f"https://x.com/{author[2]}/status/{tweet_id}/photo/{n + 1}",
            "type": "photo",
            "sizes": {"large": {"w": 1600, "h": 1200, "resize": "fit"}},
        }
        for n, url in enumerate(photos)
    ]
    full_text = text + "".join(f" https://t.co/ph{n}oto" for n in range(len(photos)))
    payload: dict[str, Any] = {
        "created_at": "Wed Mar 18 07:00:00 +0000 2026",
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": full_text,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "truncated": False,
        "in_reply_to_status_id": int(in_reply_to[0]) if in_reply_to else None,
        "in_reply_to_status_id_str": in_reply_to[0] if in_reply_to else None,
        "in_reply_to_user_id": int(in_reply_to[1]) if in_reply_to else None,
        "in_reply_to_user_id_str": in_reply_to[1] if in_reply_to else None,
        "user": _user(*author),
        "geo": None,
        "coordinates": None,
        "place": None,
        "is_quote_status": False,
        "quote_count": 0,
        "reply_count": 0,
        "retweet_count": 0,
        "favorite_count": 0,
        "entities": {"hashtags": [], "urls": [], "user_mentions": user_mentions, "symbols": []},
        "favorited": False,
        "retweeted": False,
        "filter_level": "low",
        "lang": "tr",
        "timestamp_ms": "1773817200000",
    }
    if media:
        payload["entities"]["media"] = media
        payload["extended_entities"] = {"media": media}
    if retweet_of is not None:
        payload["retweeted_status"] = retweet_of
    return payload


def mention(*tweets: dict, account: str = OUR_ACCOUNT) -> dict:
    """A delivery of ``tweet_create_events`` for our account."""
    return {"for_user_id": account, "user_has_blocked": False, "tweet_create_events": list(tweets)}


def direct_message(
    event_id: str,
    text: str,
    *,
    sender: tuple[str, str, str],
    recipient: str = OUR_ACCOUNT,
    photo: str = "",
    account: str = OUR_ACCOUNT,
) -> dict:
    """A delivery of one ``direct_message_events`` item with the ``users`` it names."""
    message_data = {
        "text": text + (" https://t.co/dmph0to" if photo else ""),
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
    }
    if photo:
        message_data["attachment"] = {
            "type": "media",
            "media": {
                "id": 1700000000000000000,
                "id_str": "1700000000000000000",
                "media_url": photo.replace("https://", "http://"),
                "media_url_https": photo,
                "url": "https://t.co/dmph0to",
                "type": "photo",
            },
        }
    users = {
        sender[0]: _user(*sender),
        recipient: _user(recipient, "Esenler Belediyesi", OUR_HANDLE),
    }
    return {
        "for_user_id": account,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": event_id,
                "created_timestamp": "1773817260000",
                "message_create": {
                    "target": {"recipient_id": recipient},
                    "sender_id": sender[0],
                    "source_app_id": "268278",
                    "message_data": message_data,
                },
            }
        ],
        "users": users,
    }
