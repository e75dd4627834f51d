"""python manage.py demo_kades: play the KADES gateway against a running kentmasa, to try the Haber Merkezi.

    manage.py demo_kades                       # one alert from the demo's woman under protection
    manage.py demo_kades --moves 5             # then five more positions of the same alert, walking
    manage.py demo_kades --cancel ALERT_ID     # the gateway cancels it (pressed by mistake)

It posts to KENTMASA_PUBLIC_URL + /kanal/kades/ exactly what the gateway posts (kentmasa.emergency.kades):
the JSON body signed with KENTMASA_KADES_WEBHOOK_SECRET (``X-Kentmasa-Signature: sha256=<hex HMAC-SHA256 of
the raw body>``), so the alert goes the whole real way, through HTTP, the webhook and the live stream, to the
consoles that are open. The person is the one with a protection order on record (the demo loads one), or
``--person-tc``; the point lies near the centre of Eskişehir, a little off each time. Refused in production:
a made-up alert must never reach a real Haber Merkezi.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kentmasa.emergency import kades
from kentmasa.emergency.models import Incident, ProtectionOrder
from kentmasa.lib import phones, tckimlik

WEBHOOK_PATH = "/kanal/kades/"
SIGNATURE_HEADER = "X-Kentmasa-Signature"
CENTRE = (39.7767, 30.5206)  # Eskişehir: Hacı Ali Bey Mh. (Tepebaşı), by the Porsuk
SPREAD_M = 400  # the first position lies this far from the centre at most
WALK_M_PER_S = 1.3
# The demo person's phone (kentmasa.demo.police.KADES_PERSON; its tests check they agree), for a person whose
# phone no earlier alert gave.
DEMO_PHONE = "+905436284006"
METRES_PER_DEGREE = 111_320.0


def signature(secret: str, body: bytes) -> str:
    """The header value the gateway sends: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return kades.sign(body, secret)


