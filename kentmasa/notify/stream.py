"""The live stream: server-sent events of the live events (kentmasa.notify.live) a screen or client may see.

One :class:`Hub` per web process (per event loop) reads the LiveEvent table for every open stream of that
process: on PostgreSQL when the database NOTIFYs (one LISTEN connection per process, and a slow poll in case
a wake-up was lost), on SQLite by polling a few times a second. The hub appends what it read to a short
in-memory log; each open stream (a :func:`respond` generator) follows the log, keeps what its
:class:`LiveScope` allows and writes it out. 200 idle streams are 200 sleeping coroutines: none of them
touches the database.

**Resuming.** Each event goes out with an SSE ``id`` that is a *resume point*: every live event with a lower
id has either been sent already or is one the client may not see. A client that reconnects with
``Last-Event-ID`` (browsers do it by themselves) first gets, from the table, what came after that point,
then the log. On PostgreSQL ids are taken before commit, so a later id can commit first: the hub holds the
resume point below such a gap until it fills or ``GAP_WAIT`` passes (a rolled-back transaction never fills
its gap), while the events above it go out at once. A resumed client may therefore get an event twice; the
event's ``seq`` (its id) tells it. A client further behind than the table keeps (or than ``CATCH_UP_LIMIT``
events) gets ``event: reset`` and reloads what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Min
from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from kentmasa.cases.access import Scope
from kentmasa.cases.transitions import event_label
from kentmasa.directory.models import User
from kentmasa.notify.models import LiveEvent

log = logging.getLogger(__name__)

T = TypeVar("T")
CHANNEL = "kentmasa_live"  # the NOTIFY channel of migration notify 0004
LOG_SIZE = 20_000  # live events kept in memory per process for the streams that follow the log
READ_BATCH = 1000
# A hub starting looks this many ids below the last for one still in flight (PostgreSQL takes ids before
# commit): it starts below the first missing one, as if it had been running, so that one is read on commit.
START_LOOKBACK = 1000
IDLE_STOP = 60.0  # a hub with no stream for this long stops (and its database connections close)
FIELDS = (
    "id",
    "at",
    "topic",
    "change",
    "institution_id",
    "unit_id",
    "team_id",
    "user_id",
    "case_id",
    "places",
    "data",
)


def option(name: str) -> Any:
    return settings.KENTMASA_LIVE[name]


@dataclasses.dataclass(frozen=True)
class Row:
    """A live event as the streams read it (the columns of notify.LiveEvent)."""

    id: int
    at: dt.datetime
    topic: str
    change: str
    institution_id: int | None
    unit_id: int | None
    team_id: int | None
    user_id: int | None
    case_id: int | None
    places: tuple[int, ...]
    data: dict[str, Any]


class LiveScope(Protocol):
    """What one stream may receive, and how it sees it."""

    def allows(self, row: Row) -> bool: ...

    def payload(self, row: Row) -> tuple[str, dict[str, Any]] | None:
        """The SSE event name and data for an allowed row (None: nothing to send)."""
        ...

    async def refresh(self) -> bool:
        """Re-read who is listening (every SCOPE_REFRESH seconds); False ends the stream."""
        ...


# --- reading the table (in the hub's own database thread) ---------------------------------------------------


def _rows(after: int, limit: int) -> list[Row]:
    values = LiveEvent.objects.filter(pk__gt=after).order_by("pk").values_list(*FIELDS)[:limit]
    return [Row(**{**dict(zip(FIELDS, row, strict=True)), "places": tuple(row[9])}) for row in values]


def _start() -> tuple[int, list[int]]:
    """Where a new hub starts: the last id, and the ids present among the START_LOOKBACK below it."""
    from kentmasa.notify.live import latest_id

    latest = latest_id()
    present = LiveEvent.objects.filter(pk__gt=latest - START_LOOKBACK, pk__lte=latest)
    return latest, list(present.values_list("pk", flat=True))


def _oldest() -> int | None:
    value = LiveEvent.objects.aggregate(first=Min("pk"))["first"]
    return int(value) if value is not None else None


def _guarded(function: Callable[..., T], *args: Any) -> T:
    """Run a database read in the hub's thread, which keeps its one connection (no request ever closes it);
    after an error (the database restarted), drop it so the next call opens a fresh one."""
    try:
        return function(*args)
    except DatabaseError:
        connection.close()
        raise


# --- the hub -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    index: int  # position in the hub's log
    row: Row
    resume: int  # the resume point once this entry was read


class Hub:
    """Reads new live events for every stream of this process, and keeps them in a short log."""

    def __init__(self) -> None:
        self.log: deque[Entry] = deque(maxlen=LOG_SIZE)
        self.next_index = 0
        self.horizon = 0  # every id up to here has been read (or given up on as a gap)
        self.above: set[int] = set()  # ids above the horizon already in the log
        self.gap_since: float | None = None
        self.streams = 0
        self.tick = asyncio.Event()  # replaced (after being set) whenever the log grows
        self.ready = asyncio.Event()
        self.stopped = False
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kentmasa-live")
        self.task: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()
        self.idle_since = time.monotonic()

    async def db(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _guarded, function, *args)

    def entries_from(self, index: int) -> list[Entry] | None:
        """Log entries from ``index`` on; None when they have already left the log (a stream too slow)."""
        if index >= self.next_index:
            return []
        if not self.log or index < self.log[0].index:
            return None
        start = index - self.log[0].index
        return [self.log[i] for i in range(start, len(self.log))]

    def _append(self, rows: list[Row]) -> None:
        present = {row.id for row in rows}
        new = [row for row in rows if row.id not in self.above]
        # Move the horizon over every id that is now known, and past a gap that has waited long enough.
        while True:
            while self.horizon + 1 in present or self.horizon + 1 in self.above:
                self.horizon += 1
            # (above: ids read in an earlier batch, which the first gap's give-up must not jump over)
            higher = [i for i in present | self.above if i > self.horizon]
            if not higher:
                self.gap_since = None
                break
            now = time.monotonic()
            if self.gap_since is None:
                self.gap_since = now
                break
            if now - self.gap_since < option("GAP_WAIT"):
                break
            log.info("live events: gave up waiting for ids %d..%d", self.horizon + 1, min(higher) - 1)
            self.horizon = min(higher) - 1
            self.gap_since = None
        self.above = {i for i in self.above | {row.id for row in new} if i > self.horizon}
        if not new:
            return
        for row in new:
            self.log.append(Entry(self.next_index, row, self.horizon))
            self.next_index += 1
        tick, self.tick = self.tick, asyncio.Event()
        tick.set()

    async def read(self) -> None:
        after = self.horizon
        while True:
            rows = await self.db(_rows, after, READ_BATCH)
            self._append(rows)
            if len(rows) < READ_BATCH:
                return
            # On from the last row read, not from the horizon: with a gap below, that batch would come back
            # again and again until GAP_WAIT gave up on the gap, and what lies past it would wait as long.
            after = max(rows[-1].id, self.horizon)

    async def start(self) -> None:
        """Start reading after the last id, or below the first gap close under it: an id taken by a
        transaction that has not committed yet is read when it commits, and no resume point passes it."""
        latest, present = await self.db(_start)
        known = set(present)
        horizon = max(latest - START_LOOKBACK, 0) if known else latest
        while horizon < latest and horizon + 1 in known:
            horizon += 1
        self.horizon = horizon
        self.above = {i for i in known if i > horizon}  # there before this hub: never news to its streams
        self.gap_since = time.monotonic() if self.above else None

    async def run(self) -> None:
        listener: asyncio.Task[None] | None = None
        try:
            await self.start()
            self.ready.set()
            postgres = connection.vendor == "postgresql"
            if postgres:
                listener = asyncio.create_task(self._listen())
            interval = option("PG_POLL") if postgres else option("POLL")
            while self.streams or time.monotonic() - self.idle_since < IDLE_STOP:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), interval)
                self.wake.clear()
                try:
                    await self.read()
                except DatabaseError:
                    log.warning("live events: reading the table failed; trying again", exc_info=True)
                    await asyncio.sleep(1)
        finally:
            self.stopped = True
            self.ready.set()
            self.tick.set()  # its streams wake, see it stopped and end (their clients reconnect to a new hub)
            if listener is not None:
                listener.cancel()
            await self.close()

    async def close(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, connections.close_all)
        finally:
            self.executor.shutdown(wait=False)

    async def _listen(self) -> None:
        """PostgreSQL: wake the hub whenever a transaction that wrote live events commits."""
        import psycopg

        params = connection.get_connection_params()
        params = {
            k: v for k, v in params.items() if k not in ("cursor_factory", "context", "prepare_threshold")
        }
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(autocommit=True, **params) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 0.5
                    self.wake.set()  # read what may have come while we were not listening
                    async for _notify in conn.notifies():
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError):
                log.warning("live events: the LISTEN connection failed; reconnecting", exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    def join(self) -> int:
        self.streams += 1
        return self.next_index

    def leave(self) -> None:
        self.streams -= 1
        if not self.streams:
            self.idle_since = time.monotonic()


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


async def hub() -> Hub:
    """This event loop's hub, started if it is not running."""
    loop = asyncio.get_running_loop()
    current = _hubs.get(loop)
    if current is None or current.stopped:
        current = _hubs[loop] = Hub()
        current.task = loop.create_task(current.run())
    await current.ready.wait()
    return current


