"""The KADES gateway's webhook (kentmasa.emergency.kades): signed alerts become incidents of the police, with
no citizen record; a repeated alert id appends her new position; a cancellation is recorded; the duty
supervisors are told when no console is open; every malformed field is refused with 400 naming it, never a
500.

No areas are loaded here: every alert goes to KENTMASA_KADES_INSTITUTION (routing by province is tested in
test_kades_routing.py, the concurrent repeat in test_kades_concurrency.py)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kentmasa.cases.models import Case, Citizen, Event, Priority, Status
from kentmasa.emergency import kades, services
from kentmasa.emergency.models import DispatchSettings, Incident, IncidentPosition
from kentmasa.emergency.tests.core_world import PERSON, PERSON_STRINGS, live_events, police_world, run_worker
from kentmasa.lib.tests import fuzz
from kentmasa.notify.kinds import PUSH, SMS
from kentmasa.notify.models import LiveEvent, Notification

pytestmark = pytest.mark.django_db

SECRET = "kades-paylasilan-sir"
URL = "/kanal/kades/"
ALARM_TASK = "kentmasa.emergency.tasks.check_alarm_ack"


@pytest.fixture
def world(settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = SECRET
    settings.KENTMASA_KADES_INSTITUTION = "eskisehir-emniyet"
    return police_world()


def alert(**changes):
    payload = {
        "alert_id": "K-2026-000123",
        "at": (timezone.now() - dt.timedelta(seconds=3)).isoformat(),
        "latitude": 39.7766,
        "longitude": 30.515,
        "accuracy_m": 12,
        "person": dict(PERSON),
        "event": "alert",
    }
    payload.update(changes)
    return payload


def post(payload, *, secret=SECRET, signature=None, client=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = signature if signature is not None else kades.sign(body, secret)
    return (client or Client()).post(
        URL, body, content_type="application/json", headers={"X-Kentmasa-Signature": signed}
    )


def nothing_written():
    return (
        not Case.objects.exists() and not Incident.objects.exists() and not IncidentPosition.objects.exists()
    )


# -- a good alert --------------------------------------------------------------------------------------------


def test_the_url_is_mounted():
    assert reverse("kades_webhook") == URL


def test_an_alert_becomes_an_urgent_incident_with_no_citizen(world, django_capture_on_commit_callbacks):
    services.touch_presence(world.operator)  # a console is open: nobody else is told yet
    payload = alert()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(payload)
    assert response.status_code == 200
    incident = Incident.objects.get()
    case = incident.case
    assert response.json() == {"incident": case.tracking_number, "created": True}
    assert (incident.source, incident.alert_id, incident.institution) == (
        "kades",
        "K-2026-000123",
        world.police,
    )
    assert (incident.person_tc_kimlik, incident.person_name, incident.person_phone) == (
        "10000000146",
        "Elif Yıldız",
        "+905329876543",
    )
    assert incident.opened_at == case.received_at == dt.datetime.fromisoformat(payload["at"])
    assert (case.channel, case.priority, case.status) == ("kades", Priority.URGENT, Status.NEW)
    assert (case.unit, case.category, case.citizen) == (world.haber_merkezi, world.kades_category, None)
    assert case.subject == "KADES ihbarı" and case.description == ""
    assert (case.latitude, case.longitude) == (Decimal("39.776600"), Decimal("30.515000"))
    assert not Citizen.objects.exists()
    for text in PERSON_STRINGS:
        assert text not in case.search_text
        assert not Event.objects.filter(case=case, note__contains=text).exists()
    [position] = incident.positions.all()
    assert (position.latitude, position.longitude, position.accuracy_m) == (
        Decimal("39.776600"),
        Decimal("30.515000"),
        12,
    )
    [alarm] = live_events("alarm", "kades")
    assert alarm.data == {"incident": incident.pk, "case": case.pk, "source": "kades"}
    assert (alarm.institution_id, alarm.unit_id, alarm.team_id) == (world.police.pk, None, None)
    # The console is open: the supervisors are told only if nobody acknowledges within 30 s.
    assert not Notification.objects.exists()
    [check] = DBTaskResult.objects.filter(task_path=ALARM_TASK)
    assert check.args_kwargs == {"args": [incident.pk], "kwargs": {}}
    assert abs((check.run_after - timezone.now()).total_seconds() - 30) < 5


def test_no_console_open_tells_the_duty_supervisors_at_once(world):
    response = post(alert())
    assert response.status_code == 200
    incident = Incident.objects.get()
    [told] = Notification.objects.filter(kind="emergency")
    assert told.user == world.supervisor and told.critical
    assert (
        told.text
        == f"KADES ihbarı var ve açık polis konsolu yok: {incident.case.tracking_display} KADES ihbarı"
    )
    assert {d.medium for d in told.deliveries.all()} == {PUSH, SMS}
    assert incident.supervisor_told_at is None or Incident.objects.get().supervisor_told_at is not None
    assert not DBTaskResult.objects.filter(task_path=ALARM_TASK).exists()


@pytest.mark.django_db(transaction=True)  # the worker runs the scheduled check as in production
def test_an_alert_nobody_acknowledges_reaches_the_supervisors_after_the_set_time(world):
    services.touch_presence(world.operator)
    assert post(alert()).status_code == 200
    incident = Incident.objects.get()
    run_worker()  # not due yet
    assert not Notification.objects.filter(kind="emergency").exists()
    late = dt.timedelta(seconds=31)
    Incident.objects.update(opened_at=F("opened_at") - late)
    DBTaskResult.objects.filter(task_path=ALARM_TASK).update(run_after=F("run_after") - late)
    run_worker()
    [told] = Notification.objects.filter(kind="emergency")
    assert told.user == world.supervisor and "30 sn içinde hiçbir operatörce onaylanmadı" in told.text
    incident.refresh_from_db()
    assert incident.supervisor_told_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_acknowledged_alert_tells_no_supervisor(world):
    services.touch_presence(world.operator)
    assert post(alert()).status_code == 200
    services.acknowledge(Incident.objects.get(), actor=world.operator)
    DBTaskResult.objects.filter(task_path=ALARM_TASK).update(run_after=timezone.now())
    Incident.objects.update(opened_at=F("opened_at") - dt.timedelta(minutes=1))
    run_worker()
    assert not Notification.objects.filter(kind="emergency").exists()
    assert DBTaskResult.objects.get(task_path=ALARM_TASK).return_value == "acknowledged"


def test_alerts_to_an_outside_body_are_redirected_and_the_supervisors_told(world):
    DispatchSettings.objects.filter(institution=world.police).update(
        kades_destination=DispatchSettings.KadesDestination.EXTERNAL
    )
    services.touch_presence(world.operator)
    assert post(alert()).status_code == 200
    case = Incident.objects.get().case
    assert (case.status, case.redirected_to) == (Status.REDIRECTED, "112 Acil Çağrı Merkezi")
    [told] = Notification.objects.filter(kind="emergency")
    assert told.user == world.supervisor and "112 Acil Çağrı Merkezi kurumuna iletildi" in told.text
    assert not DBTaskResult.objects.filter(task_path=ALARM_TASK).exists()


def test_without_a_kades_category_in_the_settings_the_channel_row_s_category_is_taken(world):
    DispatchSettings.objects.filter(institution=world.police).update(kades_category=None)
    assert post(alert()).status_code == 200
    assert Incident.objects.get().case.category == world.kades_category


# -- the same alert again ------------------------------------------------------------------------------------


def test_a_repeated_alert_id_appends_her_new_position_to_the_same_incident(world):
    first = post(alert())
    moved = alert(latitude=39.7770, longitude=30.5161, at=timezone.now().isoformat(), accuracy_m=8)
    again = post(moved)
    assert again.status_code == 200
    assert again.json() == {"incident": first.json()["incident"], "created": False}
    assert Case.objects.count() == Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert [(p.latitude, p.accuracy_m) for p in incident.positions.all()] == [
        (Decimal("39.776600"), 12),
        (Decimal("39.777000"), 8),
    ]
    [position_event] = live_events("alarm", "kades_position")
    assert position_event.data == {"incident": incident.pk, "case": incident.case_id, "source": "kades"}
    # The gateway retries the same delivery: nothing more.
    assert post(moved).json()["created"] is False
    assert incident.positions.count() == 2 and len(live_events("alarm", "kades_position")) == 1
    assert Notification.objects.filter(kind="emergency").count() == 1  # told once, not per post


def test_a_repeat_fills_in_what_the_first_did_not_bring(world):
    post(alert(person={"phone": "05329876543"}))
    post(alert(person=dict(PERSON), latitude=39.7771))
    incident = Incident.objects.get()
    assert (incident.person_tc_kimlik, incident.person_name) == ("10000000146", "Elif Yıldız")


def test_a_cancel_is_recorded_and_the_incident_stays_open_until_an_operator_closes_it(world):
    post(alert())
    response = post({"alert_id": "K-2026-000123", "event": "cancel"})
    assert response.status_code == 200 and response.json()["created"] is False
    incident = Incident.objects.get()
    assert incident.cancelled_at is not None and incident.is_open
    event = Event.objects.get(case=incident.case, action="kades_cancelled")
    assert "yanlışlıkla" in event.note and not event.public
    assert live_events("alarm", "kades_cancelled")[0].data["incident"] == incident.pk
    post({"alert_id": "K-2026-000123", "event": "cancel"})  # again: recorded once
    assert Event.objects.filter(action="kades_cancelled").count() == 1
    services.close(incident, "false_alarm", actor=world.operator)
    incident.refresh_from_db()
    assert incident.closing_code == "false_alarm" and incident.case.status == Status.CLOSED


def test_a_cancel_of_an_unknown_alert_without_a_position_is_refused(world):
    response = post({"alert_id": "K-NEVER", "event": "cancel"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_alert"
    assert nothing_written()


# -- where it goes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["", "yok-boyle-kurum", "esenler"])
def test_no_police_institution_to_take_it_is_503(world, settings, institution, slug):
    settings.KENTMASA_KADES_INSTITUTION = slug  # "esenler" is a municipality
    response = post(alert())
    assert response.status_code == 503 and response.json()["error"] == "no_institution"
    assert nothing_written()


# -- refusals ------------------------------------------------------------------------------------------------


def test_a_bad_signature_is_403_and_writes_nothing(world):
    body = json.dumps(alert()).encode()
    for signature in [
        "",
        "sha256=" + "0" * 64,
        kades.sign(body, "baska-sir"),
        kades.sign(body + b" ", SECRET),
    ]:
        response = post(body, signature=signature)
        assert response.status_code == 403, signature
        assert response.json()["error"] == "signature"
        assert response.json()["message"] == "İstek imzası eksik ya da yanlış."
    response = post(body, signature="sha256=ğüşİ")  # not ASCII: still a plain refusal
    assert response.status_code == 403
    assert nothing_written()


def test_not_configured_is_503(world, settings):
    settings.KENTMASA_KADES_WEBHOOK_SECRET = ""
    assert post(alert(), secret="x").status_code == 503
    assert nothing_written()


def test_only_post(world):
    response = Client().get(URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_body_too_large_is_413(world):
    body = json.dumps(alert(padding="x" * (kades.MAX_BODY + 1))).encode()
    assert post(body).status_code == 413
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"alert"',
        b"{" * 5000 + b"}" * 5000,
        b'{"alert_id": "\xff"}',
    ],
    ids=["empty", "text", "array", "string", "deep", "bad-utf8"],
)
def test_a_body_that_is_no_json_object_is_400(world, body):
    response = post(body)
    assert response.status_code == 400 and response.json()["error"] == "body"
    assert nothing_written()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"alert_id": None}, "alert_id"),
        ({"alert_id": ""}, "alert_id"),
        ({"alert_id": "K" * 101}, "alert_id"),
        ({"alert_id": "K" * 300}, "alert_id"),
        ({"alert_id": ["K-1"]}, "alert_id"),
        ({"latitude": None}, "latitude"),
        ({"latitude": "kırk"}, "latitude"),
        ({"latitude": 91}, "latitude"),
        ({"latitude": 2**63}, "latitude"),
        ({"latitude": "NaN"}, "latitude"),
        ({"latitude": True}, "latitude"),
        ({"latitude": "9" * 300}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"longitude": "1e309"}, "longitude"),
        ({"accuracy_m": -1}, "accuracy_m"),
        ({"accuracy_m": 2**63}, "accuracy_m"),
        ({"accuracy_m": "yakın"}, "accuracy_m"),
        ({"at": "dün akşam"}, "at"),
        ({"at": "0001-01-01T00:00:00"}, "at"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"at": "1999-12-31T23:59:59+03:00"}, "at"),
        ({"at": "2026-13-45T00:00:00"}, "at"),
        ({"at": "2026-01-01T00:00:00" + "0" * 300}, "at"),
        ({"at": 1764800000}, "at"),
        ({"event": "panic"}, "event"),
        ({"person": "Elif Yıldız"}, "person"),
        ({"person": {**PERSON, "tc_kimlik_no": "12345678901"}}, "person.tc_kimlik_no"),
        ({"person": {**PERSON, "tc_kimlik_no": "1" * 300}}, "person.tc_kimlik_no"),
        ({"person": {**PERSON, "name": "E" * 300}}, "person.name"),
        ({"person": {**PERSON, "name": {"first": "Elif"}}}, "person.name"),
        ({"person": {**PERSON, "phone": "telefonum yok"}}, "person.phone"),
        ({"person": {**PERSON, "phone": "5" * 300}}, "person.phone"),
    ],
)
def test_a_malformed_field_is_400_naming_it_and_writes_nothing(world, changes, field):
    response = post(alert(**changes))
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field
    assert f'"{field}"' in answer["message"] and f'"{field}"' in answer["message_en"]
    assert nothing_written()


FIELDS = ["alert_id", "at", "latitude", "longitude", "accuracy_m", "event", "person"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", list(fuzz.VALUES.values()), ids=list(fuzz.VALUES))
def test_no_fuzzed_value_of_any_field_is_a_500(world, field, value):
    response = post(alert(**{field: value}))
    assert response.status_code in (200, 400), response.content
    for name in ("tc_kimlik_no", "name", "phone"):
        answer = post(alert(alert_id=f"K-{field}-{name}", person={**PERSON, name: value}))
        assert answer.status_code in (200, 400), answer.content
    for incident in Incident.objects.all():
        assert "\x00" not in f"{incident.alert_id}{incident.person_name}{incident.person_phone}"


def test_nul_is_removed_after_the_signature_and_the_alert_recorded(world):
    response = post(alert(alert_id="K-\x00-7", person={**PERSON, "name": "Elif\x00 Yıldız"}))
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert (incident.alert_id, incident.person_name) == ("K--7", "Elif Yıldız")


def test_a_time_ahead_of_ours_counts_as_our_receipt_time(world):
    assert post(alert(at="2999-01-01T00:00:00+03:00")).status_code == 200
    assert abs((timezone.now() - Incident.objects.get().opened_at).total_seconds()) < 5


def test_no_time_is_our_receipt_time(world):
    payload = alert()
    del payload["at"]
    assert post(payload).status_code == 200
    assert abs((timezone.now() - Incident.objects.get().opened_at).total_seconds()) < 5


def test_refusals_answer_in_turkish_and_english(world):
    answer = post(alert(latitude=95)).json()
    assert answer == {
        "error": "invalid",
        "message": '"latitude" alanı geçerli aralıkta bir sayı olmalıdır.',
        "message_en": 'The field "latitude" must be a number within its range.',
        "field": "latitude",
    }


# -- nothing personal where it does not belong ---------------------------------------------------------------


def test_live_events_and_notifications_carry_nothing_of_her(world):
    post(alert())
    post(alert(latitude=39.7771, at=timezone.now().isoformat()))
    post({"alert_id": "K-2026-000123", "event": "cancel"})
    incident = Incident.objects.get()
    services.acknowledge(incident, actor=world.operator)
    sent = services.dispatch(incident, world.teams[0], actor=world.operator)
    services.acknowledge_dispatch(sent, actor=world.members[world.teams[0].pk][0])
    services.arrived(sent, actor=world.operator)
    services.close(incident, "false_alarm", actor=world.operator)
    rows = list(LiveEvent.objects.all())
    assert {row.change for row in rows if row.topic == "alarm"} >= {
        "kades",
        "kades_position",
        "kades_cancelled",
        "acknowledged",
        "dispatched",
        "dispatch_acknowledged",
        "arrived",
        "closed",
    }
    everything = json.dumps([row.data for row in rows], ensure_ascii=False)
    told = json.dumps([n.text + n.link for n in Notification.objects.all()], ensure_ascii=False)
    timeline = json.dumps([[e.note, e.data] for e in Event.objects.all()], ensure_ascii=False)
    assert Notification.objects.filter(kind="dispatched").exists()
    for text in PERSON_STRINGS:
        assert text not in everything
        assert text not in told
        assert text not in timeline
