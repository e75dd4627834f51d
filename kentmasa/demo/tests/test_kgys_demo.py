"""The demo's cameras and plate recognition (kentmasa.demo.kgys): Eskişehir police has twelve cameras at real
places, 12 days of the file-system recorder's footage (the purge has deleted what is past retention and kept
what the holds cover, and left its destruction record), a footage request waiting for amir's approval with
its order scan, one released and one refused; a hotlist of 100 plates, three plate alerts made by the
reads' own way in, and a plate-reads token for the camera system; loading again adds nothing."""

import datetime as dt
import hashlib
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point

from kentmasa.demo import kgys, loader, police
from kentmasa.demo.places import load_mahalleler
from kentmasa.demo.tables import ESKISEHIR
from kentmasa.directory.models import ApiToken, Institution, Team, User
from kentmasa.emergency import footage, recorders
from kentmasa.emergency.management.commands import demo_pts
from kentmasa.emergency.models import (
    Camera,
    FootageHold,
    FootageRelease,
    FootageRequest,
    HotlistEntry,
    PlateAlert,
    PlateHit,
    PlateKind,
    PlateRead,
)
from kentmasa.lib import plates
from kentmasa.retention.models import DestructionRecord

PASSWORD = "parola-kgys-1"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo without cases, loaded once for the module and rolled back after it."""
    out = StringIO()
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with (
        pytest.MonkeyPatch.context() as patch,
        fast_hashing,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setenv(loader.PASSWORD_ENV, PASSWORD)
        call_command("load_demo", cases=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test may read the loaded demo (and what it writes is undone after it)."""


@pytest.fixture
def directorate(loaded) -> Institution:
    return Institution.objects.get(slug=ESKISEHIR.slug)


def loaded_at(directorate: Institution) -> dt.datetime:
    """When the demo was loaded: its footage purge ran then (the test may run in the next hour)."""
    return DestructionRecord.objects.get(
        institution=directorate, category=DestructionRecord.Category.FOOTAGE
    ).started_at


def test_twelve_cameras_stand_in_the_mahalle_they_name(directorate):
    inner, _outer = load_mahalleler("eskisehir")
    cameras = list(Camera.objects.filter(institution=directorate).order_by("code"))
    assert [camera.code for camera in cameras] == [spec.code for spec in kgys.CAMERAS]
    for camera in cameras:
        assert camera.latitude is not None and camera.longitude is not None
        point = Point(float(camera.longitude), float(camera.latitude))
        where = {f"{m.name}, {m.district}" for m in inner if m.geometry.contains(point)}
        assert where == {camera.location}, camera.code
        assert camera.active and camera.name
    assert Counter(camera.retention_days for camera in cameras) == {10: 11, 15: 1}


def test_the_recorder_holds_the_last_days_the_purge_kept(directorate):
    """Footage past a camera's retention is gone unless a hold covers it; the rest is there, hour by hour,
    up to the last full hour before the load; each file is a small placeholder with an MP4 header."""
    recorder = recorders.FileSystemRecorder()
    now = loaded_at(directorate)
    last_hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first_hour = last_hour - dt.timedelta(days=kgys.FOOTAGE_DAYS)
    holds = list(FootageHold.objects.filter(camera__institution=directorate, lifted_at__isnull=True))
    for camera in Camera.objects.filter(institution=directorate):
        cutoff = footage.cutoff(camera, now)
        segments = [segment for segment in recorder.segments(camera) if segment.end <= last_hour]
        hours = [first_hour + hour * kgys.SEGMENT for hour in range(kgys.FOOTAGE_DAYS * 24)]
        mine = [hold for hold in holds if hold.camera_id == camera.pk]
        held = {
            start
            for start in hours
            for hold in mine
            if start < hold.window_end and hold.window_start < start + kgys.SEGMENT
        }
        kept = {start for start in hours if start + kgys.SEGMENT > cutoff} | held
        assert [segment.start for segment in segments] == sorted(kept), camera.code
        assert all(300 < segment.size < 2500 for segment in segments)
    bus_station = Camera.objects.get(institution=directorate, code="ESK-KGYS-009")
    first = recorder.segments(bus_station)  # kept 15 days: nothing of its 12 deleted
    assert len([segment for segment in first if segment.end <= last_hour]) == kgys.FOOTAGE_DAYS * 24
    with open(recorder.root / first[0].key, "rb") as file:
        assert file.read(12)[4:8] == b"ftyp"


def test_the_footage_purge_left_its_destruction_record(directorate):
    record = DestructionRecord.objects.get(
        institution=directorate, category=DestructionRecord.Category.FOOTAGE
    )
    assert record.outcome == DestructionRecord.Outcome.DONE and not record.errors
    # Eleven cameras kept ten days had two days past retention; the bus station's fifteen had none.
    assert len(record.items) == 11
    assert not any("ESK-KGYS-009" in line["what"] for line in record.items)
    assert record.item_count == sum(line["count"] for line in record.items) > 11 * 40
    # Kept: the released request's two cameras and the investigation's hold, each with its reason.
    reasons = [line["reason"] for line in record.kept]
    assert len(reasons) == 3
    assert sum("4821 Soruşturma" in reason for reason in reasons) == 2
    assert any("yankesicilik" in reason for reason in reasons)


