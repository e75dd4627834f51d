"""manage.py backup [DEST]: the SQLite database and the media files in one tar, while kentmasa runs."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kentmasa.ops.backup import backup


class Command(BaseCommand):
    help = "Copy the SQLite database (online backup) and the media files into one tar with a manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "destination", nargs="?", type=Path, help="a .tar file or a folder (default: var/backups/)"
        )

    def handle(self, *args: Any, destination: Path | None, **options: Any) -> None:
        written = backup(destination)
        self.stdout.write(f"{written} ({written.stat().st_size} bytes)")
