"""The new part of a citizen's reply, without the earlier mail her mail program quoted."""

from __future__ import annotations

import re

_QUOTE_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|orijinal ileti|özgün ileti|asıl ileti|forwarded message|"
    r"iletilen ileti)\s*-{2,}\s*$",
    re.I,
)
_ATTRIBUTION = re.compile(r"(wrote|yazdı)\s*:\s*$", re.I)
_OUTLOOK_FROM = re.compile(r"^\s*(from|kimden|gönderen)\s*:", re.I)
_OUTLOOK_DATE = re.compile(r"^\s*(sent|date|gönderildi|tarih|gönderilme tarihi)\s*:", re.I)


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: what the citizen wrote above the quoted earlier mail."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        cut = None
        if line.lstrip().startswith(">") or _QUOTE_SEPARATOR.match(line):
            cut = index
        elif _ATTRIBUTION.search(line):
            cut = index
            if (
                index
                and lines[index - 1].strip().lower().startswith("on ")
                and not line.lower().startswith("on ")
            ):
                cut = index - 1  # "On Tue, 3 Mar 2026 at 10:00, Ali Kaya <ali@…>" wrapped before "wrote:"
        elif _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_DATE.match(nxt) for nxt in lines[index + 1 : index + 4]
        ):
            cut = index
        if cut is not None:
            before = "\n".join(lines[:cut]).strip()
            return before or text
    return text
