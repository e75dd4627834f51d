"""The wall screen (duvar ekranı): ``/pano/<token>/``, one institution's or one unit's board for a wall TV.

Nobody signs in: the token in the address is the key (kentmasa.reports.models.Wallboard), and it opens that
board only. The board shows figures and the last changes, never a person: no citizen's name, phone, address
or words, no member of staff. KADES cases (violence against women, the police's emergency app) never appear
on a board, in a figure or in a list.

The figures are counted at most once per ``KENTMASA_LIVE_FIGURES_SECONDS`` for each set of cases a board
shows (the cache), however many screens show it; the page listens to ``/pano/<token>/canli/`` (the live
stream, kentmasa.notify.stream, through :class:`WallboardScope`) and re-fetches its figures when something
changed (kentmasa/static/kentmasa/wallboard.js), at most every five seconds, and every minute anyway.

Every query is bounded: open and overdue are summed from the place rollups (kentmasa.reports.cells) with
the unswept late cases counted live, today's cases are read through the institution's recent index, the
oldest waiting case through a partial index of the open cases, and the last changes are read from the live
events table (kentmasa.notify.models.LiveEvent: the published copy of the cases' timeline events, indexed by
time and kept for a day or two) with a LIMIT, then their ten cases by primary key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from kentmasa.cases.models import Case, Channel
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.transitions import TRANSITIONS, event_label
from kentmasa.notify import stream
from kentmasa.notify.live import latest_id
from kentmasa.notify.models import LiveEvent
from kentmasa.notify.stream_views import BadPosition, not_asgi, open_stream, position
from kentmasa.reports.cells import open_since
from kentmasa.reports.models import PlaceRollup, Wallboard
from kentmasa.reports.rollups import overdue_live

CHANGES = 10  # the last changes a board lists
# What the list of changes shows: what happened to a case (a transition, its opening, an escalation), not
# the bookkeeping around it (staff told, approvals asked, comments, warnings), which a room need not read.
SHOWN_CHANGES = frozenset({*TRANSITIONS, "open", "escalate"})
UNIT_ROWS = 10  # the units a board lists (the most overdue first); a TV has room for no more
KADES = Channel.KADES.value


def figures_seconds() -> int:
    return int(getattr(settings, "KENTMASA_LIVE_FIGURES_SECONDS", 5))


# --- the figures --------------------------------------------------------------------------------------------


def board_cases(institution_id: int, unit_ids: list[int] | None) -> Any:
    """The cases a board counts: its institution's (or its units'), never a KADES case."""
    cases = Case.objects.filter(institution_id=institution_id).exclude(channel=KADES).order_by()
    if unit_ids is not None:
        cases = cases.filter(unit_id__in=unit_ids)
    return cases


def day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of ``now``'s day where the institution is (the site's time zone, Europe/Istanbul)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def count_figures(institution_id: int, unit_ids: list[int] | None, now: dt.datetime) -> dict[str, Any]:
    """Open, overdue, received today and the oldest waiting case's time, overall and per unit (when the
    board covers several units).

    Open and the row's part of overdue are summed from the place rollups (kentmasa.reports.cells: their
    channel key leaves KADES out); the part of overdue only time made (``rollups.overdue_live``), the cases
    received today and the oldest waiting case are read live, each through an index over a bounded set:
    the unswept late cases, today's cases, the first of the open cases by age. Four queries whatever the
    number of cases, and the same figures as counting the cases (tests/test_cells.py)."""
    today = day_start(now)
    rows = PlaceRollup.objects.filter(institution_id=institution_id).exclude(channel=KADES)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    cases = board_cases(institution_id, unit_ids)
    units: dict[int | None, dict[str, Any]] = {}
    # Ordered by the unit's name as the database orders it, so the stable sort below breaks ties the way
    # the live ORDER BY "-overdue", "-open", "unit__name" did.
    for row in (
        rows.values("unit_id", "unit__name")
        .annotate(open=Sum("open"), late=Sum("late"))
        .order_by("unit__name", "unit_id")
    ):
        units[row["unit_id"]] = {
            "name": row["unit__name"],
            "open": row["open"],
            "overdue": row["late"],
            "today": 0,
        }
    blank = {"name": None, "open": 0, "overdue": 0, "today": 0}
    for unit_id, n in overdue_live(cases, now).values_list("unit_id").annotate(n=Count("pk")).order_by():
        units.setdefault(unit_id, dict(blank))["overdue"] += n
    for unit_id, n in (
        cases.filter(received_at__gte=today).values_list("unit_id").annotate(n=Count("pk")).order_by()
    ):
        units.setdefault(unit_id, dict(blank))["today"] += n
    figures: dict[str, Any] = {
        "open": sum(unit["open"] for unit in units.values()),
        "overdue": sum(unit["overdue"] for unit in units.values()),
        "today": sum(unit["today"] for unit in units.values()),
        "oldest": open_since(cases),
        "units": None,
    }
    if unit_ids is None or len(unit_ids) > 1:
        # A unit the board lists has an open case or one received today (as the live count had).
        shown = [unit for unit in units.values() if unit["open"] > 0 or unit["today"] > 0]
        shown.sort(key=lambda unit: (-unit["overdue"], -unit["open"]))
        figures["units"] = shown[:UNIT_ROWS]
    return figures


def last_changes(institution_id: int, unit_ids: list[int] | None) -> list[dict[str, Any]]:
    """The board's last changes (:data:`SHOWN_CHANGES`), newest first: time, tracking number, category,
    mahalle and the change.

    Read from the live events (the timeline events as they were published, indexed by time), then their
    cases by primary key for the category and mahalle; a case that is gone or is a KADES case is left out
    (a KADES event is already left out by the channel it was published with)."""
    events = LiveEvent.objects.filter(
        topic=LiveEvent.Topic.CASE, institution_id=institution_id, change__in=SHOWN_CHANGES
    )
    # (A plain exclude() would also drop an event whose data names no channel: the key's absence is NULL.)
    events = events.filter(Q(data__channel__isnull=True) | ~Q(data__channel=KADES))
    if unit_ids is not None:
        events = events.filter(unit_id__in=unit_ids)
    rows = list(events.order_by("-at", "-id").values("at", "change", "case_id")[:CHANGES])
    ids = {row["case_id"] for row in rows if row["case_id"] is not None}
    cases = {
        case["pk"]: case
        for case in board_cases(institution_id, None)
        .filter(pk__in=ids)
        .values("pk", "tracking_number", "category__name", "neighbourhood")
    }
    changes = []
    for row in rows:
        case = cases.get(row["case_id"])
        if case is None:
            continue
        changes.append(
            {
                "at": row["at"],
                "change": row["change"],
                "tracking": case["tracking_number"] or "",
                "category": case["category__name"] or "",
                "mahalle": case["neighbourhood"] or "",
            }
        )
    return changes


def compute(institution_id: int, unit_ids: list[int] | None, now: dt.datetime) -> dict[str, Any]:
    # The live position first: whatever is counted below includes at least every event up to it, so a
    # screen that has seen a later event knows these figures may not show it yet (and asks again).
    seq = latest_id()
    return {
        "seq": seq,
        "at": now,
        **count_figures(institution_id, unit_ids, now),
        "changes": last_changes(institution_id, unit_ids),
    }


def cache_key(board: Wallboard) -> str:
    return f"kentmasa:wallboard:{board.institution_id}:{board.unit_id or 0}"


def board_figures(board: Wallboard, now: dt.datetime | None = None) -> dict[str, Any]:
    """The board's figures, counted at most once per KENTMASA_LIVE_FIGURES_SECONDS for every screen that
    shows the same cases. Plain values only: labels and durations are written when a page is rendered, in
    its language and at its time."""
    seconds = figures_seconds()
    key = cache_key(board)
    if seconds > 0:
        cached = cache.get(key)
        if cached is not None:
            return dict(cached)
    figures = compute(board.institution_id, board.unit_ids(), now or timezone.now())
    if seconds > 0:
        cache.set(key, figures, seconds)
    return figures


def shown(figures: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """What the template shows: the figures with their labels, times and durations written out."""
    oldest = figures["oldest"]
    today = timezone.localtime(now).date()
    return {
        **figures,
        "waiting_for": timesince(oldest, max(now, oldest), depth=2) if oldest is not None else "",
        "changes": [
            {
                **change,
                "label": event_label(change["change"]),
                "tracking_display": format_tracking_number(change["tracking"]),
                "today": timezone.localtime(change["at"]).date() == today,
            }
            for change in figures["changes"]
        ],
    }


# --- the pages ----------------------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """A board is never stored by a cache or a search engine, and its address (the key) is never sent on."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def gone(request: HttpRequest) -> HttpResponse:
    """404 for an unknown or revoked link: a plain page in Turkish and English, whatever the language."""
    return _private(HttpResponse(render_to_string("reports/wallboard_gone.html"), status=404))


