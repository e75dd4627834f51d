"""KGYS footage under order (kentmasa.emergency.footage): Seda records the Eskişehir prosecutor's request for
two cameras' footage of last night's fight at the Adalar; the window is held at once. Murat, who holds the
release permission, cannot approve it before the written order is attached; Seda cannot approve her own
request even when she holds the permission; with the order, Murat's approval exports the window into a zip
whose SHA-256 and every file's SHA-256 are logged, and the holds stay. A request reaching past a camera's
ten days is refused with that reason, unless a hold kept the footage. Only amir (lift permission) lifts a
hold, with a reason."""

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import footage
from kentmasa.emergency.models import Camera, FootageHold, FootageRelease, FootageRequest
from kentmasa.emergency.tests.core_world import user
from kentmasa.emergency.tests.footage_world import ORDER_PDF, grant, kgys_world, record

pytestmark = pytest.mark.django_db

PROSECUTOR = FootageRequest.Requester.PROSECUTOR


@pytest.fixture
def kgys(settings, tmp_path):
    return kgys_world(settings, tmp_path)


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


def ask(kgys, now, *, cameras=None, start=None, hours=1, actor=None, **kwargs):
    """The prosecutor's request, as Seda records it: last night's hour at the Adalar."""
    start = start or now - dt.timedelta(hours=20)
    params = {
        "requester_kind": PROSECUTOR,
        "requester": "Eskişehir Cumhuriyet Başsavcılığı",
        "reference_no": "2026/4471 Soruşturma",
        "reference_date": timezone.localdate(now),
        "cameras": cameras if cameras is not None else kgys.cameras[:2],
        "window_start": start,
        "window_end": start + dt.timedelta(hours=hours),
        "actor": actor or kgys.seda,
        "now": now,
    }
    params.update(kwargs)
    return footage.record_request(kgys.world.police, **params)


def refused(code, call, *args, **kwargs):
    with pytest.raises(TransitionError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


def test_a_recorded_request_holds_each_cameras_window_at_once(kgys, now):
    request = ask(kgys, now)
    assert request.status == FootageRequest.Status.PENDING
    assert request.recorded_by == kgys.seda and request.refusal_reason == ""
    holds = list(FootageHold.objects.filter(request=request).order_by("camera__code"))
    assert [hold.camera for hold in holds] == kgys.cameras[:2]
    assert all(
        (hold.window_start, hold.window_end) == (request.window_start, request.window_end) and hold.is_active
        for hold in holds
    )
    assert "2026/4471 Soruşturma" in holds[0].reason and "Başsavcılığı" in holds[0].reason


def test_a_window_past_a_cameras_retention_is_refused_with_that_reason_and_holds_nothing(kgys, now):
    kgys.cameras[1].retention_days = 3
    kgys.cameras[1].save()
    request = ask(kgys, now, start=now - dt.timedelta(days=4))
    assert request.status == FootageRequest.Status.REFUSED
    assert request.decided_at == now and request.decided_by is None
    assert "ESK-KGYS-002" in request.refusal_reason and "3" in request.refusal_reason
    assert "ESK-KGYS-001" not in request.refusal_reason  # ten days: its footage is still there
    assert not FootageHold.objects.exists()


def test_a_window_partly_past_retention_is_refused_too(kgys, now):
    start = now - dt.timedelta(days=10, minutes=30)  # the first half hour is gone
    request = ask(kgys, now, start=start, cameras=kgys.cameras[:1])
    assert request.status == FootageRequest.Status.REFUSED
    assert "ESK-KGYS-001" in request.refusal_reason


def test_a_window_past_retention_that_a_hold_kept_may_be_requested(kgys, now):
    start = now - dt.timedelta(days=12)
    camera = kgys.cameras[0]
    footage.place_hold(
        camera,
        start - dt.timedelta(hours=1),
        start + dt.timedelta(hours=3),
        reason="Gasp soruşturması 2026/3901",
        actor=kgys.seda,
        now=start + dt.timedelta(hours=5),
    )
    request = ask(kgys, now, start=start, cameras=[camera])
    assert request.status == FootageRequest.Status.PENDING
    # A hold that covers only part of the window is not enough.
    other = ask(kgys, now, start=start + dt.timedelta(hours=2, minutes=30), cameras=[camera])
    assert other.status == FootageRequest.Status.REFUSED


def test_the_release_needs_an_order_another_officer_and_the_permission(kgys, now):
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(hours=20), 5)
    request = ask(kgys, now)

    message = refused("no_order", footage.approve, request, actor=kgys.murat)
    assert "yazılı emri" in message  # in Turkish, the site's language
    refused("forbidden", footage.approve, request, actor=kgys.world.operator)  # Seda has no permission

    footage.attach_order(request, ORDER_PDF, actor=kgys.seda)
    request.refresh_from_db()
    grant(kgys.seda, "release_footage")
    seda = User.objects.get(pk=kgys.seda.pk)
    refused("same_officer", footage.approve, request, actor=seda)  # her own request, permission or not
    refused("forbidden", footage.approve, request, actor=kgys.amir)  # amir may lift holds, not release
    stranger = user(
        "polis06",
        User.Role.POLICE_OPERATOR,
        Institution.objects.create(
            slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
        ),
    )
    refused("forbidden", footage.approve, request, actor=grant(stranger, "release_footage"))

    request.refresh_from_db()
    assert request.status == FootageRequest.Status.PENDING and request.decided_by is None
    assert not FootageRelease.objects.exists()


