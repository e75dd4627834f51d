"""python manage.py demo_pts: play the camera system (PTS) against a running kentmasa, to see a plate alert
arrive on the Haber Merkezi's board and on the nearest teams' phones.

    manage.py demo_pts                         # 50 reads, one of them a stolen car on the hotlist
    manage.py demo_pts --plate "06 BFK 92"     # that plate among the reads (hotlisted or not)
    manage.py demo_pts --camera ESK-KGYS-004   # read by that camera
    manage.py demo_pts --reads 500             # a bigger batch (at most 5000)
    manage.py demo_pts --token km_…            # the plate-reads token `load_demo` printed

It posts to KENTMASA_PUBLIC_URL + /api/v1/pts/reads exactly what a camera system posts (JSON list of
``{camera, plate, at, latitude, longitude}``, ``Authorization: Bearer`` with a token scoped to plate reads,
an ``Idempotency-Key``), so the reads go the whole real way: HTTP, the API, kentmasa.emergency.pts.ingest,
the alert, the notifications and the live stream. Without ``--token`` it makes a new plate-reads token for
the demo's camera-system login (``pts.kamera``, made by load_demo) and revokes the one it made before. The
hotlisted plate is one without an open alert, so a new alert opens; a few foreign and unreadable plates
ride along, as from real cameras. Refused in production: made-up reads must never reach a real board.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kentmasa.directory.models import ApiToken, Institution, User
from kentmasa.emergency.models import Camera, HotlistEntry, PlateAlert, PlateReason
from kentmasa.lib import plates

READS_PATH = "/api/v1/pts/reads"
# The demo's police directorate and its camera-system login (kentmasa.demo.tables / kentmasa.demo.kgys; the
# tests check they agree).
DEMO_INSTITUTION = "eskisehir-emniyet"
PTS_USERNAME = "pts.kamera"
TOKEN_NAME = "PTS tanıtım (demo_pts)"  # noqa: S105 (a token's name, not a secret)
CENTRE = (39.7767, 30.5206)  # Eskişehir: Hacı Ali Bey Mh. (Tepebaşı), by the Porsuk
MAX_READS = 5000
ODD_PLATES = ("B MK 4412", "WI 53KD", "34 AB? 1", "?", "06 CD 1234", "D 2231 ZK")
PROVINCES = ("26", "26", "26", "26", "06", "34", "16", "43", "03", "11")
SHAPES = ((1, 4), (2, 3), (2, 4), (3, 2), (3, 3))
LETTERS = "".join(sorted(plates.LETTERS))


def reads_url(given: str | None) -> str:
    """``--url`` as given (a bare server address gets the API's path), else the public URL's."""
    parts = urlsplit(given or settings.KENTMASA_PUBLIC_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError(f"Geçersiz adres: {given!r} (ör. http://127.0.0.1:8000{READS_PATH})")
    if not given or parts.path in ("", "/"):
        parts = parts._replace(path=parts.path.rstrip("/") + READS_PATH)
    return urlunsplit(parts)


def random_plate(rng: random.Random) -> str:
    """A plate of a legal Turkish shape (kentmasa.lib.plates), mostly of Eskişehir (26)."""
    letters, digits = rng.choice(SHAPES)
    while True:
        series = "".join(rng.choice(LETTERS) for _ in range(letters))
        if series not in plates.DIPLOMATIC_SERIES:
            break
    return f"{rng.choice(PROVINCES)} {series} {rng.randint(10 ** (digits - 1), 10**digits - 1)}"


@dataclass(frozen=True)
class Spot:
    """Where a read is made: a camera's code and its position."""

    code: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: str

    def data(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self) -> str:
        """What the server said: the figures of a stored batch, else its (Turkish) message."""
        data = self.data()
        if not isinstance(data, dict):
            return self.body.strip()[:300]
        if "received" in data:
            alerts = ", ".join(str(pk) for pk in data.get("alerts") or []) or "yok"
            rejected = len(data.get("rejected") or [])
            return (
                f"{data.get('received')} okuma alındı, {data.get('stored')} saklandı, {rejected} reddedildi, "
                f"{data.get('hits')} eşleşme; alarm no: {alerts}"
            )
        errors = data.get("errors") or {}
        detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        return f"{data.get('detail', '')}{' — ' + detail if detail else ''}"[:500]

    @property
    def code(self) -> str:
        data = self.data()
        return str(data.get("code") or "") if isinstance(data, dict) else ""


def post(url: str, body: bytes, token: str, key: str, timeout: float = 30) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (the scheme was checked: http or https)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Accept-Language": "tr",
            "User-Agent": "kentmasa demo_pts",
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


class Command(BaseCommand):
    help = (
        "Denemek için plaka tanıma sisteminin (PTS) bir okuma grubunu çalışan sunucuya gönderir: aralarında "
        "plaka listesindeki çalıntı bir araç olan okumalar, Eskişehir'in kameralarından, plaka okuma "
        "anahtarıyla /api/v1/pts/reads adresine (kamera sisteminin gönderdiği gibi). Haber Merkezi "
        "panosunda ve en yakın ekiplerin telefonunda alarm görünür."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--plate",
            help="Okumalar arasına konacak plaka (varsayılan: listeden açık alarmı olmayan çalıntı).",
        )
        parser.add_argument("--camera", help="Plakayı okuyan kamera kodu (varsayılan: rastgele bir kamera).")
        parser.add_argument("--reads", type=int, default=50, help="Gruptaki okuma sayısı (varsayılan 50).")
        parser.add_argument("--token", help="Plaka okuma anahtarı (varsayılan: yeni bir tanıtım anahtarı).")
        parser.add_argument("--url", help=f"Adres (varsayılan KENTMASA_PUBLIC_URL + {READS_PATH}).")
        parser.add_argument(
            "--institution", default=DEMO_INSTITUTION, help="Emniyet müdürlüğünün kısa adı (slug)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KENTMASA_PRODUCTION:
            raise CommandError(
                "demo_pts üretim ayarlarıyla çalışmaz: uydurma plaka okumaları gerçek bir Haber Merkezi'ne "
                "gitmemeli."
            )
        count = options["reads"]
        if not 1 <= count <= MAX_READS:
            raise CommandError(f"--reads 1 ile {MAX_READS} arasında olmalı.")
        url = reads_url(options["url"])
        police = Institution.objects.filter(slug=options["institution"]).first()
        if police is None or police.kind != Institution.Kind.POLICE:
            raise CommandError(
                f"{options['institution']!r} adlı bir emniyet müdürlüğü yok: önce tanıtım verisini yükleyin "
                "(manage.py load_demo) ya da --institution verin."
            )
        rng = random.Random()  # noqa: S311 (a demo's reads, not a secret)
        spots = self._spots(police)
        plate, reason = self._plate(police, options["plate"], rng)
        spot = self._spot(spots, options["camera"], rng)
        token = options["token"] or self._token(police)
        now = timezone.now()
        reads = self._reads(police, spots, count, now, rng)
        reads.insert(rng.randint(0, len(reads)), self._read(spot, plate, now - dt.timedelta(seconds=10), rng))
        key = f"demo-pts-{uuid.uuid4()}"
        self.stdout.write(f"PTS okumaları gönderiliyor → {url}")
        self.stdout.write(f"  {len(reads)} okuma, grup anahtarı (Idempotency-Key): {key}")
        why = f" ({reason})" if reason else " (listede değil: alarm olmaz)"
        shown = plates.normalize(plate).display or plate
        self.stdout.write(f"  plaka: {shown}{why}, kamera: {spot.code} {spot.name}")
        started = time.monotonic()
        answer = post(url, json.dumps(reads, ensure_ascii=False).encode(), token, key)
        took = (time.monotonic() - started) * 1000
        line = f"  Sunucunun cevabı: {answer.status} {answer.reason} ({took:.0f} ms) — {answer.text()}"
        if answer.status != 200:
            self.stdout.write(self.style.ERROR(line))
            raise CommandError(self._hint(answer, url))
        self.stdout.write(self.style.SUCCESS(line))
        self.stdout.write("")
        board = f"{settings.KENTMASA_PUBLIC_URL.rstrip('/')}/haber-merkezi/"
        self.stdout.write(
            f"Haber Merkezi panosu: {board} (polis ya da amir olarak giriş yapın); alarm en yakın ekiplerin "
            "telefonuna da gider (/ekip/)."
        )
        self.stdout.write(
            f'Aynı plakayı başka bir kamerada: manage.py demo_pts --plate "{plate}" --camera ESK-KGYS-004'
        )

    # -- what is read --------------------------------------------------------------------------------------

    @staticmethod
    def _spots(police: Institution) -> list[Spot]:
        cameras = Camera.objects.filter(
            institution=police, active=True, latitude__isnull=False, longitude__isnull=False
        ).order_by("code")
        spots = [
            Spot(camera.code, camera.name, float(camera.latitude or 0), float(camera.longitude or 0))
            for camera in cameras
        ]
        return spots or [Spot("ESK-PTS-DEMO", "kayıtsız kamera", *CENTRE)]

    @staticmethod
    def _spot(spots: list[Spot], code: str | None, rng: random.Random) -> Spot:
        if not code:
            return rng.choice(spots)
        for spot in spots:
            if spot.code == code:
                return spot
        known = ", ".join(spot.code for spot in spots)
        raise CommandError(f"{code} adlı bir kamera yok. Kameralar: {known}")

    @staticmethod
    def _plate(police: Institution, given: str | None, rng: random.Random) -> tuple[str, str]:
        """The plate to read and its hotlist reason ("" when it is not listed)."""
        now = timezone.now()
        listed = HotlistEntry.objects.filter(institution=police).exclude(valid_until__lte=now)
        if given:
            found = plates.normalize(given)
            if not found.readable:
                raise CommandError(f"Okunabilir bir plaka verin, ör. 26 AK 3172 (verilen: {given!r}).")
            entry = listed.filter(plate=found.key).first()
            return given, str(PlateReason(entry.reason).label) if entry else ""
        alerting = PlateAlert.objects.filter(institution=police, closed_at__isnull=True).values("plate")
        candidates = list(
            listed.filter(reason=PlateReason.STOLEN)
            .exclude(plate__in=alerting)
            .values_list("plate", "reason")
        ) or list(listed.values_list("plate", "reason"))
        if not candidates:
            raise CommandError(
                "Plaka listesi boş: önce tanıtım verisini yükleyin (manage.py load_demo) ya da --plate verin."
            )
        key, reason = rng.choice(candidates)
        return plates.normalize(key).display or key, str(PlateReason(reason).label)

    def _reads(
        self, police: Institution, spots: list[Spot], count: int, now: dt.datetime, rng: random.Random
    ) -> list[dict[str, Any]]:
        """``count - 1`` ordinary reads of the last two minutes (plates not on the hotlist; a few foreign or
        unreadable ones among them)."""
        listed = set(HotlistEntry.objects.filter(institution=police).values_list("plate", flat=True))
        reads: list[dict[str, Any]] = []
        while len(reads) < count - 1:
            if rng.random() < 0.04:
                plate = rng.choice(ODD_PLATES)
            else:
                plate = random_plate(rng)
                if plates.normalize(plate).key in listed:
                    continue
            at = now - dt.timedelta(seconds=rng.uniform(15, 120))
            reads.append(self._read(rng.choice(spots), plate, at, rng))
        return reads

    @staticmethod
    def _read(spot: Spot, plate: str, at: dt.datetime, rng: random.Random) -> dict[str, Any]:
        return {
            "camera": spot.code,
            "plate": plate,
            "at": timezone.localtime(at).isoformat(timespec="seconds"),
            "latitude": round(spot.latitude + rng.uniform(-0.0002, 0.0002), 6),
            "longitude": round(spot.longitude + rng.uniform(-0.0002, 0.0002), 6),
        }

    # -- the token -----------------------------------------------------------------------------------------

    @staticmethod
    def _token(police: Institution) -> str:
        """A new plate-reads token of the camera-system login; the one demo_pts made before is revoked."""
        account = User.objects.filter(username=PTS_USERNAME, institution=police, is_active=True).first()
        if account is None:
            raise CommandError(
                f"Kamera sisteminin kullanıcısı ({PTS_USERNAME}) yok: önce tanıtım verisini yükleyin "
                "(manage.py load_demo) ya da --token ile bir plaka okuma anahtarı verin "
                "(manage.py api_token KULLANICI --scope plate_reads)."
            )
        with transaction.atomic():
            ApiToken.objects.filter(user=account, name=TOKEN_NAME, revoked=False).update(revoked=True)
            _row, raw = ApiToken.issue(account, TOKEN_NAME, ApiToken.Scope.PLATE_READS)
        return raw

    @staticmethod
    def _hint(answer: Answer, url: str) -> str:
        """What to do about a refusal."""
        if answer.status == 401:
            return (
                "Anahtar reddedildi: iptal edilmiş ya da plaka okumalarına yetkili olmayan bir anahtar. "
                "--token vermeden çalıştırın (yeni bir tanıtım anahtarı yapılır) ya da load_demo'nun en son "
                "yazdığı anahtarı verin."
            )
        if answer.status == 403:
            return (
                "Bu anahtarla plaka okuması gönderilemez: bir emniyet müdürlüğü çalışanının plaka okuma "
                "anahtarı (manage.py api_token KULLANICI --scope plate_reads) ya da bir polis operatörünün "
                "anahtarı gerekir."
            )
        if answer.status == 404:
            return f"Bu adreste PTS okuma uç noktası yok: {url}"
        return "Okumalar kabul edilmedi."
