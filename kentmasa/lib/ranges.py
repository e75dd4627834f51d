"""Serving a stored file with HTTP Range support, so browsers can seek in audio and video.

Django's FileResponse sends the whole file; Safari will not play an <audio>/<video> whose server ignores
``Range``, and every browser needs it to seek. One range (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) is
answered with 206 and Content-Range; several ranges, or a header we do not understand, get the whole file
(200), as RFC 9110 allows; a range past the end gets 416. Positions have at most 19 ASCII digits (a 64-bit
offset); a longer or non-ASCII number is a header we do not understand (whole file, never int()'s 4300-digit
error). A 206 keeps the Content-Disposition the whole file would have had (a download stays a download, under
its name). The caller checks access first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=([0-9]{0,19})-([0-9]{0,19})$")


UNSATISFIABLE = (-1, -1)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of the one range asked for; None to send the whole file; UNSATISFIABLE."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # the last n bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else max(first, size - 1)
    if last < first:
        return None  # syntactically invalid: ignore the header
    if first >= size:
        return UNSATISFIABLE
    return first, min(last, size - 1)


def _read(handle: IO[bytes], first: int, last: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        left = last - first + 1
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_response(
    request: HttpRequest,
    handle: IO[bytes],
    *,
    size: int,
    content_type: str,
    as_attachment: bool = False,
    filename: str = "",
) -> HttpResponseBase:
    """The file from ``handle`` (opened for reading), whole or the range the request asks for."""
    wanted = parse_range(request.headers.get("Range", ""), size)
    response: HttpResponseBase
    if wanted is None:
        response = FileResponse(
            handle, content_type=content_type, as_attachment=as_attachment, filename=filename
        )
    elif wanted == UNSATISFIABLE:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        first, last = wanted
        response = StreamingHttpResponse(_read(handle, first, last), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
        if as_attachment or filename:  # as FileResponse would have said it for the whole file
            disposition = content_disposition_header(as_attachment, filename)
            if disposition:
                response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    return response
