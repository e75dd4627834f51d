"""What an Open311 request looks like from outside: the cases GET may show and each one as the spec lists it.

Only cases that came in through Open311 are shown (their reporters used an open API whose requests are
public by design), to the jurisdiction they were sent to and to one they were transferred to. Nothing here
may name or reach the person who reported it: no name, phone, e-mail or TC kimlik no, and the reporter's
own details are blanked out of the description and the status notes (``scrub``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import ACTIVE_STATUSES, Attachment, Case, Channel, Status
from kentmasa.cases.views.public import STATUS_LABELS
from kentmasa.channels.models import Message
from kentmasa.channels.open311.access import Jurisdiction, config
from kentmasa.lib import edge
from kentmasa.lib.redact import mask_personal

OPEN, CLOSED = "open", "closed"


def w3c(value: dt.datetime | None) -> str | None:
    return edge.shown_time(value).isoformat(timespec="seconds") if value else None


def service_notice(case: Case) -> str:
    """What will happen next, from the case's own unit and deadline."""
    unit = case.unit.name if case.unit is not None else ""
    if unit and case.due_at:
        return _("Passed to %(unit)s. The service standard gives an answer by %(due)s.") % {
            "unit": unit,
            "due": timezone.localtime(case.due_at).strftime("%d.%m.%Y %H:%M"),
        }
    if unit:
        return _("Passed to %(unit)s.") % {"unit": unit}
    return _("Received by %(institution)s.") % {"institution": case.institution.name}


def scrub(text: str, case: Case) -> str:
    """The text without phone numbers, e-mail addresses, TC kimlik numbers or the case's own citizen's
    name (kentmasa.lib.redact.mask_personal): times, tracking numbers, plates and other numbers stay."""
    citizen = case.citizen
    return mask_personal(text, [citizen.name] if citizen is not None else [])


def status_of(case: Case) -> str:
    return OPEN if case.status in ACTIVE_STATUSES else CLOSED


def status_notes(case: Case) -> str:
    if case.resolution and case.status in (Status.RESOLVED, Status.CLOSED):
        return scrub(case.resolution, case)
    if case.rejection_reason and case.status in (Status.REJECTED, Status.CLOSED):
        return scrub(case.rejection_reason, case)
    if case.status == Status.REDIRECTED and case.redirected_to:
        return _("Redirected to %(body)s") % {"body": case.redirected_to}
    return str(STATUS_LABELS.get(Status(case.status), case.get_status_display()))


def _photo_url(request: HttpRequest, attachment: Attachment) -> str:
    path = reverse("open311:media", kwargs={"key": f"{attachment.pk}-{attachment.sha256[:16]}"})
    return request.build_absolute_uri(path)


def _inbound(case: Case) -> Message | None:
    messages = getattr(case, "open311_messages", None)
    return messages[0] if messages else None


def describe_case(request: HttpRequest, case: Case) -> dict:
    """One request as the spec lists it. Nothing here may name or reach the person who reported it."""
    inbound = _inbound(case)
    data = inbound.data if inbound is not None else {}
    media_url = None
    photos = getattr(case, "open311_photos", [])
    if photos and config().get("publish_media", True):
        media_url = _photo_url(request, photos[0])
    elif data.get("media_url"):
        media_url = data["media_url"]
    description = inbound.body if inbound is not None else case.description
    return {
        "service_request_id": case.tracking_number,
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name if case.category is not None else None,
        "service_code": str(case.category_id) if case.category_id else None,
        "description": scrub(description, case),
        "agency_responsible": case.unit.name if case.unit is not None else case.institution.name,
        "service_notice": service_notice(case) if case.status in ACTIVE_STATUSES else None,
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.due_at),
        "address": scrub(case.address_text, case) or None,
        "address_id": data.get("address_id") or None,
        "zipcode": None,
        "lat": float(case.latitude) if case.latitude is not None else None,
        "long": float(case.longitude) if case.longitude is not None else None,
        "media_url": media_url,
    }


def publishable(path: str = "") -> Q:
    """What may be published at all (``path`` leads to the case, e.g. "case__"): never a KADES case, nor one
    staff moved to a topic the public is not offered (a police-only topic such as KADES:
    kentmasa.directory.models.Category.public), whatever its channel."""
    return ~Q(**{f"{path}channel": Channel.KADES}) & (
        Q(**{f"{path}category__isnull": True}) | Q(**{f"{path}category__public": True})
    )


def published(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    """The Open311 requests of the jurisdiction: those sent to it, wherever they were transferred since,
    and those transferred to it; none in a topic the public is not offered (``publishable``)."""
    inbound = Message.objects.filter(direction=Message.Direction.IN, channel=Channel.OPEN311)
    sent_here = inbound.filter(case=OuterRef("pk"), institution=jurisdiction.institution)
    return (
        Case.objects.filter(channel=Channel.OPEN311)
        .filter(publishable())
        .filter(Q(institution=jurisdiction.institution) | Exists(sent_here))
    )


def published_cases(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    """``published`` with what ``describe_case`` reads: the photos and the inbound message."""
    photos = Attachment.objects.filter(public=True, uploaded_by__isnull=True, kind=Attachment.Kind.PHOTO)
    inbound = Message.objects.filter(direction=Message.Direction.IN, channel=Channel.OPEN311)
    return (
        published(jurisdiction)
        .select_related("category", "unit", "institution", "citizen")
        .prefetch_related(
            Prefetch("attachments", queryset=photos.order_by("pk"), to_attr="open311_photos"),
            Prefetch("messages", queryset=inbound.order_by("pk"), to_attr="open311_messages"),
        )
    )
