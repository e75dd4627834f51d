"""backup/restore: a copy made while a writer keeps inserting holds every case and attachment, intact."""

import hashlib
import io
import json
import sqlite3
import tarfile
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from PIL import Image

from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Attachment, Case
from kentmasa.ops.backup import backup, restore, verify

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="backup copies SQLite databases")


def png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, seed // 256 % 256, 7)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@sqlite_only
def test_round_trip_while_a_writer_inserts(make_case, media, tmp_path):
    before = []
    for i in range(12):
        case = make_case(subject=f"Çukur {i}")
        add_attachment(case, png(i), name=f"foto{i}.png")
        before.append(case.pk)

    stop = threading.Event()
    written = []

    def writer():
        try:
            i = 1000
            while not stop.is_set():
                with transaction.atomic():  # a case and its photo commit together
                    case = make_case(subject=f"Yazarken {i}")
                    add_attachment(case, png(i), name=f"yeni{i}.png")
                written.append(case.pk)
                i += 1
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 2:  # the writer is busy before the backup starts…
            time.sleep(0.05)
        archive = backup(tmp_path / "backups" / "b.tar")
        during = len(written)
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(60)
    assert len(written) > during >= 2  # …and went on writing during and after it
    assert archive.stat().st_mode & 0o777 == 0o600

    database = tmp_path / "fresh" / "kentmasa.sqlite3"
    target_media = tmp_path / "fresh" / "media"
    done = restore(archive, database=database, media_root=target_media)
    assert done["media"] >= 12

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        cases = {row[0] for row in db.execute("SELECT id FROM cases_case")}
        files = db.execute("SELECT case_id, file, sha256 FROM cases_attachment").fetchall()
    assert set(before) <= cases  # every case committed before the backup
    assert set(written[:2]) <= cases
    assert {case for case, _, _ in files} == cases  # each restored case has its attachment…
    for _, name, digest in files:  # …and each attachment its file, byte for byte
        assert hashlib.sha256((target_media / name).read_bytes()).hexdigest() == digest
    assert Case.objects.count() > len(cases)  # the writer's later cases are not in this backup


@sqlite_only
def test_restore_refuses_a_database_in_use_without_force(make_case, media, tmp_path):
    add_attachment(make_case(), png(1), name="a.png")
    archive = backup(tmp_path)
    assert archive.parent == tmp_path and archive.name.startswith("kentmasa-")
    database = tmp_path / "live.sqlite3"
    restore(archive, database=database, media_root=tmp_path / "m")
    with pytest.raises(CommandError, match="--force"):
        restore(archive, database=database, media_root=tmp_path / "m")
    restore(archive, database=database, media_root=tmp_path / "m", force=True)
    kept = [path for path in tmp_path.glob("live.sqlite3.before-restore-*") if path.suffix != ".sqlite3"]
    assert len([path for path in kept if not path.name.endswith(("-wal", "-shm"))]) == 1


@sqlite_only
def test_a_damaged_backup_is_refused_before_anything_is_touched(make_case, media, tmp_path):
    add_attachment(make_case(), png(2), name="b.png")
    archive = backup(tmp_path / "b.tar")
    manifest = verify(archive)
    assert manifest["database"]["path"] == "db.sqlite3" and len(manifest["media"]) == 1
    assert "ops.0002_task_result_finished_index" in manifest["migrations"]

    # The same archive with one media file's bytes changed (its size kept).
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source:
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "t.sqlite3"
    with pytest.raises(CommandError, match="checksum"):
        restore(damaged, database=target, media_root=tmp_path / "m")
    assert not target.exists() and not (tmp_path / "m").exists()

    # A file that climbs out of media/ is refused too.
    evil = tmp_path / "evil.tar"
    with tarfile.open(archive) as source, tarfile.open(evil, "w") as out:
        manifest["media"].append(
            {"path": "../../etc/x", "size": 1, "sha256": hashlib.sha256(b"x").hexdigest()}
        )
        for member in source:
            if member.name == "manifest.json":
                body = json.dumps(manifest).encode()
                member.size = len(body)
                out.addfile(member, io.BytesIO(body))
            else:
                out.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo("media/../../etc/x")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="outside media"):
        restore(evil, database=target, media_root=tmp_path / "m")


@sqlite_only
def test_the_commands(make_case, media, tmp_path):
    add_attachment(make_case(), png(3), name="c.png")
    out = io.StringIO()
    call_command("backup", str(tmp_path / "x.tar"), stdout=out)
    assert "x.tar" in out.getvalue()
    call_command(
        "restore",
        str(tmp_path / "x.tar"),
        "--database",
        str(tmp_path / "r.sqlite3"),
        "--media-root",
        str(tmp_path / "rm"),
        stdout=out,
    )
    assert "1 media file(s)" in out.getvalue()
    assert Attachment.objects.count() == 1


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="the PostgreSQL answer")
def test_postgresql_is_refused_with_the_pg_dump_recipe(tmp_path):
    assert connection.vendor == "postgresql"
    with pytest.raises(CommandError, match="pg_dump --format=custom"):
        call_command("backup", str(tmp_path / "x.tar"))
    assert not (tmp_path / "x.tar").exists()
