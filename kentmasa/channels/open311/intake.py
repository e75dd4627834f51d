"""Recording an Open311 POST: the inbound message, the citizen and the case with its photos, once.

The case opens at once (type ``realtime``); the answer carries its tracking number as
``service_request_id``, or a token in its place when ``type`` is ``"batch"``. A retried POST never makes a
second case: the same ``Idempotency-Key`` from the same app and jurisdiction always answers with the first
request; without one, the same submitter sending the same service, description and location within a
minute is a retry (the message's ``external_id`` is unique per channel, so two copies meet there).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.citizens import NOTHING
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Channel
from kentmasa.channels.models import Message
from kentmasa.channels.open311.access import Jurisdiction, app_for_key, config, jurisdiction_for
from kentmasa.channels.open311.formats import Open311Error, param, render
from kentmasa.channels.open311.published import service_notice
from kentmasa.channels.open311.report import Report, read_report
from kentmasa.directory.models import Institution
from kentmasa.lib.clientip import client_ip
from kentmasa.places import geocode

log = logging.getLogger(__name__)

RETRY_WINDOW = dt.timedelta(minutes=1)
# How a point that no client sent is marked (the "open" event's and the message's data): the centre of the
# mahalle the address named, found by kentmasa.places.
POINT_FROM_ADDRESS = "geocoded_from_address"


def _digest(*parts: object) -> str:
    """A token that stands for these parts and cannot be made without the site's secret key."""
    text = "\x1f".join(str(part) for part in parts)
    return salted_hmac("kentmasa.channels.open311", text).hexdigest()[:40]


def _case_description(report: Report) -> str:
    """What staff read: the reporter's text, the link they sent and any attribute answers."""
    lines = [report.description]
    if report.media_url:
        lines.append(_("Photo or video link sent with the report: %(url)s") % {"url": report.media_url})
    if report.address_id:
        lines.append(_("Address id in the reporting app: %(id)s") % {"id": report.address_id})
    for code, value in report.attributes.items():
        lines.append(f"{code}: {', '.join(value) if isinstance(value, list) else value}")
    return "\n".join(line for line in lines if line)


def _subject(report: Report) -> str:
    first_line = report.description.splitlines()[0].strip() if report.description else ""
    return (first_line or report.category.name)[:120]


def place_from_address(address: str, institution: Institution) -> dict | None:
    """Where a request sent with an address only is: the centre of the mahalle the address names
    (kentmasa.places.geocode.match_address, looked for in the institution's il) with the official names of
    the mahalle, ilçe and il, or None when no single known mahalle fits. Approximate by nature: it is marked
    as found from the address, never as measured."""
    if not address:
        return None
    parsed, area = geocode.match_address(address, institution.province or None)
    if area is None:
        return None
    return {
        "latitude": round(area.centroid_lat, 6),
        "longitude": round(area.centroid_lon, 6),
        "neighbourhood": parsed.neighbourhood,
        "district": parsed.district,
        "province": parsed.province,
    }


