"""Meta's Graph API for WhatsApp, on this machine, answering over real HTTP as the Cloud API documents.

Paths start with the Graph version the fake was started with (``version``, by default the one kentmasa
speaks, :data:`kentmasa.channels.whatsapp.conf.DEFAULT_GRAPH_VERSION`); any other version gets Graph's
error 2635 ("deprecated version"). :attr:`FakeGraph.url` is the host, as ``GRAPH_URL`` is configured.

* ``GET /<version>/<media id>`` → the media's metadata (``url``, ``mime_type``, ``sha256``,
  ``file_size``, ``id``); the ``url`` points at ``/lookaside/<media id>`` here, as Meta's points at its
  own media host, and that download, too, needs the bearer token;
* ``POST /<version>/<phone number id>/media`` (multipart: ``messaging_product``, ``type``, ``file``)
  → ``{"id": <media id>}``;
* ``POST /<version>/<phone number id>/messages`` → ``{"messaging_product", "contacts", "messages":
  [{"id": "wamid…"}]}``; text, image (by uploaded media id) and template messages are checked the way
  Graph checks them. The recipient is ``to`` (a phone number) or ``recipient`` (a business-scoped user id,
  ``TR.…``, for citizens known only by a username), never both; a template parameter may carry its
  ``parameter_name``. With ``enforce_window`` on, a message other than a template to a citizen who has
  not written within 24 hours (see ``customer_wrote``) is refused with error 131047;
* every call without ``Authorization: Bearer <token>`` gets 401 and error 190, and so does every call
  while ``token_expired`` is set (a token Meta expired or revoked).

Every request is recorded; ``fail_next`` makes the next matching calls fail as Graph does.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kentmasa.channels.whatsapp.conf import DEFAULT_GRAPH_VERSION


@dataclass
class Recorded:
    method: str
    path: str
    authorization: str
    json: dict | None = None


@dataclass
class Upload:
    phone_number_id: str
    content_type: str
    filename: str
    data: bytes


def graph_error(code: int, message: str, details: str = "") -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEfGh"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


REENGAGEMENT = graph_error(
    131047,
    "(#131047) Re-engagement message",
    "Message failed to send because more than 24 hours have passed since the customer last replied.",
)
UNDELIVERABLE = graph_error(131026, "(#131026) Message undeliverable")
EXPIRED_TOKEN = graph_error(
    190, "Error validating access token: Session has expired on Thursday, 03-Dec-26 10:00:00 PST."
)


@dataclass
class FakeGraph:
    token: str
    version: str = DEFAULT_GRAPH_VERSION
    token_expired: bool = False
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)  # accepted /messages payloads
    failures: list[tuple[str, int, dict]] = field(default_factory=list)
    enforce_window: bool = False
    last_customer_message: dict[str, dt.datetime] = field(default_factory=dict)
    _counter: int = 0

    # --- what tests set up ---

    def add_media(self, data: bytes, mime_type: str) -> str:
        media_id = self._new_id("1")
        self.media[media_id] = (data, mime_type)
        return media_id

    def customer_wrote(self, wa_id: str, at: dt.datetime) -> None:
        self.last_customer_message[wa_id] = at

    def fail_next(self, status: int, body: dict | None = None, *, path: str = "") -> None:
        """The next call whose path contains ``path`` gets ``status`` and ``body``."""
        self.failures.append((path, status, body or graph_error(1, "An unknown error occurred")))

    def calls(self, method: str, fragment: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    # --- the server ---

    @property
    def url(self) -> str:
        """The host, as GRAPH_URL is configured; kentmasa adds the version."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:015d}"

    def start(self) -> FakeGraph:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict | None = None, raw: bytes = b"", kind: str = ""):
                body = json.dumps(payload).encode() if payload is not None else raw
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                auth = self.headers.get("Authorization", "")
                parsed = None
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    parsed = json.loads(body or b"null")
                fake.requests.append(Recorded(method, self.path, auth, parsed))
                if auth != f"Bearer {fake.token}":
                    self._answer(
                        401, graph_error(190, "Invalid OAuth access token - Cannot parse access token")
                    )
                    return
                if fake.token_expired:
                    self._answer(401, EXPIRED_TOKEN)
                    return
                for index, (fragment, status, error) in enumerate(fake.failures):
                    if fragment in self.path:
                        del fake.failures[index]
                        self._answer(status, error)
                        return
                parts = self.path.split("?")[0].strip("/").split("/")
                if parts[0] != "lookaside" and parts[0] != fake.version:
                    self._answer(400, graph_error(2635, f"(#2635) Version {parts[0]} is not available"))
                    return
                if method == "GET" and parts[0] == "lookaside" and len(parts) == 2:
                    self._download(parts[1])
                elif method == "GET" and len(parts) == 2:
                    self._metadata(parts[1])
                elif method == "POST" and parts[-1] == "media" and len(parts) == 3:
                    self._upload(parts[1], body)
                elif method == "POST" and parts[-1] == "messages" and len(parts) == 3:
                    self._message(parsed)
                else:
                    self._answer(400, graph_error(100, "Unsupported request"))

            def _metadata(self, media_id: str) -> None:
                if media_id not in fake.media:
                    self._answer(400, graph_error(100, "Unsupported get request. Object does not exist"))
                    return
                data, mime_type = fake.media[media_id]
                host = f"http://127.0.0.1:{fake._server.server_address[1]}"
                self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{host}/lookaside/{media_id}?ext=1&hash=x",
                        "mime_type": mime_type,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "file_size": str(len(data)),
                        "id": media_id,
                    },
                )

            def _download(self, media_id: str) -> None:
                if media_id not in fake.media:
                    self._answer(404, raw=b"", kind="text/plain")
                    return
                data, mime_type = fake.media[media_id]
                self._answer(200, raw=data, kind=mime_type)

            def _upload(self, phone_number_id: str, body: bytes) -> None:
                header = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
                form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
                fields: dict[str, str] = {}
                file: tuple[str, str, bytes] | None = None
                for part in form.iter_parts() if form.is_multipart() else []:
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True)
                    data = payload if isinstance(payload, bytes) else b""
                    if part.get_filename():
                        file = (str(part.get_filename()), part.get_content_type(), data)
                    else:
                        fields[str(name)] = data.decode()
                if fields.get("messaging_product") != "whatsapp" or not fields.get("type") or file is None:
                    self._answer(400, graph_error(100, "(#100) The parameter messaging_product is required."))
                    return
                media_id = fake._new_id("9")
                fake.uploads.append(Upload(phone_number_id, fields["type"], file[0], file[2]))
                fake.media[media_id] = (file[2], fields["type"])
                self._answer(200, {"id": media_id})

            def _message(self, payload: dict | None) -> None:
                if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
                    self._answer(400, graph_error(100, "(#100) The parameter messaging_product is required."))
                    return
                to, recipient, kind = payload.get("to"), payload.get("recipient"), payload.get("type", "text")
                content = payload.get(kind) or {}
                if bool(to) == bool(recipient) or (to and not str(to).isdigit()):
                    self._answer(400, graph_error(100, "(#100) Invalid parameter: to or recipient"))
                    return
                valid = {
                    "text": bool(content.get("body")),
                    "image": content.get("id") in fake.media or bool(content.get("link")),
                    "template": bool(content.get("name"))
                    and bool((content.get("language") or {}).get("code")),
                }.get(kind, False)
                if not valid:
                    self._answer(400, graph_error(100, "(#100) Invalid parameter"))
                    return
                if fake.enforce_window and kind != "template":
                    wrote = fake.last_customer_message.get(str(to or recipient))
                    now = dt.datetime.now(dt.UTC)
                    if wrote is None or now - wrote > dt.timedelta(hours=24):
                        self._answer(400, REENGAGEMENT)
                        return
                fake.sent.append(payload)
                wamid = "wamid." + base64.b64encode(fake._new_id("HBgM").encode()).decode()
                self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [
                            {"input": to, "wa_id": to} if to else {"input": recipient, "user_id": recipient}
                        ],
                        "messages": [{"id": wamid}],
                    },
                )

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
