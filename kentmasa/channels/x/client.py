"""Calls to the X API v2 as one of our accounts, and X's refusals told apart for staff.

Every call is signed in user context (:func:`.options.credentials`, :func:`auth`): OAuth 1.0a
(HMAC-SHA1, by requests-oauthlib), or an OAuth 2.0 user token. What X refuses is a
:class:`~kentmasa.channels.base.SendError` in the site's language: 429, 5xx and 401 (a user token being
refreshed) are tried again; the rest is permanent, and these get a text saying what to do: an app-only
token ("Unsupported Authentication"), a duplicate of an earlier post, and a reply the account's X plan
does not allow (self-serve plans may reply only to posts that mention or quote it).
"""

from __future__ import annotations

import logging

import requests
from django.utils.translation import gettext_noop
from requests_oauthlib import OAuth1

from kentmasa.channels.base import SendError
from kentmasa.channels.x.options import UserBearer, UserContext, staff_text

log = logging.getLogger(__name__)

APP_ONLY = gettext_noop(
    "X refused the message: it was sent with an app-only Bearer token, which X does not accept for replies "
    "and direct messages. Set the account's user-context keys (KENTMASA_X_CONSUMER_KEY, "
    "KENTMASA_X_ACCESS_TOKEN and KENTMASA_X_ACCESS_TOKEN_SECRET)."
)
DUPLICATE = gettext_noop(
    "X refused the public reply as a duplicate of an earlier post with the same text; nothing was posted."
)
NOT_SUMMONED = gettext_noop(
    "X did not allow the public reply: with a self-serve X API plan the account may reply only to posts "
    "that mention or quote it. Answer the citizen by direct message or another channel."
)
REFUSED = gettext_noop("X refused the message (HTTP %(status)s): %(problem)s")
TIMED_OUT = gettext_noop("X did not answer in time; the reply may or may not have been posted.")
UNREACHABLE = gettext_noop("X could not be reached: %(error)s")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` (an OAuth 2.0 user access token)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def auth(
    signer: UserContext | UserBearer, *, nonce: str | None = None, timestamp: str | None = None
) -> requests.auth.AuthBase:
    """The requests ``auth=`` that signs a request as our account.

    OAuth 1.0a puts its parameters in the ``Authorization`` header and signs the query and a form body;
    a JSON body (the v2 API) is not signed, as RFC 5849 and X have it. ``nonce`` and ``timestamp`` are
    fresh for every request unless given (only X's published example fixes them).
    """
    if isinstance(signer, UserContext):
        return OAuth1(
            signer.consumer_key,
            client_secret=signer.consumer_secret,
            resource_owner_key=signer.token,
            resource_owner_secret=signer.token_secret,
            signature_method="HMAC-SHA1",
            signature_type="AUTH_HEADER",
            nonce=nonce,
            timestamp=timestamp,
        )
    return BearerAuth(signer.token)


def _problem(body: object, text: str) -> str:
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        return str(body.get("detail") or body.get("title") or first.get("message") or body)[:200]
    return (str(body) if body is not None else text)[:200]


def _refusal(status: int, body: object, text: str) -> SendError:
    """The SendError for X's answer ``status``; permanent unless trying again can help."""
    problem = _problem(body, text)
    fields = body if isinstance(body, dict) else {}
    codes = {e.get("code") for e in fields.get("errors") or [] if isinstance(e, dict)}
    said = f"{fields.get('title', '')} {fields.get('detail', '')} {problem}".lower()
    if status == 403 and "unsupported authentication" in said:
        return SendError(staff_text(APP_ONLY), permanent=True)
    if status == 403 and ("duplicate" in said or 187 in codes):
        return SendError(staff_text(DUPLICATE), permanent=True)
    if status == 403 and "reply" in said and ("mentioned" in said or "quote" in said or "engaged" in said):
        return SendError(staff_text(NOT_SUMMONED), permanent=True)
    # 401: a user token expired and is being refreshed (BEARER_TOKEN_FILE); worth another try.
    temporary = status in (401, 429) or status >= 500
    return SendError(staff_text(REFUSED, status=status, problem=problem), permanent=not temporary)


def post(conf: dict, signer: UserContext | UserBearer, api_path: str, body: dict) -> dict:
    """POST to the X API as our account; returns its ``data``, or raises SendError."""
    url = conf["API_URL"].rstrip("/") + api_path
    try:
        response = requests.post(
            url,
            json=body,
            auth=auth(signer),
            timeout=conf["TIMEOUT"],
        )
    except requests.ReadTimeout as error:
        # X may have posted it: trying again could post the reply twice. Staff see it on the case.
        raise SendError(staff_text(TIMED_OUT), permanent=True) from error
    except requests.RequestException as error:
        raise SendError(staff_text(UNREACHABLE, error=error)) from error
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not 200 <= response.status_code < 300:
        raise _refusal(response.status_code, answer, response.text)
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict) or not data:
        # X took it; sending again to learn its id would post it twice.
        log.warning("X accepted %s but its answer carried no id", api_path)
        return {}
    return data
