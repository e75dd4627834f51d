"""The overdue sweep: first place, a day later the second, never twice, safe with parallel workers."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from kentmasa.cases import services
from kentmasa.cases.models import Case, Event, Status
from kentmasa.escalation import services as escalation
from kentmasa.escalation.tasks import sweep_overdue

ISTANBUL = dt.timezone(dt.timedelta(hours=3))
DUE = dt.datetime(2026, 4, 9, 17, 30, tzinfo=ISTANBUL)  # 15 iş günü after 18 March 2026 10:00


def escalations(case):
    return list(Event.objects.filter(case=case, action="escalate").values_list("data__level", flat=True))


@pytest.mark.django_db
def test_ladder_first_then_second_place(make_case, places):
    case = make_case()
    assert case.due_at == DUE
    assert escalation.sweep(DUE - dt.timedelta(minutes=1)).first == 0

    result = escalation.sweep(DUE + dt.timedelta(minutes=5))
    assert (result.first, result.second) == (1, 0)
    case.refresh_from_db()
    assert case.escalation_level == 1 and case.overdue_since == DUE and case.is_overdue
    event = Event.objects.get(case=case, action="escalate")
    assert event.data == {"level": 1, "place": places[0].pk}
    assert "Ayşe Yılmaz" in event.note and event.public is False

    # Not yet a day after the first step: nothing more.
    assert escalation.sweep(DUE + dt.timedelta(hours=23)).second == 0
    result = escalation.sweep(DUE + dt.timedelta(days=1, minutes=6))
    assert (result.first, result.second) == (0, 1)
    second = Event.objects.filter(case=case, action="escalate").last()
    assert second.data == {"level": 2, "place": places[1].pk} and "Mehmet Demir" in second.note

    # The end of the ladder: any further sweep changes nothing.
    assert str(escalation.sweep(DUE + dt.timedelta(days=5))) == "first=0 second=0 idle=0"
    assert escalations(case) == [1, 2]


@pytest.mark.django_db
def test_sweep_skips_paused_finished_and_undated_cases(make_case, road_staff, operator, institution):
    paused = services.ask_citizen(make_case(), actor=road_staff, question="Fotoğraf gönderir misiniz?")
    finished = services.resolve_on_the_spot(make_case(), actor=operator, resolution="Bilgi verildi.")
    undated = services.open_case(
        institution=institution,
        channel="phone",
        subject="Kategorisiz",
        received_at=DUE - dt.timedelta(days=30),
    )
    assert undated.due_at is None
    escalation.sweep(DUE + dt.timedelta(days=3))
    for case in (paused, finished, undated):
        assert escalations(case) == []
    assert Case.objects.get(pk=paused.pk).status == Status.WAITING_CITIZEN


@pytest.mark.django_db
def test_running_the_sweep_twice_escalates_once(make_case):
    cases = [make_case() for _ in range(3)]
    now = DUE + dt.timedelta(hours=1)
    assert escalation.sweep(now).first == 3
    assert escalation.sweep(now).first == 0
    assert [escalations(c) for c in cases] == [[1], [1], [1]]


@pytest.mark.django_db
def test_the_task_and_the_command_run_the_sweep(make_case, capsys):
    case = make_case()
    Case.objects.filter(pk=case.pk).update(due_at=dt.datetime(2026, 1, 1, tzinfo=ISTANBUL))
    result = sweep_overdue.call()
    assert result == "first=1 second=0 idle=0"  # overdue: escalated, not warned as idle
    call_command("sweep_overdue")
    assert "first=0" in capsys.readouterr().out
    assert escalations(case) == [1]


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_never_escalate_twice(make_case):
    cases = [make_case() for _ in range(20)]
    now = DUE + dt.timedelta(hours=2)
    errors = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            escalation.sweep(now)
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
    assert [escalations(c) for c in cases] == [[1]] * 20
