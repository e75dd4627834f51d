"""Live events: what open screens and API clients are told the moment it happens (kentmasa.notify.stream).

Every change is written as a LiveEvent row in the transaction that made it, so it is either committed with
the change or not at all, and its id is the one sequence all live events share: case events, notifications,
and what later apps add (team positions and status, alarms) through :func:`publish`. A screen that comes
back after the last id it saw reads what it missed from the table.

- A timeline event of a case (cases.Event, whoever writes it) is published by a ``post_save`` receiver,
  inside the same transaction: ``cases`` needs to know nothing of the stream.
- A notification is published by ``kentmasa.notify.tell`` in the transaction that wrote it, for its user
  only.

On PostgreSQL a statement trigger (migration 0004) NOTIFYs the web processes when such a transaction
commits; on SQLite they read the table a few times a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from kentmasa.cases.access import reading_places
from kentmasa.cases.models import Case, Event
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.notify.models import LiveEvent, Notification

Topic = LiveEvent.Topic


def publish(
    topic: str,
    change: str,
    *,
    institution_id: int | None,
    unit_id: int | None = None,
    team_id: int | None = None,
    user_id: int | None = None,
    case_id: int | None = None,
    places: Sequence[int] = (),
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> LiveEvent:
    """Write one live event; call it inside the transaction of the change it tells of.

    Who receives it follows from the columns (kentmasa.cases.access.Scope): an event with ``user_id`` goes
    to that user only; otherwise to who may read a case of that institution, unit and team (and the holders
    of ``places``). ``data`` is what a screen shows of it: never a citizen's personal data.
    """
    return LiveEvent.objects.create(
        at=at or timezone.now(),
        topic=topic,
        change=change[:40],
        institution_id=institution_id,
        unit_id=unit_id,
        team_id=team_id,
        user_id=user_id,
        case_id=case_id,
        places=list(places),
        data=data or {},
    )


def case_facts(case: Case) -> dict[str, Any]:
    """The columns that decide who may see a live event about ``case``."""
    return {
        "institution_id": case.institution_id,
        "unit_id": case.unit_id,
        "team_id": case.team_id,
        "case_id": case.pk,
        "places": reading_places(case),
    }


def publish_case_event(case: Case, event: Event) -> LiveEvent:
    data = {
        "tracking": case.tracking_number,
        "status": case.status,
        "channel": case.channel,
        "assignee": case.assignee_id,
        "event": event.pk,
    }
    left = (event.data or {}).get("from_unit")
    if left is not None and left != case.unit_id:
        # A transfer (or a new category) took the case away from a unit: that unit's screens must hear that
        # it left, though they may no longer read it (kentmasa.notify.stream.StaffScope).
        data["left_unit"] = left
    # Timed when it is published, not by the event's own time: a case that comes in with an earlier receipt
    # time (an SMS or a referral from days ago) must still be kept as long as any other live event.
    return publish(Topic.CASE, event.action, data=data, **case_facts(case))


# Written by the domain functions from the row they have just locked and changed: that case object is current.
# Other events (comments, records other apps keep) may come with a case object read before a change.
FROM_THE_LOCKED_ROW = frozenset(TRANSITIONS) | {"open", "categorise", "locate", "merged_in", "escalate"}


def current(case: Case, action: str) -> Case:
    """The case as committed so far in this transaction, when the caller's object may be older: who may
    see the live event is decided from its unit and team now, not from when the caller read it."""
    if action in FROM_THE_LOCKED_ROW:
        return case
    return Case.objects.select_related("service").get(pk=case.pk)


def on_event_saved(
    sender: type[Event], instance: Event, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """``post_save`` of a timeline event: publish it in the same transaction."""
    if created and not raw:
        publish_case_event(current(instance.case, instance.action), instance)


def publish_notifications(notifications: Iterable[Notification]) -> None:
    """Each in-app notification to its user (a unit mailbox's, with no user, reaches no screen)."""
    rows = [
        LiveEvent(
            at=n.created_at,
            topic=Topic.NOTIFICATION,
            change=n.kind,
            user_id=n.user_id,
            case_id=n.case_id,
            data={"id": n.pk, "text": n.text, "link": n.link, "critical": n.critical},
        )
        for n in notifications
        if n.user_id is not None
    ]
    if rows:
        LiveEvent.objects.bulk_create(rows)


def latest_id() -> int:
    """The last live event's id: a page rendered now asks the stream for what comes after it."""
    return int(LiveEvent.objects.aggregate(last=Max("pk"))["last"] or 0)


def prune(now: dt.datetime | None = None) -> int:
    """Delete live events older than KENTMASA_LIVE_KEEP_HOURS; a client further behind starts afresh."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.KENTMASA_LIVE_KEEP_HOURS)
    deleted, _by_model = LiveEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


@task()
def prune_live_events() -> int:
    """Periodic: :func:`prune` (idempotent; several runners may run it)."""
    return prune()
