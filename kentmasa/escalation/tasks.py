"""Background tasks of the escalation app (run by `manage.py db_worker`)."""

from django_tasks import task

from kentmasa.escalation import services


@task()
def sweep_overdue() -> str:
    return str(services.sweep())
