"""The Open311 endpoints: services, requests (GET and POST), one request, a token, a request's photo.

Each view answers in the format its address ends with (``.json`` or ``.xml``); the parts of the work live in
the package's other modules (see kentmasa.channels.open311).
"""

from __future__ import annotations

import secrets

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from kentmasa.cases.models import Attachment, Channel
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.channels.models import Message
from kentmasa.channels.open311.access import config, jurisdiction_for
from kentmasa.channels.open311.definitions import category_for, describe_service, offered
from kentmasa.channels.open311.formats import Open311Error, endpoint, render
from kentmasa.channels.open311.intake import create_request
from kentmasa.channels.open311.lookup import search
from kentmasa.channels.open311.published import describe_case, publishable, published_cases
from kentmasa.channels.open311.updates import service_request_updates


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    return render(fmt, "services", [describe_service(category) for category in offered(jurisdiction)])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = category_for(jurisdiction_for(request), service_code)
    return render(fmt, "service_definition", {"service_code": str(category.pk), "attributes": []})


@endpoint("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    return search(request, fmt)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    number = clean_tracking_number(service_request_id)
    case = published_cases(jurisdiction).filter(tracking_number=number).first() if number else None
    if case is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": service_request_id[:30]}
        )
    return render(fmt, "service_requests", [describe_case(request, case)])


@endpoint("GET")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's updates extension: status changes and public notes in a window (open311.updates)."""
    return service_request_updates(request, fmt)


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = jurisdiction_for(request)
    tracking_number = (
        Message.objects.filter(
            channel=Channel.OPEN311,
            direction=Message.Direction.IN,
            external_id=token,
            institution=jurisdiction.institution,
            case__isnull=False,
        )
        .filter(publishable("case__"))
        .values_list("case__tracking_number", flat=True)
        .first()
    )
    if tracking_number is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:50]})
    return render(fmt, "service_requests", [{"service_request_id": tracking_number, "token": token}])


def media(request: HttpRequest, key: str) -> FileResponse:
    """A photo sent with an Open311 request; the digest in the address keeps the others from being guessed."""
    if request.method not in ("GET", "HEAD") or not config().get("publish_media", True):
        raise Http404
    pk, digest = key.split("-", 1)
    attachment = (
        Attachment.objects.filter(
            pk=int(pk),
            public=True,
            uploaded_by__isnull=True,
            kind=Attachment.Kind.PHOTO,
            case__channel=Channel.OPEN311,
        )
        .filter(publishable("case__"))
        .first()
    )
    if attachment is None or not secrets.compare_digest(attachment.sha256[:16], digest):
        raise Http404
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
