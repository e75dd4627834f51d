"""python manage.py load_demo [--cases N]: the demo data `make run` starts with (see kentmasa.demo.loader)."""

import os
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.demo import loader as demo
from kentmasa.demo import two_factor


class Command(BaseCommand):
    help = (
        "Tanıtım verisini yükler: Eskişehir 155, Esenler ve Kayseri (tohumlardaki gerçek hizmet standartları "
        "tablolarıyla) ve Alo 153'üyle Adana Büyükşehir Belediyesi; her rol için bir kullanıcı ve Adana'nın "
        "gerçek mahallelerinde birkaç yüz başvuru. Veri zaten yüklüyse yalnızca duvar ekranlarına yeni "
        "bağlantı verir ve giriş bilgilerini gösterir."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases",
            type=int,
            default=demo.DEFAULT_CASES,
            help=f"Adana için oluşturulacak başvuru sayısı (varsayılan {demo.DEFAULT_CASES}).",
        )

    def handle(self, *args: Any, cases: int, **options: Any) -> None:
        if settings.KENTMASA_PRODUCTION:
            # The demo makes staff accounts with a known password; never in a real installation.
            raise CommandError("Tanıtım verisi üretim ayarlarıyla yüklenmez (kentmasa.settings_production).")
        try:
            result = demo.load_demo(cases)
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        if result.loaded:
            self.stdout.write(self.style.SUCCESS("Tanıtım verisi yüklendi."))
            for institution, summary in result.imports:
                self.stdout.write(f"  {institution}: {summary}")
            self.stdout.write("")
            self.stdout.write("Durumlara göre başvurular:")
            for label, count in result.statuses:
                self.stdout.write(f"  {label:<28} {count:>5}")
            totals = result.totals
            self.stdout.write(
                f"  {'toplam':<28} {totals['cases']:>5}   (süresi geçmiş açık: {totals['overdue']}, "
                f"üst makama iletme: {totals['escalations']}, vatandaş: {totals['citizens']})"
            )
        else:
            count = result.totals["cases"]
            self.stdout.write(
                f"Tanıtım verisi zaten yüklü ({count} başvuru); "
                "yalnızca duvar ekranlarına yeni bağlantı verildi."
            )
        self._print_logins(result)
        self._print_notifications(result)
        self._print_wallboards(result)
        self._print_cameras(result)
        self._print_field(result)

    def _print_logins(self, result: demo.DemoResult) -> None:
        password = result.password or "(değiştirilmiş)"
        rows = [login for login in result.logins if login.memorable]
        others = [login.username for login in result.logins if not login.memorable]
        header = ("kullanıcı", "rol", "kurum")
        table = [(login.username, login.role, login.institution) for login in rows]
        widths = [max(len(row[i]) for row in (header, *table)) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write("Giriş bilgileri:")
        heading = "  ".join(text.ljust(width) for text, width in zip(header, widths, strict=True))
        self.stdout.write(f"  {heading}  parola")
        for cells in table:
            line = "  ".join(text.ljust(width) for text, width in zip(cells, widths, strict=True))
            self.stdout.write(f"  {line}  {password}")
        if others:
            self.stdout.write(f"  Birim ve ekip kullanıcıları (aynı parola): {', '.join(others)}")
        if result.password is None:
            self.stdout.write(
                self.style.WARNING(
                    f"  Parolalar yüklemeden sonra değiştirilmiş; {demo.PASSWORD_ENV} artık geçerli değil."
                )
            )
        admins = two_factor.administrators()
        if admins:
            self.stdout.write(
                f"  İki adımlı giriş ({', '.join(user.username for user in admins)}): paroladan sonra "
                f"doğrulama uygulamasının kodu. Uygulamaya eklenecek tanıtım anahtarı: "
                f"{two_factor.secret_in_groups()}; o anki kod: .venv/bin/python manage.py demo_code"
            )

    def _print_notifications(self, result: demo.DemoResult) -> None:
        shown = result.shown
        if shown is None:
            return
        self.stdout.write("")
        self.stdout.write("Bildirimler ve onaylar (üst menüde zil simgesi: /bildirimler/):")
        if shown.approver:
            self.stdout.write(
                f"  {shown.approver}: onayını bekleyen {shown.approvals} cevap var; telefondan /onay/ "
                "adresinde Onayla veya Geri gönder."
            )
        for username, place in shown.place_holders:
            self.stdout.write(f"  {username}: müracaat yeri {place}; süresi geçen başvurular ona bildirilir.")
        for username, team in shown.team_leaders:
            self.stdout.write(f"  {username}: {team} ekip lideri; ekibe verilen işler ona bildirilir.")

    def _print_cameras(self, result: demo.DemoResult) -> None:
        shown = result.cameras
        if shown is None:
            return
        self.stdout.write("")
        self.stdout.write("Kent güvenlik kameraları (KGYS) ve plaka tanıma (PTS), Eskişehir Emniyet:")
        self.stdout.write(
            f"  {shown.cameras} kamera; kayıt cihazının dosyaları: {shown.footage_root} "
            f"(bu yüklemede {shown.footage_files} saatlik dosya yazıldı)."
        )
        for waiting in shown.waiting:
            self.stdout.write(
                f"  Onay bekleyen görüntü talebi: {waiting} ({shown.recorded_by} kaydetti; "
                f"{shown.approver} KGYS teslim yetkisiyle /haber-merkezi/kgys/ adresinde onaylar)."
            )
        self.stdout.write(
            f"  Plaka listesinde {shown.hotlist} plaka; açık plaka alarmı: {shown.open_alerts} "
            "(Haber Merkezi panosu: /haber-merkezi/)."
        )
        self.stdout.write("  İmha tutanakları (görüntü ve plaka okumaları): /imha-tutanaklari/")
        self.stdout.write(
            f"  PTS okuma anahtarı ({shown.pts_username}, yalnızca POST /api/v1/pts/reads): {shown.token}"
        )
        self.stdout.write("  Bir plaka okuması göndermek için başka bir terminalde: make demo-pts")

    def _print_field(self, result: demo.DemoResult) -> None:
        shown = result.field_teams
        if shown is None:
            return
        self.stdout.write("")
        self.stdout.write("Saha ekipleri (Adana; telefonda /saha/, ekip lideri /saha/ekip/):")
        for team, leader, members, orders in shown.teams:
            others = f", üyeler: {', '.join(members)}" if members else ""
            self.stdout.write(f"  {team}: lider {leader}{others}; bugün {orders} iş emri")
        machines = "; ".join(f"{name} ({status})" for name, status in shown.machines)
        self.stdout.write(f"  Makineler: {machines} (/saha/makineler/); yapılamama nedeni: {shown.reasons}")
        self.stdout.write(f"  İş emirlerini {shown.sender} gönderdi; ekip raporları: /saha/birim/.")
        address = lan_address() or "192.168.1.20"
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            "  Aynı ağdaki bir telefonda açmak için (konum, kamera ve bildirim yalnızca HTTPS'te; README: "
            "telefonda denemek):"
        )
        origin = f"https://{address}:8443"
        self.stdout.write(f"    CSRF_TRUSTED_ORIGINS={origin} KENTMASA_PUBLIC_URL={origin} make run")
        self.stdout.write(
            f"    caddy reverse-proxy --from https://{address}:8443 --to 127.0.0.1:{port} --internal-certs"
        )
        self.stdout.write(f"    telefonda: https://{address}:8443/saha/")

    def _print_wallboards(self, result: demo.DemoResult) -> None:
        if not result.wallboards:
            return
        self.stdout.write("")
        self.stdout.write("Duvar ekranları (oturum açmadan, tam ekran; her başlatmada yeni bağlantı):")
        for board in result.wallboards:
            self.stdout.write(f"  Duvar ekranı: {board.link}  ({board.where})")


def lan_address() -> str:
    """This machine's address on its local network, as a phone on the same network reaches it; "" unknown.

    A UDP socket "connected" to a documentation address (RFC 5737) picks the outgoing interface; nothing is
    sent."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address: str = probe.getsockname()[0]
    except OSError:
        return ""
    return "" if address.startswith("127.") else address
