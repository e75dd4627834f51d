"""The demo installation `manage.py load_demo` builds: four institutions, their staff, a few hundred cases.

What is real and what is made up:

- The service standards of Eskişehir İl Emniyet Müdürlüğü (155), Esenler Belediyesi and Kayseri Büyükşehir
  Belediyesi are the real tables of seeds 000–002, read by `importers.import_standards` exactly as an
  administrator would import them.
- Adana Büyükşehir Belediyesi is set up the way seed 004 describes its Alo 153 (call centre, WhatsApp line,
  the Derman field team, e-mail, social media, the Law 4982 information service). Its units are the kind a
  metropolitan municipality has; its service standards table (completion times, documents) is an
  ILLUSTRATIVE set-up written for the demo, not a table Adana published.
- Neighbourhoods and their boundaries are real (the tr-admin GeoJSON under SHARED_DIR); every case lies at a
  random point inside its mahalle. People, phone numbers, TC kimlik numbers (valid checksums, random digits)
  and case texts are invented.

What the demo contains is data (kentmasa/demo/data/*.toml, read by kentmasa.demo.tables); the code builds
the directory and staff (kentmasa.demo.directory), plans the cases (kentmasa.demo.planner) and plays each
one through the real domain functions of kentmasa.cases.services with the overdue sweep of
kentmasa.escalation (kentmasa.demo.player), so timelines, deadlines and escalations are what the application
itself produces.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from kentmasa.cases.models import OPEN_STATUSES, Case, Citizen, Event, Status
from kentmasa.channels import replies
from kentmasa.demo import directory as demo_directory
from kentmasa.demo import feedback as demo_feedback
from kentmasa.demo import field as field_work
from kentmasa.demo import foi as foi_demo
from kentmasa.demo import kgys, notifications, police
from kentmasa.demo import kvkk_requests as kvkk_demo
from kentmasa.demo import privacy_notices as demo_notices
from kentmasa.demo import retention as demo_retention
from kentmasa.demo import two_factor as demo_two_factor
from kentmasa.demo import wallboards as screens
from kentmasa.demo.directory import RANDOM_SEED, Directory
from kentmasa.demo.places import data_dir, load_mahalleler
from kentmasa.demo.planner import Planner
from kentmasa.demo.player import Player
from kentmasa.demo.tables import ADANA_SLUG, MEMORABLE_STAFF, PLACES, SUPERUSER, DemoError
from kentmasa.directory.models import Institution, User
from kentmasa.feedback import services as feedback
from kentmasa.places.importer import import_tr_admin

__all__ = ["DEFAULT_CASES", "PASSWORD_ENV", "DemoError", "DemoResult", "Login", "load_demo"]

# The demo's one password for every login, never loaded in production (the command refuses).
DEFAULT_PASSWORD = "kentmasa-demo"  # noqa: S105
PASSWORD_ENV = "KENTMASA_DEMO_PASSWORD"  # noqa: S105 (the name of a variable)
DEFAULT_CASES = 300


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    institution: str
    where: str  # unit or team
    memorable: bool


@dataclass
class DemoResult:
    loaded: bool  # False when the demo was already there and nothing was written
    password: str | None  # None when the stored passwords are no longer the configured one
    logins: list[Login]
    imports: list[tuple[str, str]] = field(default_factory=list)  # (institution, import summary)
    statuses: list[tuple[str, int]] = field(default_factory=list)  # (status label, cases)
    totals: dict[str, int] = field(default_factory=dict)
    shown: notifications.Shown | None = None  # who to log in as to see notifications and approvals
    wallboards: list[screens.Shown] = field(default_factory=list)  # the wall screens' links
    cameras: kgys.Shown | None = None  # the police's cameras, footage requests, hotlist and plate-reads token
    field_teams: field_work.Shown | None = None  # Adana's field teams, today's work orders, machines (/saha/)


def demo_password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def is_loaded() -> bool:
    # Everything is written in one transaction, so the last institution created stands for all of it.
    return Institution.objects.filter(slug=ADANA_SLUG).exists()


def load_demo(cases: int = DEFAULT_CASES, *, now: dt.datetime | None = None) -> DemoResult:
    """Build the demo unless it is already there. Idempotent: a second call only reads."""
    password = demo_password()
    if is_loaded():
        operator = User.objects.filter(username="operator").first()
        still_valid = operator is not None and operator.check_password(password)
        return _result(loaded=False, password=password if still_valid else None)
    if cases < 0:
        raise DemoError("Başvuru sayısı negatif olamaz.")
    now = now or timezone.now()
    # History is replayed, not lived: nobody is sent an SMS or e-mail for it (answers, rating links).
    with replies.suppressed(), feedback.quiet(), transaction.atomic():
        directory = Directory(password)
        imports = directory.build()
        # kentmasa.places: boundaries before cases, so located cases get their mahalle, ilçe and il.
        import_tr_admin(data_dir(), cities=PLACES["cities"], mahalle_files=PLACES["mahalle_files"])
        directory.build_staff()
        notifications.link_people(directory)
        demo_feedback.set_up()  # before the cases: each resolution joins the feedback operator's call list
        demo_notices.set_up()  # before the cases: each case records the notice version it was given
        _play_cases(directory, cases, now)
        notifications.hold_answers(directory)
    result = _result(loaded=True, password=password)
    result.imports = imports
    return result


def _play_cases(directory: Directory, count: int, now: dt.datetime) -> None:
    """Adana's `count` cases and Eskişehir's police cases (one in fifteen, at least four), in time order."""
    if count == 0:
        return
    # Seeded, not secret: the same demo every time.
    rng = random.Random(RANDOM_SEED)  # noqa: S311
    specs = Planner(directory, rng, now, load_mahalleler("adana")).adana_cases(count)
    police_count = max(4, round(count / 15))
    specs += Planner(directory, rng, now, load_mahalleler("eskisehir")).police_cases(police_count)
    Player(directory, random.Random(RANDOM_SEED + 2), now).play(specs)  # noqa: S311


def _result(*, loaded: bool, password: str | None) -> DemoResult:
    police.set_up(demo_password())  # the Haber Merkezi's teams, fresh positions at every load
    cameras = kgys.set_up()  # KGYS and PTS after the teams stand where they are; a new plate-reads token
    field_shown = field_work.set_up(demo_password())  # today's work orders for Adana's field teams
    foi_demo.set_up()  # Adana's information service and a 4982 request in every state (once)
    demo_retention.set_up()  # Adana's KVKK retention periods and one past destruction run (once)
    kvkk_demo.set_up()  # Adana's KVKK applications (art. 11): at the desk, unproven, answered (once)
    demo_directory.answer_rules()  # Adana answers by e-mail and SMS (its AnswerRule, once)
    demo_two_factor.set_up()  # the administrators' authenticator, with the published demo key (README)
    cases = Case.objects.all()
    statuses = dict(cases.values_list("status").annotate(n=Count("pk")))
    return DemoResult(
        loaded=loaded,
        password=password,
        logins=_logins(),
        shown=notifications.shown(),
        # New links at every start: a board's token is kept only as a hash, so the old ones cannot be shown.
        wallboards=screens.issue(),
        cameras=cameras,
        field_teams=field_shown,
        statuses=[(str(label), statuses.get(value, 0)) for value, label in Status.choices],
        totals={
            "cases": cases.count(),
            "overdue": cases.filter(overdue_since__isnull=False, status__in=OPEN_STATUSES).count(),
            "escalations": Event.objects.filter(action="escalate").count(),
            "citizens": Citizen.objects.count(),
        },
    )


def _logins() -> list[Login]:
    memorable = [spec.username for spec in MEMORABLE_STAFF]
    superuser = SUPERUSER["username"]
    users = {
        user.username: user
        for user in User.objects.select_related("institution").prefetch_related("units", "teams")
    }
    order = [*memorable, superuser, *sorted(set(users) - set(memorable) - {superuser})]
    logins = []
    for username in order:
        user = users.get(username)
        if user is None or not user.has_usable_password():  # e.g. the camera system's account
            continue
        where = ", ".join([unit.name for unit in user.units.all()] + [team.name for team in user.teams.all()])
        role = "süper kullanıcı (/admin/)" if user.is_superuser else str(User.Role(user.role).label)
        logins.append(
            Login(
                username,
                role,
                user.institution.name if user.institution else "—",
                where,
                username in memorable or username == superuser,
            )
        )
    return logins
