"""What routing reads of an institution's set-up on every new case, kept per process
(kentmasa.lib.process_cache): the routing rules with their areas and units, the other bodies' matters,
the competence rows and the newest active classifier's row (its pickle is kept apart, by
kentmasa.routing.training). Saving or deleting any of those rows (or a directory row: a unit made
inactive) clears them in this process at once; other processes follow within
``KENTMASA_CONFIG_CACHE_SECONDS``.

The values are shared between requests: read them, never change them (``rules`` hands out tuples of rows;
kentmasa.routing.intake copies the rule it picks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kentmasa.lib.process_cache import ProcessCache

if TYPE_CHECKING:
    from kentmasa.routing.models import Competence, ExternalMatter, RouterModel, RoutingRule

RULES = ProcessCache("routing_rules")
MATTERS = ProcessCache("routing_external_matters")
COMPETENCES = ProcessCache("routing_competences")
ROUTERS = ProcessCache("routing_router_rows")


def rules(institution_id: int) -> tuple[RoutingRule, ...]:
    """The institution's active routing rules, with their area and unit."""
    from kentmasa.routing.models import RoutingRule

    def load() -> tuple[RoutingRule, ...]:
        rows = RoutingRule.objects.filter(institution_id=institution_id, active=True)
        return tuple(rows.select_related("area", "unit").order_by("pk"))

    return RULES.get(institution_id, load)


def external_matters(institution_id: int) -> tuple[ExternalMatter, ...]:
    """The institution's active other bodies' matters, oldest first."""
    from kentmasa.routing.models import ExternalMatter

    def load() -> tuple[ExternalMatter, ...]:
        return tuple(ExternalMatter.objects.filter(institution_id=institution_id, active=True).order_by("pk"))

    return MATTERS.get(institution_id, load)


def competence(institution_id: int, category_id: int) -> Competence | None:
    """The institution's competence row for the category (one per category), or None."""
    from kentmasa.routing.models import Competence

    def load() -> dict[int, Competence]:
        return {row.category_id: row for row in Competence.objects.filter(institution_id=institution_id)}

    return COMPETENCES.get(institution_id, load).get(category_id)


def router_row(institution_id: int) -> RouterModel | None:
    """The institution's newest active classifier row (without its pickle), or None."""
    from kentmasa.routing.models import RouterModel

    def load() -> RouterModel | None:
        rows = RouterModel.objects.filter(institution_id=institution_id, active=True)
        return rows.order_by("-version").defer("blob").first()

    return ROUTERS.get(institution_id, load)
