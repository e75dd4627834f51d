"""A local stand-in for a Web Push service (RFC 8030), served over real HTTP on 127.0.0.1.

It behaves like FCM or Mozilla's autopush towards an application server: ``POST /push/<token>`` with an
aes128gcm body (RFC 8188/8291), a ``TTL`` header and VAPID authorisation (RFC 8292:
``Authorization: vapid t=<JWT>,k=<public key>``). It checks all of that independently of the code under
test (the JWT's ES256 signature with ``cryptography``, the key against the one subscriptions were made
with, ``aud`` = this service's origin, ``exp`` within 24 hours, a mailto:/https: ``sub``), then DECRYPTS the
body with the subscription's private key and auth secret (held only here, like a browser holds them) and
records the message. It answers 201, or 400/401/403 naming what was wrong. A test can script the next
answers (410, 404, 500) or "stall" one past the sender's time-out.

:meth:`FakePushService.subscribe` makes a subscription as a browser would: an ECDH P-256 key pair and a
16-byte auth secret; it returns what ``PushSubscription.toJSON()`` gives.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the fake answered
    message: dict | None = None  # the decrypted JSON, when it could be decrypted
    claims: dict | None = None  # the verified VAPID JWT claims
    problem: str = ""  # why it was refused (400/401/403)


@dataclass
class FakePushService:
    vapid_public_key: str  # the applicationServerKey the browsers subscribed with
    received: list[Received] = field(default_factory=list)
    # token → (private key, auth secret) of each subscription, as only the browser knows them
    keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = field(default_factory=dict)
    # Answers given instead of 201, first in first out: an HTTP status or "stall".
    script: list[Any] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def start(self) -> FakePushService:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def subscribe(self) -> dict:
        """A new subscription, as ``PushSubscription.toJSON()`` gives it in a browser."""
        token = secrets.token_urlsafe(24)
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.keys[token] = (private, auth)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(auth)},
        }

    def messages(self) -> list[dict]:
        """The messages delivered (answered 201), decrypted."""
        return [r.message for r in self.received if r.status == 201 and r.message is not None]

    # -- the service ----------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = Received(path=handler.path, headers=headers, body=body, status=0)
        self.received.append(record)
        status, record.problem = self._check(record)
        if status == 201 and self.script:
            answer = self.script.pop(0)
            if answer == "stall":
                self.released.wait(10)
                return
            status = int(answer)
        record.status = status
        reply = json.dumps({"problem": record.problem}).encode() if record.problem else b""
        handler.send_response(status)
        if status == 201:
            handler.send_header("Location", f"{self.origin}/message/{len(self.received)}")
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)

    def _check(self, record: Received) -> tuple[int, str]:
        token = record.path.rsplit("/", 1)[-1]
        if not record.path.startswith("/push/") or token not in self.keys:
            return 404, "no such subscription"
        if "ttl" not in record.headers or not record.headers["ttl"].isdigit():
            return 400, "TTL header missing"
        problem = self._check_vapid(record)
        if problem:
            return (401 if problem.startswith("no ") else 403), problem
        if record.headers.get("content-encoding") != "aes128gcm":
            return 400, "Content-Encoding is not aes128gcm"
        if len(record.body) > 4096:
            return 413, "payload larger than 4096 bytes"
        private, auth = self.keys[token]
        try:
            plain = http_ece.decrypt(record.body, private_key=private, auth_secret=auth, version="aes128gcm")
            record.message = json.loads(plain.decode("utf-8"))
        except (http_ece.ECEException, ValueError) as error:
            return 400, f"cannot decrypt: {error!r}"
        return 201, ""

    def _check_vapid(self, record: Received) -> str:
        scheme, _, params = record.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "vapid":
            return "no vapid authorization"
        parts = dict(item.strip().split("=", 1) for item in params.split(",") if "=" in item)
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != self.vapid_public_key:
            return "k is not the key the subscription was made with"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            signature = unb64url(signature_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            public.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                f"{header_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
            header = json.loads(unb64url(header_b64))
            claims = json.loads(unb64url(claims_b64))
        except (ValueError, InvalidSignature) as error:
            return f"bad JWT: {error!r}"
        if header.get("alg") != "ES256" or len(signature) != 64:
            return "JWT is not ES256"
        record.claims = claims
        if claims.get("aud") != self.origin:
            return f"aud {claims.get('aud')!r} is not {self.origin}"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 60 * 60:
            return "exp is not within 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return "sub is not mailto: or https:"
        return ""
