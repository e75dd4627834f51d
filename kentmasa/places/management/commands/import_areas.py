"""manage.py import_areas PATH [PATH ...] [--kind il|ilce|mahalle] [--city 1,26]: boundaries from GeoJSON."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.places.importer import REASONS, AreaFileError, import_file
from kentmasa.places.models import Area

KIND_WORDS: dict[str, str] = {
    Area.Kind.PROVINCE: "il",
    Area.Kind.DISTRICT: "ilçe",
    Area.Kind.NEIGHBOURHOOD: "mahalle",
}


class Command(BaseCommand):
    help = (
        "İl, ilçe ve mahalle sınırlarını GeoJSON dosyasından yükler (tr-admin biçimi: name, type, id, "
        "cityId, townId). Tekrar çalıştırmak güvenlidir; her dosya tek işlemde yüklenir."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="GeoJSON dosyası (üst birimler önce)")
        parser.add_argument(
            "--kind",
            choices=Area.Kind.values,
            help="Yalnız bu türü yükle; type özelliği olmayan dosyalarda tür budur.",
        )
        parser.add_argument("--city", default="", help="Yalnız bu il kodlarının alanları, ör. 1,26,34")
        parser.add_argument("--source", default="", help="Kaynak notu (varsayılan: dosya adı)")

    def handle(self, *args: Any, paths: list[str], kind: str, city: str, source: str, **options: Any) -> None:
        cities = {part.strip().lstrip("0") for part in city.split(",") if part.strip()}
        if cities and not all(part.isdigit() for part in cities):
            raise CommandError("--city plaka kodları sayı olmalı, ör. --city 1,26")

        def keep(props: dict) -> bool:
            return str(props.get("cityId", "")).lstrip("0") in cities

        for path in paths:
            try:
                report = import_file(path, kind=kind, source=source, keep=keep if cities else None)
            except AreaFileError as error:
                raise CommandError(str(error)) from error
            kinds = ", ".join(f"{count} {KIND_WORDS[name]}" for name, count in sorted(report.by_kind.items()))
            self.stdout.write(
                f"{path}: {kinds or 'alan yok'} — {report.created} yeni, {report.updated} güncellendi, "
                f"{report.unchanged} değişmedi, {len(report.skipped)} atlandı ({report.seconds:.1f} sn)"
            )
            if report.repaired:
                names = ", ".join(report.repaired[:10]) + (" …" if len(report.repaired) > 10 else "")
                self.stdout.write(f"  {len(report.repaired)} geçersiz sınır make_valid ile onarıldı: {names}")
            for skipped in report.skipped:
                detail = f" ({skipped.detail})" if skipped.detail else ""
                label = f'"{skipped.name}"' if skipped.name else "adsız"
                self.stdout.write(
                    f"  atlandı: #{skipped.number} {label} id={skipped.code or '-'}: "
                    f"{REASONS[skipped.reason]}{detail}"
                )
