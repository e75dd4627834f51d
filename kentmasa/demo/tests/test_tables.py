"""The demo's data files agree with each other and ship with the package: every name one table uses is
defined in the table it points to, so a slip in a TOML file fails here, not halfway through `load_demo`."""

import fnmatch
import tomllib
from pathlib import Path

from kentmasa.demo import tables
from kentmasa.demo.player import Player

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def units_and_teams() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    units, teams = set(), set()
    specs = list(tables.INSTITUTIONS)
    while specs:
        spec = specs.pop()
        specs += spec.children
        units |= {(spec.slug, unit.name) for unit in spec.units}
        teams |= {(spec.slug, team.name) for team in spec.teams}
    return units, teams


def test_every_data_file_is_package_data():
    with PYPROJECT.open("rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["kentmasa.demo"]
    files = sorted(path.relative_to(tables.DATA_DIR.parent).as_posix() for path in tables.DATA_DIR.iterdir())
    assert files and all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in files)


def test_units_teams_and_categories_name_what_their_institution_has():
    units, teams = units_and_teams()
    for spec in tables.INSTITUTIONS:
        names = {unit.name for unit in spec.units}
        assert all(unit.parent in names for unit in spec.units if unit.parent), spec.slug
        assert all(team.unit in names for team in spec.teams), spec.slug
        assert all(category.unit in names for category in spec.categories if category.unit), spec.slug
        assert not spec.publishing_unit or spec.publishing_unit in names
        keys = {service.key for service in spec.services}
        assert all(c.service in keys for c in spec.categories if isinstance(c.service, str)), spec.slug
    assert (tables.ADANA_SLUG, tables.DERMAN) in teams
    assert all(child.district for child in tables.ADANA.children)
    assert {
        (slug, tables.DISTRICT_CLEANING_UNIT) for slug in tables.ADANA_DISTRICT_MUNICIPALITIES.values()
    } <= units


def test_every_login_belongs_to_a_unit_or_team_that_exists():
    units, teams = units_and_teams()
    logins = [*tables.MEMORABLE_STAFF, *tables.OTHER_STAFF]
    assert len({login.username for login in logins}) == len(logins)
    assert all(login.first_name and login.last_name for login in tables.MEMORABLE_STAFF)
    for login in logins:
        assert not login.unit or (login.institution, login.unit) in units, login.username
        assert not login.team or (login.institution, login.team) in teams, login.username


def test_adana_topics_and_police_texts_point_at_real_services_units_and_categories():
    adana_services = {service.key for service in tables.ADANA.services}
    adana_units = {unit.name for unit in tables.ADANA.units}
    for topic in tables.TOPICS:
        assert topic.service in adana_services, topic.key
        assert topic.channels in tables.CHANNEL_MIXES, topic.key
        assert not topic.misrouted_to or topic.misrouted_to in adana_units, topic.key
        assert topic.texts, topic.key
        assert (topic.mode == "redirect") == bool(topic.redirect_to), topic.key
    police_categories = {category.name for category in tables.ESKISEHIR.categories}
    assert set(tables.POLICE_TEXTS) <= police_categories


def test_every_planned_story_is_told_by_steps_the_player_knows():
    planned = set(tables.ADANA_PLAN) | (set(tables.POLICE_PLAN) - {"kades"})  # a KADES alert is police_closed
    assert planned <= set(tables.STORIES)
    steps = {step for story in tables.STORIES.values() for step in story}
    assert all(callable(getattr(Player, f"_{step}", None)) for step in steps), steps
    assert set(tables.AGES) <= set(tables.STORIES) and set(tables.POLICE_AGES) <= set(tables.STORIES)
