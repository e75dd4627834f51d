"""The file-system recorder (kentmasa.emergency.recorders): the Adalar camera's minute-long segments as files.
What overlaps a window is listed and exported oldest first; what ended before a time is what the purge may
delete; a deleted segment deleted again is no error; names it did not write, and camera codes that would leave
its folder, are never touched. No database: plain tests."""

import datetime as dt

import pytest

from kentmasa.emergency import recorders
from kentmasa.emergency.recorders import FileSystemRecorder

T0 = dt.datetime(2026, 12, 3, 21, 0, tzinfo=dt.UTC)
CAMERA = "ESK-KGYS-001"


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
    assert found[0].key == f"{CAMERA}/20261203T210100Z_20261203T210200Z.mp4" and found[0].size == 9
    assert len(recorder.segments(CAMERA)) == 5
    assert recorder.segments("ESK-KGYS-404") == []  # a camera with no folder yet


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
    (tmp_path / CAMERA / "README.txt").write_text("the NVR's notes")
    (tmp_path / CAMERA / "20261399T000000Z_20261399T000100Z.mp4").write_bytes(b"month 13")
    first = recorder.segments(CAMERA)[0]
    assert recorder.delete(first) is True
    assert recorder.delete(first) is False
    assert len(recorder.segments(CAMERA)) == 4  # the two strange names are not segments
    assert (tmp_path / CAMERA / "README.txt").exists()


@pytest.mark.parametrize("code", ["../etc", "ESK/001", ".hidden", "", "ESK\x00001", "a" * 65])
def test_a_code_that_would_leave_the_folder_is_refused(recorder, code):
    with pytest.raises(ValueError):
        recorder.segments(code)


def test_a_forged_segment_is_not_deleted(recorder, tmp_path):
    forged = recorders.Segment(CAMERA, minute(0), minute(1), 0, f"{CAMERA}/../../outside.mp4")
    (tmp_path.parent / "outside.mp4").write_bytes(b"not the recorder's")
    with pytest.raises(recorders.RecorderError):
        recorder.delete(forged)
    assert (tmp_path.parent / "outside.mp4").exists()


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
