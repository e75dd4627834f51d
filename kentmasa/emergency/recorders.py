"""The video recorder (NVR) behind the city cameras, as kentmasa sees it: a small adapter interface.

kentmasa never records video. The recorder does, in pieces ("segments") per camera, and kentmasa asks it three
things, all about one camera at a time. A camera is handed over as its kentmasa.emergency.models.Camera: its
code is unique only within its institution (two directorates may both have an ``ESK-001``), so an adapter
finds the camera by its institution (``institution_id``) and its code together, never by the code alone:

* :meth:`Recorder.segments_ending_before` — the segments whose recording ended before a time, oldest first:
  what the retention purge (kentmasa.emergency.footage.purge_footage) may delete when no legal hold covers it;
* :meth:`Recorder.delete` — delete one of them (deleting one already gone is no error: two purges may meet);
* :meth:`Recorder.export` — the footage of a window, as files to hand over (kentmasa.emergency.footage.approve
  packs them into a zip with the SHA-256 of every file and of the package).

:meth:`Recorder.segments` (the segments overlapping a window) is there for the screens and the checks. A
segment's times are aware datetimes in UTC; a segment belongs to a window when it overlaps it at all, so an
export may start a little before the window and end a little after (a recorder that can cut exactly may).

Writing an adapter for a real NVR (Milestone, Hikvision, Dahua, an ONVIF Profile G recorder …): subclass
:class:`Recorder`, implement the four methods over the device's API, and name the class in the setting
``KENTMASA_RECORDER`` (a dotted path; the class is made with no arguments and reads its own settings).
:func:`get_recorder` makes one per use. The NVR's own deletion by age must then be switched off or set longer
than kentmasa's: the legal hold works only if kentmasa decides what is deleted.

:class:`FileSystemRecorder` is the one kentmasa ships, for the tests and the demo: one folder per institution
under ``KENTMASA_RECORDER_ROOT`` (default var/recorder), named by the institution's id (its primary key, which
never changes; its short name may), one folder per camera in it, named by the camera's code, and one file per
segment named by its start and end in UTC::

    <root>/<institution id>/<camera code>/<start>_<end>.<ext>
    <root>/7/ESK-KGYS-014/20261204T021500Z_20261204T021600Z.mp4

Files whose names do not have this form are never listed, exported or deleted. Folders of the older layout
(``<root>/<camera code>/``, before cameras were kept apart by institution) are not read.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from kentmasa.emergency.models import Camera

# A camera's code as a folder name: letters, digits, dot, dash and underscore, not starting with a dot.
CAMERA_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STAMP = "%Y%m%dT%H%M%SZ"
SEGMENT_NAME = re.compile(r"(?P<start>\d{8}T\d{6}Z)_(?P<end>\d{8}T\d{6}Z)\.(?P<ext>[A-Za-z0-9]{1,8})")
COPY_CHUNK = 1024 * 1024


class RecorderError(Exception):
    """The recorder refused or failed (a camera it does not know, a device that does not answer, …)."""


@dataclass(frozen=True)
class Segment:
    """A piece of a camera's recording, ``[start, end)``; ``camera`` is the camera's code; ``key`` is how its
    recorder finds it again (it names the institution too)."""

    camera: str
    start: dt.datetime
    end: dt.datetime
    size: int
    key: str

    @property
    def name(self) -> str:
        """A file name for the segment in a package (unique within the camera)."""
        return self.key.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Clip:
    """A file of exported footage: ``open()`` gives its bytes (the caller closes it)."""

    camera: str
    name: str
    start: dt.datetime
    end: dt.datetime
    size: int
    path: Path | None = None

    def open(self) -> BinaryIO:
        if self.path is None:  # pragma: no cover - adapters without files override open()
            raise RecorderError(f"{self.name}: nothing to open")
        return self.path.open("rb")


def check_camera_code(code: str) -> str:
    """The code if a recorder can use it as a folder name, else ValueError (no "/", no "..", no NUL)."""
    if not CAMERA_CODE.fullmatch(str(code)):
        raise ValueError(f"camera code not usable by the recorder: {code!r}")
    return code


def check_institution(institution_id: object) -> str:
    """The institution's id as a folder name (a positive integer), else ValueError."""
    if isinstance(institution_id, bool) or not isinstance(institution_id, int) or institution_id < 1:
        raise ValueError(f"institution not usable by the recorder: {institution_id!r}")
    return str(institution_id)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("the recorder takes aware datetimes only")
    return moment.astimezone(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    return _utc(moment).strftime(STAMP)


def _parse(stamp_text: str) -> dt.datetime:
    return dt.datetime.strptime(stamp_text, STAMP).replace(tzinfo=dt.UTC)


class Recorder(abc.ABC):
    """What kentmasa asks of a video recorder. Times are aware datetimes; a camera is its Camera row (its
    institution and its code name it together)."""

    @abc.abstractmethod
    def segments(
        self, camera: Camera, *, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[Segment]:
        """The camera's segments overlapping ``[start, end)`` (either open), oldest first."""

    def segments_ending_before(self, camera: Camera, before: dt.datetime) -> list[Segment]:
        """The camera's segments whose recording ended at or before ``before``, oldest first."""
        return [segment for segment in self.segments(camera, end=before) if segment.end <= before]

    @abc.abstractmethod
    def delete(self, segment: Segment) -> bool:
        """Delete the segment; False when it was already gone. RecorderError when the recorder refuses."""

    @abc.abstractmethod
    def export(self, camera: Camera, start: dt.datetime, end: dt.datetime) -> Iterator[Clip]:
        """The camera's footage of ``[start, end)`` as files, oldest first (none when nothing is kept)."""


class FileSystemRecorder(Recorder):
    """Segments as files: ``<root>/<institution id>/<camera code>/<start>_<end>.<ext>`` (UTC, see the module's
    docstring)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root if root is not None else settings.KENTMASA_RECORDER_ROOT)

    @staticmethod
    def _prefix(camera: Camera) -> str:
        """``<institution id>/<camera code>``: the camera's folder under the root, and its segments' keys."""
        return f"{check_institution(camera.institution_id)}/{check_camera_code(camera.code)}"

    def folder(self, camera: Camera) -> Path:
        return self.root / self._prefix(camera)

    def segments(
        self, camera: Camera, *, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[Segment]:
        prefix = self._prefix(camera)
        folder = self.root / prefix
        lower = _utc(start) if start is not None else None
        upper = _utc(end) if end is not None else None
        found = []
        try:
            entries = list(folder.iterdir())
        except FileNotFoundError:
            return []
        for entry in entries:
            match = SEGMENT_NAME.fullmatch(entry.name)
            if match is None:
                continue
            try:
                began, ended = _parse(match["start"]), _parse(match["end"])
            except ValueError:  # a name of the right shape with no such time (month 13)
                continue
            if ended <= began:
                continue
            if (lower is not None and ended <= lower) or (upper is not None and began >= upper):
                continue
            try:
                size = entry.stat().st_size
            except FileNotFoundError:  # deleted while we listed (another purge)
                continue
            if not entry.is_file():
                continue
            found.append(Segment(camera.code, began, ended, size, f"{prefix}/{entry.name}"))
        found.sort(key=lambda segment: (segment.start, segment.end, segment.key))
        return found

    def _path(self, segment: Segment) -> Path:
        parts = segment.key.split("/")
        if (
            len(parts) != 3
            or not parts[0].isascii()
            or not parts[0].isdigit()
            or parts[0].startswith("0")
            or parts[1] != segment.camera
            or not CAMERA_CODE.fullmatch(parts[1])
            or not SEGMENT_NAME.fullmatch(parts[2])
        ):
            raise RecorderError(f"not a segment of this recorder: {segment.key!r}")
        return self.root.joinpath(*parts)

    def delete(self, segment: Segment) -> bool:
        path = self._path(segment)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise RecorderError(f"{segment.key}: {error.strerror or error}") from error
        return True

    def export(self, camera: Camera, start: dt.datetime, end: dt.datetime) -> Iterator[Clip]:
        for segment in self.segments(camera, start=start, end=end):
            yield Clip(
                camera.code, segment.name, segment.start, segment.end, segment.size, self._path(segment)
            )

    # Not part of the interface: how the demo and the tests put footage in.
    def write(
        self, camera: Camera, start: dt.datetime, end: dt.datetime, data: bytes, *, ext: str = "mp4"
    ) -> Segment:
        """Store a segment's bytes (replacing one with the same times)."""
        if _utc(end) <= _utc(start):
            raise ValueError("a segment ends after it starts")
        name = f"{stamp(start)}_{stamp(end)}.{ext}"
        if not SEGMENT_NAME.fullmatch(name):
            raise ValueError(f"bad extension: {ext!r}")
        prefix = self._prefix(camera)
        folder = self.root / prefix
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        partial = folder / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(path)  # a listing never sees half a file
        return Segment(camera.code, _utc(start), _utc(end), len(data), f"{prefix}/{name}")


def get_recorder() -> Recorder:
    """The recorder named by ``KENTMASA_RECORDER``, made afresh (settings may change between tests)."""
    recorder_class = import_string(settings.KENTMASA_RECORDER)
    recorder = recorder_class()
    if not isinstance(recorder, Recorder):
        raise TypeError(f"{settings.KENTMASA_RECORDER} is not a kentmasa.emergency.recorders.Recorder")
    return recorder
