"""The KVKK destruction run: periods, holds, records every run, the dry run, the interval, the page, the
command, the administrators told, and two workers at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Attachment, Case, Citizen, Event
from kentmasa.directory.models import TeamPosition, User
from kentmasa.foi.models import FoiRequest
from kentmasa.notify.models import Notification
from kentmasa.privacy import retention
from kentmasa.privacy.anonymise import is_anonymised
from kentmasa.privacy.models import CaseHold, DataCategory, DataSubjectRequest, DestructionSchedule
from kentmasa.retention.models import DestructionRecord

OLD = dt.datetime(2019, 3, 4, 10, 0, tzinfo=dt.UTC)
RECENT = timezone.now() - dt.timedelta(days=60)
KVKK = {"case_data", "attachments", "raw_messages", "call_recordings", "team_positions"}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def finished(make_case, institution, settings, tmp_path):
    """A case closed in 2019 (due), one closed two months ago (not due), both with a citizen and a photo."""
    settings.MEDIA_ROOT = str(tmp_path)

    def make(when: dt.datetime, name: str) -> Case:
        citizen = Citizen.objects.create(institution=institution, name=name, phone="+905321110000")
        case = make_case(
            citizen=citizen,
            received_at=when,
            description=f"{name} yazdı",
            location={"neighbourhood": "Menderes", "street": "Lale Sokak"},
        )
        add_attachment(case, _png(), name="foto.png")
        services.resolve(case, actor=None, resolution="Yapıldı", now=when + dt.timedelta(days=2))
        services.close(case, actor=None, now=when + dt.timedelta(days=3))
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user(User.Role.ADMINISTRATOR, "kurum_yonetici")


@pytest.mark.django_db
def test_the_run_honours_periods_and_holds(finished, make_case, institution, admin_user):
    due = finished(OLD, "Hatice Bozkurtlu")
    recent = finished(RECENT, "Ömer Çağlayanlı")
    held = finished(OLD, "Selim Yıldırımlı")
    CaseHold.objects.create(case=held, reason="Ankara 3. İdare Mahkemesi dosyası", created_at=timezone.now())
    foi_case = finished(OLD, "Nur Akıncılı")
    FoiRequest.objects.create(
        case=foi_case,
        institution=institution,
        received_at=OLD,
        check_due_at=OLD,
        stage="processing",
    )
    still_open = make_case(received_at=OLD, subject="Hâlâ açık")
    asked = finished(OLD, "Deniz Ergüvenli")  # its person has a KVKK application not yet answered
    application = make_case(received_at=RECENT, subject="KVKK başvurusu")
    DataSubjectRequest.objects.create(
        case=application,
        institution=institution,
        received_at=RECENT,
        due_at=RECENT + dt.timedelta(days=30),
        subject=asked.citizen,
    )

    done = retention.run(institution, force=True)

    assert done is not None
    categories = {record.category for record in done.records}
    assert categories == KVKK  # one record per category (no cameras, no plate reads here)
    assert is_anonymised(due) and not Attachment.objects.filter(case=due).exists()
    for kept_case in (recent, held, foi_case, still_open, asked):
        assert not is_anonymised(kept_case)
    assert Attachment.objects.filter(case=recent).exists() and Attachment.objects.filter(case=held).exists()
    case_data = next(r for r in done.records if r.category == DataCategory.CASE_DATA)
    assert case_data.item_count == 1 and case_data.method == DestructionRecord.Method.ANONYMISATION
    kept = {line["what"]: line["reason"] for line in case_data.kept}
    assert len(kept) == 4  # the held case, the information request, the application's, the open cases
    assert asked.tracking_number in kept
    assert "İdare Mahkemesi" in kept[held.tracking_number]
    assert "4982" in kept[foi_case.tracking_number]
    due.refresh_from_db()
    assert due.neighbourhood == "Menderes" and due.street == "" and due.status == "closed"
    assert Citizen.objects.get(cases__isnull=True, name="") is not None  # the record is blanked


@pytest.mark.django_db
def test_records_every_run_even_when_nothing_is_due_and_comes_when_due(institution):
    now = timezone.now()
    # The schedule starts when first seen: the first run comes one interval (6 months) later.
    assert retention.destroy_due(now=now) == []
    assert retention.destroy_due(now=now + dt.timedelta(days=150)) == []
    first = retention.destroy_due(now=now + dt.timedelta(days=185))
    assert len(first) == 1 and {r.category for r in first[0].records} == KVKK
    assert all(r.item_count == 0 and r.outcome == "done" for r in first[0].records)
    # Not again before the interval has passed; then again.
    assert retention.destroy_due(now=now + dt.timedelta(days=200)) == []
    assert len(retention.destroy_due(now=now + dt.timedelta(days=370))) == 1
    assert DestructionRecord.objects.filter(category="case_data", institution=institution).count() == 2


@pytest.mark.django_db
def test_interval_over_six_months_is_refused(institution, client, admin_user):
    with pytest.raises(retention.RetentionError):
        retention.set_interval(institution, 7)
    with pytest.raises(retention.RetentionError):
        retention.set_interval(institution, 0)
    assert retention.set_interval(institution, 3).interval_months == 3
    client.force_login(admin_user)
    url = reverse("privacy:retention")
    form = {"action": "save", "interval_months": "7", "case_data": "1825", "attachments": "730"}
    form |= {"raw_messages": "365", "call_recordings": "90"}
    answer = client.post(url, form, headers={"accept-language": "tr"})
    assert answer.status_code == 400
    assert DestructionSchedule.objects.get(institution=institution).interval_months == 3
    for bad in ("99999999999999999999", "\x00", "-5", "abc"):
        assert client.post(url, form | {"interval_months": "6", "case_data": bad}).status_code == 400
    assert client.post(url, form | {"interval_months": "6", "case_data": "400"}).status_code == 302
    assert retention.keep_days(institution)["case_data"] == 400
    assert DestructionSchedule.objects.get(institution=institution).interval_months == 6


@pytest.mark.django_db
def test_dry_run_changes_nothing(finished, institution, client, admin_user, road_staff):
    due = finished(OLD, "Hatice Bozkurtlu")
    finished(RECENT, "Ömer Çağlayanlı")
    before = (
        list(Case.objects.values_list("pk", "description", "citizen_id", "street")),
        Attachment.objects.count(),
        Event.objects.count(),
        DestructionRecord.objects.count(),
    )
    rows = {row.category: row for row in retention.plan(institution)}
    assert rows["case_data"].count == 1 and rows["case_data"].oldest.year == 2019
    assert rows["attachments"].count == 1 and rows["attachments"].bytes > 0
    client.force_login(admin_user)
    shown = client.get(reverse("privacy:retention"), headers={"accept-language": "tr"})
    assert shown.status_code == 200 and "Henüz çalışmadı" in shown.content.decode()  # the first run's date
    assert 'id="nav-kvkk-retention"' in shown.content.decode()  # the menu leads here
    page = client.post(reverse("privacy:retention"), {"action": "dry_run"})
    assert page.status_code == 200 and b'id="dry-run"' in page.content
    out = io.StringIO()
    call_command("kvkk_destroy", "--dry-run", "--institution", institution.slug, stdout=out)
    assert "2019" in out.getvalue()
    after = (
        list(Case.objects.values_list("pk", "description", "citizen_id", "street")),
        Attachment.objects.count(),
        Event.objects.count(),
        DestructionRecord.objects.count(),
    )
    assert after == before and not is_anonymised(due)
    client.force_login(road_staff)
    assert client.get(reverse("privacy:retention")).status_code == 403


@pytest.mark.django_db
def test_the_command_runs_it_and_the_administrators_are_told(finished, institution, admin_user, road_team):
    finished(OLD, "Hatice Bozkurtlu")
    TeamPosition.objects.create(team=road_team, at=OLD, latitude=41, longitude=29)
    out = io.StringIO()
    call_command("kvkk_destroy", "--institution", institution.slug, "--user", admin_user.username, stdout=out)
    records = DestructionRecord.objects.filter(institution=institution)
    assert {r.category for r in records} == KVKK
    assert all(r.performed_by == admin_user for r in records)
    assert records.get(category="team_positions").item_count == 1
    told = Notification.objects.filter(user=admin_user, kind="destruction_run")
    assert told.count() == 1
    assert told.get().link.startswith("/imha-tutanaklari/")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_it_once(institution):
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    retention.schedule_for(institution)
    DestructionSchedule.objects.filter(institution=institution).update(last_run_at=None)  # due now
    now = timezone.now()
    results: list = []
    barrier = threading.Barrier(2)

    def work() -> None:
        try:
            barrier.wait()
            results.append(retention.run(institution, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for result in results if result is not None) == 1
    assert DestructionRecord.objects.filter(institution=institution, category="case_data").count() == 1
