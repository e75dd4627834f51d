"""Background work of the feedback app (run by `manage.py db_worker`)."""

from django_tasks import task

from kentmasa.feedback import services


@task()
def send_rating_link(call_id: int) -> bool:
    return services.send_link(call_id) is not None


@task()
def settle_rating_links() -> str:
    """Periodic (KENTMASA_PERIODIC_TASKS): links whose task was lost are sent, expired ones settled."""
    sent = services.send_due_links()
    expired = services.expire_links()
    return f"sent {sent}, expired {expired}"
