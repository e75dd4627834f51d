"""Two camera systems posting at the same moment (threads, each on its own connection, real commits): the
same hotlisted plate in both batches makes one alert with both hits, and a batch sent twice at once under
one Idempotency-Key is stored once."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from kentmasa.emergency import pts
from kentmasa.emergency.models import PlateAlert, PlateAlertTeam, PlateHit, PlateRead
from kentmasa.emergency.tests.pts_world import pts_world, read

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count: int, work: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    results: list[object] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(work(n))
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_batches_with_the_same_stolen_car_make_one_alert():
    world = pts_world()[0]
    pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="stolen", actor=None)
    cameras = ["ESK-PTS-001", "ESK-PTS-002"]
    _results, errors = at_once(
        2,
        lambda n: pts.ingest(
            world.police, [read("26 AB 1000")] * 50 + [read("26 ABC 123", camera=cameras[n])]
        ),
    )
    assert errors == []
    alert = PlateAlert.objects.get()
    assert alert.hit_count == 2
    assert sorted(PlateHit.objects.values_list("camera_code", flat=True)) == cameras
    assert PlateRead.objects.count() == 102
    told = list(PlateAlertTeam.objects.values_list("team_id", flat=True))
    assert len(told) == len(set(told)) == 3  # every team once, though both batches found teams to tell


def test_one_batch_sent_twice_at_once_is_stored_once():
    world = pts_world()[0]
    results, errors = at_once(
        2, lambda n: pts.ingest(world.police, [read("26 ABC 124")] * 10, idempotency_key="kamera-7/81")
    )
    assert errors == []
    assert PlateRead.objects.count() == 10
    assert sorted(getattr(result, "replayed") for result in results) == [False, True]  # noqa: B009
    assert {getattr(result, "stored") for result in results} == {10}  # noqa: B009
