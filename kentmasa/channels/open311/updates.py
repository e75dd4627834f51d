"""``GET servicerequestupdates``: what happened to the jurisdiction's Open311 requests in a window, as
FixMyStreet's updates extension (mySociety's Open311 extensions) asks for it.

FixMyStreet asks every few minutes for the updates between ``start_date`` and ``end_date`` (W3C date-times;
the window is read as ``GET requests`` reads it: at most 90 days, ``start_date`` alone is the 90 days from
it) and attaches each one to the report whose ``service_request_id`` it carries, once per ``update_id``.

An update is one line of a case's public timeline that changed its status or carries a note written for the
citizen: never an internal note, never the citizen's own messages, never a case the public may not see
(KADES, police-only topics: ``published``). ``update_id`` is the timeline event's id, so it never changes;
the description is the note (personal data masked: ``scrub``) or the timeline's label for the change.

``status`` is FixMyStreet's extended state where ours maps onto one (``FMS_STATUSES``); with
``KENTMASA_OPEN311["extended_statuses"] = False`` it is the spec's ``open`` / ``closed``.

At most MAX_UPDATES, oldest first, in the order of the (at, id) index (migration 0005): a client that gets
that many asks again from the last ``updated_datetime`` (updates already seen come back with the same
``update_id``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kentmasa.cases.models import ACTIVE_STATUSES, Event, Status
from kentmasa.cases.views.public import EVENT_LABELS, STATUS_LABELS
from kentmasa.channels.open311.access import Jurisdiction, config, jurisdiction_for
from kentmasa.channels.open311.formats import render
from kentmasa.channels.open311.lookup import window
from kentmasa.channels.open311.published import CLOSED, OPEN, published, scrub, w3c

MAX_UPDATES = 1000
# Our statuses as FixMyStreet's extended states (its "Open311 FMS - Additional states").
FMS_STATUSES = {
    Status.NEW: "OPEN",
    Status.ASSIGNED: "ACTION_SCHEDULED",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.WAITING_CITIZEN: "INVESTIGATING",
    Status.RESOLVED: "FIXED",
    Status.CLOSED: "CLOSED",
    Status.REJECTED: "NO_FURTHER_ACTION",
    Status.REDIRECTED: "NOT_COUNCILS_RESPONSIBILITY",
    Status.MERGED: "DUPLICATE",
}
# Timeline events whose note is written for the citizen (kentmasa.cases.views.public.EVENT_LABELS).
NOTE_ACTIONS = [action for action, (_label, note_for_citizen) in EVENT_LABELS.items() if note_for_citizen]


def updates_in(jurisdiction: Jurisdiction, start: dt.datetime, end: dt.datetime) -> QuerySet[Event]:
    """The public status changes and notes of the jurisdiction's Open311 requests in [start, end]."""
    cases = published(jurisdiction).filter(pk=OuterRef("case_id"))
    status_changed = Q(to_status__gt="") & ~Q(to_status=F("from_status"))
    note = Q(action__in=NOTE_ACTIONS) & Q(note__gt="")
    return (
        Event.objects.filter(public=True, at__gte=start, at__lte=end)
        .filter(status_changed | note)
        # The citizen's own messages are theirs, not the institution's update. (An exclude() would drop every
        # event whose data has no such key: the missing key is NULL in SQL.)
        .filter(~Q(action="comment") | Q(data__from_citizen__isnull=True) | Q(data__from_citizen=False))
        .filter(Exists(cases))
        .select_related("case__citizen")
        .order_by("at", "pk")[:MAX_UPDATES]
    )


def _status(event: Event) -> str:
    status = event.to_status or event.from_status or event.case.status
    if config().get("extended_statuses", True):
        return FMS_STATUSES.get(Status(status), "OPEN") if status in Status.values else "OPEN"
    return OPEN if status in ACTIVE_STATUSES else CLOSED


def _description(event: Event) -> str:
    label, note_for_citizen = EVENT_LABELS.get(event.action, ("", False))
    if note_for_citizen and event.note.strip():
        return scrub(event.note.strip(), event.case)
    if not label and event.to_status in Status.values:
        label = STATUS_LABELS.get(Status(event.to_status), "")
    return str(label or _("Updated"))


def describe_update(event: Event) -> dict:
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.tracking_number,
        "status": _status(event),
        "updated_datetime": w3c(event.at),
        "description": _description(event),
        "media_url": None,
    }


def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    start, end = window(request)
    updates = [describe_update(event) for event in updates_in(jurisdiction, start, end)]
    return render(fmt, "service_request_updates", updates)
