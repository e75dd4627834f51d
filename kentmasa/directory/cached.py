"""What every intake reads of an institution's set-up, kept per process (kentmasa.lib.process_cache): its
closed days and a category with its service and unit. Saving or deleting any of the directory's rows clears
them in this process; other processes follow within ``KENTMASA_CONFIG_CACHE_SECONDS``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q

from kentmasa.lib.process_cache import ProcessCache

if TYPE_CHECKING:
    from kentmasa.directory.models import Category

CLOSED_DAYS = ProcessCache("closed_days")
CATEGORIES = ProcessCache("categories")


def closed_dates(institution_id: int) -> list[dt.date]:
    """The institution's own and the nationwide closed days (one query, then none until a change)."""
    from kentmasa.directory.models import ClosedDay

    def load() -> tuple[dt.date, ...]:
        rows = ClosedDay.objects.filter(Q(institution_id=institution_id) | Q(institution__isnull=True))
        return tuple(rows.values_list("date", flat=True))

    return list(CLOSED_DAYS.get(institution_id, load))


def category(pk: int) -> Category | None:
    """The category with its service and unit joined in, or None when there is no such row."""
    from kentmasa.directory import models  # imported late: the models import this module

    rows = models.Category.objects.select_related("service", "unit")
    return CATEGORIES.get(pk, lambda: rows.filter(pk=pk).first())
