"""Periodic: sign-in events older than KENTMASA_SIGN_IN_EVENTS_KEEP_DAYS are deleted, in batches, so the
table stays bounded however many log-in attempts an installation sees."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kentmasa.accounts.models import SignInEvent

BATCH = 5000
BATCHES_PER_RUN = 20  # at most 100 000 rows a run; the next run goes on


def prune(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.KENTMASA_SIGN_IN_EVENTS_KEEP_DAYS)
    deleted = 0
    for _batch in range(BATCHES_PER_RUN):
        ids = list(
            SignInEvent.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        count, _by_model = SignInEvent.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted


@task()
def prune_sign_in_events() -> int:
    """Periodic: :func:`prune` (idempotent; several runners may run it)."""
    return prune()
