"""Where a case is: the point and the il, ilçe and mahalle it lies in.

``place_fields`` turns what a form or a channel gave into the case's location fields, filling in from the
point (kentmasa.places.geocode) the mahalle, ilçe and il nobody gave; ``open_case`` and ``set_location``
both use it, so a point that arrives late (WhatsApp: the photo first, the location second) places the case
exactly as one that came with it. ``set_location`` appends a "locate" event; routing listens to it as it
listens to "open" (kentmasa.routing.intake) and runs the area rules and the territory check again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import Case
from kentmasa.cases.services.base import LOCATION_FIELDS, TransitionError, _event
from kentmasa.directory.models import User
from kentmasa.places import geocode

LOCATE = "locate"
MICRO_DEGREE = Decimal("0.000001")


def place_fields(case: Case, location: dict) -> None:
    """Set the given location fields on the (unsaved or locked) case, then what its point adds."""
    for field, value in location.items():
        if field not in LOCATION_FIELDS:
            raise TransitionError(_("Unknown location field."), field)
        if value in (None, ""):
            continue
        setattr(
            case,
            field,
            Decimal(str(value)).quantize(MICRO_DEGREE)
            if field in ("latitude", "longitude")
            else str(value).strip(),
        )
    if (
        case.latitude is not None
        and case.longitude is not None
        and not (case.province and case.district and case.neighbourhood)
    ):
        # kentmasa.places: a point fills in the mahalle, ilçe and il the citizen did not give.
        located = geocode.locate(float(case.latitude), float(case.longitude))
        found = located.missing_fields(case.province, case.district, case.neighbourhood) if located else {}
        for field, value in found.items():
            setattr(case, field, value[: column_length(field)])


def column_length(name: str) -> int:
    """How many characters the case's text column ``name`` holds."""
    field = Case._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"Case.{name} is not a text column")
    return field.max_length


def set_location(
    case: Case,
    *,
    latitude: float | Decimal | str,
    longitude: float | Decimal | str,
    address_text: str = "",
    actor: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Place a case that was opened without a point: the point, the il/ilçe/mahalle it lies in (those not
    given yet), the address text when the case has none, and a "locate" event (routing follows it).

    A case that already has a point keeps it: nothing is written and the case is returned as it is.
    ``actor`` None means the citizen through a channel. Refused for coordinates outside the globe.
    """
    lat, lon = _degrees(latitude, 90), _degrees(longitude, 180)
    if lat is None or lon is None:
        raise TransitionError(_("The coordinates are not a place on Earth."), "location")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
        if locked.has_location:
            return locked
        location: dict[str, Decimal | str] = {"latitude": lat, "longitude": lon}
        if not locked.address_text and address_text.strip():
            location["address_text"] = " ".join(address_text.split())[:400]
        place_fields(locked, location)
        locked.save()
        _event(
            locked,
            LOCATE,
            actor=actor,
            at=now,
            note=(note or "").strip(),
            from_status=locked.status,
            data={
                "latitude": str(locked.latitude),
                "longitude": str(locked.longitude),
                "province": locked.province,
                "district": locked.district,
                "neighbourhood": locked.neighbourhood,
            },
        )
    return locked


def _degrees(value: float | Decimal | str, limit: int) -> Decimal | None:
    """The value as degrees within ±limit, or None for anything else (NaN, text, off the globe)."""
    try:
        degrees = Decimal(str(value))
    except ArithmeticError:
        return None
    return degrees if degrees.is_finite() and abs(degrees) <= limit else None