def test_the_order_is_kept_with_its_sha256_and_only_once(kgys, now):
    request = ask(kgys, now)
    refused("order", footage.attach_order, request, b"just some text, not a scan", actor=kgys.seda)
    refused("order", footage.attach_order, request, b"", actor=kgys.seda)
    request.refresh_from_db()
    assert not request.order and request.order_sha256 == ""

    footage.attach_order(request, SimpleUploadedFile("emir.pdf", ORDER_PDF), actor=kgys.seda)
    request.refresh_from_db()
    assert request.order_sha256 == hashlib.sha256(ORDER_PDF).hexdigest()
    with request.order.open("rb") as stored:
        assert stored.read() == ORDER_PDF
    refused("order_attached", footage.attach_order, request, ORDER_PDF, actor=kgys.seda)


def test_murat_approves_and_the_release_logs_the_package_and_every_files_sha256(kgys, now):
    start = now - dt.timedelta(hours=20)
    adalar, espark, campus = kgys.cameras
    record(kgys.recorder, adalar, start - dt.timedelta(minutes=2), 7)  # 2 before the window, 5 in it
    record(kgys.recorder, espark, start + dt.timedelta(minutes=30), 3)
    record(kgys.recorder, campus, start, 4)  # not asked for
    request = ask(kgys, now, start=start, hours=1, order=ORDER_PDF)

    release = footage.approve(request, actor=kgys.murat, now=now)

    request.refresh_from_db()
    assert request.status == FootageRequest.Status.RELEASED
    assert (request.decided_by, request.decided_at) == (kgys.murat, now)
    assert (release.released_by, release.released_at) == (kgys.murat, now)
    assert release.cameras == ["ESK-KGYS-001", "ESK-KGYS-002"]
    assert (release.window_start, release.window_end) == (request.window_start, request.window_end)
    with release.package.open("rb") as stored:
        data = stored.read()
    assert release.sha256 == hashlib.sha256(data).hexdigest() and release.byte_count == len(data)
    package = zipfile.ZipFile(io.BytesIO(data))
    names = package.namelist()
    assert len([name for name in names if name.startswith("ESK-KGYS-001/")]) == 5
    assert len([name for name in names if name.startswith("ESK-KGYS-002/")]) == 3
    assert not [name for name in names if name.startswith("ESK-KGYS-003/")]
    assert [line["name"] for line in release.manifest] == names
    for line in release.manifest:
        assert hashlib.sha256(package.read(line["name"])).hexdigest() == line["sha256"]
    described = json.loads(package.read("MANIFEST.json"))
    assert described["reference_no"] == "2026/4471 Soruşturma"
    assert described["order_sha256"] == hashlib.sha256(ORDER_PDF).hexdigest()
    assert described["released_by"] == "Murat Kaya"
    # Handing over does not lift the holds.
    assert FootageHold.objects.filter(request=request, lifted_at__isnull=True).count() == 2

    refused("decided", footage.approve, request, actor=kgys.murat)
    assert FootageRelease.objects.count() == 1


