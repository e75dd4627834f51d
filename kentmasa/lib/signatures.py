"""Webhook signatures: the HMAC-SHA256 of a raw body under a shared secret, and comparing what a caller
presented in constant time. Every inbound webhook (the channels' providers, the KADES gateway) checks with
these, and our own senders of signed posts (``manage.py demo_kades``, bench/) sign with them."""

from __future__ import annotations

import base64
import hashlib
import hmac


def hmac_sha256(secret: str, body: bytes, *, encoding: str = "hex") -> str:
    """The HMAC-SHA256 of ``body`` under ``secret``, as hex (Meta, our SMS gateway) or base64 (X)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    if encoding == "base64":
        return base64.b64encode(digest.digest()).decode("ascii")
    if encoding == "hex":
        return digest.hexdigest()
    raise ValueError(f"unknown encoding {encoding!r}")


def same_secret(given: str | None, expected: str | None) -> bool:
    """Whether a presented token equals the configured one; never true when either is empty."""
    if not given or not expected:
        return False
    return hmac.compare_digest(
        str(given).encode("utf-8", "replace"), str(expected).encode("utf-8", "replace")
    )


def signature_ok(
    given: str | None, secret: str, body: bytes, *, prefix: str = "", encoding: str = "hex"
) -> bool:
    """Whether a signature header (e.g. ``sha256=…``) is the HMAC-SHA256 of the raw body under ``secret``.

    The prefix is optional in what is given (some gateways send the bare digest); surrounding spaces are
    ignored. No secret configured means nothing is ever valid.
    """
    if not secret or not given:
        return False
    given = given.strip()
    if prefix and given.startswith(prefix):
        given = given[len(prefix) :]
    return same_secret(given, hmac_sha256(secret, body, encoding=encoding))
