"""A phone that sends its queue twice at the same moment (a flaky connection: the first request's answer
was lost while the app retried), in threads with their own connections and real commits: each action and
each photo is applied once, and both requests get the same answer."""

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection

from kentmasa.cases.models import Attachment, Event
from kentmasa.field import services
from kentmasa.field.models import FieldAction, WorkOrder, WorkOrderPhoto
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import action, jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


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


def test_the_same_done_sent_twice_at_once_is_applied_once(world):
    order = world.order()
    done = action("done", order, text="Kapatıldı.")
    results, errors = at_once(2, lambda n: services.apply(world.mehmet, done))
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert results[0]["outcome"] == "applied"  # type: ignore[index]
    assert FieldAction.objects.filter(client_id=done["id"]).count() == 1
    assert Event.objects.filter(case=order.case, action="work_order_done").count() == 1
    assert WorkOrder.objects.get().status == WorkOrder.Status.DONE


def test_two_members_reporting_at_once_one_applies_the_other_is_a_conflict(world):
    order = world.order()
    people = [world.mehmet, world.ahmet]
    results, errors = at_once(2, lambda n: services.apply(people[n], action("done", order)))
    assert errors == []
    assert sorted(r["outcome"] for r in results) == ["applied", "conflict"]  # type: ignore[index]
    assert Event.objects.filter(case=order.case, action="work_order_done").count() == 1


def test_the_same_photo_sent_twice_at_once_is_stored_once(world):
    order = world.order()
    client_id = str(uuid.uuid4())
    data = jpeg()
    results, errors = at_once(
        2,
        lambda n: services.add_photo(
            world.mehmet, order.pk, data, client_id=client_id, phase="after", latitude="41", longitude="29"
        ),
    )
    assert errors == []
    assert results[0] == results[1]
    assert results[0]["outcome"] == "applied"  # type: ignore[index]
    assert Attachment.objects.filter(case=order.case).count() == 1
    assert WorkOrderPhoto.objects.count() == 1
