"""Web Push to staff browsers and phones (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID).

:func:`push_to_user` encrypts one small JSON message (aes128gcm) for each of the user's
:class:`~kentmasa.notify.models.PushSubscription` rows and POSTs it to the push service the browser chose
(Google's FCM, Mozilla's autopush, Apple's, Microsoft's), signed with our VAPID key so the service knows the
sender. The message the service worker (``/sw.js``) shows is::

    {"title": …, "body": …, "url": "https://…/vaka/123/", "tag": …, "critical": false}

The push service answers 201 when it took the message; 404 or 410 mean the subscription is gone for good
(the user revoked it, the browser was reset) and its row is deleted; anything else (a time-out, 429, 5xx)
counts as a failure for this attempt. When no subscription took the message a
:class:`~kentmasa.lib.outbound.SendError` says why: *permanent* when there is nothing left to send to (no
subscriptions, or VAPID keys not configured), *temporary* otherwise, so the delivery is tried again later.

The endpoints a push is POSTed to are URLs a browser gave us. To keep the server from being pointed at
internal addresses, :func:`endpoint_problem` accepts only https URLs at the known push services
(``KENTMASA_PUSH_SERVICES``), plus plain http on this machine when ``KENTMASA_PUSH_ALLOW_HTTP_LOCAL`` is on
(tests and local development).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush

from kentmasa.lib.outbound import SendError, staff_text
from kentmasa.notify.models import PushSubscription

if TYPE_CHECKING:
    from kentmasa.directory.models import User

log = logging.getLogger(__name__)

# Push services must take at least 4096 bytes of encrypted body (RFC 8030 §7.2). aes128gcm adds a header of
# 86 bytes (salt, record size, key id length, our ephemeral public key), a padding delimiter and a 16-byte
# tag, so the JSON may be 3993 bytes; we keep some room.
MAX_MESSAGE_BYTES = 3800
MAX_TITLE = 120
MAX_URL = 2000
MAX_TAG = 64
MAX_ENDPOINT = 1000  # PushSubscription.endpoint's column
ELLIPSIS = "…"
GONE = {404, 410}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# What a browser's PushSubscription.toJSON() keys are: an uncompressed P-256 point and a 16-byte secret.
P256DH_BYTES = 65
AUTH_BYTES = 16


# --- keys --------------------------------------------------------------------------------------------


def b64url_decode(text: object) -> bytes:
    """base64url (RFC 4648 §5) with or without padding; ValueError when it is not."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    if not stripped or any(not (c.isalnum() or c in "-_") for c in stripped):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_problem(p256dh: str) -> str | None:
    """Why a subscription's p256dh cannot be encrypted to (None when it is a point on P-256)."""
    try:
        raw = b64url_decode(p256dh)
    except ValueError:
        return "p256dh is not base64url"
    if len(raw) != P256DH_BYTES or raw[0] != 4:
        return "p256dh is not an uncompressed P-256 public key"
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return "p256dh is not a point on P-256"
    return None


def auth_problem(auth: str) -> str | None:
    try:
        raw = b64url_decode(auth)
    except ValueError:
        return "auth is not base64url"
    return None if len(raw) == AUTH_BYTES else "auth is not 16 bytes"


