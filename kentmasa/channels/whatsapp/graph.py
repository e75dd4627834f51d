"""The few Graph API calls the WhatsApp line makes, and what Graph's errors mean for us.

:class:`Graph` fetches a citizen's media (metadata, then a bounded download with the same token), uploads
our before/after picture and sends messages, to a phone number (``to``) or to a user known only by the
business-scoped user id Meta gives people who hide their number behind a username (``recipient``).
:class:`GraphError` says whether a failure is worth retrying (outages, rate limits, timeouts) and whether it
is our access token that Graph refused (401 / code 190), which staff must renew before anything is fetched.
"""

from __future__ import annotations

from typing import Any

import requests

from kentmasa.channels.edge import DownloadError, TooLarge, download
from kentmasa.channels.whatsapp.conf import MAX_MEDIA_BYTES, graph_base

# Graph error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
EXPIRED_TOKEN = 190  # the access token expired, was revoked or cannot be parsed
REENGAGEMENT_REQUIRED = 131047  # more than 24 hours since the citizen last wrote: only a template goes
UNDELIVERABLE = 131026  # not a WhatsApp user, an old app, or the user has not accepted the terms
TEMPORARY_CODES = {
    1,  # API unknown
    2,  # API service
    4,  # application request limit reached
    80007,  # rate limit of the business account
    130429,  # throughput limit
    131000,  # something went wrong
    131016,  # service unavailable
    131048,  # spam rate limit
    131056,  # too many messages to this citizen at once
    133004,  # server temporarily unavailable
}


def describe_error(error: dict) -> str:
    """One line out of a Graph error object: code, title or message, and Meta's details."""
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else ""
    parts = (error.get("code"), error.get("title") or error.get("message"), details)
    return " ".join(str(part) for part in parts if part)


class GraphError(Exception):
    """A Graph call that failed; ``temporary`` ones (outages, rate limits, timeouts) are worth retrying."""

    def __init__(self, message: str, *, temporary: bool, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.status = status
        self.code = code

    @property
    def token_refused(self) -> bool:
        """Graph refused our access token (expired or revoked): nothing works until staff renew it."""
        return self.code == EXPIRED_TOKEN or self.status == 401

    @classmethod
    def from_response(cls, response: requests.Response) -> GraphError:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        text = describe_error({**error, "code": None}) or response.reason
        temporary = response.status_code >= 500 or response.status_code == 429 or code in TEMPORARY_CODES
        return cls(
            f"Graph {response.status_code}" + (f" ({code})" if code else "") + f": {text}",
            temporary=temporary,
            status=response.status_code,
            code=code,
        )


class Graph:
    """The few Graph API calls kentmasa makes, authenticated with the access token."""

    def __init__(self, conf: dict):
        self.base = graph_base(conf)
        self.token = conf["ACCESS_TOKEN"]
        self.timeout = float(conf["TIMEOUT"])
        self.session = requests.Session()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(
                method,
                url,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                **kwargs,
            )
        except requests.RequestException as error:
            # A POST that timed out while waiting for the answer may have been delivered: not retried, so the
            # citizen never gets the same message twice (staff see it on the case).
            unknown = method.upper() == "POST" and isinstance(error, requests.ReadTimeout)
            raise GraphError(f"{type(error).__name__}: {error}", temporary=not unknown) from error
        if response.status_code >= 400:
            raise GraphError.from_response(response)
        return response

    def _json(self, response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError as error:
            raise GraphError(f"Graph answered {response.status_code} without JSON", temporary=True) from error
        if not isinstance(body, dict):
            raise GraphError("Graph answered with something other than an object", temporary=True)
        return body

    def fetch_media(self, media_id: str) -> bytes:
        """A citizen's media: its metadata names a short-lived URL, downloaded with the same token."""
        info = self._json(self._call("GET", f"{self.base}/{media_id}"))
        url = info.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphError(f"media {media_id} has no download address", temporary=False)
        try:
            size = int(info.get("file_size") or 0)
        except (TypeError, ValueError):
            size = 0
        if size > MAX_MEDIA_BYTES:
            raise GraphError(f"media {media_id} is larger than we keep ({size} bytes)", temporary=False)
        try:
            return download(
                url,
                max_bytes=MAX_MEDIA_BYTES,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                session=self.session,
            )
        except TooLarge as error:
            raise GraphError(f"media {media_id} is larger than we keep", temporary=False) from error
        except DownloadError as error:
            raise GraphError(
                f"media {media_id}: {error}",
                temporary=error.temporary,
                status=error.status,
                code=EXPIRED_TOKEN if error.status == 401 else None,
            ) from error

    def upload(self, phone_number_id: str, data: bytes, content_type: str, name: str) -> str:
        """Store a file with Meta for sending; returns its media id."""
        response = self._call(
            "POST",
            f"{self.base}/{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": content_type},
            files={"file": (name, data, content_type)},
        )
        media_id = self._json(response).get("id")
        if not media_id:
            raise GraphError("Graph accepted the upload without a media id", temporary=True)
        return str(media_id)

    def send(self, phone_number_id: str, to: str, content: dict) -> str:
        """Send one message; returns Meta's id for it (``wamid…``).

        ``to`` is a phone number (digits) or, for a citizen known only by a username, the business-scoped
        user id (``TR.1234…``), which Graph takes in the ``recipient`` field instead of ``to``.
        """
        recipient = {"to": to} if to.isdigit() else {"recipient": to}
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **recipient, **content}
        body = self._json(self._call("POST", f"{self.base}/{phone_number_id}/messages", json=payload))
        try:
            return str(body["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            # Meta may have accepted it: retrying could make the citizen read it twice.
            raise GraphError("Graph accepted the message without an id", temporary=False) from error
