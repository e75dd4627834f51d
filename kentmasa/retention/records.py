"""Writing destruction records: every retention run calls :func:`record` once, when it has finished.

    started = timezone.now()
    ... delete what is due, collecting items / kept / errors ...
    records.record(
        DestructionRecord.Category.FOOTAGE, institution, started_at=started,
        basis=_("…"), items=[records.item("ESK-001", start, end, count=3, bytes=1234)], kept=[…],
    )

A run that found nothing due still leaves its record (no items): the record shows that the run happened.

A run that deletes outside a database transaction (files on a recorder) writes its record before it deletes
anything, with :func:`begin` ("not finished", committed with its decision), and completes it with
:func:`finish`: a run that dies half-way still leaves its record, and what it deleted is never unrecorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from kentmasa.directory.models import Institution, User
from kentmasa.retention.models import DestructionRecord

ITEM_LIMIT = 5000  # items kept in one record; a run that destroys more sums the rest into one line


def item(
    what: str, start: dt.datetime | None, end: dt.datetime | None, *, count: int = 1, bytes: int = 0
) -> dict:
    """One line of a record: what was destroyed, the period it covered, how many pieces and bytes."""
    return {
        "what": str(what)[:300],
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "count": int(count),
        "bytes": int(bytes),
    }


def kept(what: str, start: dt.datetime | None, end: dt.datetime | None, *, reason: str) -> dict:
    """One line of what was due but kept, and why (e.g. a legal hold)."""
    return {
        "what": str(what)[:300],
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "reason": str(reason)[:500],
    }


def _bounded(lines: Sequence[dict]) -> list[dict]:
    if len(lines) <= ITEM_LIMIT:
        return list(lines)
    head, rest = list(lines[: ITEM_LIMIT - 1]), lines[ITEM_LIMIT - 1 :]
    head.append(
        {
            "what": f"+{len(rest)}",
            "from": min((line.get("from") or "" for line in rest), default=None) or None,
            "to": max((line.get("to") or "" for line in rest), default=None) or None,
            "count": sum(int(line.get("count", 0)) for line in rest),
            "bytes": sum(int(line.get("bytes", 0)) for line in rest),
            "reason": "",
        }
    )
    return head


def _outcome(count: int, errors: Sequence[str]) -> str:
    """None → done; errors while something was destroyed → partial; errors and nothing destroyed → failed."""
    if not errors:
        return DestructionRecord.Outcome.DONE
    if count:
        return DestructionRecord.Outcome.PARTIAL
    return DestructionRecord.Outcome.FAILED


def record(
    category: str,
    institution: Institution | None,
    *,
    started_at: dt.datetime,
    basis: str,
    items: Sequence[dict] = (),
    kept: Sequence[dict] = (),
    errors: Sequence[str] = (),
    method: str = DestructionRecord.Method.DELETION,
    performed_by: User | None = None,
    note: str = "",
    finished_at: dt.datetime | None = None,
) -> DestructionRecord:
    """Write the record of one finished run. Its outcome follows from the errors: none → done; some while
    something was destroyed → partial; errors and nothing destroyed → failed."""
    count = sum(int(line.get("count", 0)) for line in items)
    size = sum(int(line.get("bytes", 0)) for line in items)
    return DestructionRecord.objects.create(
        category=category,
        institution=institution,
        method=method,
        basis=str(basis),
        started_at=started_at,
        finished_at=finished_at or timezone.now(),
        performed_by=performed_by,
        outcome=_outcome(count, errors),
        item_count=count,
        byte_count=size,
        items=_bounded(items),
        kept=_bounded(kept),
        errors=_errors(errors),
        note=note,
    )


def _errors(errors: Sequence[str]) -> list[str]:
    return [str(error)[:1000] for error in errors][:ITEM_LIMIT]


def begin(
    category: str,
    institution: Institution | None,
    *,
    started_at: dt.datetime,
    basis: str,
    kept: Sequence[dict] = (),
    errors: Sequence[str] = (),
    method: str = DestructionRecord.Method.DELETION,
    performed_by: User | None = None,
    note: str = "",
) -> DestructionRecord:
    """Write the record of a run that is about to destroy: "not finished", nothing destroyed yet, with what
    it knows already (what it keeps; ``errors`` say what stays on the record if the run never finishes).
    Write it in the transaction of the run's decision; :func:`finish` completes it."""
    return DestructionRecord.objects.create(
        category=category,
        institution=institution,
        method=method,
        basis=str(basis),
        started_at=started_at,
        finished_at=None,
        performed_by=performed_by,
        outcome=DestructionRecord.Outcome.UNFINISHED,
        kept=_bounded(kept),
        errors=_errors(errors),
        note=note,
    )


def finish(
    run: DestructionRecord,
    *,
    items: Sequence[dict] = (),
    kept: Sequence[dict] | None = None,
    errors: Sequence[str] = (),
    finished_at: dt.datetime | None = None,
) -> DestructionRecord:
    """Complete a record :func:`begin` wrote: what was destroyed, what was kept (unchanged when None), the
    errors (they replace the ones begin wrote) and the outcome, as :func:`record` has them."""
    count = sum(int(line.get("count", 0)) for line in items)
    run.item_count = count
    run.byte_count = sum(int(line.get("bytes", 0)) for line in items)
    run.items = _bounded(items)
    if kept is not None:
        run.kept = _bounded(kept)
    run.errors = _errors(errors)
    run.outcome = _outcome(count, errors)
    run.finished_at = finished_at or timezone.now()
    run.save(update_fields=["item_count", "byte_count", "items", "kept", "errors", "outcome", "finished_at"])
    return run


def last_run(category: str, institution: Institution | int | None) -> DestructionRecord | None:
    """The latest record of a category (for an institution): periodic jobs that run hourly ask it."""
    institution_id = institution.pk if isinstance(institution, Institution) else institution
    records = DestructionRecord.objects.filter(category=category)
    if institution_id is None:
        records = records.filter(institution__isnull=True)
    else:
        records = records.filter(institution_id=institution_id)
    return records.order_by("-started_at", "-pk").first()


def describe(record: DestructionRecord) -> dict[str, Any]:
    """The figures a list shows of a record."""
    return {
        "items": record.item_count,
        "bytes": record.byte_count,
        "kept": len(record.kept),
        "errors": len(record.errors),
    }
