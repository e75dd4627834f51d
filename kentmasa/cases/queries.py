"""Query shapes that stay fast on millions of cases."""

from django.db.models import F, QuerySet

from kentmasa.cases.models import Case

DEADLINE_ORDER = (F("due_at").asc(nulls_last=True), "pk")


def page_by_deadline(cases: QuerySet[Case], offset: int, limit: int) -> QuerySet[Case]:
    """One page of ``cases``, soonest deadline first (no deadline last), in two steps.

    The first step picks the page's ids from the (unit, status, due_at) index alone; the second
    fetches just those rows. Sorting whole rows of a busy unit would read every one of them from
    the table: on a million cases that is ~100 ms against ~3 ms (see bench/run.py).
    """
    ids = cases.order_by(*DEADLINE_ORDER).values("pk")[offset:offset + limit]
    return Case.objects.filter(pk__in=ids).order_by(*DEADLINE_ORDER)
