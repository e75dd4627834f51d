"""Camera footage (KGYS) under an authority's order: requests, their approval and release, legal holds, and
the retention purge. Every step goes through one function here; the screens (footage_views) and the admin
only call them. A refusal raises kentmasa.cases.services.TransitionError with a translated message and
writes nothing.

The rules, from the issue and the KGYS standard ("kayıtlar ortalama 10 gün saklanır"):

* ``record_request``: an officer records a written request (prosecutor's office, court, administrative
  investigation) with its reference, the cameras and the window. At once, in the same transaction, a legal
  hold is placed on every camera's window, so nothing of it is deleted while the request waits. A window
  reaching back past a camera's retention, where no hold kept the footage, is already deleted: the request is
  saved as refused with that reason (and holds nothing).
* ``attach_order``: the scanned written order (PDF, JPEG, PNG or TIFF, read from its bytes), kept with its
  SHA-256.
* ``approve``: only an officer holding the permission ``emergency.release_footage`` (a permission, not a
  role), never the one who recorded the request, and only with the order attached. The window's footage is
  exported from the recorder (kentmasa.emergency.recorders) into a zip package with a MANIFEST.json; the
  SHA-256 of every file and of the package, who, when, the cameras and the window are written on a
  FootageRelease. Handing over does not lift the holds.
* ``refuse``: a permission holder refuses a waiting request with a reason (its holds stay until lifted).
* ``place_hold`` / ``lift_hold``: a hold on a camera's window for an investigation; lifting needs the
  permission ``emergency.lift_footage_hold`` and a reason, and is the only way a hold ends.
* ``purge_footage`` (the periodic task ``purge_camera_footage``, every minute, each institution at most once
  an hour): per camera, the segments that ended before now − the camera's retention days and overlap no
  active hold are deleted through the recorder; each institution's run leaves one destruction record
  (kentmasa.retention.records), even when nothing was due, listing what was deleted per camera and what was
  kept by which hold. Safe with several workers: a run decides under its institution's lock (a row lock
  that never blocks the directorate's other inserts; PostgreSQL: skipped by the others; SQLite: one writer
  at a time) and writes its record, "not finished", before it deletes anything; holds are placed under the
  same lock, so a hold is either seen by the decision or placed after it. Files are deleted outside any
  transaction, then the record is finished with what was deleted and the errors (purge_institution).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import recorders, teams
from kentmasa.emergency.models import Camera, FootageHold, FootageRelease, FootageRequest
from kentmasa.lib import edge
from kentmasa.notify.tell import tell
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord

RELEASE_PERMISSION = "emergency.release_footage"
LIFT_PERMISSION = "emergency.lift_footage_hold"
MAX_CAMERAS = 50  # cameras in one request
MAX_WINDOW = dt.timedelta(days=31)  # one request's window
MAX_HOLD = dt.timedelta(days=366)  # one hold's window
MB = 1024 * 1024
ORDER_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}
ORDER_MAX_BYTES = 20 * MB
PURGE_EVERY = dt.timedelta(hours=1)
CHUNK = 1024 * 1024
MANIFEST = "MANIFEST.json"
REASON_MAX = 300  # FootageHold.reason and .lift_reason
Window = tuple[dt.datetime, dt.datetime]


# -- who may -------------------------------------------------------------------------------------------------


def _active_in(user: User | None, institution_id: int | None) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or (institution_id is not None and user.institution_id == institution_id)


def may_release(user: User | None, institution_id: int | None) -> bool:
    """Holds ``emergency.release_footage`` and works for the institution (a superuser anywhere)."""
    return _active_in(user, institution_id) and bool(user and user.has_perm(RELEASE_PERMISSION))


def may_lift(user: User | None, institution_id: int | None) -> bool:
    """Holds ``emergency.lift_footage_hold`` and works for the institution (a superuser anywhere)."""
    return _active_in(user, institution_id) and bool(user and user.has_perm(LIFT_PERMISSION))


def may_work(user: User | None, institution_id: int | None) -> bool:
    """Who opens the institution's KGYS screens and records requests, orders and holds: its police operators
    and administrators (teams.is_operator), and anybody of it holding one of the KGYS permissions."""
    return (
        teams.is_operator(user, institution_id)
        or may_release(user, institution_id)
        or may_lift(user, institution_id)
    )


# -- who is told --------------------------------------------------------------------------------------------


def _approvers(institution_id: int, *, besides: User | None = None) -> tuple[list[User], bool]:
    """The people approvers() names, and whether they hold the release permission (False: the
    administrators, put before a request nobody of the institution may approve)."""
    holders = (
        User.objects.with_perm(RELEASE_PERMISSION, is_active=True, include_superusers=False)
        .filter(institution_id=institution_id)
        .order_by("pk")
    )
    if besides is not None:
        holders = holders.exclude(pk=besides.pk)
    found = list(holders[:50])
    if found:
        return found, True
    administrators = User.objects.filter(
        institution_id=institution_id, role=User.Role.ADMINISTRATOR, is_active=True
    )
    if besides is not None:
        administrators = administrators.exclude(pk=besides.pk)
    return list(administrators.order_by("pk")[:50]), False


def approvers(institution_id: int, *, besides: User | None = None) -> list[User]:
    """Who is asked to decide a waiting request: the institution's active staff holding the release
    permission (directly or through a group), but not the officer who recorded it. When nobody holds it,
    the institution's administrators, so that the request never waits unseen (they are told that the
    permission must be granted, not that the request waits for their approval)."""
    return _approvers(institution_id, besides=besides)[0]


def _request_link(footage_request: FootageRequest) -> str:
    return reverse("emergency:kgys:request", args=[footage_request.pk])


def _tell_approvers(footage_request: FootageRequest, *, actor: User) -> None:
    """A waiting request (recorded, or its order attached) is put before the approvers, by name. When nobody
    but its recorder holds the release permission, the administrators hear that it must be granted."""
    people, may_approve = _approvers(footage_request.institution_id, besides=footage_request.recorded_by)
    if not people:
        return
    if not may_approve:
        recorder_holds = footage_request.recorded_by is not None and may_release(
            footage_request.recorded_by, footage_request.institution_id
        )
        if recorder_holds:
            headline = _(
                "A footage request waits for a decision, but only the officer who recorded it holds the "
                "permission “Can approve the release of camera footage (KGYS)”, and nobody approves their "
                "own request: grant it to another officer of the directorate (administration: user → "
                "permissions)"
            )
        else:
            headline = _(
                "A footage request waits for a decision, but nobody in the directorate holds the "
                "permission “Can approve the release of camera footage (KGYS)”: grant it to an officer of "
                "the directorate (administration: user → permissions) so that the request can be decided"
            )
    elif footage_request.order:
        headline = _("A footage request waits for your approval")
    else:
        headline = _("A footage request was recorded; its written order is not attached yet")
    text = _("%(headline)s: %(authority)s, %(reference)s (%(count)d cameras, %(start)s–%(end)s)") % {
        "headline": headline,
        "authority": footage_request.requester,
        "reference": footage_request.reference_no,
        "count": footage_request.cameras.count(),
        "start": _shown(footage_request.window_start),
        "end": _shown(footage_request.window_end),
    }
    tell(
        people,
        "footage_approval",
        text,
        link=_request_link(footage_request),
        actor=actor,
    )


def _tell_recorder(footage_request: FootageRequest, *, actor: User) -> None:
    """The officer who recorded a request hears how it was decided (unless they decided it themselves)."""
    if footage_request.recorded_by is None:
        return
    if footage_request.status == FootageRequest.Status.RELEASED:
        headline = _("Footage released")
    else:
        headline = _("Footage request refused")
    text = _("%(headline)s: %(authority)s, %(reference)s") % {
        "headline": headline,
        "authority": footage_request.requester,
        "reference": footage_request.reference_no,
    }
    tell(
        [footage_request.recorded_by],
        "footage_decided",
        text,
        link=_request_link(footage_request),
        actor=actor,
    )


# -- retention and holds -------------------------------------------------------------------------------------


def cutoff(camera: Camera, now: dt.datetime) -> dt.datetime:
    """Footage that ended before this moment is past the camera's retention."""
    return now - dt.timedelta(days=camera.retention_days)


