"""The roads unit sits on the pothole case: the sweep warns the unit's own mailbox and its manager once per
threshold, a new action by staff arms the next one, and several workers never warn twice."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from kentmasa.cases import services
from kentmasa.cases.models import Case, Event
from kentmasa.escalation import services as escalation
from kentmasa.notify.models import Delivery, Notification
from kentmasa.notify.tests.fakes import mail_server

RECEIVED = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")
DUE = dt.datetime.fromisoformat("2026-04-09T17:30+03:00")
HALF = (DUE - RECEIVED) / 2
WARN = RECEIVED + HALF  # 29 March 13:45
MINUTE = dt.timedelta(minutes=1)


def warnings(case):
    return list(Event.objects.filter(case=case, action="idle_warning").order_by("pk"))


@pytest.fixture
def smtp(settings):
    yield from mail_server(settings)


@pytest.fixture
def unit(roads, road_manager):
    roads.email = "fen.isleri@esenler.example"
    roads.save()
    return roads


@pytest.mark.django_db
def test_the_warning_comes_once_per_threshold(make_case, unit):
    case = make_case()
    assert Case.objects.get(pk=case.pk).idle_warn_at == WARN

    assert escalation.sweep(WARN - MINUTE).idle == 0
    result = escalation.sweep(WARN + MINUTE)
    assert (result.first, result.second, result.idle) == (0, 0, 1)
    assert escalation.sweep(WARN + 2 * MINUTE).idle == 0  # the same threshold: never again
    assert escalation.sweep(DUE - MINUTE).idle == 0

    [warning] = warnings(case)
    assert warning.public is False and warning.actor is None
    assert warning.note == (
        "11 gün 3 saat boyunca kimse işlem yapmadı (standart süreye göre uyarı eşiği: %50)."
    )
    assert warning.data["percent"] == 50
    assert Case.objects.get(pk=case.pk).idle_warn_at is None


@pytest.mark.django_db
def test_a_new_staff_action_arms_the_next_warning(make_case, unit, service, road_staff, road_manager):
    service.idle_warning_percent = 25
    service.save()
    quarter = (DUE - RECEIVED) / 4
    case = make_case()
    assert escalation.sweep(RECEIVED + quarter + MINUTE).idle == 1

    started = RECEIVED + quarter + dt.timedelta(hours=2)
    services.assign(case, actor=road_manager, assignee=road_staff, now=started)
    assert escalation.sweep(started + quarter - MINUTE).idle == 0
    assert escalation.sweep(started + quarter + MINUTE).idle == 1

    first, second = warnings(case)
    assert "%25" in first.note and "%25" in second.note
    assert dt.datetime.fromisoformat(second.data["idle_since"]) == started


@pytest.mark.django_db
def test_no_warning_for_a_late_a_waiting_or_a_finished_case(make_case, unit, road_staff, operator):
    late = make_case()
    waiting = services.ask_citizen(make_case(), actor=road_staff, question="Adres?", now=RECEIVED + MINUTE)
    finished = services.resolve_on_the_spot(make_case(), actor=operator, resolution="Bilgi verildi.")

    assert escalation.sweep(DUE + MINUTE).idle == 0  # late: escalation speaks, not the idle warning

    assert [warnings(c) for c in (late, waiting, finished)] == [[], [], []]
    assert Case.objects.get(pk=late.pk).idle_warn_at is None  # claimed, so not looked at again


@pytest.mark.django_db
def test_a_claim_on_a_threshold_a_new_action_replaced_wins_nothing(make_case, unit, road_staff):
    case = make_case()
    services.start(case, actor=road_staff, now=RECEIVED + dt.timedelta(hours=1))

    assert escalation._warn_idle(case.pk, WARN, WARN + MINUTE) is False  # the value the sweep read is gone
    assert warnings(case) == []


@pytest.mark.django_db(transaction=True)  # the worker below runs the tasks as in production
def test_the_unit_mailbox_gets_an_email_and_the_manager_a_notice(
    make_case, unit, road_manager, smtp, settings
):
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.esenler.example"
    case = make_case()

    escalation.sweep(WARN + MINUTE)

    mailbox = Notification.objects.get(case=case, user=None)
    assert (mailbox.kind, mailbox.address) == ("idle_warning", "fen.isleri@esenler.example")
    assert mailbox.text == f"Vakada kimse işlem yapmadı: {case.tracking_display} Sokakta çukur var"
    manager = Notification.objects.get(case=case, user=road_manager)
    assert manager.kind == "idle_warning" and manager.text == mailbox.text
    assert manager.link == f"/vaka/{case.tracking_number}/"
    told = Event.objects.filter(case=case, action="notified")
    assert told.count() == 2
    assert any("fen.isleri@esenler.example" in event.note for event in told)

    # The worker sends the e-mail to the unit's own address through the SMTP server.
    assert [d.medium for d in Delivery.objects.filter(notification=mailbox)] == ["email"]
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay", verbosity=0)
    [mail] = smtp.mails
    assert smtp.recipients == [["fen.isleri@esenler.example"]]
    assert case.tracking_display in mail["Subject"] and "kimse işlem yapmadı" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "11 gün 3 saat boyunca kimse işlem yapmadı" in body
    assert f"https://kentmasa.esenler.example/vaka/{case.tracking_number}/" in body
    assert Delivery.objects.get(notification=mailbox).state == Delivery.State.SENT


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_never_warn_twice(make_case, unit):
    cases = [make_case() for _ in range(12)]
    errors = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            escalation.sweep(WARN + MINUTE)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if connection.vendor == "sqlite":
        # SQLite serialises writers; a worker may time out waiting for the lock but never double-writes.
        errors = [e for e in errors if "locked" not in str(e)]
    assert errors == []
    assert [len(warnings(c)) for c in cases] == [1] * 12
