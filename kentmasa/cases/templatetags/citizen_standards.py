"""Template tags of the citizen pages: the service standard of a topic on the form, and of a case.

They let the form, the receipt and the tracking page show the standard without their views knowing about it
(kentmasa.cases.standards says what is shown).
"""

from __future__ import annotations

from typing import Any

from django import template

from kentmasa.cases import standards
from kentmasa.cases.models import Case, Kind
from kentmasa.directory.models import Institution

register = template.Library()


@register.simple_tag
def standard_hint(institution: Institution, form: Any) -> standards.Hint | None:
    """The hint under the topic for the topic chosen on ``form`` (a form sent back with errors, or opened
    without script); None while no topic is chosen on a form that offers topics."""
    offered = institution.categories.filter(active=True, public=True)
    raw = str(form["category"].value() or "") if "category" in form.fields else ""
    kind = str(form["kind"].value() or "") if "kind" in form.fields else ""
    if kind not in Kind.values:
        kind = Kind.REQUEST
    if not raw:
        return None if offered.exists() else standards.hint(institution, None, kind=kind)
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 12:  # "²".isdigit(), but int("²") fails
        return None
    category = offered.select_related("service").filter(pk=int(raw)).first()
    return standards.hint(institution, category, kind=kind) if category is not None else None


@register.simple_tag
def case_standard(case: Case) -> standards.CaseStandard:
    return standards.for_case(case)
