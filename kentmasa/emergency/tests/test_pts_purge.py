"""Plate reads are kept only for the directorate's retention (kentmasa.emergency.pts.purge_reads): each run
deletes what is due, leaves one destruction record per police institution (even when nothing was due),
runs at most hourly, and keeps the hits with their alert."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kentmasa.directory.models import Institution
from kentmasa.emergency import pts
from kentmasa.emergency.models import DispatchSettings, PlateAlert, PlateHit, PlateRead, PlateReadBatch
from kentmasa.emergency.tests.pts_world import pts_world, read
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

PLATE_READS = DestructionRecord.Category.PLATE_READS


@pytest.fixture
def world(db):
    return pts_world()[0]


def _reads(police, days_ago: float, count: int, camera: str = "ESK-PTS-001", plate: str = "26 ABC 124"):
    at = timezone.now() - dt.timedelta(days=days_ago)
    pts.ingest(police, [read(plate, camera=camera, at=at) for _ in range(count)])


def test_reads_past_retention_are_deleted_with_a_record_per_camera_and_hits_stay(world):
    police = world.police
    pts.upsert_hotlist(police, plate="26 ABC 123", reason="stolen", actor=None)
    _reads(police, 12, 3)
    _reads(police, 11, 2, camera="ESK-PTS-002")
    _reads(police, 11, 1, plate="26 ABC 123")  # a hotlisted plate: its hit outlives the read
    _reads(police, 9, 4)  # within the ten days
    pts.ingest(police, [read("26 ABC 125")], idempotency_key="old-batch")
    PlateReadBatch.objects.update(received_at=timezone.now() - dt.timedelta(days=11))
    assert PlateRead.objects.count() == 11
    [record] = pts.purge_reads()
    assert PlateRead.objects.count() == 4 + 1
    assert PlateHit.objects.count() == 1 and PlateAlert.objects.count() == 1
    assert not PlateReadBatch.objects.exists()
    assert (record.category, record.institution, record.outcome, record.item_count) == (
        PLATE_READS,
        police,
        DestructionRecord.Outcome.DONE,
        6,
    )
    assert [(item["what"], item["count"]) for item in record.items] == [
        ("ESK-PTS-001 kamerasının plaka okumaları", 4),
        ("ESK-PTS-002 kamerasının plaka okumaları", 2),
    ]
    assert "10 gün" in record.basis
    assert records.last_run(PLATE_READS, police) == record


def test_a_run_that_finds_nothing_due_still_leaves_its_record_and_runs_again_an_hour_later(world):
    now = timezone.now()
    [first] = pts.purge_reads(now=now)
    assert (first.item_count, first.items) == (0, [])
    assert pts.purge_reads(now=now + dt.timedelta(minutes=59)) == []
    assert len(pts.purge_reads(now=now + dt.timedelta(minutes=61))) == 1
    assert DestructionRecord.objects.filter(category=PLATE_READS).count() == 2


def test_each_directorate_keeps_reads_as_long_as_it_says(world, institution):
    ankara = Institution.objects.create(slug="ankara-emniyet", name="Ankara", kind=Institution.Kind.POLICE)
    DispatchSettings.objects.create(institution=ankara, plate_read_retention_days=30)
    _reads(world.police, 12, 2)
    _reads(ankara, 12, 3)
    written = pts.purge_reads()
    assert {record.institution for record in written} == {world.police, ankara}  # not the municipality
    assert PlateRead.objects.filter(institution=ankara).count() == 3
    assert not PlateRead.objects.filter(institution=world.police).exists()


def test_the_purge_is_a_periodic_task(world):
    assert "kentmasa.emergency.pts.purge_plate_reads" in settings.KENTMASA_PERIODIC_TASKS
    _reads(world.police, 12, 2)
    assert pts.purge_plate_reads.call() == 1
    assert pts.purge_plate_reads.call() == 0  # within the hour
    assert not PlateRead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_run():
    world = pts_world("eskisehir-emniyet-2")[0]
    _reads(world.police, 12, 5)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            results.append(len(pts.purge_reads()))
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 1]
    [record] = DestructionRecord.objects.filter(category=PLATE_READS)
    assert record.item_count == 5
    assert not PlateRead.objects.exists()