def _uncovered(start: dt.datetime, end: dt.datetime, holds: Sequence[Window]) -> bool:
    """Whether some part of [start, end) lies outside every one of the windows."""
    cursor = start
    for hold_start, hold_end in sorted(holds):
        if hold_start > cursor:
            return True
        cursor = max(cursor, hold_end)
        if cursor >= end:
            return False
    return cursor < end


def active_holds(cameras: Iterable[Camera]) -> dict[int, list[FootageHold]]:
    """The active holds of the cameras, by camera id (index footage_hold_active)."""
    found: dict[int, list[FootageHold]] = {}
    for hold in FootageHold.objects.filter(camera__in=list(cameras), lifted_at__isnull=True).order_by(
        "window_start", "pk"
    ):
        found.setdefault(hold.camera_id, []).append(hold)
    return found


def past_retention(
    cameras: Sequence[Camera], start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[tuple[Camera, dt.datetime]]:
    """The cameras whose footage of [start, end) is partly deleted already: the window reaches back past the
    camera's retention and no active hold kept that part. With each, its cutoff."""
    holds = active_holds(cameras)
    gone = []
    for camera in cameras:
        limit = cutoff(camera, now)
        if start >= limit:
            continue
        windows = [(hold.window_start, hold.window_end) for hold in holds.get(camera.pk, [])]
        if _uncovered(start, min(end, limit), windows):
            gone.append((camera, limit))
    return gone


def _shown(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def _lock_institution(institution_id: int, *, skip_locked: bool = False) -> bool:
    """Hold the institution's row for the rest of the transaction: the purge's decision, a hold and a
    request take turns on it. On PostgreSQL ``FOR NO KEY UPDATE``: it excludes the other takers of this lock
    (and updates of the row itself), never the ``FOR KEY SHARE`` that every insert of a row referring to the
    institution takes (a case, a footage request, a camera …), so the directorate's other work does not wait.
    SQLite has one writer at a time anyway (IMMEDIATE transactions). With ``skip_locked``, False when another
    transaction holds it."""
    rows = Institution.objects.filter(pk=institution_id).select_for_update(
        skip_locked=skip_locked, no_key=True
    )
    return rows.values_list("pk", flat=True).first() is not None


def _check_window(start: Any, end: Any, *, longest: dt.timedelta, now: dt.datetime) -> None:
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        raise TransitionError(_("Give the start and the end of the window."), "window")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise TransitionError(_("Give the start and the end of the window."), "window")
    if not (edge.is_searchable(start) and edge.is_searchable(end)):
        raise TransitionError(_("Choose times from 2000 on."), "window")
    if end <= start:
        raise TransitionError(_("The window must end after it starts."), "window")
    if end - start > longest:
        raise TransitionError(
            _("The window may be at most %(days)d days long.") % {"days": longest.days}, "window"
        )
    if start > now:
        raise TransitionError(_("The window must start in the past."), "window")


def place_hold(
    camera: Camera,
    window_start: dt.datetime,
    window_end: dt.datetime,
    *,
    reason: str,
    actor: User | None,
    request: FootageRequest | None = None,
    now: dt.datetime | None = None,
) -> FootageHold:
    """Hold the camera's footage of the window until the hold is lifted by hand (``lift_hold``)."""
    now = now or timezone.now()
    if actor is not None and not may_work(actor, camera.institution_id):
        raise TransitionError(_("Only the directorate's police operators place holds."), "forbidden")
    _check_window(window_start, window_end, longest=MAX_HOLD, now=now)
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give the reason for the hold."), "reason")
    if len(reason) > REASON_MAX:
        raise TransitionError(_("The reason is too long."), "reason")
    with transaction.atomic():
        _lock_institution(camera.institution_id)  # a purge running now finishes first, then sees the hold
        return FootageHold.objects.create(
            camera=camera,
            window_start=window_start,
            window_end=window_end,
            reason=reason,
            request=request,
            created_by=actor,
            created_at=now,
        )


def lift_hold(hold: FootageHold, *, actor: User, reason: str, now: dt.datetime | None = None) -> FootageHold:
    """End a hold: only with ``emergency.lift_footage_hold`` and a reason. The footage is then deleted by the
    next purge if it is past retention."""
    institution_id = Camera.objects.filter(pk=hold.camera_id).values_list("institution_id", flat=True).first()
    if not may_lift(actor, institution_id):
        raise TransitionError(
            _("Lifting a legal hold needs the permission to lift holds on camera footage."), "forbidden"
        )
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give the reason for lifting the hold."), "reason")
    if len(reason) > REASON_MAX:
        raise TransitionError(_("The reason is too long."), "reason")
    with transaction.atomic():
        locked = FootageHold.objects.select_for_update().get(pk=hold.pk)
        if locked.lifted_at is not None:
            raise TransitionError(_("This hold has already been lifted."), "lifted")
        locked.lifted_at = now or timezone.now()
        locked.lifted_by = actor
        locked.lift_reason = reason
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return locked


# -- requests ------------------------------------------------------------------------------------------------


def check_order(data: bytes) -> str:
    """The order scan's file extension by what its bytes are, or TransitionError."""
    if not data:
        raise TransitionError(_("The file is empty."), "order")
    if len(data) > ORDER_MAX_BYTES:
        raise TransitionError(
            _("The file is larger than %(limit)d MB.") % {"limit": ORDER_MAX_BYTES // MB}, "order"
        )
    guessed = filetype.guess(data)
    mime = guessed.mime if guessed else ""
    if mime not in ORDER_TYPES:
        raise TransitionError(_("Attach the order as a PDF or a scanned image (JPEG, PNG, TIFF)."), "order")
    return ORDER_TYPES[mime]


def _read(uploaded: bytes | UploadedFile) -> bytes:
    if isinstance(uploaded, bytes | bytearray):
        return bytes(uploaded)
    if uploaded.size is not None and uploaded.size > ORDER_MAX_BYTES:
        raise TransitionError(
            _("The file is larger than %(limit)d MB.") % {"limit": ORDER_MAX_BYTES // MB}, "order"
        )
    data: bytes = uploaded.read(ORDER_MAX_BYTES + 1)
    return data


def _store_order(footage_request: FootageRequest, data: bytes) -> None:
    extension = check_order(data)
    digest = hashlib.sha256(data).hexdigest()
    footage_request.order.save(f"{digest[:16]}.{extension}", ContentFile(data), save=False)
    footage_request.order_sha256 = digest


def record_request(
    institution: Institution,
    *,
    requester_kind: str,
    requester: str,
    reference_no: str,
    reference_date: dt.date,
    cameras: Sequence[Camera],
    window_start: dt.datetime,
    window_end: dt.datetime,
    actor: User,
    note: str = "",
    order: bytes | UploadedFile | None = None,
    now: dt.datetime | None = None,
) -> FootageRequest:
    """Record an authority's request; hold its cameras' window at once, or refuse it (saved, with the
    reason) when the window's footage is partly deleted already."""
    now = now or timezone.now()
    if not may_work(actor, institution.pk):
        raise TransitionError(
            _("Only the directorate's police operators record footage requests."), "forbidden"
        )
    if requester_kind not in FootageRequest.Requester.values:
        raise TransitionError(_("Choose who asks for the footage."), "requester_kind")
    requester, reference_no = str(requester).strip(), str(reference_no).strip()
    if not requester or not reference_no:
        raise TransitionError(_("Give the authority and its reference number."), "requester")
    if reference_date > timezone.localdate(now):
        raise TransitionError(_("The reference date may not lie in the future."), "reference_date")
    chosen = list({camera.pk: camera for camera in cameras}.values())
    if not chosen:
        raise TransitionError(_("Choose at least one camera."), "cameras")
    if len(chosen) > MAX_CAMERAS:
        raise TransitionError(
            _("Choose at most %(count)d cameras in one request.") % {"count": MAX_CAMERAS}, "cameras"
        )
    if any(camera.institution_id != institution.pk for camera in chosen):
        raise TransitionError(_("Choose cameras of this directorate."), "cameras")
    _check_window(window_start, window_end, longest=MAX_WINDOW, now=now)
    data = _read(order) if order is not None else None
    if data is not None:
        check_order(data)
    chosen.sort(key=lambda camera: camera.code)
    with transaction.atomic():
        _lock_institution(institution.pk)
        footage_request = FootageRequest(
            institution=institution,
            requester_kind=requester_kind,
            requester=requester,
            reference_no=reference_no,
            reference_date=reference_date,
            window_start=window_start,
            window_end=window_end,
            note=note or "",
            recorded_by=actor,
            recorded_at=now,
        )
        gone = past_retention(chosen, window_start, window_end, now)
        if gone:
            footage_request.status = FootageRequest.Status.REFUSED
            footage_request.decided_at = now
            footage_request.refusal_reason = " ".join(
                _(
                    "Camera %(code)s keeps its recordings for %(days)d days: its footage from before "
                    "%(cutoff)s has been deleted and no legal hold kept it."
                )
                % {"code": camera.code, "days": camera.retention_days, "cutoff": _shown(limit)}
                for camera, limit in gone
            )
        if data is not None:
            _store_order(footage_request, data)
        footage_request.save()
        footage_request.cameras.set(chosen)
        if not gone:
            reason = _("Footage request %(reference)s of %(authority)s") % {
                "reference": reference_no,
                "authority": requester,
            }
            FootageHold.objects.bulk_create(
                FootageHold(
                    camera=camera,
                    window_start=window_start,
                    window_end=window_end,
                    reason=reason[:REASON_MAX],
                    request=footage_request,
                    created_by=actor,
                    created_at=now,
                )
                for camera in chosen
            )
            _tell_approvers(footage_request, actor=actor)
    return footage_request


def attach_order(
    footage_request: FootageRequest, uploaded: bytes | UploadedFile, *, actor: User
) -> FootageRequest:
    """Keep the scanned written order of a waiting request, with its SHA-256. One order per request: a
    wrong scan is a reason to refuse the request and record it again."""
    if not may_work(actor, footage_request.institution_id):
        raise TransitionError(_("Only the directorate's police operators attach orders."), "forbidden")
    data = _read(uploaded)
    check_order(data)
    with transaction.atomic():
        locked = FootageRequest.objects.select_for_update().get(pk=footage_request.pk)
        if locked.status != FootageRequest.Status.PENDING:
            raise TransitionError(_("The request has been decided already."), "decided")
        if locked.order:
            raise TransitionError(_("An order is already attached to this request."), "order_attached")
        _store_order(locked, data)
        locked.save(update_fields=["order", "order_sha256"])
        _tell_approvers(locked, actor=actor)
    return locked


def _check_approval(footage_request: FootageRequest, actor: User) -> None:
    if not may_release(actor, footage_request.institution_id):
        raise TransitionError(
            _("Approving a release needs the KGYS release permission (release of camera footage)."),
            "forbidden",
        )
    if footage_request.status != FootageRequest.Status.PENDING:
        raise TransitionError(_("The request has been decided already."), "decided")
    if footage_request.recorded_by_id == actor.pk:
        raise TransitionError(
            _("You recorded this request: another officer holding the permission must approve it."),
            "same_officer",
        )
    if not footage_request.order:
        raise TransitionError(
            _("No written order is attached: footage is released only under the authority's order."),
            "no_order",
        )


def refuse(
    footage_request: FootageRequest, *, actor: User, reason: str, now: dt.datetime | None = None
) -> FootageRequest:
    """A permission holder refuses a waiting request. Its holds stay until they are lifted by hand."""
    if not may_release(actor, footage_request.institution_id):
        raise TransitionError(
            _("Refusing a request needs the KGYS release permission (release of camera footage)."),
            "forbidden",
        )
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give the reason for the refusal."), "reason")
    with transaction.atomic():
        locked = FootageRequest.objects.select_for_update().get(pk=footage_request.pk)
        if locked.status != FootageRequest.Status.PENDING:
            raise TransitionError(_("The request has been decided already."), "decided")
        locked.status = FootageRequest.Status.REFUSED
        locked.refusal_reason = reason
        locked.decided_by = actor
        locked.decided_at = now or timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        _tell_recorder(locked, actor=actor)
    return locked


# -- the package handed over ---------------------------------------------------------------------------------


def _zip_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's time (local, as zip has no zones; zip cannot hold years before 1980)."""
    local = timezone.localtime(max(moment, dt.datetime(1980, 1, 2, tzinfo=dt.UTC)))
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


@dataclass
class Package:
    file: IO[bytes]
    sha256: str
    size: int
    manifest: list[dict[str, Any]]


def _copy(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def build_package(
    footage_request: FootageRequest,
    cameras: Sequence[Camera],
    *,
    actor: User,
    now: dt.datetime,
    recorder: recorders.Recorder | None = None,
) -> Package:
    """Export the window of every camera into a zip (stored, not compressed: video is compressed already)
    with MANIFEST.json; the SHA-256 of each file and of the whole. The caller closes ``file``."""
    recorder = recorder or recorders.get_recorder()
    start, end = footage_request.window_start, footage_request.window_end
    manifest: list[dict[str, Any]] = []
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, who closes it)
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
            for camera in cameras:
                try:
                    clips = list(recorder.export(camera, start, end))
                except (recorders.RecorderError, ValueError, OSError) as error:
                    raise TransitionError(
                        _("The recorder did not give the footage of camera %(code)s: %(error)s")
                        % {"code": camera.code, "error": error},
                        "recorder",
                    ) from error
                for clip in clips:
                    name = f"{camera.code}/{clip.name}"
                    info = zipfile.ZipInfo(name, date_time=_zip_time(clip.start))
                    info.compress_type = zipfile.ZIP_STORED
                    try:
                        with clip.open() as source, package.open(info, "w", force_zip64=True) as target:
                            digest, size = _copy(source, target)
                    except (recorders.RecorderError, OSError) as error:
                        raise TransitionError(
                            _("The recorder did not give the footage of camera %(code)s: %(error)s")
                            % {"code": camera.code, "error": error},
                            "recorder",
                        ) from error
                    manifest.append(
                        {
                            "camera": camera.code,
                            "name": name,
                            "from": clip.start.isoformat(),
                            "to": clip.end.isoformat(),
                            "bytes": size,
                            "sha256": digest,
                        }
                    )
            if not manifest:
                raise TransitionError(
                    _(
                        "The recorder has no footage of these cameras in this window: refuse the request "
                        "with this reason instead."
                    ),
                    "no_footage",
                )
            described = {
                "request": footage_request.pk,
                "institution": footage_request.institution.name,
                "requested_by": footage_request.get_requester_kind_display(),
                "authority": footage_request.requester,
                "reference_no": footage_request.reference_no,
                "reference_date": footage_request.reference_date.isoformat(),
                "order_sha256": footage_request.order_sha256,
                "window": {"from": start.isoformat(), "to": end.isoformat()},
                "cameras": [{"code": camera.code, "name": camera.name} for camera in cameras],
                "released_by": actor.get_full_name() or actor.username,
                "released_at": now.isoformat(),
                "files": manifest,
            }
            text = json.dumps(described, ensure_ascii=False, indent=2).encode()
            info = zipfile.ZipInfo(MANIFEST, date_time=_zip_time(now))
            package.writestr(info, text, compress_type=zipfile.ZIP_STORED)
            manifest.append(
                {
                    "camera": "",
                    "name": MANIFEST,
                    "from": None,
                    "to": None,
                    "bytes": len(text),
                    "sha256": hashlib.sha256(text).hexdigest(),
                }
            )
        spool.seek(0)
        whole = hashlib.sha256()
        size = 0
        while chunk := spool.read(CHUNK):
            whole.update(chunk)
            size += len(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Package(spool, whole.hexdigest(), size, manifest)


def approve(
    footage_request: FootageRequest,
    *,
    actor: User,
    now: dt.datetime | None = None,
    recorder: recorders.Recorder | None = None,
) -> FootageRelease:
    """Approve and release: a second officer holding the permission, with the order attached. The package
    is built outside the transaction (it may be large); the request is then locked and checked again, so
    two approvers at once make one release."""
    now = now or timezone.now()
    _check_approval(footage_request, actor)
    cameras = list(footage_request.cameras.order_by("code"))
    package = build_package(footage_request, cameras, actor=actor, now=now, recorder=recorder)
    with package.file:
        utc = now.astimezone(dt.UTC)  # the name's time in UTC, marked Z as ISO 8601 has it
        name = f"footage-releases/{utc:%Y/%m}/kgys-{footage_request.pk}-{utc:%Y%m%dT%H%M%SZ}.zip"
        stored = default_storage.save(name, File(package.file, name=name))
    try:
        with transaction.atomic():
            locked = (
                FootageRequest.objects.select_for_update()
                .select_related("institution")
                .get(pk=footage_request.pk)
            )
            _check_approval(locked, actor)
            release = FootageRelease(
                request=locked,
                released_by=actor,
                released_at=now,
                cameras=[camera.code for camera in cameras],
                window_start=locked.window_start,
                window_end=locked.window_end,
                sha256=package.sha256,
                byte_count=package.size,
                manifest=package.manifest,
            )
            release.package.name = stored
            release.save()
            locked.status = FootageRequest.Status.RELEASED
            locked.decided_by = actor
            locked.decided_at = now
            locked.save(update_fields=["status", "decided_by", "decided_at"])
            _tell_recorder(locked, actor=actor)
    except BaseException:
        default_storage.delete(stored)
        raise
    return release


# -- the retention purge -------------------------------------------------------------------------------------


def _basis() -> str:
    return _(
        "KGYS footage is kept for the days set on each camera (the standard: about 10 days) and then deleted "
        "unless a legal hold covers it (Law 6698 on the Protection of Personal Data, art. 7; the Regulation "
        "on the Deletion, Destruction or Anonymisation of Personal Data)."
    )


def _camera_label(camera: Camera) -> str:
    return _("%(code)s %(name)s (kept %(days)d days)") % {
        "code": camera.code,
        "name": camera.name,
        "days": camera.retention_days,
    }


def _overlaps(segment: recorders.Segment, hold: FootageHold) -> bool:
    return segment.start < hold.window_end and hold.window_start < segment.end


def _ran_lately(institution_id: int, now: dt.datetime) -> bool:
    last = records.last_run(DestructionRecord.Category.FOOTAGE, institution_id)
    return last is not None and now - PURGE_EVERY < last.started_at <= now


@dataclass
class _Due:
    """One camera's part of a run: what it deletes, and which of its due segments each hold keeps."""

    camera: Camera
    delete: list[recorders.Segment]
    keeping: dict[int, int]  # hold id → segments it keeps


def _decide(
    cameras: Sequence[Camera], listed: dict[int, list[recorders.Segment]], holds: dict[int, list[FootageHold]]
) -> tuple[list[_Due], list[dict]]:
    """What is deleted (the due segments no active hold overlaps) and the record's lines of what was kept."""
    plan: list[_Due] = []
    kept: list[dict] = []
    for camera in cameras:
        if camera.pk not in listed:
            continue
        due = _Due(camera, [], {})
        camera_holds = holds.get(camera.pk, [])
        for segment in listed[camera.pk]:
            held = [hold for hold in camera_holds if _overlaps(segment, hold)]
            for hold in held:
                due.keeping[hold.pk] = due.keeping.get(hold.pk, 0) + 1
            if not held:
                due.delete.append(segment)
        plan.append(due)
        for hold in camera_holds:
            if hold.pk in due.keeping:
                kept.append(
                    records.kept(
                        _camera_label(camera),
                        hold.window_start,
                        hold.window_end,
                        reason=_("Legal hold #%(id)d: %(reason)s (%(count)d segments kept)")
                        % {"id": hold.pk, "reason": hold.reason, "count": due.keeping[hold.pk]},
                    )
                )
    return plan, kept


def purge_institution(
    institution_id: int,
    *,
    now: dt.datetime | None = None,
    force: bool = False,
    recorder: recorders.Recorder | None = None,
) -> DestructionRecord | None:
    """One institution's run: None when another worker runs it now, or (unless ``force``) when it ran less
    than an hour ago; else the destruction record it wrote.

    No file is deleted inside a database transaction, and no deletion goes unrecorded:

    1. The recorder lists each camera's segments past retention (no lock held). Then, under the institution's
       lock, the active holds are read and the run decides: what no hold overlaps is deleted. Its destruction
       record is written at once, "not finished", and committed: other workers see that the run is taken,
       and a run that dies half-way still leaves its record. That commit is the moment of the decision: a
       hold placed after it does not keep what the run has decided to delete (footage already past
       retention, which a request recorded then is refused anyway).
    2. The segments are deleted, outside any transaction; one the recorder fails to delete is an error.
    3. The record is finished: what was deleted, what was kept and by which hold, the errors, the outcome.
    """
    now = now or timezone.now()
    recorder = recorder or recorders.get_recorder()
    if not force and _ran_lately(institution_id, now):
        return None
    cameras = list(Camera.objects.filter(institution_id=institution_id).order_by("code", "pk"))
    listed: dict[int, list[recorders.Segment]] = {}
    errors: list[str] = []
    for camera in cameras:
        try:
            listed[camera.pk] = recorder.segments_ending_before(camera, cutoff(camera, now))
        except (recorders.RecorderError, ValueError, OSError) as error:
            errors.append(f"{camera.code}: {error}")
    with transaction.atomic():
        if not _lock_institution(institution_id, skip_locked=True):
            return None
        if not force and _ran_lately(institution_id, now):
            return None
        plan, kept = _decide(cameras, listed, active_holds(cameras))
        planned = sum(len(due.delete) for due in plan)
        run = records.begin(
            DestructionRecord.Category.FOOTAGE,
            Institution.objects.get(pk=institution_id),
            started_at=now,
            basis=_basis(),
            kept=kept,
            errors=[
                *errors,
                _(
                    "The run did not finish: %(count)d segments were to be deleted; which of them were "
                    "deleted is not known."
                )
                % {"count": planned},
            ],
        )
    items: list[dict] = []
    try:
        for due in plan:
            deleted: list[recorders.Segment] = []
            try:
                for segment in due.delete:
                    try:
                        if recorder.delete(segment):
                            deleted.append(segment)
                    except (recorders.RecorderError, OSError) as error:
                        errors.append(f"{segment.key}: {error}")
            finally:
                if deleted:
                    items.append(
                        records.item(
                            _camera_label(due.camera),
                            min(segment.start for segment in deleted),
                            max(segment.end for segment in deleted),
                            count=len(deleted),
                            bytes=sum(segment.size for segment in deleted),
                        )
                    )
    except Exception as error:
        errors.append(_("The run stopped: %(error)s") % {"error": f"{type(error).__name__}: {error}"})
        records.finish(run, items=items, kept=kept, errors=errors)
        raise
    return records.finish(run, items=items, kept=kept, errors=errors)


def purge_footage(now: dt.datetime | None = None, *, force: bool = False) -> list[DestructionRecord]:
    """Every institution with cameras: its run (see purge_institution). Returns the records written."""
    institution_ids = (
        Camera.objects.order_by("institution_id").values_list("institution_id", flat=True).distinct()
    )
    written = []
    for institution_id in list(institution_ids):
        made = purge_institution(institution_id, now=now, force=force)
        if made is not None:
            written.append(made)
    return written


@task()
def purge_camera_footage() -> int:
    """Periodic (settings.KENTMASA_PERIODIC_TASKS): purge_footage, in the site's language (the records are
    read in it). Returns how many records were written."""
    with translation.override(settings.LANGUAGE_CODE):
        return len(purge_footage())
