"""Request ids: in the response, in log lines (JSON when asked), and in the tasks a request enqueued."""

import json
import logging

import pytest
from django.core.management import call_command
from django_tasks import task

from kentmasa.ops import requestid
from kentmasa.ops.logs import JsonFormatter
from kentmasa.ops.models import TaskOrigin

logger = logging.getLogger("kentmasa.ops.tests")


@task()
def say_something() -> None:
    logger.info("the task speaks")


class Lines(logging.Handler):
    """What a handler configured like settings.LOGGING's console writes (the context filter, JSON)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []
        self.addFilter(requestid.ContextFilter())
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines():
    handler = Lines()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client, settings):
    first = client.get("/giris/")["X-Request-ID"]
    second = client.get("/giris/")["X-Request-ID"]
    assert len(first) == 32 and first != second
    # Without a trusted proxy a client cannot choose it.
    assert client.get("/giris/", HTTP_X_REQUEST_ID="chosen-by-client")["X-Request-ID"] != "chosen-by-client"
    settings.KENTMASA_TRUSTED_PROXIES = 1
    assert client.get("/giris/", HTTP_X_REQUEST_ID="caddy-1f2e")["X-Request-ID"] == "caddy-1f2e"
    for bad in ("x" * 65, "a b", "ç", "id\nX-Evil: 1", ""):
        given = client.get("/giris/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert given != bad and len(given) == 32


def test_json_lines_carry_the_request_id(lines):
    token = requestid.request_id.set("req-42")
    try:
        logger.warning("kırmızı %s", "ışık", extra={"case": 7})
    finally:
        requestid.request_id.reset(token)
    logger.info("outside")
    assert lines[0]["message"] == "kırmızı ışık"
    assert lines[0]["request_id"] == "req-42" and lines[0]["level"] == "WARNING" and lines[0]["case"] == 7
    assert lines[1]["request_id"] == ""


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_request_logs_with_its_request_id(lines):
    token = requestid.request_id.set("req-from-the-web")
    try:
        result = say_something.enqueue()
    finally:
        requestid.request_id.reset(token)
    assert TaskOrigin.objects.get(task_id=result.id).request_id == "req-from-the-web"
    untraced = say_something.enqueue()  # outside a request: nothing recorded
    assert not TaskOrigin.objects.filter(task_id=untraced.id).exists()

    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    spoken = [line for line in lines if line["message"] == "the task speaks"]
    assert len(spoken) == 2
    traced = next(line for line in spoken if line.get("task_id") == str(result.id))
    assert traced["request_id"] == "req-from-the-web"
    other = next(line for line in spoken if line.get("task_id") == str(untraced.id))
    assert other["request_id"] == ""
    assert requestid.request_id.get() == "" and requestid.task_id.get() == ""  # cleared after each task
