"""Background tasks of the reports app (run by `manage.py db_worker`, enqueued by `run_periodic`)."""

from django_tasks import task

from kentmasa.reports import rollups


@task()
def compact_rollups() -> str:
    """Sum the rollups' delta rows per key (kentmasa.reports.rollups.compact): idempotent, one at a time."""
    return str(rollups.compact())
