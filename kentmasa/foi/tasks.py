"""Background work of the foi app (run by `manage.py db_worker`)."""

from django_tasks import task

from kentmasa.foi import services


@task()
def sweep_information_requests() -> str:
    """Periodic (KENTMASA_PERIODIC_TASKS): the 12th-day warnings, the deemed refusals (İYUK m.10) and the
    fees not paid in time. Each step claims its rows, so several workers never do one twice."""
    warned_units = services.warn_units()
    silence_warned, silence_recorded = services.sweep_silence()
    withdrawn = services.expire_fees()
    return (
        f"units warned {warned_units}, deemed refusals warned {silence_warned} and recorded "
        f"{silence_recorded}, withdrawn {withdrawn}"
    )
