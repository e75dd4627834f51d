"""Which routing rule decides a case's unit. Plain Python: rules are read through their attributes.

A rule names a unit and narrows where it applies by any of: a category (empty = any category), an area
(an ilçe or a mahalle) and keywords. It matches a case when every part it names fits: the case's category
is the rule's, the case lies in the rule's area, and at least one of its keywords is in the case's text.

Precedence, highest first (tested in kentmasa/routing/tests/test_rules.py):

1. a rule with an area AND keywords          ("Çukurova, 'kanal'" → the Çukurova sewer team)
2. a rule with an area only                  ("Sarıçam" → the Sarıçam road works branch)
3. a rule with keywords only                 ("'obruk'" → Emergency road works)
4. the category's own unit (Category.unit), when no rule matches

Between rules of the same step: the higher ``priority`` first (the administrator's word), then a mahalle
before an ilçe (the narrower area), then a rule of the case's category before one for any category, then
the rule with more of its keywords found, then the older rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from kentmasa.routing import text as turkish_text

AREA_AND_KEYWORDS = 3
AREA = 2
KEYWORDS = 1
CATEGORY_DEFAULT = 0

_AREA_DEPTH = {"mahalle": 2, "ilce": 1}


class RuleLike(Protocol):
    """What matching reads of a rule (a RoutingRule, or anything shaped like one in a test)."""

    @property
    def pk(self) -> int: ...
    @property
    def category_id(self) -> int | None: ...
    @property
    def area_id(self) -> int | None: ...
    @property
    def area_kind(self) -> str: ...
    @property
    def keywords(self) -> str: ...
    @property
    def priority(self) -> int: ...
    @property
    def active(self) -> bool: ...


AnyRule = TypeVar("AnyRule", bound=RuleLike)


@dataclass(frozen=True)
class Facts:
    """What rules are matched against: the case's category, the areas its point lies in, its words."""

    category_id: int | None = None
    area_ids: frozenset[int] = field(default_factory=frozenset)
    text: str = ""  # folded (kentmasa.lib.turkish.fold); see facts_for_text

    @classmethod
    def of(cls, category_id: int | None, area_ids: Iterable[int | None], words: str) -> Facts:
        return cls(
            category_id=category_id,
            area_ids=frozenset(a for a in area_ids if a is not None),
            text=turkish_text.folded(words),
        )


def tier(rule: RuleLike) -> int:
    has_keywords = bool(turkish_text.split_phrases(rule.keywords))
    if rule.area_id and has_keywords:
        return AREA_AND_KEYWORDS
    if rule.area_id:
        return AREA
    if has_keywords:
        return KEYWORDS
    return CATEGORY_DEFAULT  # a rule with neither is refused by the admin form; it never wins here


def keywords_found(rule: RuleLike, facts: Facts) -> list[str]:
    return turkish_text.matches_keywords(facts.text, rule.keywords)


def matches(rule: RuleLike, facts: Facts) -> bool:
    if not rule.active or tier(rule) == CATEGORY_DEFAULT:
        return False
    if rule.category_id is not None and rule.category_id != facts.category_id:
        return False
    if rule.area_id is not None and rule.area_id not in facts.area_ids:
        return False
    return not (turkish_text.split_phrases(rule.keywords) and not keywords_found(rule, facts))


def _rank(rule: RuleLike, facts: Facts) -> tuple:
    """Sorts best first (ascending)."""
    return (
        -tier(rule),
        -rule.priority,
        -_AREA_DEPTH.get(rule.area_kind, 0),
        0 if rule.category_id is not None else 1,
        -len(keywords_found(rule, facts)),
        rule.pk,
    )


def choose(rules: Iterable[AnyRule], facts: Facts) -> AnyRule | None:
    """The rule that decides the unit, or None (then the category's own unit does)."""
    matching = [rule for rule in rules if matches(rule, facts)]
    if not matching:
        return None
    return min(matching, key=lambda rule: _rank(rule, facts))