def test_the_same_footage_makes_the_same_package(kgys, now):
    """The package is reproducible: an authority can check the SHA-256 against a second export."""
    start = now - dt.timedelta(hours=20)
    record(kgys.recorder, kgys.cameras[0], start, 3)
    first = ask(kgys, now, start=start, cameras=kgys.cameras[:1], order=ORDER_PDF)
    second = ask(kgys, now, start=start, cameras=kgys.cameras[:1], order=ORDER_PDF)
    one = footage.approve(first, actor=kgys.murat, now=now)
    other = footage.approve(second, actor=kgys.murat, now=now)
    assert [line["sha256"] for line in one.manifest][:-1] == [line["sha256"] for line in other.manifest][:-1]
    assert one.package.name != other.package.name


def test_no_footage_in_the_window_is_no_release_and_leaves_no_file(kgys, now):
    request = ask(kgys, now, order=ORDER_PDF)
    message = refused("no_footage", footage.approve, request, actor=kgys.murat)
    assert "reddedin" in message
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.PENDING
    assert not default_storage.exists("footage-releases") or not any(
        default_storage.listdir("footage-releases")[1]
    )


def test_a_permission_holder_refuses_with_a_reason_and_the_holds_stay(kgys, now):
    request = ask(kgys, now)
    refused("forbidden", footage.refuse, request, actor=kgys.seda, reason="Yetkisiz")
    refused("reason", footage.refuse, request, actor=kgys.murat, reason="   ")
    footage.refuse(request, actor=kgys.murat, reason="Yazıda kamera numarası yok.", now=now)
    request.refresh_from_db()
    assert request.status == FootageRequest.Status.REFUSED
    assert (request.decided_by, request.refusal_reason) == (kgys.murat, "Yazıda kamera numarası yok.")
    assert FootageHold.objects.filter(request=request, lifted_at__isnull=True).count() == 2
    refused("decided", footage.approve, request, actor=kgys.murat)


