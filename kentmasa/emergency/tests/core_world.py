"""A small police directorate for the tests of the police side's core (teams, dispatch, KADES): Eskişehir's
Haber Merkezi with its 155 row, a KADES category, an operator, a duty supervisor, and three police teams of
two at real places of the city, each member with a mobile and a push subscription."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from kentmasa.cases import services as cases
from kentmasa.cases.models import Case, Channel, Priority
from kentmasa.directory.models import Category, Institution, Service, Team, Unit, User
from kentmasa.emergency.models import DispatchSettings
from kentmasa.notify.models import LiveEvent, PushSubscription

PASSWORD = "kentmasa-test-1"
# Odunpazarı, the Adalar by the Porsuk: where the test incidents happen.
INCIDENT = (39.776600, 30.515000)
# The KADES person of the tests: invented, the TC kimlik no has a valid checksum.
PERSON = {"tc_kimlik_no": "10000000146", "name": "Elif Yıldız", "phone": "0532 987 65 43"}
PERSON_STRINGS = ("10000000146", "Elif", "Yıldız", "5329876543", "987 65 43")


@dataclass
class World:
    police: Institution
    haber_merkezi: Unit
    patrol: Unit
    service: Service
    category: Category
    kades_category: Category
    operator: User
    supervisor: User
    teams: list[Team]
    members: dict[int, list[User]] = field(default_factory=dict)

    def open_call(self, **kwargs: object) -> Case:
        """A 155 call about a fight at the Adalar."""
        params: dict = {
            "institution": self.police,
            "channel": Channel.PHONE,
            "subject": "Adalar'da kavga",
            "category": self.category,
            "priority": Priority.URGENT,
            "location": {"latitude": INCIDENT[0], "longitude": INCIDENT[1]},
            "actor": self.operator,
        }
        params.update(kwargs)
        return cases.open_case(**params)


def user(username: str, role: str, institution: Institution | None, **fields: str) -> User:
    made = User.objects.create_user(username=username, password=PASSWORD, role=role, institution=institution)
    for name, value in fields.items():
        setattr(made, name, value)
    if fields:
        made.save()
    return made


def push(person: User) -> None:
    PushSubscription.objects.create(
        user=person, endpoint=f"https://push.example/{person.pk}", p256dh="key", auth="auth"
    )


def place(
    team: Team, lat: float, lon: float, *, age_s: int = 30, status: str = Team.Status.AVAILABLE
) -> Team:
    now = timezone.now()
    team.latitude, team.longitude = Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")
    team.accuracy_m = 10
    team.position_at = now - dt.timedelta(seconds=age_s)
    team.status, team.status_at = status, now
    team.save()
    return team


def police_world(slug: str = "eskisehir-emniyet") -> World:
    police = Institution.objects.create(
        slug=slug,
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )
    haber_merkezi = Unit.objects.create(institution=police, name="Haber Merkezi")
    patrol = Unit.objects.create(institution=police, name="Asayiş Şube Müdürlüğü")
    service = Service.objects.create(
        institution=police,
        unit=haber_merkezi,
        number=1,
        name="155 Polis İmdat İhbar Hattı",
        completion_time="10 dakika",
        channels=["phone"],
    )
    kades_service = Service.objects.create(
        institution=police,
        unit=haber_merkezi,
        number=4,
        name="KADES İhbarları",
        completion_time="ANLIK",
        channels=["kades"],
    )
    category = Category.objects.create(institution=police, name="Kavga / darp", service=service, unit=patrol)
    kades_category = Category.objects.create(
        institution=police, name="KADES ihbarı", service=kades_service, unit=haber_merkezi, public=False
    )
    operator = user(
        "operator155",
        User.Role.POLICE_OPERATOR,
        police,
        first_name="Seda",
        last_name="Aksoy",
        mobile="+905301110001",
    )
    push(operator)
    supervisor = user(
        "amir", User.Role.UNIT_MANAGER, police, first_name="Kemal", last_name="Ateş", mobile="+905301110002"
    )
    supervisor.units.set([haber_merkezi])
    push(supervisor)
    world = World(
        police=police,
        haber_merkezi=haber_merkezi,
        patrol=patrol,
        service=service,
        category=category,
        kades_category=kades_category,
        operator=operator,
        supervisor=supervisor,
        teams=[],
    )
    # Nearest first from the incident: ~250 m, ~1.3 km, ~3.9 km.
    spots = [(39.778500, 30.516500), (39.786000, 30.522000), (39.766000, 30.558000)]
    for number, (lat, lon) in enumerate(spots, start=1):
        team = Team.objects.create(unit=patrol, name=f"Yunus Ekibi {number}", kind=Team.Kind.POLICE)
        people = []
        for seat in (1, 2):
            member = user(
                f"yunus{number}{seat}",
                User.Role.FIELD_TEAM,
                police,
                first_name=f"Polis{number}{seat}",
                last_name="Memur",
                mobile=f"+9053211{number}{seat}000",
            )
            member.teams.set([team])
            push(member)
            people.append(member)
        team.leader = people[0]
        team.save()
        place(team, lat, lon, age_s=30 * number)
        world.teams.append(team)
        world.members[team.pk] = people
    DispatchSettings.objects.create(
        institution=police, haber_merkezi=haber_merkezi, kades_category=kades_category
    )
    return world


def live_events(topic: str, change: str | None = None) -> list[LiveEvent]:
    rows = LiveEvent.objects.filter(topic=topic).order_by("pk")
    if change is not None:
        rows = rows.filter(change=change)
    return list(rows)


def run_worker() -> None:
    """Run every task that is due, as `manage.py db_worker` does (in this test's connection)."""
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
