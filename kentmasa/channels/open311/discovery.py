"""The Open311 discovery document (wiki.open311.org/Service_Discovery): where the GeoReport v2 endpoint is,
in which formats, and whom to ask for a key. Clients such as ``three`` and the npm ``open311`` client, and
validators, start here.

Served at ``/open311/discovery.json`` / ``.xml`` and, for clients that look for it beside the endpoint
they were given, at ``/open311/v2/discovery.json`` / ``.xml``. URLs are absolute, from
``KENTMASA_PUBLIC_URL``. Settings in ``KENTMASA_OPEN311``: ``contact`` (who answers for the API),
``key_service`` (where an app asks for an api_key), ``endpoint_type`` (``production`` or ``test``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from kentmasa.channels.open311.access import config
from kentmasa.channels.open311.formats import endpoint, render

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the endpoint last changed in a way a client would notice (servicerequestupdates, discovery, CORS).
CHANGESET = "2026-12-04T00:00:00Z"
FORMATS = ["text/xml", "application/json"]


def endpoint_url() -> str:
    """The GeoReport v2 base address clients append ``services.json`` and the rest to."""
    path = reverse("open311:services", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
    return settings.KENTMASA_PUBLIC_URL.rstrip("/") + path


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    conf = config()
    kind = "test" if conf.get("endpoint_type") == "test" else "production"
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": conf.get("contact") or _("Ask the institution's call centre (Alo 153)."),
            "key_service": conf.get("key_service") or "",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": endpoint_url(),
                    "changeset": CHANGESET,
                    "type": kind,
                    "formats": FORMATS,
                }
            ],
        },
    )