@require_safe
def board(request: HttpRequest, token: str) -> HttpResponse:
    """The board (``?parca=1``: only its figures and changes, which wallboard.js swaps in)."""
    wallboard = Wallboard.authenticate(token)
    if wallboard is None:
        return gone(request)
    now = timezone.now()
    figures = shown(board_figures(wallboard, now), now)
    context = {
        "board": wallboard,
        "figures": figures,
        "now": now,
        "token": token,
        "refresh_seconds": 60,
    }
    template = "reports/_wallboard_figures.html" if request.GET.get("parca") else "reports/wallboard.html"
    return _private(render(request, template, context))


# --- the stream ---------------------------------------------------------------------------------------------


class WallboardScope:
    """What a board's stream sends (kentmasa.notify.stream.LiveScope): changes of its institution's cases
    (of its units' for a unit board), never a KADES case's, never a notification or anything else; each as
    the tracking number, the change and its time only."""

    def __init__(
        self, board_id: int, key_hash: str, institution_id: int, unit_ids: list[int] | None, language: str
    ) -> None:
        self.board_id = board_id
        self.key_hash = key_hash
        self.institution_id = institution_id
        self.unit_ids = frozenset(unit_ids) if unit_ids is not None else None
        self.language = language

    @classmethod
    def of(cls, board: Wallboard, language: str) -> WallboardScope:
        return cls(board.pk, board.key_hash, board.institution_id, board.unit_ids(), language)

    def allows(self, row: stream.Row) -> bool:
        if row.topic != LiveEvent.Topic.CASE or row.institution_id != self.institution_id:
            return False
        if row.data.get("channel") == KADES:
            return False
        # A unit board also hears of a case transferred away from its units (its counts drop).
        return (
            self.unit_ids is None
            or row.unit_id in self.unit_ids
            or row.data.get("left_unit") in self.unit_ids
        )

    def payload(self, row: stream.Row) -> tuple[str, dict[str, Any]] | None:
        with translation.override(self.language):
            label = str(event_label(row.change))
        return "case", {
            "seq": row.id,
            "at": timezone.localtime(row.at).isoformat(),
            "tracking": row.data.get("tracking", ""),
            "change": row.change,
            "label": label,
        }

    async def refresh(self) -> bool:
        """Re-read the board: False (the stream ends) once it is revoked, re-issued or deleted."""
        current = await stream.hub()
        live, unit_ids = await current.db(still_live, self.board_id, self.key_hash)
        if not live:
            return False
        self.unit_ids = frozenset(unit_ids) if unit_ids is not None else None
        return True