def test_only_a_lift_permission_holder_lifts_a_hold_and_only_with_a_reason(kgys, now):
    request = ask(kgys, now)
    hold = FootageHold.objects.filter(request=request).earliest("pk")
    refused("forbidden", footage.lift_hold, hold, actor=kgys.seda, reason="Dava düştü")
    refused("forbidden", footage.lift_hold, hold, actor=kgys.murat, reason="Dava düştü")
    refused("reason", footage.lift_hold, hold, actor=kgys.amir, reason="")
    refused("reason", footage.lift_hold, hold, actor=kgys.amir, reason="x" * 301)
    footage.lift_hold(
        hold, actor=kgys.amir, reason="Savcılık görüntüleri teslim aldı, dosya kapandı.", now=now
    )
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lifted_at) == (kgys.amir, now) and not hold.is_active
    refused("lifted", footage.lift_hold, hold, actor=kgys.amir, reason="again")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cameras": []}, "cameras"),
        ({"requester_kind": "mayor"}, "requester_kind"),
        ({"requester": "   "}, "requester"),
        ({"hours": 0}, "window"),
        ({"hours": 24 * 32}, "window"),
        ({"start": "later"}, "window"),
        ({"reference_date": "tomorrow"}, "reference_date"),
        ({"order": b"MZ\x90\x00 an executable"}, "order"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(kgys, now, change, code):
    if change.get("start") == "later":
        change["start"] = now + dt.timedelta(hours=1)
    if change.get("reference_date") == "tomorrow":
        change["reference_date"] = timezone.localdate(now) + dt.timedelta(days=1)
    refused(code, ask, kgys, now, **change)
    assert not FootageRequest.objects.exists() and not FootageHold.objects.exists()


def test_cameras_of_another_directorate_and_strangers_are_refused(kgys, now):
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    theirs = Camera.objects.create(institution=ankara, code="ANK-001", name="Kızılay")
    refused("cameras", ask, kgys, now, cameras=[kgys.cameras[0], theirs])
    stranger = user("polis06", User.Role.POLICE_OPERATOR, ankara)
    refused("forbidden", ask, kgys, now, actor=stranger)
    clerk = user("memur", User.Role.UNIT_STAFF, kgys.world.police)
    refused("forbidden", ask, kgys, now, actor=clerk)
    refused(
        "forbidden",
        footage.place_hold,
        kgys.cameras[0],
        now - dt.timedelta(hours=2),
        now,
        reason="x",
        actor=stranger,
    )
    assert not FootageRequest.objects.exists() and not FootageHold.objects.exists()


def test_a_permission_holder_of_another_role_works_the_screens_of_their_own_directorate(kgys):
    assert footage.may_work(kgys.amir, kgys.world.police.pk)  # a unit manager, with the lift permission
    other_manager = user("mudur", User.Role.UNIT_MANAGER, kgys.world.police)
    assert not footage.may_work(other_manager, kgys.world.police.pk)  # the same role, no permission
    assert footage.may_work(kgys.seda, kgys.world.police.pk)
    assert not footage.may_release(kgys.seda, kgys.world.police.pk)
    assert footage.may_release(kgys.murat, kgys.world.police.pk)
    kgys.murat.is_active = False
    assert not footage.may_release(kgys.murat, kgys.world.police.pk)


def test_another_directorates_camera_of_the_same_code_is_never_in_the_package(kgys, now):
    """Codes are unique only within a directorate: Ankara's ESK-KGYS-001 recorded the same hour, and its
    footage is not Eskişehir's to hand over."""
    start = now - dt.timedelta(hours=20)
    ours = record(kgys.recorder, kgys.cameras[0], start, 3)
    ankara = Institution.objects.create(
        slug="ankara-emniyet", name="Ankara İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    twin = Camera.objects.create(institution=ankara, code="ESK-KGYS-001", name="Kızılay")
    theirs = record(kgys.recorder, twin, start + dt.timedelta(seconds=30), 3)  # other names, same hour
    request = ask(kgys, now, start=start, cameras=kgys.cameras[:1], order=ORDER_PDF)

    release = footage.approve(request, actor=kgys.murat, now=now)

    with release.package.open("rb") as stored:
        package = zipfile.ZipFile(io.BytesIO(stored.read()))
    files = [name for name in package.namelist() if name != "MANIFEST.json"]
    assert files == [f"ESK-KGYS-001/{segment.name}" for segment in ours]
    assert all(package.read(name).startswith(b"ESK-KGYS-001") for name in files)
    assert kgys.recorder.segments(twin) == theirs  # and Ankara's footage is where it was


def test_the_package_is_named_by_its_time_in_utc_marked_z(kgys, now):
    record(kgys.recorder, kgys.cameras[0], now - dt.timedelta(hours=20), 2)
    request = ask(kgys, now, cameras=kgys.cameras[:1], order=ORDER_PDF)
    istanbul = timezone.localtime(now)  # the moment given in local time (UTC+3)
    assert istanbul.utcoffset() == dt.timedelta(hours=3)

    release = footage.approve(request, actor=kgys.murat, now=istanbul)

    utc = now.astimezone(dt.UTC)
    assert release.package.name == f"footage-releases/{utc:%Y/%m}/kgys-{request.pk}-{utc:%Y%m%dT%H%M%S}Z.zip"
