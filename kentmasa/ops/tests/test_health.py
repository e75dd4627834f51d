"""/health/live and /health/ready: JSON, 200/503, answered before the host check and the HTTPS redirect."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.ops import health
from kentmasa.ops.models import WorkerHeartbeat
from kentmasa.ops.tasks import heartbeat


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.forget_migrations()
    yield
    health.forget_migrations()


def test_live_answers_without_a_database_query(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_ready_needs_a_worker_seen_recently(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["worker"]["status"] == "fail"
    assert body["checks"]["worker"]["seen_seconds_ago"] is None

    WorkerHeartbeat.objects.create(worker="host:1", seen_at=timezone.now() - dt.timedelta(seconds=10))
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["seen_seconds_ago"] >= 600


@pytest.mark.django_db
def test_ready_fails_when_the_queue_is_stuck(client, settings):
    WorkerHeartbeat.objects.create(worker="host:1", seen_at=timezone.now())
    result = heartbeat.enqueue()
    assert client.get("/health/ready").status_code == 200  # a task that just arrived is no problem
    DBTaskResult.objects.filter(id=result.id).update(run_after=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/health/ready")
    assert response.status_code == 503
    queue = response.json()["checks"]["queue"]
    assert queue["status"] == "fail" and queue["oldest_seconds"] >= 600
    settings.KENTMASA_HEALTH_QUEUE_SECONDS = 3600
    assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_health_is_answered_before_the_host_check_and_the_https_redirect(client, settings):
    settings.ALLOWED_HOSTS = ["basvuru.example.bel.tr"]
    settings.SECURE_SSL_REDIRECT = True
    WorkerHeartbeat.objects.create(worker="host:1", seen_at=timezone.now())
    assert client.get("/health/live", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/health/ready", HTTP_HOST="10.0.0.5:8000").status_code == 200
    # Every other address still goes through both.
    assert client.get("/basvuru/", HTTP_HOST="10.0.0.5:8000").status_code == 400


@pytest.mark.django_db
def test_ready_is_cheap_once_the_migrations_were_found_applied(client, django_assert_max_num_queries):
    WorkerHeartbeat.objects.create(worker="host:1", seen_at=timezone.now())
    assert client.get("/health/ready").status_code == 200
    with django_assert_max_num_queries(3):  # SELECT 1, the heartbeat, the queue
        assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_ready_fails_while_a_migration_is_unapplied(client):
    WorkerHeartbeat.objects.create(worker="host:1", seen_at=timezone.now())
    call_command("migrate", "ops", "0001", verbosity=0)
    try:
        response = client.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"] == {
            "status": "fail",
            "unapplied": 1,
            "first": "ops.0002_task_result_finished_index",
        }
    finally:
        call_command("migrate", "ops", verbosity=0)
    assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_task_run_by_a_worker_makes_ready(client):
    assert client.get("/health/ready").status_code == 503
    heartbeat.enqueue()
    call_command(
        "db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--worker-id", "w1", verbosity=0
    )
    assert WorkerHeartbeat.objects.get().worker == "w1"
    assert client.get("/health/ready").status_code == 200
