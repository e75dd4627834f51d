"""Who the demo's notifications reach, and a few answers waiting for approval.

Before the cases are played: every team's first member leads it, and each application place is held by the
login the standards importer proposes for it (``propose_holders``: the person the place names) or that
directory.toml names. After: answers of the Fen İşleri department's units (road maintenance, lighting) need
the department manager's approval (approval rules of their services), and a few of them wait on his phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from kentmasa.cases import services
from kentmasa.cases.models import Case, Status
from kentmasa.cases.services.gates import Held
from kentmasa.demo.directory import Directory
from kentmasa.demo.tables import ADANA_SLUG, MEMORABLE_STAFF
from kentmasa.directory.importers import propose_holders
from kentmasa.directory.models import ApplicationPlace, Team, User
from kentmasa.notify.models import Action, ApprovalRule

APPROVAL_DEPARTMENT = "Fen İşleri Dairesi Başkanlığı"  # its şubeler: road maintenance, lighting
WAITING_APPROVALS = 3
ANSWERS = (
    "Çukur asfalt yama ile kapatıldı, yol trafiğe açık.",
    "Kaldırım taşları yenilendi ve bölge temizlendi.",
    "Rögar kapağı yerine oturtuldu, çevresi asfaltlandı.",
)


@dataclass(frozen=True)
class Shown:
    """What `make run` points to: who to log in as to see the notifications and approvals."""

    approver: str
    approvals: int
    place_holders: tuple[tuple[str, str], ...]  # (username, place)
    team_leaders: tuple[tuple[str, str], ...]  # (username, team)


def link_people(directory: Directory) -> None:
    """Team leaders and application-place holders, once the staff exist."""
    for team_id, member in directory.member_of_team.items():
        if team_id is not None:
            Team.objects.filter(pk=team_id).update(leader=member)
    for place_id, usernames in directory.place_holders.items():
        place = ApplicationPlace.objects.get(pk=place_id)
        place.holders.add(*(directory.users[name] for name in usernames))
    for institution in directory.institutions.values():
        places = ApplicationPlace.objects.filter(institution=institution).order_by("pk")
        propose_holders(institution, dict(enumerate(places, start=1)))


def hold_answers(directory: Directory) -> int:
    """Approval rules for the answers of the Fen İşleri department's units, and a few answers waiting for
    its manager."""
    adana = directory.institutions[ADANA_SLUG]
    department = directory.units[ADANA_SLUG, APPROVAL_DEPARTMENT]
    units = department.subtree_ids()
    services_ = list(adana.services.filter(categories__unit__in=units).distinct().order_by("pk"))
    for service in services_:
        ApprovalRule.objects.create(institution=adana, service=service, action=Action.RESOLVE, wait_hours=8)
    running = (
        Case.objects.filter(
            unit__in=units, service__in=services_, status__in=(Status.ASSIGNED, Status.IN_PROGRESS)
        )
        .select_related("assignee", "unit")
        .order_by("due_at")
    )
    held = 0
    for case in running[: WAITING_APPROVALS * 3]:
        author = _author(case)
        if author is None:
            continue
        try:
            services.perform(case, "resolve", actor=author, resolution=ANSWERS[held % len(ANSWERS)])
        except Held:
            held += 1
        except services.TransitionError:
            continue
        if held == WAITING_APPROVALS:
            break
    return held


def _author(case: Case) -> User | None:
    """The unit's member of staff who answers: the assignee, else the first of the unit's staff."""
    if case.assignee is not None and case.assignee.role == User.Role.UNIT_STAFF:
        return case.assignee
    staff = User.objects.filter(role=User.Role.UNIT_STAFF, units=case.unit_id, is_active=True)
    return staff.order_by("pk").first()


def shown() -> Shown:
    from kentmasa.notify.models import Approval

    pending = Approval.objects.filter(state=Approval.State.PENDING).select_related("approver")
    approver = next((a.approver.username for a in pending if a.approver is not None), "")
    holders = tuple(
        (user.username, str(place))
        for place in ApplicationPlace.objects.prefetch_related("holders").order_by("pk")
        for user in place.holders.all()
    )
    memorable = [spec.username for spec in MEMORABLE_STAFF]
    led = Team.objects.filter(leader__username__in=memorable).select_related("leader")
    leaders = tuple(
        (team.leader.username, team.name) for team in led.order_by("pk") if team.leader is not None
    )
    return Shown(approver, pending.count(), holders, leaders)
