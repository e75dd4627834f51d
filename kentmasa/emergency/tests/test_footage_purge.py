"""The retention purge of KGYS footage (kentmasa.emergency.footage.purge_footage): the Adalar camera keeps ten
days, the Espark camera three. Footage that ended before that is deleted from the recorder unless a legal
hold covers it; each directorate's run, at most once an hour, leaves one destruction record (what was deleted
per camera, what was kept by which hold), even when nothing was due. Two workers at once make one run."""

import datetime as dt
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone

from kentmasa.directory.models import Institution
from kentmasa.emergency import footage
from kentmasa.emergency.models import Camera
from kentmasa.emergency.recorders import FileSystemRecorder, RecorderError
from kentmasa.emergency.tests.core_world import run_worker
from kentmasa.emergency.tests.footage_world import kgys_world, record
from kentmasa.retention.models import DestructionRecord

FOOTAGE = DestructionRecord.Category.FOOTAGE


@pytest.fixture
def kgys(settings, tmp_path):
    made = kgys_world(settings, tmp_path)
    espark = made.cameras[1]
    espark.retention_days = 3
    espark.save()
    return made


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


def names(recorder, camera):
    return [segment.key for segment in recorder.segments(camera.code)]


@pytest.mark.django_db
def test_old_footage_is_deleted_held_footage_kept_and_the_run_recorded(kgys, now):
    adalar, espark, _campus = kgys.cameras
    old = now - dt.timedelta(days=11)
    old_adalar = record(kgys.recorder, adalar, old, 4)  # due
    fresh_adalar = record(kgys.recorder, adalar, now - dt.timedelta(days=9), 2)  # inside ten days
    espark_due = record(kgys.recorder, espark, now - dt.timedelta(days=4), 6)  # past three days
    held = footage.place_hold(
        espark,
        espark_due[4].start,
        espark_due[5].end + dt.timedelta(hours=1),
        reason="Yaralama soruşturması 2026/5120",
        actor=kgys.seda,
        now=now - dt.timedelta(days=3),
    )
    stranger = kgys.recorder.folder(adalar.code) / "notes.txt"
    stranger.write_text("not a segment")

    (run,) = footage.purge_footage(now=now)

    assert names(kgys.recorder, adalar) == [segment.key for segment in fresh_adalar]
    assert names(kgys.recorder, espark) == [segment.key for segment in espark_due[4:]]
    assert stranger.exists()  # only the recorder's own segments are ever deleted
    assert (run.category, run.institution, run.outcome) == (FOOTAGE, kgys.world.police, "done")
    assert run.started_at == now and run.performed_by is None
    assert run.item_count == 8 and run.byte_count == sum(s.size for s in old_adalar + espark_due[:4])
    by_camera = {line["what"].split()[0]: line for line in run.items}
    assert set(by_camera) == {"ESK-KGYS-001", "ESK-KGYS-002"}  # nothing of the campus camera was due
    assert by_camera["ESK-KGYS-001"]["count"] == 4
    assert by_camera["ESK-KGYS-001"]["from"] == old_adalar[0].start.isoformat()
    assert by_camera["ESK-KGYS-001"]["to"] == old_adalar[-1].end.isoformat()
    assert "3" in by_camera["ESK-KGYS-002"]["what"]  # its retention is named
    (kept,) = run.kept
    assert kept["what"].startswith("ESK-KGYS-002")
    assert f"#{held.pk}" in kept["reason"] and "2026/5120" in kept["reason"] and "2" in kept["reason"]
    assert kept["from"] == held.window_start.isoformat()
    assert "6698" in run.basis


@pytest.mark.django_db
def test_a_run_within_the_hour_does_nothing_and_the_next_one_records_even_an_empty_run(kgys, now):
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11), 2)
    (first,) = footage.purge_footage(now=now)
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11, hours=1), 1)

    assert footage.purge_footage(now=now + dt.timedelta(minutes=59)) == []
    assert len(kgys.recorder.segments(kgys.cameras[0].code)) == 1  # not touched within the hour

    (second,) = footage.purge_footage(now=now + dt.timedelta(hours=1))
    (third,) = footage.purge_footage(now=now + dt.timedelta(hours=2))
    assert (first.item_count, second.item_count, third.item_count) == (2, 1, 0)
    assert third.items == [] and third.outcome == DestructionRecord.Outcome.DONE
    assert DestructionRecord.objects.filter(category=FOOTAGE).count() == 3


