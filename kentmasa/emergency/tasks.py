"""Background tasks of the police side (run by `manage.py db_worker`), each scheduled for its moment with
``.using(run_after=…)`` when the step that needs it is committed, not found by the minute-long periodic run:

* ``check_dispatch_ack``: a team's time to acknowledge a dispatch is up (kentmasa.emergency.services.
  time_out_dispatch);
* ``check_alarm_ack``: a KADES alert's time to be acknowledged by an operator is up (services.
  alarm_unacknowledged: the duty supervisors are told).

Both are idempotent: run twice, or by two workers, or after the step they check was done, they change
nothing more.
"""

from django_tasks import task

from kentmasa.emergency import services


@task()
def check_dispatch_ack(dispatch_id: int) -> str:
    return services.time_out_dispatch(dispatch_id)


@task()
def check_alarm_ack(incident_id: int) -> str:
    return services.alarm_unacknowledged(incident_id)
