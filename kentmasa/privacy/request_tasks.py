"""Background work of the privacy app (run by `manage.py db_worker`)."""

from django_tasks import task

from kentmasa.privacy import requests


@task()
def warn_data_subject_requests() -> str:
    """Periodic (KENTMASA_PERIODIC_TASKS): the officers hear on day 25 of a KVKK application not yet answered
    (art. 13: 30 days). Each row is claimed before anybody is told, so several workers never warn twice."""
    return f"KVKK applications warned {requests.warn_due()}"
