"""Query shapes that stay fast on millions of cases.

Lists of cases page by keyset, never by OFFSET: a page is "the next ``size`` rows after the last one shown"
in the list's order, read from an index that holds that order, so page 500 costs what page 1 costs. The
list's total is counted only up to COUNT_LIMIT (``bounded_count``) and said to be more beyond it.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.utils.formats import number_format
from django.utils.http import urlencode

from kentmasa.cases.models import Case, Status

DEADLINE_ORDER = (F("due_at").asc(nulls_last=True), "pk")

COUNT_LIMIT = 10_000  # a list's total is counted this far and shown as "10.000+" beyond
MAX_PK = 2**63 - 1  # the largest key a bigint holds
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Microseconds since 1970 (or "-" for a row without a value: those come last), a dot, the row's key.
_CURSOR = re.compile(r"(-|[0-9]{1,17})\.([0-9]{1,19})")
_LOWEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # no case time lies outside these
_HIGHEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts or ends: the ordering column's value (None: no value) and the key."""

    value: dt.datetime | None
    pk: int

    def encode(self) -> str:
        if self.value is None:
            return f"-.{self.pk}"
        delta = self.value - EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.pk}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        """The cursor ``text`` encodes; None for anything else (garbage, NUL bytes, times out of range, keys
        past a bigint): the list then shows its first page, never an error."""
        if not text or len(text) > 40:
            return None
        match = _CURSOR.fullmatch(text)
        if match is None:
            return None
        pk = int(match.group(2))
        if not 0 < pk <= MAX_PK:
            return None
        if match.group(1) == "-":
            return cls(None, pk)
        try:
            value = EPOCH + dt.timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        if not _LOWEST <= value < _HIGHEST:
            return None
        return cls(value, pk)