def new_key_pair() -> tuple[str, str]:
    """A new VAPID key pair: (public key as the browser's applicationServerKey, private key), both base64url.

    The public key is the uncompressed P-256 point (65 bytes); the private key the raw 32-byte scalar,
    which py-vapid (and so pywebpush) reads with ``Vapid.from_string``.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url_encode(public), b64url_encode(private)


@dataclass(frozen=True)
class VapidConfig:
    signer: Any  # py_vapid.Vapid02, which signs the JWT for each push service
    subject: str


@lru_cache(maxsize=4)
def _load_vapid(public: str, private: str, subject: str) -> VapidConfig:
    """The signer for the configured keys; VapidException or ValueError when they are unusable."""
    if "-----BEGIN" in private:
        signer = Vapid.from_pem(private.strip().encode())
    else:
        signer = Vapid.from_string(private.strip())
    derived = b64url_encode(
        signer.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    if public.strip().rstrip("=") != derived:
        # Browsers subscribed with the public key; pushes signed by another key are refused (403).
        raise ValueError("KENTMASA_VAPID_PUBLIC_KEY is not the public half of KENTMASA_VAPID_PRIVATE_KEY")
    # The push services write to this contact about problems; py-vapid refuses one that is not a mailto:
    # or https: address, which a trial signature finds now rather than at every push.
    signer.sign({"sub": subject, "aud": "https://push.example"})
    return VapidConfig(signer=signer, subject=subject)


def vapid_public_key() -> str:
    """The applicationServerKey browsers subscribe with, or "" when Web Push is not configured."""
    public = getattr(settings, "KENTMASA_VAPID_PUBLIC_KEY", "") or ""
    private = getattr(settings, "KENTMASA_VAPID_PRIVATE_KEY", "") or ""
    return public.strip() if public.strip() and private.strip() else ""


def vapid_subject() -> str:
    subject = (getattr(settings, "KENTMASA_VAPID_SUBJECT", "") or "").strip()
    return subject or f"mailto:{settings.DEFAULT_FROM_EMAIL}"


def vapid() -> VapidConfig:
    """The configured VAPID signer; a permanent SendError when there is none or it is unusable."""
    if not vapid_public_key():
        raise SendError(
            staff_text(_("Web Push is not configured (no VAPID keys).")),
            permanent=True,
        )
    try:
        return _load_vapid(vapid_public_key(), settings.KENTMASA_VAPID_PRIVATE_KEY, vapid_subject())
    except (VapidException, ValueError, TypeError) as error:
        raise SendError(
            staff_text(_("The Web Push VAPID settings are not usable: %(error)s"), error=error),
            permanent=True,
        ) from error


# --- endpoints ---------------------------------------------------------------------------------------


def _host_listed(host: str, services: list[str]) -> bool:
    return any(host == service or host.endswith("." + service) for service in services)


def endpoint_problem(endpoint: object) -> str | None:
    """Why we would not POST to this push endpoint (None when it is fine)."""
    if not isinstance(endpoint, str) or not endpoint:
        return "no endpoint"
    if len(endpoint) > MAX_ENDPOINT:
        return "endpoint too long"
    if not endpoint.isascii() or any(c.isspace() or ord(c) < 32 for c in endpoint):
        return "endpoint is not a URL"
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port  # ValueError for a port that is not one
    except ValueError:
        return "endpoint is not a URL"
    if not host or port == 0 or parts.username is not None or parts.password is not None:
        return "endpoint is not a URL"
    if parts.scheme == "http" or (parts.scheme == "https" and host in LOCAL_HOSTS):
        # A push service on this machine: only the fake one of the tests or local development.
        if host in LOCAL_HOSTS and getattr(settings, "KENTMASA_PUSH_ALLOW_HTTP_LOCAL", False):
            return None
        return "endpoint must be https"
    if parts.scheme != "https":
        return "endpoint must be https"
    services = [s.strip().lower() for s in getattr(settings, "KENTMASA_PUSH_SERVICES", []) if s.strip()]
    if services and not _host_listed(host, services):
        return "endpoint is not at a known push service"
    return None


# --- the message -------------------------------------------------------------------------------------


def absolute_url(link: str) -> str:
    """A site path made absolute with KENTMASA_PUBLIC_URL; an http(s) URL as it is."""
    link = (link or "").strip()
    if link.startswith(("https://", "http://")):
        return link[:MAX_URL]
    base = settings.KENTMASA_PUBLIC_URL.rstrip("/")
    if not link.startswith("/") or link.startswith("//"):
        return base + "/"
    return (base + link)[:MAX_URL]


def _encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_bytes(payload: Mapping[str, Any]) -> bytes:
    """The JSON the service worker reads, at most MAX_MESSAGE_BYTES: a long body is cut (with "…")."""
    message = {
        "title": str(payload.get("title") or "kentmasa")[:MAX_TITLE],
        "body": str(payload.get("body") or ""),
        "url": absolute_url(str(payload.get("url") or "/")),
        "tag": str(payload.get("tag") or "")[:MAX_TAG],
        "critical": bool(payload.get("critical")),
    }
    data = _encode(message)
    if len(data) <= MAX_MESSAGE_BYTES:
        return data
    body = message["body"]
    assert isinstance(body, str)  # noqa: S101 -- for the type checker
    low, high = 0, len(body)  # the longest prefix that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if len(_encode({**message, "body": body[:middle] + ELLIPSIS})) <= MAX_MESSAGE_BYTES:
            low = middle
        else:
            high = middle - 1
    return _encode({**message, "body": body[:low].rstrip() + ELLIPSIS})


def _topic(tag: str) -> str:
    """The Topic header for a tag (RFC 8030 §5.4: at most 32 base64url characters): a newer message with
    the same topic replaces one the push service still holds for a phone that is off."""
    return b64url_encode(hashlib.sha256(tag.encode()).digest())[:32]


# --- sending -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    accepted: list[int]
    gone: list[int]
    failures: list[str]


def _send_one(
    subscription: PushSubscription, data: bytes, headers: dict[str, str], config: VapidConfig, session: Any
) -> int | str:
    """The push service's status for one subscription, or a short text for a failure without one."""
    origin = urlsplit(subscription.endpoint)
    try:
        response = webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data.decode("utf-8"),
            vapid_private_key=config.signer,
            # aud: the push service's origin (RFC 8292 §2); a fresh dict, pywebpush writes exp into it.
            vapid_claims={"sub": config.subject, "aud": f"{origin.scheme}://{origin.netloc}"},
            content_encoding="aes128gcm",
            ttl=int(getattr(settings, "KENTMASA_PUSH_TTL", 24 * 60 * 60)),
            timeout=float(getattr(settings, "KENTMASA_PUSH_TIMEOUT", 10)),
            headers=dict(headers),
            requests_session=session,
        )
    except WebPushException as error:
        status = error.status_code
        return status if status is not None else f"refused: {error.message}"[:200]
    except requests.Timeout:
        return "timeout"
    except requests.RequestException as error:
        return type(error).__name__
    except (VapidException, ValueError) as error:
        return f"{type(error).__name__}: {error}"[:200]
    return int(getattr(response, "status_code", 201))


