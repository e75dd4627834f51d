"""Open311 services: the institution's active public categories as the spec lists them.

``service_code`` is the category id, ``group`` the responsible unit, ``description`` the service standard's
row and time; ``metadata`` is false (no attributes are asked for). Police-only categories are never public.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kentmasa.channels.open311.access import Jurisdiction, config
from kentmasa.channels.open311.formats import Open311Error
from kentmasa.deadlines import CompletionTimeError
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category

SERVICE_CODE = re.compile(r"[0-9]{1,18}")  # a category id; longer numbers are no row's id


def _keywords(text: str) -> str:
    parts = text.split(",") if "," in text else text.split()
    return ", ".join(part.strip() for part in parts if part.strip())


def _service_description(category: Category) -> str:
    service = category.service
    if service is None:
        return category.name
    try:
        standard = service.standard.standard
    except CompletionTimeError:
        standard = None
    return f"{service.name} ({standard.describe_tr()})" if standard else service.name


def _group(category: Category) -> str:
    """The unit that answers for the category (the service standard's unit when the category names none)."""
    unit = category.unit or (category.service.unit if category.service else None)
    return unit.name if unit is not None else ""


def describe_service(category: Category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": _service_description(category),
        "metadata": False,
        "type": "batch" if config().get("type") == "batch" else "realtime",
        "keywords": _keywords(category.keywords),
        "group": _group(category),
    }


def offered(jurisdiction: Jurisdiction) -> QuerySet[Category]:
    """The services list, in Turkish alphabetical order."""
    return (
        Category.objects.filter(institution=jurisdiction.institution, active=True, public=True)
        .select_related("service__unit", "unit")
        .order_by(*alphabetical("name"), "pk")
    )


def category_for(jurisdiction: Jurisdiction, service_code: str) -> Category:
    """The category a service_code stands for; 404 for any other code."""
    category = None
    if SERVICE_CODE.fullmatch(service_code):
        category = Category.objects.filter(
            institution=jurisdiction.institution, active=True, public=True, pk=int(service_code)
        ).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code[:50]})
    return category
