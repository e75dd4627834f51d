"""Where a point on the public form lies: il, ilçe, mahalle and the mahalle's boundary, as JSON.

The form's script asks after "Konumumu kullan" and after every move of the pin on its small map, and
fills in the address fields from the answer (kentmasa.places.geocode, in memory; no outside service).
No login, GET only, limited per client address (``KENTMASA_PUBLIC_LOCATE_RATE``): a 429 in JSON past it.
Bad input is a 400 with a Turkish (or English) message, never a 500; a point in no known area is a 404
saying so. Nothing is written.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import shapely
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from kentmasa.cases.views.public import PUBLIC_INSTITUTIONS
from kentmasa.lib import lockout
from kentmasa.places import address as addresses
from kentmasa.places import geocode
from kentmasa.places.models import Area

# How much a boundary is simplified for the form's small map (degrees, ~5 m and ~100 m).
MAHALLE_TOLERANCE = 0.00005
DISTRICT_TOLERANCE = 0.001


def _rate(group: str, request: HttpRequest) -> str:
    return settings.KENTMASA_PUBLIC_LOCATE_RATE


def _coordinate(text: str, bound: float) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except (ValueError, AttributeError):
        return None
    return value if math.isfinite(value) and -bound <= value <= bound else None


@lru_cache(maxsize=256)
def _boundary(area_id: int, updated: str, tolerance: float) -> dict | None:
    """The area's boundary simplified for a small map (cached by the area's last change)."""
    text = Area.objects.filter(pk=area_id).values_list("geometry", flat=True).first()
    if not text:
        return None
    try:
        geometry = shapely.from_geojson(text)
    except shapely.errors.GEOSException:
        return None
    simplified = shapely.simplify(geometry, tolerance, preserve_topology=True)
    shape: dict = json.loads(shapely.to_geojson(simplified, indent=None))
    return shape


def boundary(area_id: int | None, tolerance: float) -> dict | None:
    if area_id is None:
        return None
    updated = Area.objects.filter(pk=area_id).values_list("updated_at", flat=True).first()
    return _boundary(area_id, str(updated), tolerance) if updated is not None else None


@require_GET
def place(request: HttpRequest, slug: str) -> JsonResponse:
    institution = get_object_or_404(PUBLIC_INSTITUTIONS, slug=slug)
    if is_ratelimited(request, group="public:place", key="ip", rate=_rate, method="GET", increment=True):
        wait = lockout.rate_seconds(settings.KENTMASA_PUBLIC_LOCATE_RATE)
        response = JsonResponse(
            {"ok": False, "message": _("Too many look-ups. Please wait a minute and try again.")}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    latitude = _coordinate(request.GET.get("lat", "")[:40], 90)
    longitude = _coordinate(request.GET.get("lon", "")[:40], 180)
    if latitude is None or longitude is None:
        message = _("The location could not be read; please try again or write the address.")
        return JsonResponse({"ok": False, "message": message}, status=400)
    located = geocode.locate(latitude, longitude)
    if located is None:
        message = _(
            "This point is not inside Turkey's provinces known to us. Please move the pin or write the"
            " address."
        )
        return JsonResponse({"ok": False, "outside": True, "message": message}, status=404)
    note = ""
    if institution.province and addresses.area_key(institution.province) != addresses.area_key(
        located.province
    ):
        note = _(
            "This point is in %(province)s, outside the area of %(institution)s; it may pass your application"
            " to the body responsible."
        ) % {"province": located.province, "institution": institution.name}
    if located.neighbourhood_id is not None:
        shape = boundary(located.neighbourhood_id, MAHALLE_TOLERANCE)
    else:
        shape = boundary(located.district_id, DISTRICT_TOLERANCE)
    return JsonResponse(
        {
            "ok": True,
            "latitude": round(latitude, 6),
            "longitude": round(longitude, 6),
            "province": located.province,
            "district": located.district,
            "neighbourhood": located.neighbourhood,
            "boundary": shape,
            "note": note,
        }
    )
