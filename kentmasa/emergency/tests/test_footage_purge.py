"""The retention purge of KGYS footage (kentmasa.emergency.footage.purge_footage): the Adalar camera keeps ten
days, the Espark camera three. Footage that ended before that is deleted from the recorder unless a legal
hold covers it; each directorate's run, at most once an hour, leaves one destruction record (what was deleted
per camera, what was kept by which hold), even when nothing was due. Two workers at once make one run."""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.utils import timezone

from kentmasa.directory.models import Institution
from kentmasa.emergency import footage
from kentmasa.emergency.models import Camera, FootageRequest
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
    return [segment.key for segment in recorder.segments(camera)]


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
    stranger = kgys.recorder.folder(adalar) / "notes.txt"
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
    assert len(kgys.recorder.segments(kgys.cameras[0])) == 1  # not touched within the hour

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
    assert kgys.recorder.segments(adalar) == [] and kgys.recorder.segments(kizilay) == []


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
    assert len(kgys.recorder.segments(kgys.cameras[1])) == 1


@pytest.mark.django_db(transaction=True)  # the worker runs the task as in production
def test_the_periodic_task_runs_through_the_worker(kgys, now):
    assert "kentmasa.emergency.footage.purge_camera_footage" in django_settings.KENTMASA_PERIODIC_TASKS
    record(kgys.recorder, kgys.cameras[0], timezone.now() - dt.timedelta(days=10, hours=1), 2)
    footage.purge_camera_footage.enqueue()
    run_worker()
    run = DestructionRecord.objects.get(category=FOOTAGE)
    assert run.item_count == 2 and "Kişisel" in run.basis  # written in Turkish, the site's language
    assert kgys.recorder.segments(kgys.cameras[0]) == []


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
    assert kgys.recorder.segments(campus) == []


@pytest.mark.django_db
def test_a_directorate_with_the_same_camera_code_keeps_its_footage(kgys, now):
    """Camera codes are unique only within a directorate: Ankara's ESK-KGYS-001 keeps 30 days, and
    Eskişehir's purge of its own ESK-KGYS-001 neither lists nor deletes Ankara's files."""
    adalar = kgys.cameras[0]
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    twin = Camera.objects.create(institution=ankara, code=adalar.code, name="Kızılay", retention_days=30)
    ours = record(kgys.recorder, adalar, now - dt.timedelta(days=12), 3)
    theirs = record(kgys.recorder, twin, now - dt.timedelta(days=12, seconds=-30), 3)  # other names
    on_disk = sorted(path for path in kgys.recorder.root.rglob("*.mp4"))
    assert len(on_disk) == 6

    run = footage.purge_institution(kgys.world.police.pk, now=now)

    assert run is not None and run.item_count == 3
    assert run.byte_count == sum(segment.size for segment in ours)
    assert names(kgys.recorder, adalar) == []
    assert kgys.recorder.segments(twin) == theirs
    left = sorted(path for path in kgys.recorder.root.rglob("*.mp4"))
    assert left == [kgys.recorder.root / segment.key for segment in theirs]

    theirs_run = footage.purge_institution(ankara.pk, now=now)  # within its 30 days: nothing due
    assert theirs_run is not None and theirs_run.item_count == 0 and theirs_run.errors == []
    assert kgys.recorder.segments(twin) == theirs


class WatchedRecorder(FileSystemRecorder):
    """Notes, at each deletion, whether a transaction is open and how the run's record stands."""

    def __init__(self, root):
        super().__init__(root)
        self.seen: list[tuple[bool, list[tuple[str, dt.datetime | None]]]] = []

    def delete(self, segment):
        runs = list(DestructionRecord.objects.filter(category=FOOTAGE).values_list("outcome", "finished_at"))
        self.seen.append((connection.in_atomic_block, runs))
        return super().delete(segment)


@pytest.mark.django_db(transaction=True)  # no test transaction around the run: what it commits is seen
def test_files_are_deleted_after_the_decision_is_committed_outside_any_transaction(kgys, now):
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11), 3)
    watched = WatchedRecorder(kgys.recorder.root)

    run = footage.purge_institution(kgys.world.police.pk, now=now, recorder=watched)

    assert len(watched.seen) == 3
    for in_transaction, runs in watched.seen:
        assert in_transaction is False
        assert runs == [(DestructionRecord.Outcome.UNFINISHED, None)]  # written before, finished after
    assert run is not None and run.outcome == DestructionRecord.Outcome.DONE and run.item_count == 3
    assert run.finished_at is not None and run.errors == []


