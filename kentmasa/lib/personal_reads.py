"""Noting that a member of staff read a citizen's personal data (KVKK m.12: the access log).

The contract, for every view that shows personal data (a case page, a citizen page, an export, an API read):

* call ``note_read(request, what=..., case_id=..., citizen_id=..., detail=...)`` once per thing shown, any
  time before the view returns. It only appends to a list on the request: no query, no write, microseconds.
* ``kentmasa.privacy.middleware.AccessLogMiddleware`` writes every read noted during the request in ONE bulk
  insert, after the view answered, and only when the answer succeeded (2xx) and the caller is a signed-in
  member of staff: the console's session or the API's bearer token (``directory.api.BearerToken`` sets
  ``request.user``). A refused, failed or anonymous request writes nothing: nothing was shown.
* the reason the reader gave (``?neden=`` on the address, or a ``neden`` field posted) is stored with each
  read of the request; ``reason_of(request)`` reads it for views that ask for one before they show a record.

``what`` is a short kind from ``KINDS`` (free text is refused so the reports can filter on it). ``case_id``
and ``citizen_id`` say whose data it was: give the citizen whenever the page showed them, since the report per
citizen is keyed on it. ``detail`` is a short note (an export's format and filter, the ids of a list); it is
cut to ``DETAIL_LENGTH`` characters.

This module sits in ``lib`` so every app may note reads without importing ``kentmasa.privacy`` (the top of the
layering, which nothing imports).
"""

from dataclasses import dataclass

from django.http import HttpRequest

ATTRIBUTE = "_kentmasa_personal_reads"
DETAIL_LENGTH = 500
REASON_LENGTH = 300

# The kinds of read, as the access log stores them (privacy.AccessLog.what).
KINDS = frozenset(
    {
        "case",  # the case page
        "attachment",  # an attachment downloaded or shown
        "citizen",  # a citizen's page or record
        "caller_lookup",  # the console's lookup of a caller's history by phone
        "export",  # an export file (reports, lists)
        "api_case",  # the API's case detail
        "api_case_list",  # the API's case list (one row per request, the ids in detail)
        "work_order",  # the field app's work-order page
        "foi",  # an information request's page
        "feedback",  # a feedback call's page
        "access_log",  # the access log's own reports
        "data_subject_request",  # a data-subject request's export or page (privacy)
    }
)


@dataclass(frozen=True)
class Read:
    what: str
    case_id: int | None = None
    citizen_id: int | None = None
    detail: str = ""


def note_read(
    request: HttpRequest,
    *,
    what: str,
    case_id: int | None = None,
    citizen_id: int | None = None,
    detail: str = "",
) -> None:
    """Note that this request shows a citizen's personal data: the privacy middleware logs it if the request
    succeeds."""
    if what not in KINDS:
        raise ValueError(f"unknown kind of personal-data read: {what!r}")
    reads: list[Read] | None = getattr(request, ATTRIBUTE, None)
    if reads is None:
        reads = []
        setattr(request, ATTRIBUTE, reads)
    reads.append(Read(what, case_id, citizen_id, (detail or "")[:DETAIL_LENGTH]))


def noted_reads(request: HttpRequest) -> list[Read]:
    """The reads noted on this request so far, in order."""
    return list(getattr(request, ATTRIBUTE, None) or [])


def reason_of(request: HttpRequest) -> str:
    """The reason the reader gave for opening the record (``neden`` in the query or the posted form), trimmed
    and without NUL characters: "" when none was given."""
    raw = request.GET.get("neden") or (request.POST.get("neden") if request.method == "POST" else "") or ""
    return raw.replace("\x00", "").strip()[:REASON_LENGTH]
