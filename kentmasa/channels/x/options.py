"""The X channel's settings and the credentials our accounts post with.

``settings.KENTMASA_X`` over environment variables (:func:`config`):

* ``CONSUMER_KEY`` / ``CONSUMER_SECRET`` (KENTMASA_X_CONSUMER_KEY / _SECRET): the app's API key and secret.
  The secret also answers X's CRC checks and verifies the webhook's signatures.
* ``ACCESS_TOKEN`` / ``ACCESS_TOKEN_SECRET`` (KENTMASA_X_ACCESS_TOKEN / _SECRET): the account's OAuth 1.0a
  user-context token, which does not expire; ``ACCESS_TOKENS`` ({account id: {"token", "secret"}}) when
  several institutions' accounts share the app. Preferred: replies and DMs are signed with it.
* ``BEARER_TOKEN`` / ``BEARER_TOKENS`` / ``BEARER_TOKEN_FILE``: an OAuth 2.0 *user* access token instead
  (scopes tweet.read tweet.write users.read dm.read dm.write offline.access), refreshed every two hours by
  another process that rewrites the file. An app-only Bearer token does not work: X refuses it for replies
  and DMs (403 "Unsupported Authentication").
* ``ACCOUNTS`` ({our account's user id: institution slug}), ``API_URL``, ``MEDIA_HOSTS`` (where photos may
  be fetched from), ``TIMEOUT`` (seconds).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from kentmasa.channels.edge import channel_settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


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
        "CONSUMER_KEY": os.environ.get("KENTMASA_X_CONSUMER_KEY", ""),
        "CONSUMER_SECRET": os.environ.get("KENTMASA_X_CONSUMER_SECRET", ""),
        "ACCESS_TOKEN": os.environ.get("KENTMASA_X_ACCESS_TOKEN", ""),
        "ACCESS_TOKEN_SECRET": os.environ.get("KENTMASA_X_ACCESS_TOKEN_SECRET", ""),
        "ACCESS_TOKENS": {},
        "BEARER_TOKEN": os.environ.get("KENTMASA_X_BEARER_TOKEN", ""),
        "BEARER_TOKENS": {},
        "BEARER_TOKEN_FILE": os.environ.get("KENTMASA_X_BEARER_TOKEN_FILE", ""),
        "ACCOUNTS": _accounts_from(os.environ.get("KENTMASA_X_ACCOUNTS", "")),
        "API_URL": os.environ.get("KENTMASA_X_API_URL", "https://api.x.com"),
        "MEDIA_HOSTS": ["pbs.twimg.com", "ton.twitter.com"],
        "TIMEOUT": float(os.environ.get("KENTMASA_X_TIMEOUT", "10")),
    }


def config() -> dict:
    return channel_settings("KENTMASA_X", _from_environment())


def staff_text(text: str, /, **params: object) -> str:
    """A message for staff (a case note, a message's error) in the site's language, whoever caused it."""
    with translation.override(settings.LANGUAGE_CODE):
        translated = gettext(text)
    return translated % params if params else translated


@dataclass(frozen=True)
class UserContext:
    """OAuth 1.0a user context: the app's consumer key and secret, the account's token and secret."""

    consumer_key: str
    consumer_secret: str
    token: str
    token_secret: str


@dataclass(frozen=True)
class UserBearer:
    """An OAuth 2.0 user access token (never the app-only one: X refuses it for posting)."""

    token: str


def _bearer_token(conf: dict, account: str) -> str:
    token = (conf.get("BEARER_TOKENS") or {}).get(account, "")
    if not token and conf.get("BEARER_TOKEN_FILE"):
        try:
            token = Path(conf["BEARER_TOKEN_FILE"]).read_text().strip()
        except OSError as error:
            log.error("cannot read the X bearer token file: %s", error)
    return str(token or conf.get("BEARER_TOKEN") or "")


def credentials(conf: dict, account: str) -> UserContext | UserBearer | None:
    """How our account ``account`` signs its requests: OAuth 1.0a when configured, else a user bearer."""
    pair = (conf.get("ACCESS_TOKENS") or {}).get(account) or {
        "token": conf.get("ACCESS_TOKEN", ""),
        "secret": conf.get("ACCESS_TOKEN_SECRET", ""),
    }
    if conf.get("CONSUMER_KEY") and conf.get("CONSUMER_SECRET") and pair.get("token") and pair.get("secret"):
        return UserContext(conf["CONSUMER_KEY"], conf["CONSUMER_SECRET"], pair["token"], pair["secret"])
    token = _bearer_token(conf, account)
    return UserBearer(token) if token else None