@pytest.mark.django_db
def test_a_lifted_hold_keeps_nothing_and_each_directorate_has_its_own_record(kgys, now):
    adalar = kgys.cameras[0]
    due = record(kgys.recorder, adalar, now - dt.timedelta(days=12), 3)
    hold = footage.place_hold(
        adalar,
        due[0].start,
        due[-1].end,
        reason="Hırsızlık",
        actor=kgys.seda,
        now=now - dt.timedelta(days=11),
    )
    footage.lift_hold(hold, actor=kgys.amir, reason="Soruşturma kapandı", now=now - dt.timedelta(days=1))
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    kizilay = Camera.objects.create(institution=ankara, code="ANK-001", name="Kızılay", retention_days=10)
    record(kgys.recorder, kizilay, now - dt.timedelta(days=20), 2)

    made = footage.purge_footage(now=now)

    assert {run.institution for run in made} == {kgys.world.police, ankara}
    ours = next(run for run in made if run.institution == kgys.world.police)
    assert ours.item_count == 3 and ours.kept == []
    theirs = next(run for run in made if run.institution == ankara)
    assert theirs.item_count == 2 and theirs.items[0]["what"].startswith("ANK-001")
    assert kgys.recorder.segments(adalar.code) == [] and kgys.recorder.segments("ANK-001") == []


class FailingRecorder(FileSystemRecorder):
    """A recorder that refuses to delete one camera's footage (a device that does not answer)."""

    def delete(self, segment):
        if segment.camera == "ESK-KGYS-002":
            raise RecorderError("NVR 10.0.4.12 did not answer")
        return super().delete(segment)


@pytest.mark.django_db
def test_a_recorder_error_is_written_on_the_record_and_the_rest_is_deleted(kgys, now, settings):
    settings.KENTMASA_RECORDER = f"{__name__}.FailingRecorder"
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11), 2)
    record(kgys.recorder, kgys.cameras[1], now - dt.timedelta(days=5), 1)
    bad = Camera.objects.create(institution=kgys.world.police, code="../../etc", name="Yanlış kod")

    (run,) = footage.purge_footage(now=now)

    assert run.outcome == DestructionRecord.Outcome.PARTIAL and run.item_count == 2
    assert any("NVR 10.0.4.12" in error for error in run.errors)
    assert any(error.startswith(bad.code) for error in run.errors)
    assert len(kgys.recorder.segments(kgys.cameras[1].code)) == 1


@pytest.mark.django_db(transaction=True)  # the worker runs the task as in production
def test_the_periodic_task_runs_through_the_worker(kgys, now):
    assert "kentmasa.emergency.footage.purge_camera_footage" in django_settings.KENTMASA_PERIODIC_TASKS
    record(kgys.recorder, kgys.cameras[0], timezone.now() - dt.timedelta(days=10, hours=1), 2)
    footage.purge_camera_footage.enqueue()
    run_worker()
    run = DestructionRecord.objects.get(category=FOOTAGE)
    assert run.item_count == 2 and "Kişisel" in run.basis  # written in Turkish, the site's language
    assert kgys.recorder.segments(kgys.cameras[0].code) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_run(kgys, now):
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11), 30)
    workers = 4
    barrier = threading.Barrier(workers)
    results: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            results.append(len(footage.purge_footage(now=now)))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(results) == [0] * (workers - 1) + [1]
    (run,) = DestructionRecord.objects.filter(category=FOOTAGE)
    assert run.item_count == 30


@pytest.mark.django_db
def test_a_deactivated_cameras_old_footage_is_still_deleted(kgys, now):
    campus = kgys.cameras[2]
    campus.active = False
    campus.save()
    record(kgys.recorder, campus, now - dt.timedelta(days=15), 2)
    (run,) = footage.purge_footage(now=now)
    assert run.item_count == 2 and run.items[0]["what"].startswith("ESK-KGYS-003")
    assert kgys.recorder.segments(campus.code) == []
