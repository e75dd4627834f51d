"""Housekeeping: old sessions, task results and delivery attempts go, in batches; the rest stays."""

import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.notify.models import Delivery, Notification
from kentmasa.ops import housekeeping
from kentmasa.ops.models import TaskOrigin, WorkerHeartbeat
from kentmasa.ops.tasks import heartbeat, housekeep

NOW = timezone.now()


def make_world(operator, *, old: int, recent: int):
    for i in range(old):
        Session.objects.create(
            session_key=f"old{i:04d}", session_data="x", expire_date=NOW - dt.timedelta(hours=1)
        )
    for i in range(recent):
        Session.objects.create(
            session_key=f"new{i:04d}", session_data="x", expire_date=NOW + dt.timedelta(days=1)
        )
    for age in [40] * old + [1] * recent:
        result = heartbeat.enqueue()
        finished = NOW - dt.timedelta(days=age)
        DBTaskResult.objects.filter(id=result.id).update(status="SUCCESSFUL", finished_at=finished)
        TaskOrigin.objects.create(task_id=result.id, request_id="r", created_at=finished)
    for age in [200] * old + [10] * recent:
        note = Notification.objects.create(
            user=operator, kind="new_case", text="Yeni", created_at=NOW - dt.timedelta(days=age)
        )
        Delivery.objects.create(notification=note, medium="sms", state=Delivery.State.SENT)
        Delivery.objects.create(notification=note, medium="email", state=Delivery.State.FAILED)
    # A delivery still waiting is never deleted, however old.
    waiting = Notification.objects.create(
        user=operator, kind="new_case", text="Bekleyen", created_at=NOW - dt.timedelta(days=300)
    )
    Delivery.objects.create(notification=waiting, medium="push", state=Delivery.State.QUEUED)
    WorkerHeartbeat.objects.create(worker="gone", seen_at=NOW - dt.timedelta(days=2))
    WorkerHeartbeat.objects.create(worker="here", seen_at=NOW)


@pytest.mark.django_db
def test_housekeeping_deletes_what_is_old_and_only_that(operator, settings):
    settings.KENTMASA_HOUSEKEEPING = {
        "TASK_RESULT_DAYS": 14,
        "DELIVERY_DAYS": 90,
        "BATCH": 3,
        "MAX_BATCHES": 50,
    }
    make_world(operator, old=7, recent=4)
    running = heartbeat.enqueue()  # READY, never finished: stays
    done = housekeeping.run(NOW)
    assert done == {"sessions": 7, "task_results": 14, "deliveries": 14, "workers": 1}
    assert Session.objects.count() == 4
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL", "READY"}
    assert DBTaskResult.objects.count() == 5 and DBTaskResult.objects.filter(id=running.id).exists()
    assert TaskOrigin.objects.count() == 4
    assert Delivery.objects.filter(state=Delivery.State.QUEUED).count() == 1
    assert Delivery.objects.count() == 4 * 2 + 1
    assert Notification.objects.count() == 7 + 4 + 1  # the inbox keeps every notification
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["here"]
    # Idempotent: a second run finds nothing.
    assert housekeeping.run(NOW) == {"sessions": 0, "task_results": 0, "deliveries": 0, "workers": 0}


@pytest.mark.django_db
def test_a_run_stops_after_its_batches_and_the_next_run_goes_on(operator, settings):
    settings.KENTMASA_HOUSEKEEPING = {
        "TASK_RESULT_DAYS": 14,
        "DELIVERY_DAYS": 90,
        "BATCH": 2,
        "MAX_BATCHES": 2,
    }
    make_world(operator, old=7, recent=1)
    assert housekeeping.run(NOW)["sessions"] == 4
    assert housekeeping.run(NOW)["sessions"] == 3
    assert housekeeping.run(NOW)["sessions"] == 0


@pytest.mark.django_db(transaction=True)
def test_housekeeping_runs_at_once_in_several_workers(operator, settings):
    """Two workers running it together delete every old row once, and fail on nothing."""
    settings.KENTMASA_HOUSEKEEPING = {
        "TASK_RESULT_DAYS": 14,
        "DELIVERY_DAYS": 90,
        "BATCH": 5,
        "MAX_BATCHES": 100,
    }
    make_world(operator, old=40, recent=3)
    totals, errors = [], []

    def worker():
        try:
            totals.append(housekeeping.run(NOW))
        except Exception as error:  # noqa: BLE001 - the test reports it below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(total["sessions"] for total in totals) == 40
    assert sum(total["deliveries"] for total in totals) == 80
    assert Session.objects.count() == 3 and Delivery.objects.count() == 3 * 2 + 1


@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_runs_in_the_worker(operator):
    make_world(operator, old=2, recent=1)
    result = housekeep.enqueue()
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    assert (DBTaskResult.objects.get(id=result.id).return_value or {})["sessions"] == 2
    assert Session.objects.count() == 1