class DyingRecorder(FileSystemRecorder):
    """Deletes two segments, then fails in a way nobody expected (a bug, a lost mount …)."""

    def delete(self, segment):
        if len(list(self.root.rglob("*.mp4"))) <= 2:
            raise RuntimeError("the recorder's mount went away")
        return super().delete(segment)


@pytest.mark.django_db
def test_a_run_that_dies_while_deleting_leaves_its_record_with_what_it_deleted(kgys, now, settings):
    settings.KENTMASA_RECORDER = f"{__name__}.DyingRecorder"
    made = record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(days=11), 4)

    with pytest.raises(RuntimeError):
        footage.purge_footage(now=now)

    run = DestructionRecord.objects.get(category=FOOTAGE)
    assert run.outcome == DestructionRecord.Outcome.PARTIAL and run.finished_at is not None
    assert run.item_count == 2 and run.byte_count == sum(segment.size for segment in made[:2])
    assert run.items[0]["to"] == made[1].end.isoformat()
    assert any("Çalışma durdu" in error and "mount went away" in error for error in run.errors)
    assert names(kgys.recorder, kgys.cameras[0]) == [segment.key for segment in made[2:]]
    assert footage.purge_footage(now=now + dt.timedelta(minutes=30)) == []  # the hour counts from it


class PausingRecorder(FileSystemRecorder):
    """Waits at its first deletion until told to go on: the run is then between its decision and its end."""

    def __init__(self, root):
        super().__init__(root)
        self.deleting = threading.Event()
        self.go_on = threading.Event()

    def delete(self, segment):
        self.deleting.set()
        self.go_on.wait(30)
        return super().delete(segment)


@pytest.mark.django_db(transaction=True)
def test_while_a_run_deletes_files_holds_and_requests_are_not_kept_waiting(kgys, now):
    """The run holds no lock and no transaction while the recorder deletes: Seda places a hold at once
    (SQLite and PostgreSQL alike), another worker sees the run is taken, and the record stays "not finished"
    until the deletions are done. The hold came after the decision: what the run decided to delete, footage
    past retention, is deleted."""
    adalar = kgys.cameras[0]
    due = record(kgys.recorder, adalar, now - dt.timedelta(days=11), 3)
    pausing = PausingRecorder(kgys.recorder.root)
    made: list = []
    errors: list[BaseException] = []

    def run():
        try:
            made.append(footage.purge_institution(kgys.world.police.pk, now=now, recorder=pausing))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert pausing.deleting.wait(30)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET lock_timeout = '3s'")
        began = time.monotonic()
        hold = footage.place_hold(
            adalar, due[0].start, due[-1].end, reason="Gasp 2026/77", actor=kgys.seda, now=now
        )
        assert time.monotonic() - began < 2
        assert footage.purge_footage(now=now) == []  # another worker: the run is taken
        (unfinished,) = DestructionRecord.objects.filter(category=FOOTAGE)
        assert unfinished.outcome == DestructionRecord.Outcome.UNFINISHED and unfinished.finished_at is None
        assert "3" in unfinished.errors[-1]  # what it is about to delete, should it never finish
    finally:
        pausing.go_on.set()
        worker.join(60)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    assert errors == []
    (finished,) = made
    assert finished.outcome == DestructionRecord.Outcome.DONE and finished.item_count == 3
    assert finished.kept == [] and hold.is_active
    assert names(kgys.recorder, adalar) == []


@pytest.mark.django_db(transaction=True)
def test_the_directorates_lock_never_keeps_its_other_inserts_waiting(kgys, now):
    """PostgreSQL: while a purge's decision (or a hold) holds the directorate's row, a case opened for the
    directorate, a camera registered and a footage request written from another connection do not wait
    (the lock is FOR NO KEY UPDATE; their foreign keys take FOR KEY SHARE); a second purge still skips."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time whatever the lock; the row lock is PostgreSQL's")
    police = kgys.world.police
    held, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                footage._lock_institution(police.pk)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert held.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            case = kgys.world.open_call()
            Camera.objects.create(institution=police, code="ESK-KGYS-077", name="Yeni kamera")
            FootageRequest.objects.create(
                institution=police,
                requester_kind=FootageRequest.Requester.COURT,
                requester="Eskişehir 2. Asliye Ceza Mahkemesi",
                reference_no="2026/88",
                reference_date=timezone.localdate(now),
                window_start=now - dt.timedelta(hours=2),
                window_end=now - dt.timedelta(hours=1),
                recorded_at=now,
            )
        assert case.institution_id == police.pk
        with transaction.atomic():
            assert footage._lock_institution(police.pk, skip_locked=True) is False
        assert footage.purge_institution(police.pk, now=now) is None
    finally:
        release.set()
        holder.join(60)
