"""/metrics: off until configured, a bearer token and/or client networks, and figures that follow the data."""

import datetime as dt

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kentmasa.cases.models import Channel
from kentmasa.channels.models import Message
from kentmasa.notify.models import Delivery, Notification
from kentmasa.ops import metrics
from kentmasa.ops.middleware import _follow_stream
from kentmasa.ops.models import WorkerHeartbeat
from kentmasa.ops.tasks import heartbeat

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-scrape-token"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def token(settings):
    settings.KENTMASA_METRICS_TOKEN = TOKEN
    settings.KENTMASA_METRICS_ALLOW = []


def test_metrics_are_off_until_a_token_or_a_network_is_set(client, settings):
    settings.KENTMASA_METRICS_TOKEN = ""
    settings.KENTMASA_METRICS_ALLOW = []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_the_token_is_needed(client, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "metrics.example.org", "10.0.0.1/8x"])
def test_a_bad_allowed_network_refuses_every_scrape_and_says_so(client, settings, caplog, bad):
    settings.KENTMASA_METRICS_TOKEN = TOKEN
    settings.KENTMASA_METRICS_ALLOW = ["10.0.0.0/8", bad]
    with caplog.at_level("ERROR", logger="kentmasa.ops.metrics"):
        response = client.get("/metrics", REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 403
    assert any("KENTMASA_METRICS_ALLOW" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_allowed_networks_by_the_client_address(client, settings):
    settings.KENTMASA_METRICS_TOKEN = ""
    settings.KENTMASA_METRICS_ALLOW = ["10.0.0.0/8", "2001:db8::/32"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::5").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    # Behind one proxy the address it appended counts, not what the client wrote before it.
    settings.KENTMASA_TRUSTED_PROXIES = 1
    forwarded = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.0.0.1, 192.0.2.7", **forwarded).status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="192.0.2.7, 10.0.0.9", **forwarded).status_code == 200
    # Both set: both are needed.
    settings.KENTMASA_TRUSTED_PROXIES = 0
    settings.KENTMASA_METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR="10.1.1.1").status_code == 403
    assert (
        client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code
        == 403
    )
    ok = client.get("/metrics", REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200


def test_requests_are_counted_by_view_name_and_status(client, token):
    def requests(view, status):
        return scrape(client).get(("kentmasa_http_requests_total", (("status", status), ("view", view))), 0)

    before = requests("cases:login", "200")
    missing = requests("<unresolved>", "404")
    assert client.get("/giris/").status_code == 200
    assert client.get("/no-such-page/x/y").status_code == 404
    assert requests("cases:login", "200") == before + 1
    assert requests("<unresolved>", "404") == missing + 1
    samples = scrape(client)
    assert samples[("kentmasa_http_request_duration_seconds_count", (("view", "cases:login"),))] >= 1
    assert not any("no-such-page" in str(key) for key in samples)  # raw paths never become labels


def test_figures_follow_the_database(client, token, make_case, institution, operator):
    now = timezone.now()
    samples = scrape(client)
    assert samples[("kentmasa_tasks_ready", ())] == 0
    assert samples[("kentmasa_worker_heartbeat_age_seconds", ())] == float("inf")
    assert samples.get(("kentmasa_cases_opened_window", (("channel", "web"),)), 0) == 0

    make_case(channel=Channel.WEB, received_at=now - dt.timedelta(minutes=5))
    make_case(channel=Channel.WEB, received_at=now - dt.timedelta(minutes=1))
    make_case(channel=Channel.SMS, received_at=now - dt.timedelta(minutes=1))
    make_case(channel=Channel.SMS, received_at=now - dt.timedelta(days=2))  # outside the hour
    late = make_case(channel=Channel.PHONE, received_at=now - dt.timedelta(days=40))
    type(late).objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=1), overdue_since=now)
    heartbeat.enqueue()
    WorkerHeartbeat.objects.create(worker="w", seen_at=now - dt.timedelta(seconds=30))
    note = Notification.objects.create(user=operator, kind="new_case", text="Yeni başvuru", created_at=now)
    Delivery.objects.create(notification=note, medium="sms", state=Delivery.State.SENT, sent_at=now)
    Delivery.objects.create(notification=note, medium="email", state=Delivery.State.FAILED)
    Message.objects.create(
        direction="out", channel=Channel.SMS, state=Message.State.FAILED, address="+905321234567"
    )

    samples = scrape(client)
    assert samples[("kentmasa_cases_opened_window", (("channel", "web"),))] == 2
    assert samples[("kentmasa_cases_opened_window", (("channel", "sms"),))] == 1
    assert samples[("kentmasa_cases_overdue", ())] >= 1
    assert samples[("kentmasa_tasks_ready", ())] >= 1  # the heartbeat (and what opening the cases enqueued)
    assert 25 <= samples[("kentmasa_worker_heartbeat_age_seconds", ())] < 120
    assert samples[("kentmasa_deliveries_window", (("medium", "sms"), ("state", "sent")))] == 1
    assert samples[("kentmasa_deliveries_window", (("medium", "email"), ("state", "failed")))] == 1
    assert samples[("kentmasa_messages_out_window", (("channel", "sms"), ("state", "failed")))] >= 1


def test_first_id_since_bisects_to_the_window(operator):
    now = timezone.now()
    notes = [
        Notification.objects.create(
            user=operator, kind="new_case", text=str(i), created_at=now - dt.timedelta(hours=10 - i)
        )
        for i in range(10)
    ]
    assert (
        metrics.first_id_since(Notification, "created_at", now - dt.timedelta(hours=3, minutes=30))
        == notes[7].pk
    )
    assert metrics.first_id_since(Notification, "created_at", now + dt.timedelta(hours=1)) == notes[-1].pk + 1
    assert metrics.first_id_since(Notification, "created_at", now - dt.timedelta(days=1)) == notes[0].pk


def test_open_streams_are_counted_until_their_body_ends():
    gauge = metrics.STREAMS.labels("test:stream")
    before = gauge._value.get()
    response = StreamingHttpResponse(iter([b"data: 1\n\n", b"data: 2\n\n"]))
    _follow_stream(response, "test:stream")
    assert gauge._value.get() == before + 1
    assert b"".join(response.streaming_content) == b"data: 1\n\ndata: 2\n\n"  # type: ignore[arg-type]
    assert gauge._value.get() == before