def still_live(board_id: int, key_hash: str) -> tuple[bool, list[int] | None]:
    """Whether the board still shows under the same key, and its units now (None: the whole institution).
    An open stream counts as the screen being seen."""
    board = (
        Wallboard.objects.select_related("unit")
        .filter(pk=board_id, key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if board is None:
        return False, None
    now = timezone.now()
    if board.last_seen_at is None or now - board.last_seen_at > Wallboard.TOUCH_INTERVAL:
        Wallboard.objects.filter(pk=board.pk).update(last_seen_at=now)
    return True, board.unit_ids()


def open_scope(token: str, language: str) -> WallboardScope | None:
    board = Wallboard.authenticate(token)
    return WallboardScope.of(board, language) if board is not None else None


@require_GET
async def board_stream(request: HttpRequest, token: str) -> HttpResponseBase:
    """``/pano/<token>/canli/``: the board's live stream (server-sent events)."""
    scope = await sync_to_async(open_scope)(token, get_language() or settings.LANGUAGE_CODE)
    if scope is None:
        return gone(request)
    try:
        since = position(request)
    except BadPosition:
        return _private(JsonResponse({"detail": _("Enter a whole number.")}, status=400))
    if refused := not_asgi(request):
        return refused
    response = await open_stream(scope, since)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
