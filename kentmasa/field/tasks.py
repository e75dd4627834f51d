"""Background tasks of the field app (run by `manage.py db_worker`; enqueued by `manage.py run_periodic`)."""

from django_tasks import task

from kentmasa.field import derman


@task()
def derman_sweep() -> str:
    """The Derman loop's inspections that are due (kentmasa.field.derman.sweep): idempotent."""
    return str(derman.sweep())
