"""The PTS tests' directorate: core_world's Eskişehir police (Seda the operator, three Yunus teams near the
Adalar) with two registered plate cameras, one by the Adalar and one at the Osmangazi University campus
(about 7 km to the north-west), and the reads a camera system sends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kentmasa.emergency.models import Camera
from kentmasa.emergency.tests.core_world import INCIDENT, World, police_world

ADALAR = INCIDENT
CAMPUS = (39.7505, 30.4800)


def pts_world(slug: str = "eskisehir-emniyet") -> tuple[World, Camera, Camera]:
    world = police_world(slug)
    adalar = Camera.objects.create(
        institution=world.police,
        code="ESK-PTS-001",
        name="Adalar Köprüsü",
        latitude=Decimal(f"{ADALAR[0]:.6f}"),
        longitude=Decimal(f"{ADALAR[1]:.6f}"),
    )
    campus = Camera.objects.create(
        institution=world.police,
        code="ESK-PTS-002",
        name="Meşelik Kampüs Girişi",
        latitude=Decimal(f"{CAMPUS[0]:.6f}"),
        longitude=Decimal(f"{CAMPUS[1]:.6f}"),
    )
    return world, adalar, campus


def read(
    plate: Any = "26 ABC 123",
    camera: Any = "ESK-PTS-001",
    at: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """One read as the camera system sends it (now, unless ``at`` is given)."""
    when = at if at is not None else timezone.localtime().isoformat()
    if isinstance(when, dt.datetime):
        when = when.isoformat()
    return {"camera": camera, "plate": plate, "at": when, **extra}