def webhook_url(given: str | None) -> str:
    """``--url`` as given (a bare server address gets the webhook's path), else the public URL's."""
    parts = urlsplit(given or settings.KENTMASA_PUBLIC_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError(f"Geçersiz adres: {given!r} (ör. http://127.0.0.1:8000{WEBHOOK_PATH})")
    if not given or parts.path in ("", "/"):
        parts = parts._replace(path=parts.path.rstrip("/") + WEBHOOK_PATH)
    return urlunsplit(parts)


@dataclass(frozen=True)
class Person:
    name: str
    tc_kimlik_no: str
    phone: str


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: str

    def text(self) -> str:
        """What the server said, in Turkish when it says it in Turkish (the webhook's "message")."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return self.body.strip()[:300]
        if not isinstance(data, dict):
            return json.dumps(data, ensure_ascii=False)[:300]
        if data.get("message"):
            field = f" (alan: {data['field']})" if data.get("field") else ""
            return f"{data['message']}{field}"
        if data.get("incident"):
            how = "yeni olay açıldı" if data.get("created") else "aynı olaya işlendi"
            return f"olay {data['incident']}, {how}"
        return json.dumps(data, ensure_ascii=False)[:300]

    @property
    def code(self) -> str:
        """The webhook's error code ("signature", "not_configured", "no_institution"…), "" if none."""
        try:
            data = json.loads(self.body)
        except ValueError:
            return ""
        return str(data.get("error", "")) if isinstance(data, dict) else ""


def post(url: str, body: bytes, secret: str, timeout: float = 15) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (the scheme was checked: http or https)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(secret, body),
            "User-Agent": "kentmasa demo_kades",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.reason, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, str(error.reason), error.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CommandError(
            f"{url} adresine ulaşılamadı ({reason}). Sunucu çalışıyor mu (make run)? "
            "Başka bir adres için --url."
        ) from error


class Walk:
    """Where the phone is: a point near the centre, then a walk in one general direction."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        distance, bearing = rng.uniform(0, SPREAD_M), rng.uniform(0, 2 * math.pi)
        self.latitude, self.longitude = self._moved(*CENTRE, distance, bearing)
        self.heading = rng.uniform(0, 2 * math.pi)

    @staticmethod
    def _moved(latitude: float, longitude: float, metres: float, bearing: float) -> tuple[float, float]:
        north, east = metres * math.cos(bearing), metres * math.sin(bearing)
        latitude += north / METRES_PER_DEGREE
        longitude += east / (METRES_PER_DEGREE * math.cos(math.radians(latitude)))
        return round(latitude, 6), round(longitude, 6)

    def step(self, seconds: float) -> None:
        self.heading += self.rng.uniform(-0.4, 0.4)  # streets bend
        metres = WALK_M_PER_S * seconds * self.rng.uniform(0.7, 1.2)
        self.latitude, self.longitude = self._moved(self.latitude, self.longitude, metres, self.heading)

    def accuracy(self) -> int:
        return self.rng.randint(6, 35)


def new_alert_id(now: dt.datetime) -> str:
    return f"demo-{timezone.localtime(now):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Command(BaseCommand):
    help = (
        "Denemek için bir KADES çağrısını çalışan sunucuya gönderir: koruma kararı kayıtlı kişiden, "
        "Eskişehir merkezinde bir konumla, KENTMASA_KADES_WEBHOOK_SECRET ile imzalı, /kanal/kades/ "
        "adresine (geçidin gönderdiği gibi). --moves N ile aynı çağrının N yeni konumu, --cancel ile iptal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--moves", type=int, default=0, help="Aynı çağrı için gönderilecek yeni konum sayısı (yürüyerek)."
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Konumlar arasındaki saniye (varsayılan 5)."
        )
        parser.add_argument(
            "--cancel", metavar="ALERT_ID", help="Bu çağrıyı iptal eder (yanlışlıkla basıldı)."
        )
        parser.add_argument(
            "--url", help=f"Webhook adresi (varsayılan KENTMASA_PUBLIC_URL + {WEBHOOK_PATH})."
        )
        parser.add_argument(
            "--person-tc",
            help="Çağrıyı gönderen kişinin TC kimlik no'su (varsayılan: koruma kararı olan kişi).",
        )
        parser.add_argument("--person-name", help="Kişinin adı (kayıtlı değilse gerekir).")
        parser.add_argument("--phone", help="Kişinin telefonu (varsayılan: önceki çağrısındaki).")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KENTMASA_PRODUCTION:
            raise CommandError(
                "demo_kades üretim ayarlarıyla çalışmaz: uydurma bir çağrı gerçek bir Haber Merkezi'ne "
                "gitmemeli."
            )
        secret = settings.KENTMASA_KADES_WEBHOOK_SECRET
        if not secret:
            raise CommandError(
                "KENTMASA_KADES_WEBHOOK_SECRET boş: çağrı imzalanamaz. Sunucuyla aynı gizli değeri verin, "
                "ör. `KENTMASA_KADES_WEBHOOK_SECRET=demo-kades-secret .venv/bin/python manage.py demo_kades` "
                "(make run sunucuyu bu değerle başlatır) ya da `make demo-kades`."
            )
        if options["moves"] < 0 or options["interval"] < 0:
            raise CommandError("--moves ve --interval negatif olamaz.")
        url = webhook_url(options["url"])
        if options["cancel"]:
            self._cancel(url, secret, options["cancel"])
            return
        person = self._person(options["person_tc"], options["person_name"], options["phone"])
        rng = random.Random()  # noqa: S311 (a demo's point, not a secret)
        walk = Walk(rng)
        alert_id = new_alert_id(timezone.now())
        for move in range(options["moves"] + 1):
            if move:
                time.sleep(options["interval"])
                walk.step(options["interval"])
            self._send_position(url, secret, alert_id, person, walk, move, options["moves"])
        self.stdout.write("")
        self.stdout.write(
            f"Haber Merkezi panosu: {settings.KENTMASA_PUBLIC_URL.rstrip('/')}/haber-merkezi/ "
            "(polis operatörü olarak giriş yapın; uyarı penceresi bir operatör onaylayana kadar açık kalır)."
        )
        self.stdout.write(
            f"Yürüyen bir çağrı: manage.py demo_kades --moves 5   "
            f"Bu çağrının iptali: manage.py demo_kades --cancel {alert_id}"
        )

    # -- the person ------------------------------------------------------------------------------------------

    def _person(self, tc: str | None, name: str | None, phone: str | None) -> Person:
        orders = ProtectionOrder.objects.order_by("pk")
        if tc:
            tc = tckimlik.clean(tc)
            if not tckimlik.is_valid(tc):
                raise CommandError(f"Geçersiz TC kimlik no: {tc} (11 hane ve sağlama basamakları).")
            order = orders.filter(person_tc_kimlik=tc).first()
        else:
            order = orders.first()
            if order is None:
                raise CommandError(
                    "Koruma kararı kayıtlı kimse yok: önce tanıtım verisini yükleyin (manage.py load_demo) "
                    "ya da --person-tc ve --person-name verin."
                )
            tc = order.person_tc_kimlik
        earlier = (
            Incident.objects.filter(person_tc_kimlik=tc)
            .exclude(person_phone="")
            .order_by("-opened_at")
            .first()
        )
        name = name or (order.person_name if order else "") or (earlier.person_name if earlier else "")
        if not name:
            raise CommandError(f"{tckimlik.mask(tc)} için kayıtlı bir ad yok: --person-name verin.")
        raw_phone = phone or (earlier.person_phone if earlier else "") or DEMO_PHONE
        try:
            number = phones.normalize(raw_phone)
        except phones.InvalidPhone as error:
            raise CommandError(f"Geçersiz telefon: {raw_phone}") from error
        return Person(name=name, tc_kimlik_no=tc, phone=number)

    # -- sending ---------------------------------------------------------------------------------------------

    def _send(self, url: str, secret: str, payload: dict[str, Any]) -> Answer:
        body = json.dumps(payload, ensure_ascii=False).encode()
        started = time.monotonic()
        answer = post(url, body, secret)
        took = (time.monotonic() - started) * 1000
        line = f"  Sunucunun cevabı: {answer.status} {answer.reason} ({took:.0f} ms) — {answer.text()}"
        if answer.status == 200:
            self.stdout.write(self.style.SUCCESS(line))
            return answer
        self.stdout.write(self.style.ERROR(line))
        raise CommandError(self._hint(answer, url))

    @staticmethod
    def _hint(answer: Answer, url: str) -> str:
        """What to do about a refusal, by the webhook's error code."""
        hints = {
            "signature": "İmza reddedildi: sunucunun KENTMASA_KADES_WEBHOOK_SECRET değeri bununla aynı "
            "olmalı (make run demo-kades-secret kullanır).",
            "not_configured": "Sunucuda KENTMASA_KADES_WEBHOOK_SECRET boş: sunucuyu make run ile ya da bu "
            "değişkenle başlatın.",
            "no_institution": "Çağrıyı alacak emniyet müdürlüğü yok: tanıtım verisi yüklü mü (manage.py "
            "load_demo)? Yoksa sunucuda KENTMASA_KADES_INSTITUTION ile bir müdürlük seçin.",
            "unknown_alert": "Bu numarayla gelmiş bir çağrı yok: --cancel'e, çağrı gönderilirken yazılan "
            "çağrı numarasını verin.",
        }
        if answer.code in hints:
            return hints[answer.code]
        if answer.status == 404:
            return f"Bu adreste KADES webhook'u yok: {url}"
        return "Çağrı kabul edilmedi."

    def _send_position(
        self, url: str, secret: str, alert_id: str, person: Person, walk: Walk, move: int, moves: int
    ) -> None:
        now = timezone.now()
        accuracy = walk.accuracy()
        payload = {
            "alert_id": alert_id,
            "at": timezone.localtime(now).isoformat(timespec="seconds"),
            "latitude": walk.latitude,
            "longitude": walk.longitude,
            "accuracy_m": accuracy,
            "person": {"tc_kimlik_no": person.tc_kimlik_no, "name": person.name, "phone": person.phone},
            "event": "alert",
        }
        if move == 0:
            self.stdout.write(f"KADES çağrısı gönderiliyor → {url}")
            self.stdout.write(f"  çağrı no: {alert_id}")
            self.stdout.write(
                f"  kişi: {person.name}, TC {tckimlik.mask(person.tc_kimlik_no)}, "
                f"tel. {phones.mask(person.phone)}"
            )
        else:
            self.stdout.write(f"Yeni konum {move}/{moves} (aynı çağrı {alert_id}):")
        self.stdout.write(
            f"  konum: {walk.latitude:.6f}, {walk.longitude:.6f} (±{accuracy} m), "
            f"saat {timezone.localtime(now):%H:%M:%S}"
        )
        self._send(url, secret, payload)

    def _cancel(self, url: str, secret: str, alert_id: str) -> None:
        payload: dict[str, Any] = {
            "alert_id": alert_id,
            "at": timezone.localtime().isoformat(timespec="seconds"),
            "event": "cancel",
        }
        self.stdout.write(f"KADES çağrısı iptal ediliyor → {url}")
        self.stdout.write(f"  çağrı no: {alert_id}")
        self._send(url, secret, payload)
        self.stdout.write("Olay panoda kalır; bir operatör onu 'yanlış alarm' koduyla kapatır.")
