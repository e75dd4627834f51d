"""A member of staff's notifications in the JSON API: the list (newest first, ``?unread=1``) and marking one
read. Only the caller's own notifications exist here; anyone else's is a 404."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kentmasa.cases.api.fields import RowId, Timestamp
from kentmasa.directory.api import ApiError, ApiRequest, answers
from kentmasa.notify.context import CAP, unread_count
from kentmasa.notify.delivery import absolute
from kentmasa.notify.kinds import KINDS
from kentmasa.notify.models import Notification

router = Router(tags=["notifications"])

MAX_LIMIT = 100
MAX_OFFSET = 10_000


class PersonOut(Schema):
    id: int
    name: str


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="assigned, team_assigned, escalated_1, escalated_2, idle_warning, …")
    kind_label: str
    text: str
    link: str = Field(description="A path on this site (e.g. /vaka/2600000014/), or empty")
    url: str = Field(description="The link made absolute with the site's public address")
    case: str | None = Field(description="The tracking number of the case it is about")
    critical: bool
    on_behalf_of: PersonOut | None = Field(description="For whom the caller received it as deputy (vekâlet)")
    created_at: Timestamp
    read_at: Timestamp | None


class NotificationPageOut(Schema):
    unread: int = Field(description=f"The caller's unread notifications, counted up to {CAP + 1}")
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread ones")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _out(notification: Notification) -> dict:
    principal = notification.on_behalf_of
    kind = KINDS.get(notification.kind)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": str(kind.label) if kind else notification.kind,
        "text": notification.text,
        "link": notification.link,
        "url": absolute(notification.link),
        "case": notification.case.tracking_number if notification.case else None,
        "critical": notification.critical,
        "on_behalf_of": (
            {"id": principal.pk, "name": principal.get_full_name() or principal.username}
            if principal
            else None
        ),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get(
    "/notifications",
    response=answers({200: NotificationPageOut}),
    summary="My notifications, newest first",
)
def list_notifications(request: ApiRequest, filters: Query[NotificationFilters]) -> dict:
    rows = Notification.objects.filter(user=request.auth)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    page = rows.select_related("case", "on_behalf_of").order_by("-created_at", "-id")[
        filters.offset : filters.offset + filters.limit
    ]
    return {
        "unread": unread_count(request.auth),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_out(notification) for notification in page],
    }


@router.post(
    "/notifications/{notification_id}/read",
    response=answers({200: NotificationOut}, 404),
    summary="Mark one of my notifications read",
)
def mark_read(request: ApiRequest, notification_id: RowId) -> dict:
    notification = (
        Notification.objects.filter(pk=notification_id, user=request.auth)
        .select_related("case", "on_behalf_of")
        .first()
    )
    if notification is None:
        raise ApiError(404, _("There is no such notification of yours."), "not_found")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return _out(notification)