def _deliver(subscriptions: list[PushSubscription], data: bytes, critical: bool, tag: str) -> Outcome:
    config = vapid()
    headers = {"Urgency": "high" if critical else "normal"}
    if tag:
        headers["Topic"] = _topic(tag)
    outcome = Outcome(accepted=[], gone=[], failures=[])
    with requests.Session() as session:
        for subscription in subscriptions:
            host = urlsplit(subscription.endpoint).hostname or "?"
            problem = endpoint_problem(subscription.endpoint)
            if problem:
                # Stored before the rules changed (e.g. local http after development): never to be sent to.
                log.warning("push subscription %s dropped: %s", subscription.pk, problem)
                outcome.gone.append(subscription.pk)
                continue
            result = _send_one(subscription, data, headers, config, session)
            if isinstance(result, int) and 200 <= result < 300:
                outcome.accepted.append(subscription.pk)
            elif result in GONE:
                log.info("push subscription %s at %s is gone (%s): deleted", subscription.pk, host, result)
                outcome.gone.append(subscription.pk)
            else:
                log.warning("push to subscription %s at %s failed: %s", subscription.pk, host, result)
                outcome.failures.append(f"{host}: {result}")
    return outcome


def push_to_user(user: User, payload: Mapping[str, Any]) -> int:
    """Send ``payload`` ({title, body, url, tag, critical}) to every browser of ``user``; how many took it.

    ``url`` may be a site path ("/vaka/123/"); it is made absolute with KENTMASA_PUBLIC_URL. Raises
    SendError when none took it (permanent when the user has no subscription left or VAPID is not set up).
    """
    limit = int(getattr(settings, "KENTMASA_PUSH_MAX_PER_USER", 10))
    subscriptions = list(PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])
    if not subscriptions:
        raise SendError(staff_text(_("The user has no Web Push subscription.")), permanent=True)
    data = message_bytes(payload)
    outcome = _deliver(subscriptions, data, bool(payload.get("critical")), str(payload.get("tag") or ""))
    if outcome.gone:
        PushSubscription.objects.filter(pk__in=outcome.gone).delete()
    if outcome.accepted:
        PushSubscription.objects.filter(pk__in=outcome.accepted).update(last_success_at=timezone.now())
        return len(outcome.accepted)
    if not outcome.failures:
        raise SendError(staff_text(_("Every Web Push subscription of the user has expired.")), permanent=True)
    raise SendError(
        staff_text(_("No push service took the message: %(failures)s"), failures="; ".join(outcome.failures))
    )
