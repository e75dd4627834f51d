"""KADES alerts against the real database, committed: the same new alert posted by several gateway workers at
the same moment opens one incident; and a whole alert, from the post to the closing, sends every notification
out through the real worker to the (local, fake) SMS provider and push service without a word about her, and
nothing at all to her."""

import json
import threading

import pytest
from django.db import connections
from django.test import Client

from kentmasa.cases.models import Case
from kentmasa.channels.models import Message
from kentmasa.emergency import kades, services
from kentmasa.emergency.models import Incident, IncidentPosition
from kentmasa.emergency.tests.core_world import PERSON, PERSON_STRINGS, police_world, run_worker
from kentmasa.notify import webpush
from kentmasa.notify.models import Delivery, PushSubscription
from kentmasa.notify.tests.fake_push import FakePushService
from kentmasa.notify.tests.fakes import fake_netgsm

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "kades-paylasilan-sir"
WORKERS = 6


@pytest.fixture
def world(settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = SECRET
    settings.KENTMASA_KADES_INSTITUTION = "eskisehir-emniyet"
    return police_world()


def body(**changes):
    payload = {
        "alert_id": "K-2026-000777",
        "at": "2026-12-03T21:14:05+03:00",
        "latitude": 39.7766,
        "longitude": 30.515,
        "accuracy_m": 12,
        "person": dict(PERSON),
    }
    payload.update(changes)
    return json.dumps(payload).encode()


def post(data):
    return Client().post(
        "/kanal/kades/",
        data,
        content_type="application/json",
        HTTP_X_KENTMASA_SIGNATURE=kades.sign(data, SECRET),
    )


def test_the_same_alert_posted_at_once_by_several_workers_opens_one_incident(world):
    data = body()
    barrier = threading.Barrier(WORKERS)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            response = post(data)
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert [status for status, _answer in answers] == [200] * WORKERS
    assert Case.objects.count() == Incident.objects.count() == 1
    number = Case.objects.get().tracking_number
    assert {answer["incident"] for _status, answer in answers} == {number}
    assert sorted(answer["created"] for _status, answer in answers) == [False] * (WORKERS - 1) + [True]
    assert IncidentPosition.objects.count() == 1  # the same position at the same time is kept once


@pytest.fixture
def netgsm(settings):
    yield from fake_netgsm(settings)


@pytest.fixture
def push_service(settings):
    public, private = webpush.new_key_pair()
    settings.KENTMASA_VAPID_PUBLIC_KEY, settings.KENTMASA_VAPID_PRIVATE_KEY = public, private
    settings.KENTMASA_VAPID_SUBJECT = "mailto:haber-merkezi@egm.example"
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = True
    settings.KENTMASA_PUSH_TIMEOUT = 5
    service = FakePushService(vapid_public_key=public).start()
    yield service
    service.stop()


def test_a_whole_alert_tells_staff_by_sms_and_push_and_her_nothing(world, netgsm, push_service):
    # Every member of staff's browser is subscribed to the local push service.
    for subscription in PushSubscription.objects.all():
        browser = push_service.subscribe()
        subscription.endpoint = browser["endpoint"]
        subscription.p256dh, subscription.auth = browser["keys"]["p256dh"], browser["keys"]["auth"]
        subscription.save()
    assert post(body()).status_code == 200  # no console open: the supervisor is told at once
    incident = Incident.objects.get()
    services.acknowledge(incident, actor=world.operator)
    team = world.teams[0]
    sent = services.dispatch(incident, team, actor=world.operator)
    run_worker()
    services.acknowledge_dispatch(sent, actor=world.members[team.pk][0])
    services.arrived(sent, actor=world.members[team.pk][0])
    services.close(incident, "resolved_on_scene", actor=world.operator)
    run_worker()
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
    sms = [message for request in netgsm.sent() for message in request.json["messages"]]
    numbers = sorted(message["no"] for message in sms)
    staff = [world.supervisor, *[member for member in world.members[team.pk]]]
    assert numbers == sorted(person.mobile.removeprefix("+90") for person in staff)
    pushed = push_service.messages()
    assert len(pushed) == len(staff)
    everything = json.dumps([sms, pushed], ensure_ascii=False)
    assert "KADES ihbarı" in everything
    for text in PERSON_STRINGS:
        assert text not in everything
    assert "5329876543" not in numbers
    assert not Message.objects.exists()  # nothing for her on any channel: no receipt, no answer
