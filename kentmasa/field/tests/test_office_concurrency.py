"""A field form sent twice at the same moment (a double tap on a slow connection), in threads with their own
connections and real commits: the case opened in the field and the inspection report are each written once,
and both requests find the same one."""

import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection
from django.utils import timezone

from kentmasa.cases.models import Attachment, Case, Channel
from kentmasa.field import inspections
from kentmasa.field.models import FieldAction, InspectionReport
from kentmasa.field.opening import FieldCase, open_field_case
from kentmasa.field.tests import api_world

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


def at_once(count: int, work: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    results: list[T] = []
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


def test_a_field_case_sent_twice_at_once_is_opened_once(world, category):
    recorded = FieldCase(
        client_id=uuid.uuid4(),
        description="Kavşakta trafik lambası yanmıyor.",
        category=category,
        citizen_name="Hasan Demir",
        citizen_phone="+905321112233",
    )
    results, errors = at_once(2, lambda n: open_field_case(recorded, actor=world.mehmet))
    assert errors == []
    cases = {case.pk for case, _opened in results}
    assert len(cases) == 1
    assert sorted(opened for _case, opened in results) == [False, True]
    assert Case.objects.filter(channel=Channel.FIELD).count() == 1
    assert FieldAction.objects.filter(client_id=recorded.client_id).count() == 1


def test_an_inspection_report_sent_twice_at_once_is_written_once(world):
    case = world.case()
    world.order(case, team=world.park_team)
    findings = inspections.Findings(
        client_id=uuid.uuid4(),
        findings="Çukur büyümüş; çevresi tehlikeli.",
        signer_name="Zeynep Ak",
        inspected_at=timezone.now(),
    )
    results, errors = at_once(2, lambda n: inspections.write_report(case, findings, actor=world.zeynep))
    assert errors == []
    reports = {report.pk for report, _written in results}
    assert len(reports) == 1
    assert InspectionReport.objects.count() == 1
    assert Attachment.objects.filter(case=case, content_type="application/pdf").count() == 1
