"""The demo's tables, read from the TOML files in kentmasa/demo/data/ into typed, read-only records.

- directory.toml: the institutions in the order they are set up, with units, teams, application places,
  services and categories (seed institutions import their real standards table; Adana's is illustrative);
- staff.toml: every login, the memorable ones first;
- topics.toml: Adana's categories and what their cases say; police.toml: Eskişehir 155's texts;
- people.toml: invented names, streets and phone prefixes, and what each channel tells about a person;
- places.toml: where the neighbourhoods come from; stories.toml: how the cases go and what staff write.

A value that names a model choice (an institution's kind, a role, a channel, a case's kind or priority) is
turned into that choice here, so a typo in a data file fails at import, not halfway through a load.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentmasa.cases.models import Channel, Kind, Priority
from kentmasa.directory.models import Institution, Team, User

DATA_DIR = Path(__file__).resolve().parent / "data"


class DemoError(Exception):
    """The demo cannot be built (a data file is missing, a seed table does not import)."""


def read_table(name: str) -> dict[str, Any]:
    """One data file of the demo, parsed."""
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


def _pairs(rows: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((subject, description) for subject, description in rows)


# ------------------------------------------------------------------------------------------------
# Institutions
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    name: str
    parent: str = ""  # the parent unit's name


@dataclass(frozen=True)
class TeamSpec:
    name: str
    unit: str
    kind: str = Team.Kind.FIELD


@dataclass(frozen=True)
class ServiceSpec:
    key: str
    row: int
    name: str
    unit: str
    documents: str
    completion_time: str


@dataclass(frozen=True)
class CategorySpec:
    name: str
    service: int | str  # a row of the imported table, or the key of a ServiceSpec
    unit: str = ""  # "" for the service's unit
    keywords: str = ""
    public: bool = True  # False: only staff record it, public forms never offer it


@dataclass(frozen=True)
class InstitutionSpec:
    slug: str
    name: str
    kind: str
    province: str
    district: str = ""
    parent: str = ""  # slug of an institution set up before
    phone: str = ""
    email: str = ""
    address: str = ""
    seed: str = ""  # the seed file's number, e.g. "000", whose standards table is imported
    publishing_unit: str = ""  # the unit that publishes the table; imported services are assigned to it
    units: tuple[UnitSpec, ...] = ()
    teams: tuple[TeamSpec, ...] = ()
    places: tuple[dict[str, Any], ...] = ()  # application places (and their holders): every service names two
    services: tuple[ServiceSpec, ...] = ()
    categories: tuple[CategorySpec, ...] = ()
    children: tuple[InstitutionSpec, ...] = ()  # district municipalities, set up right after this one


def _institution(row: dict[str, Any], parent: dict[str, Any] | None = None) -> InstitutionSpec:
    children = tuple(_institution(child, row) for child in row.get("district_municipality", ()))
    categories = [CategorySpec(**category) for category in row.get("category", ())]
    if row.get("topics"):
        categories += [CategorySpec(t.name, t.service, t.unit, t.keywords) for t in TOPICS]
    return InstitutionSpec(
        slug=row["slug"],
        name=row["name"],
        kind=Institution.Kind(row.get("kind", Institution.Kind.DISTRICT)),
        province=row.get("province") or (parent or {}).get("province", ""),
        district=row.get("district", ""),
        parent=row.get("parent") or (parent or {}).get("slug", ""),
        phone=row.get("phone", ""),
        email=row.get("email", ""),
        address=row.get("address", ""),
        seed=row.get("seed", ""),
        publishing_unit=row.get("publishing_unit", ""),
        units=tuple(UnitSpec(**unit) for unit in row.get("units", ())),
        teams=tuple(
            TeamSpec(t["name"], t["unit"], Team.Kind(t.get("kind", Team.Kind.FIELD)))
            for t in row.get("teams", ())
        ),
        places=tuple(row.get("application_place", ())),
        services=tuple(ServiceSpec(**service) for service in row.get("service", ())),
        categories=tuple(categories),
        children=children,
    )


# ------------------------------------------------------------------------------------------------
# Topics (Adana's categories and their texts) and the police texts
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """A category of Adana and what its cases look like."""

    key: str
    name: str
    service: str  # key of one of Adana's services
    keywords: str
    kind: str = Kind.COMPLAINT
    weight: int = 4  # how often it comes up
    priority: int = Priority.NORMAL
    mode: str = "general"  # "general", "on_the_spot" (answered during the call), "redirect" (another body's)
    redirect_to: str = ""
    unit: str = ""  # when not the service's unit
    misrouted_to: str = ""  # a unit an operator plausibly sends it to first (for transfer stories)
    duplicates: bool = False  # several people report the same thing (burst pipe, fallen tree)
    channels: str = "default"
    # (subject, description); {mahalle} {street} {street2} {no} {landmark} {hour} are filled in
    texts: tuple[tuple[str, str], ...] = ()
    resolutions: tuple[str, ...] = ()
    rejection: str = ""


def _topic(row: dict[str, Any]) -> Topic:
    values = dict(row)
    values["kind"] = Kind(values.get("kind", Kind.COMPLAINT))
    values["priority"] = Priority(values.get("priority", Priority.NORMAL))
    values["texts"] = _pairs(values.get("texts", []))
    values["resolutions"] = tuple(values.get("resolutions", ()))
    return Topic(**values)


TOPICS: tuple[Topic, ...] = tuple(_topic(row) for row in read_table("topics.toml")["topic"])

_police = read_table("police.toml")
POLICE_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    category: _pairs(texts) for category, texts in _police["texts"].items()
}
POLICE_RESOLUTIONS: tuple[str, ...] = tuple(_police["resolutions"])
POLICE_REDIRECT: str = _police["redirect_to"]

INSTITUTIONS: tuple[InstitutionSpec, ...] = tuple(
    _institution(row) for row in read_table("directory.toml")["institution"]
)
_by_slug = {spec.slug: spec for spec in INSTITUTIONS}
SEED_INSTITUTIONS = tuple(spec for spec in INSTITUTIONS if spec.seed)
ESKISEHIR = _by_slug["eskisehir-emniyet"]
ESENLER = _by_slug["esenler"]
KAYSERI = _by_slug["kayseri-bb"]
ADANA = _by_slug["adana-bb"]
ADANA_SLUG = ADANA.slug
ADANA_UNITS = ADANA.units
ADANA_TEAMS = ADANA.teams
# ilçe → slug of its municipality, where Alo 153 forwards district matters
ADANA_DISTRICT_MUNICIPALITIES = {child.district: child.slug for child in ADANA.children}

# ------------------------------------------------------------------------------------------------
# Logins
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    institution: str  # slug; "" for the superuser
    first_name: str = ""  # "" : drawn at random from people.toml
    last_name: str = ""
    unit: str = ""
    team: str = ""
    memorable: bool = False


_staff = read_table("staff.toml")
# The logins a demo is shown with, one for every role; every other unit and team login is listed after them.
MEMORABLE_STAFF = tuple(
    StaffSpec(**{**row, "role": User.Role(row["role"]), "memorable": True}) for row in _staff["memorable"]
)
OTHER_STAFF = tuple(StaffSpec(**{**row, "role": User.Role(row["role"])}) for row in _staff["others"])
SUPERUSER: dict[str, str] = _staff["superuser"]

# ------------------------------------------------------------------------------------------------
# People, places, stories
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    female_names: tuple[str, ...]
    male_names: tuple[str, ...]
    surnames: tuple[str, ...]
    named_streets: tuple[str, ...]
    landmarks: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    identity: dict[str, tuple[str, ...]] = field(default_factory=dict)  # channel → what it tells


_people = read_table("people.toml")
PEOPLE = People(
    **{key: tuple(values) for key, values in _people.items() if key != "identity"},
    identity={channel: tuple(keys) for channel, keys in _people["identity"].items()},
)

PLACES = read_table("places.toml")

_stories = read_table("stories.toml")
DAYS_OF_HISTORY: int = _stories["days_of_history"]
HOUR_WEIGHTS: tuple[int, ...] = tuple(_stories["hour_weights"])
DERMAN: str = _stories["derman_team"]
DISTRICT_CLEANING_UNIT: str = _stories["district_cleaning_unit"]
# The steps of each story after the case is opened (the name says the status it ends in).
STORIES: dict[str, tuple[str, ...]] = {name: tuple(steps) for name, steps in _stories["stories"].items()}
ADANA_PLAN: tuple[str, ...] = tuple(_stories["plans"]["adana"])
POLICE_PLAN: tuple[str, ...] = tuple(_stories["plans"]["police"])
# How long ago (in days) a story's case came in.
AGES: dict[str, tuple[float, float]] = {name: (low, high) for name, (low, high) in _stories["ages"].items()}
POLICE_AGES: dict[str, tuple[float, float]] = {
    name: (low, high) for name, (low, high) in _stories["police_ages"].items()
}
DEFAULT_AGE: tuple[float, float] = (1, DAYS_OF_HISTORY)
CHANNEL_MIXES: dict[str, tuple[tuple[str, int], ...]] = {
    mix: tuple((Channel(channel), weight) for channel, weight in rows)
    for mix, rows in _stories["channel_mixes"].items()
}
NOTES: dict[str, str] = _stories["notes"]
FEEDBACK_NOTES: dict[str, str] = {
    Channel(channel): note for channel, note in _stories["feedback"].items() if channel != "calls"
}
FEEDBACK_CALLS: tuple[str, ...] = tuple(_stories["feedback"]["calls"])