async def shutdown() -> None:
    """Stop this loop's hub and close its database connections (a test server stopping)."""
    current = _hubs.pop(asyncio.get_running_loop(), None)
    if current is not None and current.task is not None and not current.task.done():
        current.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await current.task


# --- one stream --------------------------------------------------------------------------------------------


def _event(name: str, data: dict[str, Any], resume: int | None) -> str:
    head = f"id: {resume}\n" if resume is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


async def events(scope: LiveScope, since: int | None) -> AsyncGenerator[str, None]:
    """The text of one stream: what ``scope`` allows after ``since`` (None: from now on)."""
    current = await hub()
    index = current.join()
    try:
        yield f"retry: {option('RETRY_MS')}\n\n"
        resume = current.horizon if since is None else since
        sent: set[int] = set()
        if since is not None:
            oldest = await current.db(_oldest)
            rows = await current.db(_rows, since, option("CATCH_UP_LIMIT") + 1)
            if len(rows) > option("CATCH_UP_LIMIT") or (oldest is not None and since < oldest - 1):
                resume = current.horizon
                yield _event("reset", {}, resume)
            else:
                for row in rows:
                    sent.add(row.id)
                    resume = max(resume, min(row.id, current.horizon))
                    if scope.allows(row) and (shown := scope.payload(row)):
                        yield _event(*shown, resume)
        announced = resume
        refreshed = time.monotonic()
        while True:
            if current.stopped:  # it reads nothing more: the client reconnects, to a hub that runs
                return
            # Before anything more is sent: once SCOPE_REFRESH has passed, is the listener still allowed?
            if time.monotonic() - refreshed > option("SCOPE_REFRESH"):
                refreshed = time.monotonic()
                if not await scope.refresh():
                    return
            tick = current.tick
            entries = current.entries_from(index)
            if entries is None:  # this stream fell behind the log: its screen starts afresh
                index = current.next_index
                resume = max(resume, current.horizon)
                announced = resume
                yield _event("reset", {}, resume)
                continue
            for entry in entries:
                index = entry.index + 1
                if entry.row.id in sent:
                    continue
                # Safe to resume after this event: the ids below it of its batch were read before it.
                resume = max(resume, min(entry.row.id, entry.resume))
                if scope.allows(entry.row) and (shown := scope.payload(entry.row)):
                    announced = resume
                    yield _event(*shown, resume)
            if entries:  # the whole log up to here is done: every id below the hub's horizon then
                resume = max(resume, entries[-1].resume)
            try:
                await asyncio.wait_for(tick.wait(), option("HEARTBEAT"))
            except TimeoutError:
                # A comment keeps proxies from closing an idle stream; the id moves the client's resume
                # point past events it was not shown, so a reconnect does not read them again.
                yield (f"id: {resume}\n" if resume != announced else "") + ": ping\n\n"
                announced = resume
    finally:
        current.leave()


