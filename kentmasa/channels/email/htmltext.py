"""HTML mail as plain text, with the standard library's HTML parser, and the images its signature shows.

Text is laid out the way a browser would show it: a newline in the HTML source is a space, block
elements (``div``, ``li``, table rows) start a line of their own, paragraphs and headings stand apart by a
blank line, ``br`` breaks a line, ``pre`` keeps its own, entities are decoded, and ``head``, ``style`` and
``script`` are not text. Outlook writes every line as a ``<p class=MsoNormal>`` whose margins its own style
sets to nothing, so those are lines, not paragraphs.

The images an HTML mail shows by ``cid:`` inside its signature (Gmail's ``gmail_signature``,
Thunderbird's ``moz-signature``, Outlook on the web's ``Signature``) are reported in
:attr:`HTMLText.signature_cids`, so that logos do not become photos of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar

# Elements that sit on lines of their own, and those that stand apart by a blank line.
_LINES = frozenset(
    "address article aside caption center dd div dl dt fieldset figcaption figure footer form header li "
    "main nav ol section table tbody thead tfoot tr ul".split()
)
_PARAGRAPHS = frozenset("blockquote h1 h2 h3 h4 h5 h6 hr p pre".split())
_HIDDEN = frozenset("head script style title template".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_SIGNATURE = re.compile(r"signature", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@dataclass
class HTMLText:
    text: str
    signature_cids: set[str] = field(default_factory=set)  # "<image001.png@01DA…>", as in Content-ID
    cids: set[str] = field(default_factory=set)  # every image shown by cid:


class _Reader(HTMLParser):
    CELLS: ClassVar[frozenset[str]] = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.open: list[tuple[str, bool, int]] = []  # (tag, starts a signature, newlines around it)
        self.signature = 0
        self.cids: set[str] = set()
        self.signature_cids: set[str] = set()

    # Layout -------------------------------------------------------------------------------------

    def _tail(self) -> str:
        return "".join(self.out[-3:])

    def _break(self, newlines: int) -> None:
        """End the current line, and leave ``newlines - 1`` blank lines after it (none at the start)."""
        if not self.out:
            return
        tail = self._tail().rstrip(" ")
        have = len(tail) - len(tail.rstrip("\n"))
        if have < newlines:
            self.out.append("\n" * (newlines - have))

    @staticmethod
    def _newlines(tag: str, attrs: dict[str, str]) -> int:
        if tag == "p" and "msonormal" in attrs.get("class", "").lower():
            return 1
        return 2 if tag in _PARAGRAPHS else 1 if tag in _LINES else 0

    # Parser callbacks ----------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in _HIDDEN:
            self.hidden += 1
            return
        if tag == "img":
            self._image(values)
        newlines = self._newlines(tag, values)
        if tag == "br":
            self.out.append("\n")
        elif tag in self.CELLS:
            if self.out and not self._tail().endswith(("\n", " ")):
                self.out.append(" ")
        else:
            self._break(newlines)
        if tag == "li":
            self.out.append("- ")
        if tag == "pre":
            self.pre += 1
        if tag not in _VOID:
            starts = bool(_SIGNATURE.search(values.get("id", "") + " " + values.get("class", "")))
            self.open.append((tag, starts, newlines))
            self.signature += starts

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self._image({name: value or "" for name, value in attrs})
        elif tag == "br":
            self.out.append("\n")
        else:
            self._break(self._newlines(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if not any(name == tag for name, _starts, _newlines in self.open):
            self._break(self._newlines(tag, {}))  # a closing tag that was never opened
            return
        while self.open:
            name, starts, newlines = self.open.pop()
            self.signature -= starts
            if name == tag:
                self._break(newlines)
                break

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.pre:
            data = _SPACES.sub(" ", data)
            if not self.out or self._tail().endswith(("\n", " ")):
                data = data.lstrip(" ")
        if data:
            self.out.append(data)

    def _image(self, attrs: dict[str, str]) -> None:
        source = attrs.get("src", "").strip()
        if source[:4].lower() != "cid:":
            return
        cid = f"<{source[4:].strip().strip('<>')}>"
        self.cids.add(cid)
        if self.signature > 0:
            self.signature_cids.add(cid)


def read_html(html: str) -> HTMLText:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    lines = (line.strip(" \xa0") for line in "".join(reader.out).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(re.sub(" {2,}", " ", line) for line in lines)).strip()
    return HTMLText(text, reader.signature_cids, reader.cids)


def html_to_text(html: str) -> str:
    return read_html(html).text
