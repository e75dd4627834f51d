"""Routing: category rules, jurisdiction, the text classifier and duplicate detection (kentmasa/routing).

``route(case) -> Decision`` is what channels and the console call; see kentmasa.routing.intake.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kentmasa.cases.models import Case
    from kentmasa.routing.intake import Decision


def route(case: "Case") -> "Decision":
    """The routing Decision for a recorded case (reads only). See kentmasa.routing.intake.route."""
    from kentmasa.routing.intake import route as _route

    return _route(case)
