"""Adana's field teams for the demo (issue 14: the field app under /saha/).

Run by the loader every time `load_demo` runs, after the cases are there, so it only adds what is missing:

* Yol Bakım Ekibi 1 (Seyhan–Çukurova) led by `saha` (Murat Bozkurt) with `saha.ali` (Ali Yurt) and
  `saha.sevgi` (Sevgi Tan); the Derman team (Alo 153 Saha Ekibi) led by `derman` (Hatice Korkmaz) with
  `derman.emine` (Emine Sarı). All with the demo password.
* two machines of Yol Bakım Şube Müdürlüğü: the grader "Greyder 1" (01 ABC 153) and the truck "Kamyon 3"
  (01 YB 4071);
* the reasons a work order could not be done, for the road unit and for the Derman team's unit;
* today's work orders, sent by `birim` (Emre Kılıç, Yol Bakım) through kentmasa.field.services exactly as
  the unit's page sends them: four for Yol Bakım Ekibi 1 (the first books the grader, one is given to
  `saha.ali`), on the road unit's open cases that have a point in Adana (fewer when the unit has fewer);
* the Derman loop (kentmasa.field.derman): Adana's inspection settings naming the Derman team, two
  inspections sent today by `operator` beside the road unit's own work (the case keeps its unit and
  team), and once a finished inspection with its report and PDF: on a resolved road case, found not
  solved, so the case is open again for the unit and its managers are warned by name (on an open case,
  partly solved, when none is resolved). When it has none (``load_demo --cases 0``), road cases are
  opened at random points inside real mahalles of Seyhan and Çukurova. A later load on the same day adds
  nothing; on another day it sends that day's work.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from kentmasa.cases import services as cases
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Status
from kentmasa.demo.places import load_mahalleler
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.field import derman, inspections, services
from kentmasa.field.models import FailureReason, InspectionReport, InspectionSettings, Machine, WorkOrder

ROAD_UNIT = "Yol Bakım Şube Müdürlüğü"
ROAD_TEAM = "Yol Bakım Ekibi 1 (Seyhan–Çukurova)"
DERMAN_TEAM = "Alo 153 Saha Ekibi (Derman)"
SENDER = "birim"  # Emre Kılıç, Yol Bakım Şube Müdürlüğü (staff.toml)
OPERATOR = "operator"  # Zeynep Arslan, Alo 153 (staff.toml): sends the Derman team
# (username, first name, last name, team); the leaders `saha` and `derman` are in staff.toml.
MEMBERS = (
    ("saha.ali", "Ali", "Yurt", ROAD_TEAM),
    ("saha.sevgi", "Sevgi", "Tan", ROAD_TEAM),
    ("derman.emine", "Emine", "Sarı", DERMAN_TEAM),
)
LEADERS = {ROAD_TEAM: "saha", DERMAN_TEAM: "derman"}
MACHINES = (
    (Machine.Kind.GRADER, "Greyder 1", "01ABC153"),
    (Machine.Kind.TRUCK, "Kamyon 3", "01YB4071"),
)
REASONS = {
    ROAD_UNIT: ("Araç adrese giremedi", "Malzeme yok", "Hava koşulları uygun değil", "Başka kurumun işi"),
    "Halkla İlişkiler Şube Müdürlüğü": ("Adreste kimse yok", "Adres bulunamadı", "Güvenlik sorunu"),
}
ROAD_ORDERS = 4
DERMAN_ORDERS = 2
CENTRAL = ("Seyhan", "Çukurova")
ROAD_WORK = (
    ("Yolda çökme ve çukur", "Asfaltta derin çukur var, araçlar zarar görüyor."),
    ("Kaldırım taşları sökülmüş", "Kaldırım taşları yerinden çıkmış, yayalar düşüyor."),
    ("Rögar kapağı yerinden oynamış", "Rögar kapağı yerinden oynamış, araç geçerken ses çıkarıyor."),
    ("Bozuk yol yüzeyi", "Yol yüzeyi dalgalanmış, yağmurda su birikiyor."),
)
INSTRUCTIONS = (
    "Soğuk asfaltla yama yapılacak; çevre güvenlik şeridiyle çevrilsin.",
    "Kaldırım taşları yerine döşenecek; önce ve sonra fotoğrafı çekin.",
    "Rögar kapağı sabitlenecek; çevresi kontrol edilsin.",
    "Yüzey kazınıp yeniden asfaltlanacak; greyder gerekiyor.",
)
DERMAN_INSTRUCTION = "Yerinde inceleyin, fotoğraflayın ve tespit tutanağı düzenleyin."
RANDOM_SEED = 1414


@dataclass(frozen=True)
class Shown:
    """What `make run` prints about the field side."""

    teams: tuple[tuple[str, str, tuple[str, ...], int], ...]  # (team, leader, members, today's work orders)
    machines: tuple[tuple[str, str], ...]  # (machine, status label)
    sender: str
    reasons: int


def set_up(password: str, *, now: dt.datetime | None = None) -> Shown | None:
    """Add what is missing of the field demo; None when Adana is not there."""
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None:
        return None
    now = now or timezone.now()
    road_unit = Unit.objects.filter(institution=adana, name=ROAD_UNIT).first()
    teams = {
        team.name: team
        for team in Team.objects.filter(unit__institution=adana, name__in=(ROAD_TEAM, DERMAN_TEAM))
    }
    sender = User.objects.filter(username=SENDER, institution=adana, is_active=True).first()
    if road_unit is None or len(teams) < 2 or sender is None:
        return None
    with transaction.atomic():
        _people(adana, teams, password)
        machines = _machines(road_unit)
        _reasons(adana)
        today = timezone.localdate(now)
        rng = random.Random(RANDOM_SEED + today.toordinal())  # noqa: S311 (a demo, not a secret)
        road_team, derman_team = teams[ROAD_TEAM], teams[DERMAN_TEAM]
        if not WorkOrder.objects.filter(team=road_team, scheduled_for=today).exists():
            _send(road_unit, road_team, sender, ROAD_ORDERS, rng, now, machines=machines[:1])
        _derman(adana, road_unit, derman_team, rng, now)
    return shown(adana)


def _derman(adana: Institution, road_unit: Unit, team: Team, rng: random.Random, now: dt.datetime) -> None:
    """The Derman loop (kentmasa.field.derman): Adana's inspection settings naming the team, today's
    inspections sent by the call centre beside the road unit's own work, and one finished inspection with
    its report (once): on a resolved road case when there is one (found not solved: it opens again for the
    unit), else on an open one (partly solved)."""
    InspectionSettings.objects.get_or_create(institution=adana, defaults={"team": team})
    operator = User.objects.filter(username=OPERATOR, institution=adana, is_active=True).first()
    if operator is None:
        return
    today = timezone.localdate(now)
    if not WorkOrder.objects.filter(team=team, scheduled_for=today).exists():
        for each in _cases_for(road_unit, team, DERMAN_ORDERS, rng, now):
            derman.send_inspection(
                each, WorkOrder.Reason.STAFF, actor=operator, note=DERMAN_INSTRUCTION, now=now
            )
    if InspectionReport.objects.filter(institution=adana, work_order__team=team).exists():
        return
    leader = team.leader
    if leader is None:
        return
    open_order = WorkOrder.objects.filter(case=OuterRef("pk"), team=team, status__in=WorkOrder.OPEN)
    resolved = (
        Case.objects.filter(unit=road_unit, status=Status.RESOLVED, latitude__isnull=False)
        .exclude(Exists(open_order))
        .order_by("-resolved_at", "-pk")
        .first()
    )
    chosen = resolved or next(iter(_cases_for(road_unit, team, 1, rng, now)), None)
    if chosen is None:
        return
    case = chosen
    reason = WorkOrder.Reason.SAMPLE if resolved is not None else WorkOrder.Reason.STAFF
    order = derman.send_inspection(case, reason, actor=operator, now=now - dt.timedelta(hours=3))
    if order is None:
        return
    findings = (
        "Yerinde yapılan incelemede yol yüzeyindeki çökmenin yalnızca kısmen onarıldığı görüldü; "
        "yama kenarlarında yeniden açılma var, çevrede güvenlik şeridi bulunmuyor."
    )
    report, _written = inspections.write_report(
        case,
        inspections.Findings(
            client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"kentmasa-demo-derman-{adana.pk}-{case.pk}"),
            findings=findings,
            recommendation="Yama yeniden yapılmalı, çalışma alanı işaretlenmeli.",
            signer_name=leader.get_full_name() or leader.username,
            signer_title="Alo 153 Saha Ekibi (Derman)",
            inspected_at=now - dt.timedelta(hours=1),
            place=case.address_text or case.neighbourhood,
            latitude=case.latitude,
            longitude=case.longitude,
            work_order=order,
        ),
        actor=leader,
    )
    outcome = InspectionReport.Outcome.NOT_SOLVED if resolved is not None else InspectionReport.Outcome.PARTLY
    derman.after_report(report, outcome, actor=leader, now=now)


def _people(adana: Institution, teams: dict[str, Team], password: str) -> None:
    hashed = ""
    for username, first, last, team_name in MEMBERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            hashed = hashed or make_password(password)
            user = User.objects.create(
                username=username,
                password=hashed,
                role=User.Role.FIELD_TEAM,
                institution=adana,
                first_name=first,
                last_name=last,
            )
        user.teams.add(teams[team_name])
    for team_name, username in LEADERS.items():
        team = teams[team_name]
        leader = User.objects.filter(username=username, institution=adana).first()
        if leader is None:
            continue
        leader.teams.add(team)
        if team.leader_id is None:
            Team.objects.filter(pk=team.pk).update(leader=leader)


def _machines(unit: Unit) -> list[Machine]:
    made = []
    for kind, name, plate in MACHINES:
        machine = Machine.objects.filter(plate=plate).first()
        if machine is None:
            machine = Machine.objects.create(
                unit=unit, kind=kind, name=name, plate=plate, status_at=timezone.now()
            )
        made.append(machine)
    return made


def _reasons(adana: Institution) -> None:
    for unit_name, texts in REASONS.items():
        unit = Unit.objects.filter(institution=adana, name=unit_name).first()
        if unit is None:
            continue
        for position, text in enumerate(texts, start=1):
            FailureReason.objects.get_or_create(unit=unit, text=text, defaults={"position": position})


def _cases_for(unit: Unit, team: Team, count: int, rng: random.Random, now: dt.datetime) -> list[Case]:
    """The unit's active cases with a point and no open work order of the team, the most urgent first; when
    there is none (a demo loaded without cases), new road cases at real points of Seyhan and Çukurova."""
    open_order = WorkOrder.objects.filter(case=OuterRef("pk"), team=team, status__in=WorkOrder.OPEN)
    found = list(
        Case.objects.filter(
            unit=unit, status__in=ACTIVE_STATUSES, latitude__isnull=False, longitude__isnull=False
        )
        .exclude(Exists(open_order))
        .order_by("-priority", "due_at", "pk")[:count]
    )
    if found:
        return found
    category = (
        Category.objects.filter(institution=unit.institution, unit=unit, active=True).order_by("pk").first()
    )
    inner, _outer = load_mahalleler("adana")
    central = [mahalle for mahalle in inner if mahalle.district in CENTRAL] or inner
    for index in range(count):
        mahalle = rng.choice(central)
        latitude, longitude = mahalle.random_point(rng)
        subject, description = ROAD_WORK[index % len(ROAD_WORK)]
        found.append(
            cases.open_case(
                institution=unit.institution,
                channel=Channel.PHONE,
                subject=subject,
                description=f"{mahalle.spoken_name}: {description}",
                category=category,
                unit=unit,
                received_at=now - dt.timedelta(hours=rng.randint(2, 30)),
                location={
                    "latitude": latitude,
                    "longitude": longitude,
                    "province": mahalle.province,
                    "district": mahalle.district,
                    "neighbourhood": mahalle.name,
                },
            )
        )
    return found


def _send(
    unit: Unit,
    team: Team,
    sender: User,
    count: int,
    rng: random.Random,
    now: dt.datetime,
    *,
    machines: Sequence[Machine] = (),
) -> None:
    members = [
        member
        for member in team.members.filter(is_active=True).order_by("username")
        if member.pk != team.leader_id
    ]
    for index, case in enumerate(_cases_for(unit, team, count, rng, now)):
        booked = [m for m in machines if m.status == Machine.Status.AVAILABLE] if index == 0 else []
        try:
            services.send_work_order(
                case,
                team,
                actor=sender,
                instructions=INSTRUCTIONS[index % len(INSTRUCTIONS)],
                machines=booked,
                day=timezone.localdate(now),
                assignee=members[0] if index == 1 and members else None,
                now=now,
            )
        except cases.TransitionError:
            continue  # e.g. a machine taken meanwhile: the demo goes on without it
        for machine in booked:
            machine.refresh_from_db()


def shown(adana: Institution) -> Shown:
    today = timezone.localdate()
    rows = []
    for name in (ROAD_TEAM, DERMAN_TEAM):
        team = Team.objects.filter(unit__institution=adana, name=name).select_related("leader").first()
        if team is None:
            continue
        members = tuple(
            username
            for pk, username in team.members.order_by("username").values_list("pk", "username")
            if pk != team.leader_id
        )
        orders = WorkOrder.objects.filter(team=team, scheduled_for=today).count()
        rows.append((team.name, team.leader.username if team.leader else "—", members, orders))
    with translation.override(settings.LANGUAGE_CODE):
        machines = tuple(
            (str(machine), str(machine.get_status_display()))
            for machine in Machine.objects.filter(unit__institution=adana).order_by("pk")
        )
    reasons = FailureReason.objects.filter(unit__institution=adana, active=True).count()
    return Shown(tuple(rows), machines, SENDER, reasons)
