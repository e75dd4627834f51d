"""manage.py restore BACKUP: put a backup made by ``manage.py backup`` back (SQLite). Stop kentmasa first."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kentmasa.ops.backup import restore


class Command(BaseCommand):
    help = "Restore the database and media files from a backup tar (its checksums are checked first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace a database that holds tables (it is kept beside)"
        )
        parser.add_argument("--database", type=Path, help="restore to this file instead of DATABASE_URL's")
        parser.add_argument("--media-root", type=Path, help="restore the files here instead of MEDIA_ROOT")

    def handle(
        self,
        *args: Any,
        backup: Path,
        force: bool,
        database: Path | None,
        media_root: Path | None,
        **options: Any,
    ) -> None:
        done = restore(backup, database=database, media_root=media_root, force=force)
        self.stdout.write(
            f"restored the backup of {done['created_at']}: the database and {done['media']} media file(s). "
            "Run `manage.py migrate` if this version has newer migrations, then start kentmasa."
        )