def _record(report: Report, jurisdiction: Jurisdiction, token: str, data: dict) -> Message:
    """The message, citizen, case and photos, in the caller's transaction; the case by the one way in."""
    institution = jurisdiction.institution
    latitude, longitude, opening = report.latitude, report.longitude, {}
    location = {"address_text": report.address}
    if latitude is None or longitude is None:
        found = place_from_address(report.address, institution)
        if found is not None:
            latitude, longitude = found.pop("latitude"), found.pop("longitude")
            location |= {field: value for field, value in found.items() if value}
            # Kept on the "open" event and the message: this point was found from the address, not sent.
            opening = {"point": POINT_FROM_ADDRESS}
            data = {**data, "point": POINT_FROM_ADDRESS}
    message = Message.objects.create(
        direction=Message.Direction.IN,
        channel=Channel.OPEN311,
        state=Message.State.RECEIVED,
        institution=institution,
        address=report.phone or report.email or report.device_id or report.account_id,
        external_id=token,  # unique per channel: a second copy of this request fails here
        subject=_subject(report),
        body=report.description,
        data=data,
    )
    # Nothing about the reporter is proven: an open app's form may carry anybody's phone or e-mail, so
    # they never find an existing record (kentmasa.cases.citizens).
    case = open_from(
        Inbound(
            channel=Channel.OPEN311,
            institution=institution,
            subject=_subject(report),
            text=_case_description(report),
            name=report.name,
            phone=report.phone,
            email=report.email,
            proven=NOTHING,
            category=report.category,
            location=location,
            latitude=latitude,
            longitude=longitude,
            opening=opening,
        )
    )
    message.case = case
    message.save(update_fields=["case"])
    opened = case.events.filter(action="open").first()
    for content, name in report.media:
        add_attachment(case, content, name=name, public=True, event=opened)
    return message


def _earlier(jurisdiction: Jurisdiction, token: str, fingerprint: str | None) -> Message | None:
    """The message of the request this one repeats, if it does."""
    messages = Message.objects.filter(
        channel=Channel.OPEN311, direction=Message.Direction.IN, case__isnull=False
    ).select_related("case__unit", "case__institution")
    earlier = messages.filter(external_id=token).first()
    if earlier is None and fingerprint:
        since = timezone.now() - RETRY_WINDOW
        earlier = (
            messages.filter(
                institution=jurisdiction.institution, created_at__gte=since, data__fingerprint=fingerprint
            )
            .order_by("-pk")
            .first()
        )
    return earlier


def _case(message: Message) -> Case:
    """The case of a request recorded or found here (both only give messages with their case)."""
    if message.case is None:
        raise LookupError(f"Open311 message {message.pk} has no case")
    return message.case


def _accepted(fmt: str, message: Message) -> HttpResponse:
    case = _case(message)
    answer = (
        {"token": message.external_id}
        if config().get("type") == "batch"
        else {"service_request_id": case.tracking_number}
    )
    answer |= {"service_notice": service_notice(case), "account_id": None}
    return render(fmt, "service_requests", [answer])


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    app = app_for_key(param(request, "api_key"), jurisdiction, request).name
    report = read_report(request, jurisdiction)
    idempotency_key = request.headers.get("Idempotency-Key", "").strip()
    fingerprint = None
    if idempotency_key:
        token = _digest("key", jurisdiction.institution.pk, app, idempotency_key[:200])
    else:
        submitter = (
            report.device_id or report.account_id or report.email or report.phone or client_ip(request)
        )
        fingerprint = _digest(
            "same",
            jurisdiction.institution.pk,
            submitter,
            report.category.pk,
            report.description,
            report.latitude,
            report.longitude,
            report.address,
        )
        # Two copies within the same minute meet at the unique token; a copy in the next minute is
        # found by its fingerprint.
        token = _digest("minute", fingerprint, int(timezone.now().timestamp() // 60))
    data = {
        "app": app,
        "jurisdiction_id": jurisdiction.id,
        "fingerprint": fingerprint or "",
        "device_id": report.device_id,
        "account_id": report.account_id,
        "media_url": report.media_url,
        "address_id": report.address_id,
        "attributes": report.attributes,
    }
    try:
        with transaction.atomic():
            # Looked for inside the transaction: on SQLite it holds the write lock, so no copy slips in.
            message = _earlier(jurisdiction, token, fingerprint)
            if message is None:
                message = _record(report, jurisdiction, token, data)
                log.info("Open311 request %s from %s", _case(message).tracking_number, app)
    except IntegrityError:
        message = _earlier(jurisdiction, token, None)
        if message is None:
            raise
    except services.TransitionError as error:
        raise Open311Error(400, error.message) from error
    except ValidationError as error:
        raise Open311Error(400, *error.messages) from error
    return _accepted(fmt, message)
