"""The people and things the field API's tests share: Esenler's roads unit (Fen İşleri) with its field team
"Asfalt Ekibi 1" (Ahmet leads it, Mehmet works in it), the parks unit's "Park Ekibi" (Zeynep), a grader, the
unit's reasons a work order could not be done, and a pothole case a citizen, Ayşe Kaya, reported by phone.

Built by ``build`` from the shared fixtures of kentmasa/conftest.py (not a conftest of its own: the field
app's other test files keep theirs)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from PIL import Image

from kentmasa.cases.models import Case, Citizen
from kentmasa.directory.models import Team, Unit, User
from kentmasa.field import services
from kentmasa.field.models import FailureReason, Machine, WorkOrder


@dataclass
class World:
    roads: Unit
    parks: Unit
    team: Team
    park_team: Team
    ahmet: User  # leads Asfalt Ekibi 1
    mehmet: User  # in Asfalt Ekibi 1
    zeynep: User  # in Park Ekibi
    clerk: User  # road staff: sends work orders
    manager: User  # roads unit manager
    grader: Machine
    no_access: FailureReason
    no_material: FailureReason
    citizen: Citizen
    make_case: Any

    def case(self, **kwargs: Any) -> Case:
        params = {"citizen": self.citizen, "priority": 3}
        params.update(kwargs)
        return self.make_case(**params)

    def order(self, case: Case | None = None, team: Team | None = None, **kwargs: Any) -> WorkOrder:
        return services.send_work_order(case or self.case(), team or self.team, actor=self.clerk, **kwargs)


def build(institution, roads, parks, make_user, make_case) -> World:
    team = Team.objects.create(unit=roads, name="Asfalt Ekibi 1", kind=Team.Kind.FIELD)
    park_team = Team.objects.create(unit=parks, name="Park Ekibi", kind=Team.Kind.FIELD)
    field = User.Role.FIELD_TEAM
    ahmet = make_user(field, "ahmet", teams=[team])
    mehmet = make_user(field, "mehmet", teams=[team])
    zeynep = make_user(field, "zeynep", teams=[park_team])
    for user, first, last in (
        (ahmet, "Ahmet", "Yılmaz"),
        (mehmet, "Mehmet", "Demir"),
        (zeynep, "Zeynep", "Ak"),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    team.leader = ahmet
    team.save(update_fields=["leader"])
    clerk = make_user(User.Role.UNIT_STAFF, "road_clerk", units=[roads])
    clerk.first_name, clerk.last_name = "Selin", "Kara"
    clerk.save(update_fields=["first_name", "last_name"])
    manager = make_user(User.Role.UNIT_MANAGER, "road_boss", units=[roads])
    manager.first_name, manager.last_name = "Kemal", "Öz"
    manager.save(update_fields=["first_name", "last_name"])
    grader = Machine.objects.create(unit=roads, kind=Machine.Kind.GRADER, name="Greyder 3", plate="34ABC123")
    no_access = FailureReason.objects.create(unit=roads, text="Araç giremedi", position=1)
    no_material = FailureReason.objects.create(unit=roads, text="Malzeme yok", position=2)
    citizen = Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")
    return World(
        roads=roads,
        parks=parks,
        team=team,
        park_team=park_team,
        ahmet=ahmet,
        mehmet=mehmet,
        zeynep=zeynep,
        clerk=clerk,
        manager=manager,
        grader=grader,
        no_access=no_access,
        no_material=no_material,
        citizen=citizen,
        make_case=make_case,
    )


def action(kind: str, order: WorkOrder | int, **more: Any) -> dict[str, Any]:
    """A queued action as the phone makes it."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "work_order": order if isinstance(order, int) else order.pk,
        "at": timezone.localtime().isoformat(),
        **more,
    }


def jpeg(colour=(200, 30, 30), size=(64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_exif(lat: float, lon: float, taken: dt.datetime | None = None) -> bytes:
    """EXIF with a GPS position (degrees, minutes, seconds as a camera writes them) and the time taken."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), seconds)

    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = dms(lat)
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = dms(lon)
    if taken is not None:
        details = exif.get_ifd(0x8769)
        details[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
        details[36881] = taken.strftime("%z")[:3] + ":" + taken.strftime("%z")[3:]
    return exif.tobytes()
