"""The privacy app's periodic work (settings.KENTMASA_PERIODIC_TASKS)."""

from django_tasks import task

from kentmasa.privacy import retention


@task()
def destroy_due_personal_data() -> int:
    """Periodic: each institution's KVKK destruction run when its interval has passed (idempotent; several
    runners may run it at once: the institution's schedule row is the claim). Returns how many runs ran."""
    return len(retention.destroy_due())
