"""python manage.py import_plate_reads FILE.csv --institution SLUG

Plate reads from a CSV file (a camera system's export, or reads it could not post): a header line naming
the columns camera, plate, at, latitude, longitude (latitude and longitude may be empty or missing), in
any order; UTF-8 (with or without BOM), comma or semicolon separated. The reads go through
kentmasa.emergency.pts.ingest in batches of 500, as if posted to the API: hotlisted plates raise their
alerts. An export is mostly history: a read made more than pts.TELL_WITHIN (30 minutes) before the import
raises or joins its alert on the Haber Merkezi's board only, and rings nobody's phone. A bad line is listed
with its line number and what is wrong, and the rest are stored. Each batch carries an idempotency key made
from its content, so importing the same file again stores nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution
from kentmasa.emergency import pts

BATCH = 500
COLUMNS = ("camera", "plate", "at", "latitude", "longitude")
REQUIRED = ("camera", "plate", "at")
SHOWN_REJECTIONS = 200  # lines listed one by one; the rest are counted


class Command(BaseCommand):
    help = "Plaka okumalarını bir CSV dosyasından içeri alır (camera,plate,at,latitude,longitude)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV dosyası; ilk satır sütun adları.")
        parser.add_argument(
            "--institution",
            required=True,
            help="Emniyet müdürlüğünün kısa adı (slug), ör. eskisehir-emniyet.",
        )

    def handle(self, *args: Any, file: str, institution: str, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the reads' errors, as the lines around them
            self._import(file, institution)

    def _import(self, file: str, institution: str) -> None:
        found = Institution.objects.filter(slug=institution).first()
        if found is None:
            raise CommandError(f"“{institution}” kısa adında bir kurum yok.")
        if not pts.is_police(found):
            raise CommandError(
                f"“{found.name}” bir emniyet müdürlüğü değil; plaka okumaları yalnızca onlara alınır."
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"“{file}” dosyası bulunamadı.")
        totals = {"lines": 0, "stored": 0, "rejected": 0, "hits": 0, "replayed": 0}
        alerts: list[int] = []
        shown = 0
        try:
            for lines, rows in _batches(path):
                try:
                    result = pts.ingest(found, rows, idempotency_key=_key(rows))
                except TransitionError as error:
                    raise CommandError(error.message) from None
                totals["lines"] += len(rows)
                totals["replayed"] += len(rows) if result.replayed else 0
                totals["stored"] += 0 if result.replayed else result.stored
                totals["rejected"] += len(result.rejected)
                totals["hits"] += 0 if result.replayed else result.hits
                alerts.extend(alert for alert in result.alerts if alert not in alerts)
                for rejected in result.rejected:
                    if shown < SHOWN_REJECTIONS:
                        self.stdout.write(
                            f"Satır {lines[rejected['index']]}: {_describe(rejected['errors'])}"
                        )
                    shown += 1
        except UnicodeDecodeError:
            raise CommandError("Dosya UTF-8 değil; UTF-8 olarak kaydedip yeniden deneyin.") from None
        except csv.Error as error:
            raise CommandError(f"CSV okunamadı: {error}") from None
        if shown > SHOWN_REJECTIONS:
            self.stdout.write(f"… ve {shown - SHOWN_REJECTIONS} satır daha reddedildi.")
        self.stdout.write(
            f"{totals['lines']} okuma satırı: {totals['stored']} kaydedildi, "
            f"{totals['rejected']} reddedildi; "
            f"aranan plakalardan {totals['hits']} okuma, {len(alerts)} alarm."
        )
        if totals["replayed"]:
            self.stdout.write(f"{totals['replayed']} satır daha önce içeri alınmıştı; yeniden kaydedilmedi.")


def _describe(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


def _key(rows: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode("utf-8", "replace"))
    return f"csv:{digest.hexdigest()}"


def _batches(path: Path) -> Iterator[tuple[list[int], list[dict[str, Any]]]]:
    """Batches of rows as ``ingest`` takes them, with the line number of each row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise CommandError(
                "Dosya boş: ilk satırda sütun adları olmalı (camera,plate,at,latitude,longitude)."
            )
        names = [name.strip().lower() for name in header]
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise CommandError(
                f"Sütun eksik: {', '.join(missing)}. İlk satır şunları adlandırmalı: {','.join(COLUMNS)}."
            )
        where = {name: names.index(name) for name in COLUMNS if name in names}
        lines: list[int] = []
        rows: list[dict[str, Any]] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            row = {name: (record[at] if at < len(record) else "") for name, at in where.items()}
            if delimiter == ";":  # a Turkish spreadsheet's export: decimal commas
                for name in ("latitude", "longitude"):
                    if name in row:
                        row[name] = row[name].replace(",", ".")
            rows.append(row)
            lines.append(reader.line_num)
            if len(rows) == BATCH:
                yield lines, rows
                lines, rows = [], []
        if rows:
            yield lines, rows
