"""The demo's directory and staff, built from directory.toml and staff.toml by one loop over the institutions.

Each institution is set up the same way, in this order: the institution; its seed's real standards table
(importers.import_standards, exactly as an administrator would import it); its district municipalities;
its units, teams, application places and services; the imported services assigned to the publishing unit;
its categories. Then every login, with the one demo password.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password

from kentmasa.channels.models import AnswerRule
from kentmasa.demo.tables import (
    ADANA_SLUG,
    INSTITUTIONS,
    MEMORABLE_STAFF,
    OTHER_STAFF,
    PEOPLE,
    SUPERUSER,
    DemoError,
    InstitutionSpec,
    StaffSpec,
)
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import (
    ApplicationPlace,
    Category,
    ClosedDay,
    Institution,
    Service,
    Team,
    Unit,
    User,
)

RANDOM_SEED = 153  # Alo 153

# Real nationwide administrative leave (Cumhurbaşkanlığı İdari İşler Başkanlığı's letters of March and June
# 2024): offices closed, working days in law. In the past, so no demo case's deadline moves; they show the
# admin's Closed days list filled as a site would have it.
NATIONWIDE_CLOSED_DAYS = [
    (dt.date(2024, 4, 8), "Ramazan Bayramı öncesi idari izin (tam gün)"),
    (dt.date(2024, 4, 9), "Ramazan Bayramı arifesi, öğleden önce idari izin"),
    (dt.date(2024, 6, 20), "Kurban Bayramı sonrası idari izin"),
    (dt.date(2024, 6, 21), "Kurban Bayramı sonrası idari izin"),
]


def read_seed(number: str) -> str:
    """The text of seed `number` ("000") from SHARED_DIR/seeds."""
    found = sorted((Path(settings.SHARED_DIR) / "seeds").glob(f"{number}_*.txt"))
    if not found:
        raise DemoError(f"Tohum dosyası bulunamadı: {Path(settings.SHARED_DIR) / 'seeds'}/{number}_*.txt")
    return found[0].read_text(encoding="utf-8")


class Directory:
    """The built directory, by name: what the cases' stories look people and places up in."""

    def __init__(self, password: str):
        self.password_hash = make_password(password)  # hashed once: the same password for every login
        self.institutions: dict[str, Institution] = {}
        self.units: dict[tuple[str, str], Unit] = {}  # (institution slug, unit name)
        self.teams: dict[tuple[str, str], Team] = {}  # (institution slug, team name)
        self.categories: dict[tuple[str, str], Category] = {}  # (institution slug, category name)
        self.users: dict[str, User] = {}
        # By unit or team id; looked up with a case's unit_id / team_id, None when it has none.
        self.staff_of_unit: dict[int | None, User] = {}
        self.manager_of_unit: dict[int | None, User] = {}
        self.teams_of_unit: dict[int | None, list[Team]] = {}
        self.member_of_team: dict[int | None, User] = {}
        # Application place id → the usernames directory.toml names as its holders.
        self.place_holders: dict[int, list[str]] = {}

    # -- institutions ----------------------------------------------------------------------------------------

    def build(self) -> list[tuple[str, str]]:
        """Every institution of directory.toml; (name, import summary) of those with a seed table."""
        imports: list[tuple[str, str]] = []
        for spec in INSTITUTIONS:
            self._set_up(spec, imports)
        for day, reason in NATIONWIDE_CLOSED_DAYS:
            ClosedDay.objects.get_or_create(institution=None, date=day, defaults={"reason": reason})
        return imports

    def _set_up(self, spec: InstitutionSpec, imports: list[tuple[str, str]]) -> None:
        institution, _ = Institution.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "province": spec.province,
                "district": spec.district,
                "parent": self.institutions.get(spec.parent),
                "phone": spec.phone,
                "email": spec.email,
                "address": spec.address,
            },
        )
        self.institutions[spec.slug] = institution
        if spec.seed:
            result = import_standards(institution, read_seed(spec.seed))
            if not result.ok:
                problems = "; ".join(str(problem) for problem in result.problems)
                raise DemoError(f"{spec.name}: tohum {spec.seed} içe aktarılamadı: {problems}")
            imports.append((spec.name, result.summary()))
        for child in spec.children:
            self._set_up(child, imports)
        for unit in spec.units:
            self.units[spec.slug, unit.name], _ = Unit.objects.get_or_create(
                institution=institution,
                name=unit.name,
                defaults={"parent": self.units[spec.slug, unit.parent] if unit.parent else None},
            )
        for team_spec in spec.teams:
            team, _ = Team.objects.get_or_create(
                unit=self.units[spec.slug, team_spec.unit],
                name=team_spec.name,
                defaults={"kind": team_spec.kind},
            )
            self.teams[spec.slug, team.name] = team
            self.teams_of_unit.setdefault(team.unit_id, []).append(team)
        if spec.publishing_unit:
            publisher = self.units[spec.slug, spec.publishing_unit]
            Service.objects.filter(institution=institution, unit__isnull=True).update(unit=publisher)
        places = []
        for row in spec.places:
            values = {key: value for key, value in row.items() if key != "holders"}
            place = ApplicationPlace.objects.create(institution=institution, **values)
            self.place_holders[place.pk] = list(row.get("holders", ()))
            places.append(place)
        services: dict[int | str, Service] = {
            service.number: service for service in institution.services.all() if service.number is not None
        }
        for service in spec.services:
            services[service.key] = Service.objects.create(
                institution=institution,
                unit=self.units[spec.slug, service.unit],
                number=service.row,
                name=service.name,
                documents=service.documents,
                completion_time=service.completion_time,
                first_application_place=places[0] if places else None,
                second_application_place=places[1] if len(places) > 1 else None,
            )
        for category in spec.categories:
            target = services[category.service]
            self.categories[spec.slug, category.name], _ = Category.objects.get_or_create(
                institution=institution,
                name=category.name,
                defaults={
                    "service": target,
                    "unit": self.units[spec.slug, category.unit] if category.unit else target.unit,
                    "keywords": category.keywords,
                    "public": category.public,
                },
            )

    # -- staff -----------------------------------------------------------------------------------------------

    def build_staff(self) -> None:
        """Every login of staff.toml; those without a name get one drawn at random."""
        rng = random.Random(RANDOM_SEED + 1)  # noqa: S311 (seeded: the same names every time)
        for spec in (*MEMORABLE_STAFF, *OTHER_STAFF):
            first, last = spec.first_name, spec.last_name
            if not first:
                first, last = rng.choice(PEOPLE.female_names + PEOPLE.male_names), rng.choice(PEOPLE.surnames)
            self._user(spec, first, last)
        User.objects.create(
            username=SUPERUSER["username"],
            password=self.password_hash,
            role=User.Role.ADMINISTRATOR,
            is_staff=True,
            is_superuser=True,
            first_name=SUPERUSER["first_name"],
            last_name=SUPERUSER["last_name"],
        )

    def _user(self, spec: StaffSpec, first_name: str, last_name: str) -> User:
        user = User.objects.create(
            username=spec.username,
            password=self.password_hash,
            role=spec.role,
            institution=self.institutions[spec.institution] if spec.institution else None,
            first_name=first_name,
            last_name=last_name,
        )
        if spec.unit:
            unit = self.units[spec.institution, spec.unit]
            user.units.add(unit)
            if spec.role == User.Role.UNIT_MANAGER:
                for unit_id in unit.subtree_ids():
                    self.manager_of_unit.setdefault(unit_id, user)
            else:
                self.staff_of_unit.setdefault(unit.pk, user)
        if spec.team:
            team = self.teams[spec.institution, spec.team]
            user.teams.add(team)
            self.member_of_team.setdefault(team.pk, user)
        self.users[spec.username] = user
        return user


def answer_rules() -> AnswerRule | None:
    """Adana answers by e-mail and SMS (seed 004: "cevaplar e-posta ve SMS yoluyla başvuru sahibine
    iletmek"): its institution-wide AnswerRule sends every answer to every contact given on the case, not
    only to the channel used (kentmasa.channels.replies). Run at every load: a second load finds it, and a
    demo loaded before the rule existed gains it. None when Adana is not there."""
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None:
        return None
    rule, _created = AnswerRule.objects.get_or_create(
        institution=adana, service=None, kind="", defaults={"reach": AnswerRule.Reach.GIVEN}
    )
    return rule
