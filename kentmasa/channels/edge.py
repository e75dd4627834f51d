"""What every channel's edge does the same way: signatures, malformed payloads, settings, downloads.

Written once here so that the channel packages (``channels/sms``, ``email``, ``whatsapp``, ``x``,
``open311``) do not each say it in their own words:

* :class:`Malformed` — a delivery we cannot read; the webhook answers 400 with a Turkish and English text.
* :func:`hmac_sha256`, :func:`signature_ok`, :func:`same_secret` — webhook signatures and shared tokens,
  always compared in constant time.
* :func:`channel_settings` — a channel's settings dict: defaults (usually from the environment) under
  ``settings.KENTMASA_<CHANNEL>``.
* :func:`parse_map` and :func:`institution_for` — "receiving number / account → institution" maps.
* :func:`read_limited` and :func:`download` — fetching a citizen's photo without ever holding more than
  a set number of bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests
from django.conf import settings

from kentmasa.directory.models import Institution
from kentmasa.lib.edge import Malformed, read_json

# The channels' edge shares the signature helpers, which live below every webhook (kentmasa.lib.signatures).
from kentmasa.lib.signatures import hmac_sha256, same_secret, signature_ok

__all__ = [  # and the functions below
    "DownloadError",
    "Malformed",
    "TooLarge",
    "hmac_sha256",
    "read_json",
    "same_secret",
    "signature_ok",
]

log = logging.getLogger(__name__)


class TooLarge(ValueError):
    """A download that would be larger than we keep."""


class DownloadError(Exception):
    """A download that did not complete; ``temporary`` ones are worth trying again later."""

    def __init__(self, message: str, *, temporary: bool = True, status: int | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.status = status


# --- settings ---------------------------------------------------------------------------------------


def channel_settings(setting_name: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` overridden by ``settings.<setting_name>`` (a dict; unset or empty keeps them)."""
    return {**defaults, **(getattr(settings, setting_name, None) or {})}


def parse_map(raw: str) -> dict[str, str]:
    """An environment variable's map: ``"155=emniyet,153:adana"`` → {"155": "emniyet", "153": "adana"}.

    Items are separated by commas; key and value by ``=`` or ``:`` (the first of either).
    """
    result: dict[str, str] = {}
    for item in (raw or "").split(","):
        item = item.strip()
        cut = min((i for i in (item.find("="), item.find(":")) if i > 0), default=-1)
        if cut <= 0:
            continue
        key, value = item[:cut].strip(), item[cut + 1 :].strip()
        if key and value:
            result[key] = value
    return result


def institution_for(
    mapping: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    key: str,
    *,
    normalise: Callable[[str], str] = str.strip,
) -> Institution | None:
    """The institution a map sends ``key`` to (by slug, or by id when the value is a number), or None.

    Keys are compared after ``normalise`` (e.g. a phone-number normaliser, so "0 444 01 53" and
    "+904440153" are one). A map naming an institution that does not exist is logged and skipped.
    """
    if not key:
        return None
    wanted = normalise(key)
    items = mapping.items() if isinstance(mapping, Mapping) else (mapping or ())
    for configured, target in items:
        if not configured or normalise(str(configured)) != wanted:
            continue
        target = str(target).strip()
        found = (
            Institution.objects.filter(pk=int(target)).first()
            if target.isascii() and target.isdecimal()
            else Institution.objects.filter(slug=target).first()
        )
        if found is not None:
            return found
        log.error("channel settings: no institution %r for %r", target, configured)
    return None


# --- downloads --------------------------------------------------------------------------------------


def read_limited(response: requests.Response, max_bytes: int, *, chunk_size: int = 64 * 1024) -> bytes:
    """A streamed response's body, refused with TooLarge as soon as it passes ``max_bytes``."""
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdecimal() and int(declared[:30]) > max_bytes:
        raise TooLarge(f"larger than {max_bytes} bytes ({declared} declared)")
    data = bytearray()
    for chunk in response.iter_content(chunk_size):
        data += chunk
        if len(data) > max_bytes:
            raise TooLarge(f"larger than {max_bytes} bytes")
    return bytes(data)


def download(
    url: str,
    *,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30,
    session: requests.Session | None = None,
    auth: Any = None,
) -> bytes:
    """GET ``url`` and return at most ``max_bytes`` of it.

    Raises TooLarge (permanent), or DownloadError: temporary for network errors, 429 and 5xx; permanent
    for other refusals. ``status`` carries the HTTP status, so a caller can tell an expired token (401).
    """
    if not url.startswith(("https://", "http://")):
        raise DownloadError(f"not a web address: {url[:80]!r}", temporary=False)
    getter = session or requests
    try:
        response = getter.get(url, headers=dict(headers or {}), timeout=timeout, stream=True, auth=auth)
    except requests.RequestException as error:
        raise DownloadError(f"{type(error).__name__}: {error}", temporary=True) from error
    try:
        if response.status_code >= 400:
            temporary = response.status_code == 429 or response.status_code >= 500
            raise DownloadError(
                f"HTTP {response.status_code}", temporary=temporary, status=response.status_code
            )
        try:
            return read_limited(response, max_bytes)
        except requests.RequestException as error:
            raise DownloadError(f"{type(error).__name__}: {error}", temporary=True) from error
    finally:
        response.close()
