"""Routing: category rules, jurisdiction, the text classifier and duplicate detection (kentmasa/routing).

``route(case) -> Decision`` is what channels and the console call; see kentmasa.routing.intake.
"""


def route(case):
    """The routing Decision for a recorded case (reads only). See kentmasa.routing.intake.route."""
    from kentmasa.routing.intake import route as _route

    return _route(case)
