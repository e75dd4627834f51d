"""A small server-sent events client over real HTTP (requests), for the live stream's tests."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import requests


@dataclass
class Message:
    event: str
    data: dict
    id: str | None


@dataclass
class Listener:
    """Reads one stream in a thread; ``messages`` fills as events arrive."""

    url: str
    headers: dict = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    last_id: str | None = None
    status: int | None = None
    content_type: str = ""

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._response: requests.Response | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._connected.wait(10):
            raise AssertionError(f"no answer from {self.url}")

    def _run(self) -> None:
        try:
            response = requests.get(self.url, headers=self.headers, stream=True, timeout=(5, 30))
        except requests.RequestException:
            self._connected.set()
            return
        self._response = response
        self.status = response.status_code
        self.content_type = response.headers.get("Content-Type", "")
        self._connected.set()
        if response.status_code != 200:
            return
        event, last = "message", None
        data: list[str] = []
        try:
            for raw in response.iter_lines():
                if self._stop.is_set():
                    break
                line = raw.decode()
                if not line:
                    if last is not None:
                        self.last_id = last
                    if data:
                        self.messages.append(Message(event, json.loads("\n".join(data)), last))
                    event, data, last = "message", [], None
                    continue
                name, _sep, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                elif name == "id":
                    last = value
        except (requests.RequestException, AttributeError, ValueError):
            return

    def of(self, event: str) -> list[Message]:
        return [m for m in self.messages if m.event == event]

    def wait_for(self, predicate, seconds: float = 10) -> list[Message]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in list(self.messages) if predicate(m)]
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError(f"nothing matched within {seconds} s; got {self.messages}")

    def wait_closed(self, seconds: float = 10) -> bool:
        """Whether the server ended the stream within ``seconds``."""
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()
        self._thread.join(5)
