"""Eskişehir's city cameras for the KGYS footage tests: the police world of core_world, three cameras at real
places of the city, a file-system recorder in the test's own folder with minute-long segments, Seda the
operator (who records requests), Murat Kaya, a second operator holding the release permission, and the duty
supervisor Kemal Ateş ("amir"), who may lift legal holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Permission

from kentmasa.directory.models import User
from kentmasa.emergency.models import Camera
from kentmasa.emergency.recorders import FileSystemRecorder, Segment
from kentmasa.emergency.tests.core_world import World, police_world, user

# The smallest file filetype reads as a PDF: what a scanner's "order" is in these tests.
ORDER_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CAMERAS = [
    ("ESK-KGYS-001", "Köprübaşı – Adalar", "Adalar, Odunpazarı", 39.776600, 30.515000),
    ("ESK-KGYS-002", "Espark önü", "Siloönü Cd., Tepebaşı", 39.776000, 30.509800),
    ("ESK-KGYS-003", "Anadolu Üniversitesi kavşağı", "Yunus Emre Kampüsü, Tepebaşı", 39.791600, 30.500800),
]


@dataclass
class Kgys:
    world: World
    cameras: list[Camera]
    recorder: FileSystemRecorder
    seda: User  # police operator: records requests
    murat: User  # police operator with emergency.release_footage
    amir: User  # duty supervisor (unit manager) with emergency.lift_footage_hold


def grant(person: User, codename: str) -> User:
    person.user_permissions.add(
        Permission.objects.get(content_type__app_label="emergency", codename=codename)
    )
    return User.objects.get(pk=person.pk)  # a fresh object: permissions are cached on the instance


def kgys_world(settings, folder: Path) -> Kgys:
    settings.KENTMASA_RECORDER_ROOT = folder / "recorder"
    settings.MEDIA_ROOT = folder / "media"
    world = police_world()
    cameras = [
        Camera.objects.create(
            institution=world.police,
            code=code,
            name=name,
            location=location,
            latitude=Decimal(f"{lat:.6f}"),
            longitude=Decimal(f"{lon:.6f}"),
        )
        for code, name, location, lat, lon in CAMERAS
    ]
    murat = user(
        "operator155b", User.Role.POLICE_OPERATOR, world.police, first_name="Murat", last_name="Kaya"
    )
    return Kgys(
        world=world,
        cameras=cameras,
        recorder=FileSystemRecorder(settings.KENTMASA_RECORDER_ROOT),
        seda=world.operator,
        murat=grant(murat, "release_footage"),
        amir=grant(world.supervisor, "lift_footage_hold"),
    )


def record(
    recorder: FileSystemRecorder, camera: Camera, start: dt.datetime, minutes: int, *, size: int = 64
) -> list[Segment]:
    """``minutes`` minute-long segments of the camera from ``start``, each with bytes of its own."""
    made = []
    for minute in range(minutes):
        begin = start + dt.timedelta(minutes=minute)
        body = f"{camera.code} {begin.isoformat()} ".encode()
        made.append(recorder.write(camera, begin, begin + dt.timedelta(minutes=1), (body * size)[: size * 8]))
    return made
