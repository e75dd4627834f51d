"""The search text of a case follows what is known about its citizen.

``Case.search_text`` folds the case's own words and its citizen's name and identifiers
(Case.build_search_text); when a citizen's record changes (kentmasa.cases.citizens.fill_in),
``refresh_search_text`` rebuilds it on every case of theirs. Opening and transferring a case build it
themselves.
"""

from __future__ import annotations

from kentmasa.cases.models import Case, Citizen


def refresh_search_text(citizen: Citizen) -> None:
    """Rebuild the search text of the citizen's cases after what we know about them changed."""
    for case in Case.objects.filter(citizen=citizen).select_related("citizen"):
        text = case.build_search_text()
        if text != case.search_text:
            Case.objects.filter(pk=case.pk).update(search_text=text)
