"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1), as X requires for user-context calls.

:func:`authorization` gives the ``Authorization`` header of one request. JSON bodies (the v2 API) are
not signed; query parameters and form fields are. Pure: no Django, no network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit


def encode(value: str) -> str:
    """RFC 3986 percent-encoding: everything but ALPHA, DIGIT, "-", ".", "_" and "~" (RFC 5849 3.6)."""
    return quote(str(value), safe="~")


def base_url(url: str) -> str:
    """The URL without query or fragment, scheme and host in lower case, default ports left out."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The signature base string: method, base URL and the sorted, encoded parameters (RFC 5849 3.4.1)."""
    pairs = sorted((encode(key), encode(value)) for key, value in params)
    normalised = "&".join(f"{key}={value}" for key, value in pairs)
    return "&".join((method.upper(), encode(base_url(url)), encode(normalised)))


def signature(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{encode(consumer_secret)}&{encode(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def authorization(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    form: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The ``Authorization: OAuth …`` header value for one request (query parameters taken from ``url``)."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    params = [*oauth.items(), *parse_qsl(urlsplit(url).query, keep_blank_values=True), *(form or {}).items()]
    oauth["oauth_signature"] = signature(base_string(method, url, params), consumer_secret, token_secret)
    return "OAuth " + ", ".join(f'{encode(key)}="{encode(value)}"' for key, value in sorted(oauth.items()))


def parse_header(header: str) -> dict[str, str]:
    """The fields of an ``OAuth …`` header, decoded (for the fake X server and the tests)."""
    from urllib.parse import unquote

    if not header.startswith("OAuth "):
        return {}
    fields = {}
    for item in header[6:].split(","):
        key, _, value = item.strip().partition("=")
        fields[unquote(key)] = unquote(value.strip('"'))
    return fields
