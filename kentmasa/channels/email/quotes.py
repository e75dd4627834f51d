"""The new part of a citizen's reply, without the earlier mail her mail program quoted.

Three ways of quoting are told apart:

* the earlier mail below a separator ("-----Original Message-----", "--- Orijinal ileti ---") or an
  Outlook header block ("Kimden: … / Gönderildi: …"), unquoted: everything from there on is cut;
* an attribution line ("On … wrote:", "… tarihinde … şunu yazdı:", "… yazmıştı:"), possibly wrapped over
  two lines, followed by ``>`` lines: the attribution goes, and so do the quoted lines after the last
  answer;
* answers written between quoted lines (interleaved): kept, each after the quoted lines it answers, so
  that staff read the question with its answer.

Only quoted lines are never the answer; when nothing else is left, the text stays as it came.
"""

from __future__ import annotations

import re

_QUOTE_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|orijinal ileti|özgün ileti|asıl ileti|forwarded message|"
    r"iletilen ileti)\s*-{2,}\s*$",
    re.I,
)
# The end of an attribution line: English, and Turkish as Gmail ("şunu yazdı:"), Apple Mail ("şunları
# yazdı:") and Thunderbird or Outlook ("yazmıştı:", "yazmış:") write it.
_ATTRIBUTION = re.compile(r"(wrote|yazd[ıi]|yazm[ıi][şs]t[ıi]|yazm[ıi][şs])\s*:\s*$", re.I)
# What the first half of a wrapped attribution carries: "On …", a date or time, the sender's address.
_ATTRIBUTION_START = re.compile(r"^\s*on\s|tarihinde|\d{1,2}:\d{2}|@|\b(19|20)\d{2}\b", re.I)
_DATE_OR_TIME = re.compile(r"\d{1,2}:\d{2}|\b(19|20)\d{2}\b")
_OUTLOOK_FROM = re.compile(r"^\s*(from|kimden|gönderen)\s*:", re.I)
_OUTLOOK_DATE = re.compile(r"^\s*(sent|date|gönderildi|tarih|gönderilme tarihi)\s*:", re.I)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _hard_cut(lines: list[str]) -> int:
    """Where an unquoted copy of the earlier mail starts (the number of lines when there is none)."""
    for index, line in enumerate(lines):
        if _quoted(line):
            continue
        if _QUOTE_SEPARATOR.match(line):
            return index
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_DATE.match(nxt) for nxt in lines[index + 1 : index + 4]
        ):
            return index
    return len(lines)


def _complete(attribution: str) -> bool:
    """Whether an attribution names its start: "On …", or the sender's address with a date or time."""
    return attribution.lower().lstrip().startswith("on ") or (
        "@" in attribution and bool(_DATE_OR_TIME.search(attribution))
    )


def _attribution_start(lines: list[str], index: int) -> int:
    """The first line of the attribution that ends on ``lines[index]``; a wrapped one starts a line or
    two earlier, with no blank line between."""
    start = index
    while not _complete(" ".join(lines[start : index + 1])) and start > 0 and index - start < 2:
        previous = lines[start - 1]
        if not previous.strip() or _quoted(previous) or not _ATTRIBUTION_START.search(previous):
            break
        start -= 1
    return start


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: what the citizen wrote, without the earlier mail she quoted."""
    lines = text.split("\n")
    lines = lines[: _hard_cut(lines)]
    for index, line in enumerate(lines):
        if _quoted(line) or not _ATTRIBUTION.search(line):
            continue
        start = _attribution_start(lines, index)
        following = next((nxt for nxt in lines[index + 1 :] if nxt.strip()), "")
        # When the earlier mail follows unquoted, it all goes; else only the attribution line does.
        unquoted = bool(following) and not _quoted(following)
        lines = lines[:start] if unquoted else lines[:start] + lines[index + 1 :]
        break
    answered = [index for index, line in enumerate(lines) if line.strip() and not _quoted(line)]
    if not answered:
        return text
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", "\n".join(lines[: answered[-1] + 1])).strip()