def respond(scope: LiveScope, since: int | None) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events(scope, since), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


# --- staff --------------------------------------------------------------------------------------------------


# Whether the credential a stream was opened with (a session, an API token) still signs the user in: asked
# with the user as they are now, in the hub's database thread, each time the stream re-reads its scope.
Credential = Callable[[User], bool]


class StaffScope:
    """A member of staff: the cases they may read (kentmasa.cases.access.Scope) and their notifications,
    for as long as the credential the stream was opened with holds."""

    def __init__(
        self, user: User, access: Scope, language: str, credential: Credential | None = None
    ) -> None:
        self.user_id = user.pk
        self.access = access
        self.language = language
        self.credential = credential

    @classmethod
    async def of(cls, user: User, language: str, credential: Credential | None = None) -> StaffScope | None:
        current = await hub()
        access = await current.db(Scope.of, user)
        return cls(user, access, language, credential) if access is not None else None

    def allows(self, row: Row) -> bool:
        if row.user_id is not None:
            return row.user_id == self.user_id
        if row.topic == LiveEvent.Topic.NOTIFICATION:
            return False
        return self.reads(row) or self.saw_it_leave(row)

    def reads(self, row: Row) -> bool:
        return self.access.sees(
            institution_id=row.institution_id,
            unit_id=row.unit_id,
            team_id=row.team_id,
            places=row.places,
            case_id=row.case_id,
        )

    def saw_it_leave(self, row: Row) -> bool:
        """The case left a unit whose cases the user reads: their screens must drop it."""
        left = row.data.get("left_unit")
        return left is not None and self.access.sees(
            institution_id=row.institution_id, unit_id=left, team_id=None
        )

    def payload(self, row: Row) -> tuple[str, dict[str, Any]] | None:
        base = {"seq": row.id, "at": timezone.localtime(row.at).isoformat()}
        if row.topic == LiveEvent.Topic.CASE:
            with translation.override(self.language):
                label = str(event_label(row.change))
            if not self.reads(row):  # it left their unit: that it went, not where or to whom
                return "case", {
                    **base,
                    "case": row.case_id,
                    "tracking": row.data.get("tracking", ""),
                    "change": row.change,
                    "label": label,
                    "left": True,
                }
            return "case", {
                **base,
                "case": row.case_id,
                "tracking": row.data.get("tracking", ""),
                "change": row.change,
                "label": label,
                "status": row.data.get("status", ""),
                "unit": row.unit_id,
                "team": row.team_id,
                "assignee": row.data.get("assignee"),
            }
        if row.topic == LiveEvent.Topic.NOTIFICATION:
            return "notification", {**base, "kind": row.change, "case": row.case_id, **row.data}
        return row.topic, {**base, "change": row.change, **row.data}

    async def refresh(self) -> bool:
        """False (the stream ends) once the user is switched off or gone, or signed out, or their token
        revoked; else their scope as it is now."""
        current = await hub()
        access = await current.db(_reload_scope, self.user_id, self.credential)
        if access is None:
            return False
        self.access = access
        return True


def _reload_scope(user_id: int, credential: Credential | None = None) -> Scope | None:
    user = User.objects.filter(pk=user_id).first()
    if user is None or (credential is not None and not credential(user)):
        return None
    return Scope.of(user)
