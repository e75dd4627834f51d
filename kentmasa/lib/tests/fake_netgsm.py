"""A local stand-in for Netgsm's REST v2 SMS API, served over real HTTP on 127.0.0.1.

It behaves as Netgsm documents it: HTTP Basic auth; ``POST /sms/rest/v2/send`` takes ``msgheader``,
``messages`` [{msg, no}], optional ``encoding`` "TR", and answers ``{"code": "00", "jobid": …}`` or
HTTP 406 with an error code (30 credentials, 40 unknown sender name, 70 invalid parameter, 20 text);
``POST /sms/rest/v2/report`` answers the ``jobs`` asked for by ``jobids`` between ``startdate`` and
``stopdate`` (code 60 when there are none); ``GET /sms/rest/v2/inbox`` lists received SMS. Every request
is recorded, and a test can script the next answer (an outage, a refusal) or hold it past a timeout.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from kentmasa.lib.sms.encoding import GSM7_BASIC, GSM7_EXTENSION, TURKISH_SHIFT

NATIONAL_NUMBER = re.compile(r"^[0-9]{10}$")
REPORT_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$")


@dataclass
class Recorded:
    method: str
    path: str
    username: str
    password: str
    query: dict
    json: dict | None


@dataclass
class FakeNetgsm:
    username: str = "8502220153"
    password: str = "gizli-parola"
    msgheader: str = "ESENLER BLD"
    requests: list[Recorded] = field(default_factory=list)
    # jobid → {"no", "msg", "status", "deliveredDate"}
    jobs: dict[str, dict] = field(default_factory=dict)
    inbox: list[dict] = field(default_factory=list)
    # Answers given instead of the normal one, first in first out: (HTTP status, body) or "stall".
    script: list = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    next_jobid: int = 17000001

    def start(self) -> FakeNetgsm:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

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
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def sent(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/sms/rest/v2/send"]

    def deliver(self, jobid: str, status: int, when: str = "18.03.2026 10:05:00") -> None:
        """What the operator reports for a job: 1 delivered, 3 invalid number, 0 still waiting…"""
        self.jobs[jobid].update(status=status, deliveredDate=when)

    # the protocol

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        username, password = self._credentials(handler.headers.get("Authorization", ""))
        self.requests.append(Recorded(method, parts.path, username, password, parse_qs(parts.query), body))
        if self.script:
            scripted = self.script.pop(0)
            if scripted == "stall":
                self.released.wait(10)
                scripted = (200, {"code": "00", "jobid": "late", "description": "queued"})
            status, answer = scripted
            return self._answer(handler, status, answer)
        if (username, password) != (self.username, self.password):
            return self._error(handler, "30", "Invalid username, password or API access")
        routes = {
            ("POST", "/sms/rest/v2/send"): self._send,
            ("POST", "/sms/rest/v2/report"): self._report,
            ("GET", "/sms/rest/v2/inbox"): self._inbox,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return self._answer(handler, 404, {"code": "404", "description": "Not found"})
        status, answer = route(body, parse_qs(parts.query))
        self._answer(handler, status, answer)

    @staticmethod
    def _credentials(header: str) -> tuple[str, str]:
        if not header.startswith("Basic "):
            return "", ""
        try:
            username, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return username, password

    def _send(self, body, query):
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return 406, {"code": "70", "description": "Invalid query"}
        if body.get("msgheader") != self.msgheader:
            return 406, {"code": "40", "description": "Message header is not defined"}
        encoding = body.get("encoding")
        if encoding not in (None, "", "TR"):
            return 406, {"code": "70", "description": "Invalid query"}
        alphabet = GSM7_BASIC | (TURKISH_SHIFT if encoding == "TR" else GSM7_EXTENSION)
        for item in body["messages"]:
            if not NATIONAL_NUMBER.match(str(item.get("no", ""))):
                return 406, {"code": "70", "description": "Invalid query"}
            text = item.get("msg") or ""
            if not text or any(ch not in alphabet for ch in text):
                return 406, {"code": "20", "description": "Message text problem"}
        jobid = str(self.next_jobid)
        self.next_jobid += 1
        item = body["messages"][0]
        self.jobs[jobid] = {"no": item["no"], "msg": item["msg"], "status": 0, "deliveredDate": ""}
        return 200, {"code": "00", "jobid": jobid, "description": "queued"}

    def _report(self, body, query):
        if not isinstance(body, dict) or not all(
            REPORT_DATE.match(str(body.get(key, ""))) for key in ("startdate", "stopdate")
        ):
            return 406, {"code": "70", "description": "Invalid query", "jobs": None}
        wanted = [str(jobid) for jobid in body.get("jobids") or []]
        jobs = [
            {
                "jobid": jobid,
                "number": "90" + self.jobs[jobid]["no"],
                "status": self.jobs[jobid]["status"],
                "operator": 20,
                "msglen": 1,
                "deliveredDate": self.jobs[jobid]["deliveredDate"],
                "errorCode": 0,
                "referansID": "",
            }
            for jobid in wanted
            if jobid in self.jobs
        ]
        if not jobs:
            return 406, {"code": "60", "description": "No records", "jobs": None}
        return 200, {"code": "00", "description": "success", "jobs": jobs}

    def _inbox(self, body, query):
        if not all(re.match(r"^\d{14}$", (query.get(key) or [""])[0]) for key in ("startdate", "stopdate")):
            return 406, {"code": "70", "description": "Invalid query", "messages": None}
        if not self.inbox:
            return 406, {"code": "60", "description": "No records", "messages": None}
        return 200, {"code": "00", "description": "success", "messages": self.inbox}

    def _error(self, handler, code: str, description: str) -> None:
        self._answer(handler, 406, {"code": code, "description": description})

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, answer) -> None:
        data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)
