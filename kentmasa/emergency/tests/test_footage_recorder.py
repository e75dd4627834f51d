"""The file-system recorder (kentmasa.emergency.recorders): the Adalar camera's minute-long segments as files,
under its directorate's folder. What overlaps a window is listed and exported oldest first; what ended before
a time is what the purge may delete; a deleted segment deleted again is no error; names it did not write, and
camera codes that would leave its folder, are never touched; another directorate's camera with the same code
has a folder of its own. No database: plain tests (cameras not saved)."""

import datetime as dt

import pytest

from kentmasa.emergency import recorders
from kentmasa.emergency.models import Camera
from kentmasa.emergency.recorders import FileSystemRecorder

T0 = dt.datetime(2026, 12, 3, 21, 0, tzinfo=dt.UTC)
CODE = "ESK-KGYS-001"
ESKISEHIR, ANKARA = 7, 12  # the directorates' ids
CAMERA = Camera(institution_id=ESKISEHIR, code=CODE, name="Köprübaşı – Adalar")


def minute(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def recorder(tmp_path):
    made = FileSystemRecorder(tmp_path)
    for n in range(5):
        made.write(CAMERA, minute(n), minute(n + 1), f"segment {n}".encode())
    return made


def test_segments_overlapping_a_window_oldest_first(recorder):
    found = recorder.segments(CAMERA, start=minute(1) + dt.timedelta(seconds=30), end=minute(3))
    assert [(s.start, s.end) for s in found] == [(minute(1), minute(2)), (minute(2), minute(3))]
    assert found[0].key == f"7/{CODE}/20261203T210100Z_20261203T210200Z.mp4" and found[0].size == 9
    assert found[0].camera == CODE
    assert len(recorder.segments(CAMERA)) == 5
    assert recorder.segments(Camera(institution_id=ESKISEHIR, code="ESK-KGYS-404")) == []  # no folder yet


def test_the_same_code_in_another_directorate_is_another_camera(recorder, tmp_path):
    """Codes are unique only within a directorate: Ankara's ESK-KGYS-001 is not Eskişehir's."""
    ankara = Camera(institution_id=ANKARA, code=CODE, name="Kızılay")
    theirs = recorder.write(ankara, minute(2), minute(3), b"ankara")
    assert (tmp_path / "12" / CODE / "20261203T210200Z_20261203T210300Z.mp4").read_bytes() == b"ankara"
    assert recorder.segments(ankara) == [theirs] and theirs.key.startswith(f"12/{CODE}/")
    assert len(recorder.segments(CAMERA)) == 5 and theirs not in recorder.segments(CAMERA)
    assert [clip.size for clip in recorder.export(CAMERA, minute(2), minute(3))] == [9]  # "segment 2"
    (ours,) = recorder.segments(CAMERA, start=minute(2), end=minute(3))
    assert recorder.delete(ours) is True
    assert recorder.segments(ankara) == [theirs]  # Ankara's file at the same time is still there


def test_only_segments_that_ended_are_due(recorder):
    due = recorder.segments_ending_before(CAMERA, minute(2) + dt.timedelta(seconds=30))
    assert [s.end for s in due] == [minute(1), minute(2)]  # the one recording at that moment is not


def test_export_gives_the_files_bytes(recorder):
    clips = list(recorder.export(CAMERA, minute(3), minute(10)))
    assert [clip.name for clip in clips] == [
        "20261203T210300Z_20261203T210400Z.mp4",
        "20261203T210400Z_20261203T210500Z.mp4",
    ]
    with clips[0].open() as data:
        assert data.read() == b"segment 3"


def test_delete_twice_is_no_error_and_other_files_stay(recorder, tmp_path):
    (tmp_path / "7" / CODE / "README.txt").write_text("the NVR's notes")
    (tmp_path / "7" / CODE / "20261399T000000Z_20261399T000100Z.mp4").write_bytes(b"month 13")
    first = recorder.segments(CAMERA)[0]
    assert recorder.delete(first) is True
    assert recorder.delete(first) is False
    assert len(recorder.segments(CAMERA)) == 4  # the two strange names are not segments
    assert (tmp_path / "7" / CODE / "README.txt").exists()


@pytest.mark.parametrize("code", ["../etc", "ESK/001", ".hidden", "", "ESK\x00001", "a" * 65])
def test_a_code_that_would_leave_the_folder_is_refused(recorder, code):
    with pytest.raises(ValueError):
        recorder.segments(Camera(institution_id=ESKISEHIR, code=code))


@pytest.mark.parametrize("institution_id", [None, 0, -1, True])
def test_a_camera_without_a_directorate_is_refused(recorder, institution_id):
    with pytest.raises(ValueError):
        recorder.segments(Camera(institution_id=institution_id, code=CODE))


def test_the_older_layout_is_not_read(recorder, tmp_path):
    """Folders from before cameras were kept apart by directorate (<root>/<code>/) are not this camera's."""
    (tmp_path / CODE).mkdir()
    (tmp_path / CODE / "20261203T200000Z_20261203T200100Z.mp4").write_bytes(b"whose?")
    assert len(recorder.segments(CAMERA)) == 5


@pytest.mark.parametrize(
    "key",
    [
        f"7/{CODE}/../../outside.mp4",
        "7/../../outside.mp4",
        "../outside.mp4",
        f"{CODE}/20261203T210000Z_20261203T210100Z.mp4",  # the older layout: no directorate
        f"07/{CODE}/20261203T210000Z_20261203T210100Z.mp4",
        "7/ESK-KGYS-002/20261203T210000Z_20261203T210100Z.mp4",  # not the segment's camera
    ],
)
def test_a_forged_segment_is_not_deleted(recorder, tmp_path, key):
    forged = recorders.Segment(CODE, minute(0), minute(1), 0, key)
    (tmp_path.parent / "outside.mp4").write_bytes(b"not the recorder's")
    with pytest.raises(recorders.RecorderError):
        recorder.delete(forged)
    assert (tmp_path.parent / "outside.mp4").exists()
    assert len(recorder.segments(CAMERA)) == 5


def test_times_without_a_zone_and_empty_segments_are_refused(recorder):
    with pytest.raises(ValueError):
        recorder.segments(CAMERA, start=dt.datetime(2026, 12, 3, 21, 0))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError):
        recorder.write(CAMERA, minute(1), minute(1), b"")


def test_the_setting_names_the_recorder(settings, tmp_path):
    settings.KENTMASA_RECORDER_ROOT = tmp_path
    recorder = recorders.get_recorder()
    assert isinstance(recorder, recorders.FileSystemRecorder)
    assert recorder.root == tmp_path
    settings.KENTMASA_RECORDER = "kentmasa.emergency.models.Camera"
    with pytest.raises(TypeError):
        recorders.get_recorder()
