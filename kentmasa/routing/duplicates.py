"""Likely duplicates: open cases of the same institution near a new one, recent, on the same matter.

Twenty people call about one burst pipe. Each call is a case; the operator should see that the pipe is
already reported, tell the caller, and merge the new case into the first (services.merge), so that the
group shares one resolution and every caller is answered (kentmasa.cases.services.share_resolution).

How a candidate is found: the same institution, still active (not merged), received within
KENTMASA_ROUTING_DUPLICATE_DAYS (7) of the new case, and within KENTMASA_ROUTING_DUPLICATE_METRES (300)
of its point — first a latitude/longitude box in the query, then the great-circle (haversine) distance.
A case without a point is compared with cases of the same mahalle (and street, when both have one).

How it is scored (0–1): nearness 0.35, the same words (stems, kentmasa.routing.text.similarity) 0.35, the
same category 0.2, closeness in time 0.1. A candidate must share the category or a good part of the
words, and score at least 0.45; the best few are returned, best first, each with its reasons.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.lib import turkish
from kentmasa.routing import text as turkish_text

EARTH_RADIUS_M = 6_371_008.8
MIN_SCORE = 0.45
MIN_SHARED_WORDS = 0.25
SCAN_LIMIT = 300


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, f"KENTMASA_ROUTING_{name}", default))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS 84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a box holding every point within ``metres`` of (lat, lon)."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlon = math.degrees(metres / (EARTH_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6)))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


@dataclass(frozen=True)
class Probe:
    """What a new case (or the one an operator is typing) is compared by."""

    institution_id: int
    text: str
    received_at: dt.datetime
    latitude: float | None = None
    longitude: float | None = None
    category_id: int | None = None
    neighbourhood: str = ""
    street: str = ""
    exclude_pk: int | None = None

    @classmethod
    def of_case(cls, case: Case) -> Probe:
        return cls(
            institution_id=case.institution_id,
            text=f"{case.subject} {case.description}",
            received_at=case.received_at,
            latitude=float(case.latitude) if case.latitude is not None else None,
            longitude=float(case.longitude) if case.longitude is not None else None,
            category_id=case.category_id,
            neighbourhood=case.neighbourhood,
            street=case.street,
            exclude_pk=case.pk,
        )

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Candidate:
    case: Case
    score: float
    reasons: list[str]
    distance_m: float | None

    def __iter__(self) -> Iterator[Any]:  # unpacks as (case, score, reasons)
        return iter((self.case, self.score, self.reasons))


def _nearby(probe: Probe, radius: float, window: dt.timedelta) -> list[Case]:
    cases = Case.objects.filter(
        institution_id=probe.institution_id,
        status__in=ACTIVE_STATUSES,
        merged_into__isnull=True,
        received_at__gte=probe.received_at - window,
        received_at__lte=probe.received_at + window,
    ).select_related("category")
    if probe.exclude_pk is not None:
        cases = cases.exclude(pk=probe.exclude_pk)
    if probe.latitude is not None and probe.longitude is not None:  # probe.has_point
        south, west, north, east = bbox(probe.latitude, probe.longitude, radius)
        cases = cases.filter(latitude__range=(south, north), longitude__range=(west, east))
    elif probe.neighbourhood:
        cases = cases.filter(neighbourhood=probe.neighbourhood)
    else:
        return []
    return list(cases.order_by("-received_at")[:SCAN_LIMIT])


def _describe_gap(gap: dt.timedelta) -> str:
    hours = int(gap.total_seconds() // 3600)
    if hours < 1:
        minutes = max(1, int(gap.total_seconds() // 60))
        return ngettext("%(n)d minute apart", "%(n)d minutes apart", minutes) % {"n": minutes}
    if hours < 48:
        return ngettext("%(n)d hour apart", "%(n)d hours apart", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day apart", "%(n)d days apart", days) % {"n": days}


def score(probe: Probe, other: Case, radius: float, window: dt.timedelta) -> Candidate | None:
    reasons = []
    distance = None
    if (
        probe.latitude is not None
        and probe.longitude is not None
        and other.latitude is not None
        and other.longitude is not None
    ):
        distance = haversine_m(probe.latitude, probe.longitude, float(other.latitude), float(other.longitude))
        if distance > radius:
            return None
        nearness = 1 - distance / radius
        reasons.append(_("%(metres)d m away") % {"metres": round(distance)})
    elif probe.neighbourhood and turkish.fold(probe.neighbourhood) == turkish.fold(other.neighbourhood):
        same_street = bool(probe.street) and turkish.fold(probe.street) == turkish.fold(other.street)
        nearness = 0.8 if same_street else 0.5
        reasons.append(_("same street") if same_street else _("same neighbourhood"))
    else:
        return None
    same_category = probe.category_id is not None and probe.category_id == other.category_id
    if probe.category_id is None or other.category_id is None:
        category_part = 0.5
    else:
        category_part = 1.0 if same_category else 0.0
    if same_category:
        reasons.append(_("same category"))
    words = turkish_text.similarity(probe.text, f"{other.subject} {other.description}")
    if not same_category and words < MIN_SHARED_WORDS:
        return None
    if words >= MIN_SHARED_WORDS:
        reasons.append(_("similar words (%(percent)d%%)") % {"percent": round(words * 100)})
    gap = abs(probe.received_at - other.received_at)
    recency = max(0.0, 1 - gap / window)
    reasons.append(_describe_gap(gap))
    total = 0.35 * nearness + 0.35 * words + 0.2 * category_part + 0.1 * recency
    if total < MIN_SCORE:
        return None
    return Candidate(other, round(total, 3), reasons, distance)


def candidates(subject: Case | Probe, *, limit: int = 5) -> list[Candidate]:
    """Likely duplicates of a case (or of a Probe for one not yet recorded), best first.

    Each candidate unpacks as (case, score, reasons).
    """
    probe = Probe.of_case(subject) if isinstance(subject, Case) else subject
    radius = float(_setting("DUPLICATE_METRES", 300))
    window = dt.timedelta(days=float(_setting("DUPLICATE_DAYS", 7)))
    found = [
        c for c in (score(probe, other, radius, window) for other in _nearby(probe, radius, window)) if c
    ]
    found.sort(key=lambda c: (-c.score, c.case.received_at))
    return found[:limit]


def probe_from_fields(
    institution_id: int,
    *,
    subject: str = "",
    description: str = "",
    latitude: object = None,
    longitude: object = None,
    category_id: int | None = None,
    neighbourhood: str = "",
    street: str = "",
    received_at: dt.datetime | None = None,
) -> Probe:
    def number(value: object) -> float | None:
        try:
            result = float(str(value).replace(",", "."))
        except (TypeError, ValueError):
            return None
        return result if math.isfinite(result) else None

    lat, lon = number(latitude), number(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    return Probe(
        institution_id=institution_id,
        text=f"{subject} {description}",
        received_at=received_at or timezone.now(),
        latitude=lat,
        longitude=lon,
        category_id=category_id,
        neighbourhood=(neighbourhood or "").strip(),
        street=(street or "").strip(),
    )