@dataclasses.dataclass
class KeysetPage:
    """One page of a keyset-paged list: its rows and the cursors of the pages next to it."""

    rows: list
    next: str | None  # the "after" cursor of the next page; None on the last page
    previous: str | None  # the "before" cursor of the previous page; None on the first page
    first: bool  # this is the list's first page

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def keyset_page(
    rows: QuerySet,
    field: str,
    *,
    size: int,
    descending: bool = False,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> KeysetPage:
    """A page of ``rows`` ordered by ``field`` (ascending, or ``descending``), then by key, rows without a
    value last: the ``size`` rows after the cursor ``after``, or before the cursor ``before``, or the first.

    Each part is one range read along an index on (…, ``field``, id): the rows with a value, and (only
    when those run out within the page) the rows without. Filters already on ``rows`` are kept.
    """
    rows = rows.order_by()
    keys = rows.values_list("pk", field)  # the page is picked from the index alone, then its rows read
    # The cursors come from the keys the page was picked by, not from the rows read after them: a row whose
    # deadline moved between the two reads must not make the next page skip or repeat cases.
    if before is not None:
        found = _backward(keys, field, before, size + 1, descending)
        if len(found) > size:  # there are rows before this page
            picked = found[:size][::-1]
            return KeysetPage(_rows(rows, picked), _cursor(picked[-1]), _cursor(picked[0]), first=False)
        # Fewer than a page before the cursor: that is the first page; show it whole.
    found = _forward(keys, field, after, size + 1, descending)
    picked = found[:size]
    page = _rows(rows, picked)
    following = _cursor(picked[-1]) if len(found) > size and picked else None
    if after is None:
        return KeysetPage(page, following, None, first=True)
    previous = _cursor(picked[0]) if picked else after.encode()
    return KeysetPage(page, following, previous, first=False)


def _rows(rows: QuerySet, keys: list[tuple[int, Any]]) -> list:
    """The rows of ``keys`` (key, value pairs), in that order: one read by primary key. Reading whole rows
    (with their joins) in the ordered query itself lets SQLite sort every matching row before the limit."""
    if not keys:
        return []
    found = {row.pk: row for row in rows.filter(pk__in=[key for key, _value in keys])}
    return [found[key] for key, _value in keys if key in found]


def _cursor(key: tuple[int, Any]) -> str:
    """The cursor of a (key, value) pair as the key read returned it."""
    pk, value = key
    return Cursor(value, pk).encode()


def _forward(rows: QuerySet, field: str, after: Cursor | None, limit: int, descending: bool) -> list:
    later, sign = ("lt", "-") if descending else ("gt", "")
    order = (f"{sign}{field}", f"{sign}pk")
    found: list = []
    if after is None or after.value is not None:
        valued = rows.filter(**{f"{field}__isnull": False})
        if after is not None:
            at_or_later = "lte" if descending else "gte"
            valued = valued.filter(**{f"{field}__{at_or_later}": after.value}).filter(
                Q(**{f"{field}__{later}": after.value}) | Q(**{f"pk__{later}": after.pk})
            )
        found = list(valued.order_by(*order)[:limit])
        if len(found) >= limit or not _nullable(rows, field):  # a column that is never NULL: no second read
            return found
    blank = rows.filter(**{f"{field}__isnull": True})
    if after is not None and after.value is None:
        blank = blank.filter(**{f"pk__{later}": after.pk})
    return found + list(blank.order_by(f"{sign}pk")[: limit - len(found)])


def _nullable(rows: QuerySet, field: str) -> bool:
    """Whether the list's ordering column may be NULL (a field of the model; anything else: assume so)."""
    try:
        return bool(rows.model._meta.get_field(field).null)
    except FieldDoesNotExist:  # a lookup through a relation ("case__due_at") or an annotation
        return True


def _backward(rows: QuerySet, field: str, before: Cursor, limit: int, descending: bool) -> list:
    earlier, sign = ("gt", "") if descending else ("lt", "-")
    found: list = []
    if before.value is None:
        blank = rows.filter(**{f"{field}__isnull": True, f"pk__{earlier}": before.pk})
        found = list(blank.order_by(f"{sign}pk")[:limit])
        if len(found) >= limit:
            return found
        valued = rows.filter(**{f"{field}__isnull": False})
    else:
        at_or_earlier = "gte" if descending else "lte"
        valued = rows.filter(**{f"{field}__{at_or_earlier}": before.value}).filter(
            Q(**{f"{field}__{earlier}": before.value}) | Q(**{f"pk__{earlier}": before.pk})
        )
    return found + list(valued.order_by(f"{sign}{field}", f"{sign}pk")[: limit - len(found)])


@dataclasses.dataclass(frozen=True)
class BoundedCount:
    """A list's size counted up to a limit: ``more`` when it holds more than ``count``."""

    count: int
    more: bool

    @property
    def text(self) -> str:
        """ "1.234", or "10.000+" past the limit (thousands grouped as the active language writes them)."""
        shown = number_format(self.count, force_grouping=True)
        return f"{shown}+" if self.more else shown


def bounded_count(rows: QuerySet, limit: int | None = None) -> BoundedCount:
    """How many ``rows`` there are, counting no further than ``limit`` (COUNT_LIMIT by default): one query,
    a count over a LIMITed subquery, which reads at most ``limit`` + 1 index entries."""
    limit = COUNT_LIMIT if limit is None else limit
    found = rows.order_by().values("pk")[: limit + 1].count()
    return BoundedCount(min(found, limit), found > limit)


def cursors_from(params: Any) -> tuple[Cursor | None, Cursor | None]:
    """The ``after`` / ``before`` cursors of a list's GET parameters (a bad one counts as none)."""
    after = Cursor.decode(params.get("after"))
    before = None if after is not None else Cursor.decode(params.get("before"))
    return after, before


def page_from(params: Any, rows: QuerySet, field: str, *, size: int, descending: bool = False) -> KeysetPage:
    """The page of ``rows`` (keyset_page on ``field``) that a list's GET parameters ``params`` ask for with
    their ``after`` / ``before`` cursor; a bad or forged cursor shows the first page."""
    after, before = cursors_from(params)
    return keyset_page(rows, field, size=size, descending=descending, after=after, before=before)


PAGE_PARAMS = frozenset({"after", "before", "page"})  # a list's place, not its filters


def filter_query(params: Any, drop: Any = ()) -> str:
    """A list's GET parameters without its cursors (nor an old ``page`` number, empty or ``drop``ped ones),
    URL-encoded: the part the page links of cases/_keyset_pages.html keep."""
    kept = [
        (key, value)
        for key in params
        if key not in PAGE_PARAMS and key not in drop
        for value in (params.getlist(key) if hasattr(params, "getlist") else [params[key]])
        if value
    ]
    return urlencode(kept)


# A duplicate merged into a case that was merged in turn: a handful of hops at most; a cycle (never written
# by services.merge, but a database can hold anything) stops here instead of looping.
_MERGE_HOPS = 10


def current_case(case: Case) -> Case:
    """The case a message about ``case`` belongs to: a merged case lives on in the case it was merged into.

    The one "follow a merged case" rule: a case counts as merged only when its status is MERGED and it
    names the case it went into (services.merge writes both); the citizen is loaded with each hop.
    """
    seen = {case.pk}
    for _hop in range(_MERGE_HOPS):
        if case.status != Status.MERGED or case.merged_into_id is None or case.merged_into_id in seen:
            break
        target = Case.objects.select_related("citizen").filter(pk=case.merged_into_id).first()
        if target is None:
            break
        seen.add(target.pk)
        case = target
    return case
