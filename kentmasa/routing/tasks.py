"""Background tasks of the routing app (run by `manage.py db_worker`)."""

from django_tasks import task

from kentmasa.routing import training


@task()
def retrain_routers() -> str:
    """Retrain the text classifier of every institution whose operators corrected it enough (periodic)."""
    return "; ".join(training.retrain_all()) or "nothing to retrain"