def test_a_request_waits_for_amir_with_its_order_scan(directorate):
    waiting = FootageRequest.objects.get(institution=directorate, status=FootageRequest.Status.PENDING)
    assert waiting.recorded_by.username == kgys.OPERATOR
    assert waiting.requester_kind == FootageRequest.Requester.PROSECUTOR
    assert waiting.reference_no.endswith("/5310 Soruşturma")
    assert sorted(waiting.cameras.values_list("code", flat=True)) == ["ESK-KGYS-004", "ESK-KGYS-005"]
    with waiting.order.open("rb") as scan:
        data = scan.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == waiting.order_sha256
    assert waiting.window_end < waiting.recorded_at < timezone.now()
    # Its window is held at once, so nothing of it is deleted while it waits.
    assert waiting.holds.filter(lifted_at__isnull=True).count() == 2
    amir = User.objects.get(username=kgys.APPROVER)
    polis = User.objects.get(username=kgys.OPERATOR)
    # A permission, not a role: the duty supervisor stays a police operator.
    assert amir.role == User.Role.POLICE_OPERATOR
    assert footage.may_release(amir, directorate.pk) and footage.may_lift(amir, directorate.pk)
    assert not footage.may_release(polis, directorate.pk)


def test_amir_can_approve_the_waiting_request_and_the_package_is_logged(directorate):
    waiting = FootageRequest.objects.get(institution=directorate, status=FootageRequest.Status.PENDING)
    release = footage.approve(waiting, actor=User.objects.get(username=kgys.APPROVER))
    assert release.cameras == ["ESK-KGYS-004", "ESK-KGYS-005"]
    with release.package.open("rb") as package:
        assert hashlib.sha256(package.read()).hexdigest() == release.sha256
    # Two cameras, the window's hours (18:00-20:30 local: three segments each), and the package's manifest.
    files = [line for line in release.manifest if line["camera"]]
    assert Counter(line["camera"] for line in files) == {"ESK-KGYS-004": 3, "ESK-KGYS-005": 3}


def test_one_request_was_released_and_one_refused_past_retention(directorate):
    released = FootageRequest.objects.get(institution=directorate, status=FootageRequest.Status.RELEASED)
    assert released.decided_by.username == kgys.APPROVER != released.recorded_by.username
    release = FootageRelease.objects.get(request=released)
    assert release.released_by.username == kgys.APPROVER
    assert len(release.sha256) == 64 and release.manifest and release.byte_count > 0
    # Handing over does not lift the holds: the released window outlives the cameras' ten days.
    assert released.holds.filter(lifted_at__isnull=True).count() == 2
    refused = FootageRequest.objects.get(institution=directorate, status=FootageRequest.Status.REFUSED)
    assert refused.requester_kind == FootageRequest.Requester.ADMINISTRATIVE
    assert "ESK-KGYS-007" in refused.refusal_reason and "10" in refused.refusal_reason
    assert not refused.holds.exists()


def test_the_hotlist_has_100_legal_turkish_plates_for_every_reason(directorate):
    entries = list(HotlistEntry.objects.filter(institution=directorate))
    assert len(entries) == kgys.HOTLIST_SIZE
    assert Counter(entry.reason for entry in entries) == dict(kgys.REASONS)
    for entry in entries:
        assert entry.plate_kind == PlateKind.TURKISH
        assert plates.normalize(entry.plate).kind == plates.TURKISH
        assert entry.note and entry.added_by is not None
        assert entry.valid_until is None or entry.valid_until > timezone.now()
    keys = {entry.plate for entry in entries}
    assert {plates.normalize(showcase.plate).key for showcase in kgys.SHOWCASES} <= keys


def test_three_plate_alerts_came_the_reads_way(directorate):
    alerts = {alert.plate: alert for alert in PlateAlert.objects.filter(institution=directorate)}
    stolen, wanted, terror = (alerts[plates.normalize(s.plate).key] for s in kgys.SHOWCASES)
    # The stolen car: read on the Ankara road, then downtown; stopped by the first team told.
    assert stolen.outcome == PlateAlert.Outcome.STOPPED and stolen.closed_at is not None
    assert list(PlateHit.objects.filter(alert=stolen).values_list("camera__code", flat=True)) == [
        "ESK-KGYS-010",
        "ESK-KGYS-005",
    ]
    seen = stolen.told.filter(seen_at__isnull=False).select_related("team").get()
    assert seen.team.name in stolen.note
    # The wanted driver: acknowledged, one team saw it, still open.
    assert wanted.closed_at is None and wanted.acknowledged_by.username == kgys.OPERATOR
    assert wanted.told.filter(seen_at__isnull=False).count() == 1
    # The terror-linked car: minutes ago, waiting for an operator on the board.
    assert terror.closed_at is None and terror.acknowledged_at is None
    assert timezone.now() - terror.last_hit_at < dt.timedelta(minutes=10)
    for alert in (stolen, wanted, terror):
        told = alert.told.select_related("team")
        assert told.exists()
        assert all(row.team.kind == Team.Kind.POLICE and row.distance_m is not None for row in told)


