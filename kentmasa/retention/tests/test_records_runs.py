"""A run that destroys outside a database transaction (files on a recorder) writes its record first, "not
finished" (records.begin), and completes it when it has finished (records.finish): until then, and forever
if the run dies, the record says so, in Turkish, on the list and on the tutanak; finished, it is done,
partly done or failed by its errors, as records.record has it."""

import datetime as dt

import pytest

from kentmasa.directory.models import Institution, User
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

pytestmark = pytest.mark.django_db

LIST = "/imha-tutanaklari/"
NIGHT = dt.datetime(2025, 5, 14, 0, 0, tzinfo=dt.UTC)
Outcome = DestructionRecord.Outcome


@pytest.fixture
def police():
    return Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )


def begun(police, **extra):
    return records.begin(
        DestructionRecord.Category.FOOTAGE,
        police,
        started_at=NIGHT,
        basis="KGYS kayıtları 10 gün saklanır.",
        kept=[records.kept("ESK-KGYS-002", NIGHT, NIGHT, reason="Yasal saklama #7")],
        errors=["Çalışma tamamlanmadı: 4 kayıt parçası silinecekti."],
        **extra,
    )


def test_a_begun_run_is_not_finished_until_it_is(police):
    run = begun(police)
    stored = DestructionRecord.objects.get(pk=run.pk)
    assert (stored.outcome, stored.finished_at, stored.item_count, stored.items) == (
        Outcome.UNFINISHED,
        None,
        0,
        [],
    )
    assert stored.kept[0]["reason"] == "Yasal saklama #7" and "silinecekti" in stored.errors[0]
    assert records.last_run(DestructionRecord.Category.FOOTAGE, police) == stored  # the hour counts from it

    records.finish(
        stored,
        items=[records.item("ESK-KGYS-001", NIGHT, NIGHT, count=3, bytes=300)],
        errors=["ESK-KGYS-001/x.mp4: kayıt cihazı yanıt vermedi"],
    )

    stored = DestructionRecord.objects.get(pk=run.pk)
    assert stored.outcome == Outcome.PARTIAL and stored.finished_at is not None
    assert (stored.item_count, stored.byte_count) == (3, 300)
    assert stored.errors == ["ESK-KGYS-001/x.mp4: kayıt cihazı yanıt vermedi"]  # begin's line replaced
    assert stored.kept[0]["reason"] == "Yasal saklama #7"  # kept as begin wrote it


@pytest.mark.parametrize(
    ("count", "errors", "outcome"),
    [
        (2, [], Outcome.DONE),
        (0, [], Outcome.DONE),
        (0, ["NVR yok"], Outcome.FAILED),
        (1, ["x"], Outcome.PARTIAL),
    ],
)
def test_the_finished_outcome_follows_from_the_errors(police, count, errors, outcome):
    items = [records.item("ESK-KGYS-001", NIGHT, NIGHT, count=count)] if count else []
    run = records.finish(begun(police), items=items, kept=[], errors=errors)
    assert DestructionRecord.objects.get(pk=run.pk).outcome == outcome
    assert run.kept == []


def test_an_unfinished_run_says_so_on_the_list_and_the_tutanak(client, police):
    run = begun(police)
    murat = User.objects.create_user(
        username="murat", password="kentmasa-test-1", role=User.Role.ADMINISTRATOR, institution=police
    )
    client.force_login(murat)
    listed = client.get(LIST, {"outcome": "unfinished"})
    assert [record.pk for record in listed.context["page"]] == [run.pk]
    assert "Tamamlanmadı" in listed.content.decode()
    html = client.get(f"{LIST}{run.pk}/").content.decode()
    assert "Tamamlanmadı" in html and "Bu çalışma tamamlanmadı" in html
    assert "saklama süresini aşmış veri yoktu" not in html  # it is not a run that found nothing due
    assert "silinecekti" in html


def test_a_failed_run_does_not_say_nothing_was_due(client, police):
    run = records.record(
        DestructionRecord.Category.FOOTAGE, police, started_at=NIGHT, basis="—", errors=["NVR yanıt vermedi"]
    )
    murat = User.objects.create_user(
        username="murat", password="kentmasa-test-1", role=User.Role.ADMINISTRATOR, institution=police
    )
    client.force_login(murat)
    html = client.get(f"{LIST}{run.pk}/").content.decode()
    assert "Hiçbir şey imha edilmedi (hatalara bakın)." in html
    assert "saklama süresini aşmış veri yoktu" not in html
