"""``manage.py backup`` and ``restore``: the SQLite database and the media files, while the system runs.

A backup is one tar file (mode 0600: it holds personal data) with

- ``db.sqlite3``: a consistent copy made with SQLite's online backup API in one step. Under WAL the copy
  reads one snapshot while the web, the worker and the scheduler go on writing (writers are not blocked);
- ``media/…``: every file under MEDIA_ROOT, copied *after* the database snapshot, so every file a row of the
  copy names was already there (files are stored before their row commits);
- ``manifest.json``: when, which Django and migrations, and each file's size and SHA-256.

``restore`` checks every checksum before it touches anything, refuses a target database that holds tables
unless ``--force`` (the old file is then kept beside it as ``*.before-restore-…``), writes the database
through a temporary file and a rename, and checks the result with ``PRAGMA integrity_check``.

PostgreSQL is refused with the pg_dump recipe (README "Backups"): its own tools make consistent copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import django
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

FORMAT = 1
PG_RECIPE = """kentmasa's backup command copies SQLite databases; on PostgreSQL use its own tools:

  pg_dump --format=custom --file=kentmasa-$(date +%F).dump "$DATABASE_URL"
  tar -C "$MEDIA_ROOT" -cf kentmasa-media-$(date +%F).tar .      # after the dump
  # restore into an empty database:
  createdb kentmasa && pg_restore --no-owner --dbname="$DATABASE_URL" kentmasa-YYYY-MM-DD.dump
  tar -C "$MEDIA_ROOT" -xf kentmasa-media-YYYY-MM-DD.tar

(README: "Backups, housekeeping and upgrades".)"""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sqlite_path(alias: str = "default") -> Path:
    connection = connections[alias]
    if connection.vendor != "sqlite":
        raise CommandError(PG_RECIPE)
    return Path(connection.settings_dict["NAME"])


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup, all pages in one step: one read snapshot, writers go on (WAL)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield path


def _applied_migrations(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [
            f"{app}.{name}" for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY id")
        ]


def backup(
    destination: Path | None = None, *, alias: str = "default", media_root: Path | None = None
) -> Path:
    source = sqlite_path(alias)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = timezone.now()
    if destination is None:
        destination = Path(settings.VAR_DIR) / "backups"
    if destination.is_dir() or str(destination).endswith(os.sep):
        destination = destination / f"kentmasa-{now:%Y%m%d-%H%M%S}.tar"
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    with tempfile.TemporaryDirectory(dir=destination.parent) as work:
        copy = Path(work, "db.sqlite3")
        _snapshot(source, copy)
        checked = integrity(copy)
        if checked != "ok":
            raise CommandError(f"The copy of the database failed its integrity check: {checked}")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "django": django.get_version(),
            "migrations": _applied_migrations(copy),
            "database": {"path": "db.sqlite3", "size": copy.stat().st_size, "sha256": _sha256(copy)},
            "media": [],
        }
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            tar.add(copy, arcname="db.sqlite3")
            for path in _media_files(media_root):
                relative = path.relative_to(media_root).as_posix()
                try:
                    entry = {"path": relative, "size": path.stat().st_size, "sha256": _sha256(path)}
                    tar.add(path, arcname=f"media/{relative}")
                except FileNotFoundError:
                    continue  # deleted while we copied (a retention run): the snapshot may still name it
                manifest["media"].append(entry)
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
    partial.replace(destination)
    return destination


def _safe_media_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2 or path.parts[0] != "media":
        raise CommandError(f"The backup holds a file outside media/: {name!r}")
    return PurePosixPath(*path.parts[1:])


def verify(archive: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it lists is in the archive with its size and checksum."""
    try:
        with tarfile.open(archive, mode="r") as tar:
            member = tar.getmember("manifest.json")
            handle = tar.extractfile(member)
            if handle is None:
                raise CommandError("manifest.json is not a file.")
            manifest = json.load(handle)
            expected = {manifest["database"]["path"]: manifest["database"]}
            expected.update({f"media/{item['path']}": item for item in manifest["media"]})
            seen = set()
            for member in tar:
                if member.name == "manifest.json":
                    continue
                if not member.isfile():
                    raise CommandError(f"Unexpected entry in the backup: {member.name!r}")
                if member.name != "db.sqlite3":
                    _safe_media_path(member.name)
                item = expected.get(member.name)
                if item is None:
                    raise CommandError(f"{member.name} is not in the manifest.")
                digest = hashlib.sha256()
                stream = tar.extractfile(member)
                assert stream is not None  # noqa: S101 - a regular file member always has one
                while block := stream.read(1 << 20):
                    digest.update(block)
                if digest.hexdigest() != item["sha256"] or member.size != item["size"]:
                    raise CommandError(f"{member.name} does not match its checksum: the backup is damaged.")
                seen.add(member.name)
            missing = set(expected) - seen
            if missing:
                raise CommandError(f"The backup lacks {len(missing)} file(s), e.g. {sorted(missing)[0]}.")
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise CommandError(f"Not a readable kentmasa backup: {error}") from error
    return dict(manifest)


def _holds_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with sqlite3.connect(path) as db:
        return bool(db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def restore(
    archive: Path, *, database: Path | None = None, media_root: Path | None = None, force: bool = False
) -> dict[str, Any]:
    """Put a backup back: the database file and the media. Stop kentmasa's processes first."""
    database = Path(database or sqlite_path())
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = verify(archive)
    if _holds_tables(database):
        if not force:
            raise CommandError(
                f"{database} already holds a database. Stop kentmasa's processes and run restore with "
                "--force (the present file is kept beside it)."
            )
        stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{database}{suffix}")
            if old.exists():
                old.replace(Path(f"{database}.before-restore-{stamp}{suffix}"))
    database.parent.mkdir(parents=True, exist_ok=True)
    media_root.mkdir(parents=True, exist_ok=True)
    restored = 0
    with tarfile.open(archive, mode="r") as tar:
        for member in tar:
            if member.name == "manifest.json":
                continue
            stream = tar.extractfile(member)
            assert stream is not None  # noqa: S101 - verify() let only regular files through
            if member.name == "db.sqlite3":
                target = database
            else:
                target = media_root / _safe_media_path(member.name)
                target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".restoring")
            with temporary.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
            temporary.replace(target)
            restored += member.name != "db.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    checked = integrity(database)
    if checked != "ok":
        raise CommandError(f"The restored database failed its integrity check: {checked}")
    return {
        "media": restored,
        "migrations": len(manifest["migrations"]),
        "created_at": manifest["created_at"],
    }