def test_reads_past_retention_were_deleted_with_a_record(directorate):
    cutoff = timezone.now() - dt.timedelta(days=10)
    assert PlateRead.objects.filter(institution=directorate).exists()
    assert not PlateRead.objects.filter(institution=directorate, at__lt=cutoff).exists()
    record = DestructionRecord.objects.get(
        institution=directorate, category=DestructionRecord.Category.PLATE_READS
    )
    assert record.item_count > 0 and record.outcome == DestructionRecord.Outcome.DONE


def test_the_printed_token_posts_plate_reads_and_nothing_else(directorate, loaded):
    account = User.objects.get(username=kgys.PTS_USERNAME)
    raw = next(word for word in loaded.split() if word.startswith(ApiToken.PREFIX))
    assert ApiToken.authenticate(raw, scopes=(ApiToken.Scope.PLATE_READS,)) == account
    assert ApiToken.authenticate(raw) is None  # a staff token nowhere
    assert account.institution_id == directorate.pk and not account.has_usable_password()
    assert "make demo-pts" in loaded and "/imha-tutanaklari/" in loaded
    # It cannot sign in, so it is not offered among the demo's logins.
    logins = next(line for line in loaded.splitlines() if "(aynı parola)" in line)
    assert kgys.PTS_USERNAME not in logins
    # demo_pts finds the demo's camera-system login and directorate by the same names.
    assert (kgys.PTS_USERNAME, ESKISEHIR.slug) == (demo_pts.PTS_USERNAME, demo_pts.DEMO_INSTITUTION)


def test_loading_again_adds_nothing_and_issues_a_new_token(directorate, loaded, monkeypatch):
    models = (
        Camera,
        FootageRequest,
        FootageHold,
        FootageRelease,
        HotlistEntry,
        PlateAlert,
        PlateRead,
        DestructionRecord,
    )
    before = {model.__name__: model.objects.count() for model in models}
    old = next(word for word in loaded.split() if word.startswith(ApiToken.PREFIX))
    monkeypatch.setenv(loader.PASSWORD_ENV, PASSWORD)
    out = StringIO()
    call_command("load_demo", cases=0, stdout=out)
    assert {model.__name__: model.objects.count() for model in models} == before
    new = next(word for word in out.getvalue().split() if word.startswith(ApiToken.PREFIX))
    assert new != old
    assert ApiToken.authenticate(old, scopes=(ApiToken.Scope.PLATE_READS,)) is None  # revoked
    assert ApiToken.authenticate(new, scopes=(ApiToken.Scope.PLATE_READS,)) is not None
    # The recorder's files since the first load: none, or the hour that has just ended for each camera.
    written = re.search(r"bu yüklemede (\d+) saatlik dosya", out.getvalue())
    assert written is not None and int(written[1]) in (0, len(kgys.CAMERAS))


def test_a_later_load_records_the_hours_since_the_newest_file(directorate):
    """As if the recorder had kept recording while the demo was off: the missing hours, nothing earlier
    (what the purge deleted stays deleted)."""
    recorder = recorders.get_recorder()
    cameras = {camera.code: camera for camera in Camera.objects.filter(institution=directorate)}
    before = {code: recorder.segments(camera) for code, camera in cameras.items()}
    later = max(segments[-1].end for segments in before.values()) + dt.timedelta(hours=5, minutes=20)
    last_hour = later.replace(minute=0, second=0, microsecond=0)

    written = kgys._footage(cameras, later, fresh=False)

    assert written == sum((last_hour - segments[-1].end) // kgys.SEGMENT for segments in before.values())
    for code, segments in before.items():
        after = recorder.segments(cameras[code])
        assert after[: len(segments)] == segments, code
        assert [segment.start for segment in after[len(segments) :]] == [
            segments[-1].end + hour * kgys.SEGMENT for hour in range(len(after) - len(segments))
        ]
        assert after[-1].end == last_hour


def test_the_police_demo_runs_first_so_alerts_find_the_teams(directorate):
    """kgys runs after police.set_up: the teams told stand where police.CREWS puts them."""
    names = {crew.name for crew in police.CREWS}
    told = {row.team.name for alert in PlateAlert.objects.all() for row in alert.told.select_related("team")}
    assert told and told <= names
