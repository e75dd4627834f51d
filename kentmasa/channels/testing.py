"""Replaying captured provider payloads in tests: one helper for every channel.

Each channel package keeps the payloads its provider sends, one file per event type, in
``<package>/tests/fixtures/`` (JSON with a ``"_source"`` key naming the document it follows, or an .eml
with an ``X-Fixture-Source:`` header). A test loads one and replays it through the real webhook:

    body = load_fixture(__file__, "text.json")
    response = replay(client, "/kanal/whatsapp/", body, sign=lambda raw: {"X-Hub-Signature-256": ...})
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def fixture_path(test_file: str, name: str) -> Path:
    """The fixture ``name`` beside the calling test module (``tests/fixtures/<name>``)."""
    path = Path(test_file).resolve().parent / "fixtures" / name
    if not path.is_file():
        raise FileNotFoundError(f"no fixture {name!r} in {path.parent}")
    return path


def load_fixture(test_file: str, name: str) -> bytes:
    """The fixture's bytes, exactly as the provider would send them."""
    return fixture_path(test_file, name).read_bytes()


def load_json_fixture(test_file: str, name: str) -> Any:
    """A JSON fixture, parsed; its ``"_source"`` note is left in (providers add keys too)."""
    return json.loads(load_fixture(test_file, name))


def fixture_body(payload: Any, *, without_source: bool = True) -> bytes:
    """A JSON payload as the bytes a provider posts; the fixture's ``_source`` note is dropped by default."""
    if without_source and isinstance(payload, dict):
        payload = {key: value for key, value in payload.items() if key != "_source"}
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def replay(
    client: Any,
    url: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    sign: Callable[[bytes], Mapping[str, str]] | None = None,
) -> Any:
    """POST ``body`` to ``url`` through Django's test client, with the headers ``sign`` computes over it."""
    all_headers = dict(headers or {})
    if sign is not None:
        all_headers.update(sign(body))
    return client.post(url, data=body, content_type=content_type, headers=all_headers)
