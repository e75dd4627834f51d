"""The counts in the header of every staff page: unread notifications, and for unit staff and managers the
new cases waiting in their units' queues.

Both are bounded (a count stops at :data:`CAP`, shown "99+") and read only an index: the unread count the
partial index ``notification_unread``, the queue count ``case_unit_queue`` (unit, status). They are
counted only when a page shows them (the template touches ``notify_counts``), so a page without the
header, or a signed-out visitor, costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kentmasa.cases.models import Case, Status
from kentmasa.directory.models import User
from kentmasa.notify.live import latest_id
from kentmasa.notify.models import Notification

CAP = 99  # counted up to CAP + 1: more shows as "99+"


@dataclass(frozen=True)
class Counts:
    unread: int
    queue_new: int | None  # None: the user works no unit queue

    @property
    def unread_label(self) -> str:
        return label(self.unread)

    @property
    def queue_new_label(self) -> str:
        return label(self.queue_new or 0)


def label(count: int) -> str:
    return f"{CAP}+" if count > CAP else str(count)


def bounded(queryset: Any) -> int:
    """How many rows, counting no further than CAP + 1."""
    return int(queryset.order_by()[: CAP + 1].count())


def unread_count(user: User) -> int:
    return bounded(Notification.objects.filter(user=user, read_at__isnull=True))


def queue_new_count(user: User) -> int | None:
    """New cases in the units this unit member works (None for other roles)."""
    if user.role not in User.UNIT_ROLES:
        return None
    units = user.scoped_unit_ids
    if not units:
        return 0
    return bounded(Case.objects.filter(unit_id__in=units, status=Status.NEW))


def counts(user: User) -> Counts:
    return Counts(unread=unread_count(user), queue_new=queue_new_count(user))


def _for(request: HttpRequest) -> Counts | None:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:  # AnonymousUser is no User
        return None
    return counts(user)


def _live_seq() -> str:
    return str(latest_id())


def header_counts(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``notify_counts``, a Counts for a signed-in member of staff (else false), and
    ``live_seq``, the last live event's id (the point a live page's stream starts after: kentmasa/live.js);
    each computed when a template first uses it.

    ``live_screens``: whether the page may listen to the live stream at all. Only a page the ASGI server
    served may: a WSGI server (``manage.py runserver``, the tests' ``live_server``) cannot stream, and would
    hold a thread and a database connection for every page that tried. Nor does a page answering a POST (a
    form sent back with its errors): its address is the form's, which live.js could not fetch again."""
    return {
        "notify_counts": SimpleLazyObject(lambda: _for(request)),
        "live_seq": SimpleLazyObject(_live_seq),
        "live_screens": isinstance(request, ASGIRequest) and request.method == "GET",
    }
