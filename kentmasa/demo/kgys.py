"""Eskişehir police's city cameras (KGYS) and plate recognition (PTS) for the demo.

Run by the loader every time `load_demo` runs, after kentmasa.demo.police (the teams must stand where they
are before a plate alert looks for the nearest), so it only adds what is missing:

* twelve cameras at real places of Tepebaşı and Odunpazarı (each point lies inside the mahalle named; the
  tests check it), kept 10 days (the bus station's 15);
* the file-system recorder's footage (kentmasa.emergency.recorders.FileSystemRecorder, under
  KENTMASA_RECORDER_ROOT, var/recorder by default): one small file per camera and hour for the last 12 days
  at the first load, then the hours since the newest file at every later one, as if the recorder had kept
  recording. The files are placeholders (an MP4 header and a note, no picture), 1–2 KB each;
* footage requests through kentmasa.emergency.footage: one released (recorded by the operator `polis`,
  approved by the duty supervisor `amir`, who holds the permissions emergency.release_footage and
  emergency.lift_footage_hold), one waiting for approval with its order scan (a PDF made here), one
  refused because its window was already past retention; a legal hold for an investigation. Then the
  retention purge runs (as the periodic job would within the minute): it deletes what is older than the
  cameras' retention, keeps what the holds cover, and leaves its destruction record (/imha-tutanaklari/);
* a hotlist of 100 plates (stolen, wanted, terror-linked, other) through kentmasa.emergency.pts;
* plate reads of the last 12 days through pts.ingest, three of them of hotlisted plates: one alert closed
  (vehicle stopped), one acknowledged and seen by a team, one waiting on the board; then the reads' purge;
* the camera system's login `pts.kamera` (no password: it cannot sign in) and a plate-reads token, made
  anew at every load (only its hash is kept; the earlier demo token is revoked) for `manage.py demo_pts`
  or curl.

Everything is invented: plates, notes, authorities' reference numbers, the order's text. The places are real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import struct
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone, translation
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from kentmasa.demo.tables import ESKISEHIR
from kentmasa.directory.models import ApiToken, Institution, Team, User
from kentmasa.emergency import footage, pts, recorders
from kentmasa.emergency.models import (
    Camera,
    FootageHold,
    FootageRequest,
    HotlistEntry,
    PlateAlert,
    PlateAlertTeam,
    PlateReason,
)
from kentmasa.lib import plates

FONT_DIR = Path(__file__).resolve().parent.parent / "channels" / "fonts"
SEGMENT = dt.timedelta(hours=1)
FOOTAGE_DAYS = 12
HOTLIST_SIZE = 100
READS_PER_DAY = 40
RANDOM_SEED = 1550  # the hotlist and the reads: the same demo every time

OPERATOR = "polis"  # records requests and hotlist entries, acknowledges and closes plate alerts
APPROVER = "amir"  # the duty supervisor (kentmasa.demo.police): holds the KGYS permissions
PERMISSIONS = ("release_footage", "lift_footage_hold")
PTS_USERNAME = "pts.kamera"
TOKEN_NAME = "PTS tanıtım (load_demo)"  # noqa: S105 (a token's name, not a secret)


@dataclass(frozen=True)
class CameraSpec:
    code: str
    name: str
    location: str  # the mahalle and ilçe the point lies in (tr-admin data)
    latitude: str
    longitude: str
    retention_days: int = 10


CAMERAS: tuple[CameraSpec, ...] = (
    CameraSpec("ESK-KGYS-001", "Adalar – Köprübaşı", "İstiklal Mh., Odunpazarı", "39.776600", "30.515000"),
    CameraSpec("ESK-KGYS-002", "Doktorlar Caddesi", "İstiklal Mh., Odunpazarı", "39.774500", "30.516800"),
    CameraSpec("ESK-KGYS-003", "Tren Garı önü", "Hoşnudiye Mh., Tepebaşı", "39.779500", "30.504900"),
    CameraSpec("ESK-KGYS-004", "Espark kavşağı", "Hoşnudiye Mh., Tepebaşı", "39.780600", "30.509300"),
    CameraSpec("ESK-KGYS-005", "Atatürk Bulvarı", "İhsaniye Mh., Tepebaşı", "39.778000", "30.522500"),
    CameraSpec("ESK-KGYS-006", "Hamamyolu – Valilik", "Deliklitaş Mh., Odunpazarı", "39.774300", "30.520500"),
    CameraSpec(
        "ESK-KGYS-007", "Odunpazarı Evleri – Atlıhan", "Orta Mah., Odunpazarı", "39.762600", "30.526700"
    ),
    CameraSpec(
        "ESK-KGYS-008",
        "Anadolu Üniversitesi Yunus Emre girişi",
        "Yeşiltepe Mh., Tepebaşı",
        "39.790800",
        "30.500700",
    ),
    CameraSpec(
        "ESK-KGYS-009", "Şehirlerarası Otobüs Terminali", "Şeker Mh., Tepebaşı", "39.785900", "30.553100", 15
    ),
    CameraSpec("ESK-KGYS-010", "Ankara yolu girişi (PTS)", "Şeker Mh., Tepebaşı", "39.786800", "30.560300"),
    CameraSpec(
        "ESK-KGYS-011", "Bursa yolu – Batıkent (PTS)", "Zincirlikuyu Mah., Tepebaşı", "39.793500", "30.470000"
    ),
    CameraSpec(
        "ESK-KGYS-012", "Kütahya yolu – Meşelik (PTS)", "Büyükdere Mh., Odunpazarı", "39.750400", "30.482300"
    ),
)


@dataclass(frozen=True)
class RequestSpec:
    """A written request for footage; days and hours are counted back from the day of the first load."""

    requester_kind: str
    requester: str
    reference_no: str  # the year of the recording day is put in front
    cameras: tuple[str, ...]
    window_days_ago: int
    window_from: tuple[int, int]  # local hour and minute
    window_to: tuple[int, int]
    recorded_days_ago: int
    recorded_at: tuple[int, int]
    note: str
    order: bool  # the scan is attached when it is recorded
    approved_at: tuple[int, int] | None = None  # the same day, by the approver


P = FootageRequest.Requester
REQUESTS: tuple[RequestSpec, ...] = (
    RequestSpec(
        P.PROSECUTOR,
        "Eskişehir Cumhuriyet Başsavcılığı",
        "4821 Soruşturma",
        ("ESK-KGYS-001", "ESK-KGYS-002"),
        11,
        (21, 30),
        (23, 0),
        10,
        (9, 40),
        "Adalar'da gece yaşanan yaralama olayı; şüphelilerin kaçış yönü.",
        True,
        approved_at=(15, 10),
    ),
    RequestSpec(
        P.PROSECUTOR,
        "Eskişehir Cumhuriyet Başsavcılığı",
        "5310 Soruşturma",
        ("ESK-KGYS-004", "ESK-KGYS-005"),
        2,
        (18, 0),
        (20, 30),
        1,
        (11, 20),
        "Espark çevresinde kapkaç; mağdurun tarif ettiği iki şüpheli.",
        True,
    ),
    RequestSpec(
        P.ADMINISTRATIVE,
        "Odunpazarı Kaymakamlığı (idari soruşturma)",
        "E-2207 İdari İnceleme",
        ("ESK-KGYS-007",),
        14,
        (13, 0),
        (15, 0),
        2,
        (10, 5),
        "Belediye zabıtası hakkında şikâyet; olay günü Atlıhan önü.",
        False,
    ),
)


@dataclass(frozen=True)
class HoldSpec:
    camera: str
    days_ago: int
    window_from: tuple[int, int]
    window_to: tuple[int, int]
    placed_days_ago: int
    reason: str


# A hold for an investigation whose written request has not come yet: kept past retention all the same.
HOLD = HoldSpec(
    "ESK-KGYS-003",
    11,
    (7, 0),
    (9, 0),
    10,
    "Tren Garı'nda yankesicilik: Eskişehir Cumhuriyet Başsavcılığı soruşturması, yazısı bekleniyor",
)

# -- the hotlist ---------------------------------------------------------------------------------------------

R = PlateReason


@dataclass(frozen=True)
class Showcase:
    plate: str
    reason: str
    note: str


# The plates of the demo's plate alerts (and the first hotlist entries).
STOLEN = Showcase("26 AK 3172", R.STOLEN, "Gri Fiat Egea; Vişnelik Mh.'den çalındı, şikâyet 3 gün önce.")
WANTED = Showcase(
    "06 BFK 92", R.WANTED, "Sürücü hakkında yakalama kararı var (Ankara 7. Ağır Ceza Mahkemesi)."
)
TERROR = Showcase(
    "16 ZR 5081", R.TERROR, "Terörle bağlantılı; durdurmadan önce destek isteyin, tek ekiple yaklaşmayın."
)
SHOWCASES = (STOLEN, WANTED, TERROR)

# How many of each reason the hotlist holds (the showcase plates included).
REASONS = ((R.STOLEN, 55), (R.WANTED, 25), (R.TERROR, 5), (R.OTHER, 15))
PROVINCES = (
    ("26", 50),
    ("06", 10),
    ("34", 10),
    ("16", 6),
    ("43", 6),
    ("03", 5),
    ("11", 5),
    ("42", 4),
    ("35", 4),
)
VEHICLES = (
    "beyaz Fiat Egea",
    "gri Renault Clio",
    "siyah Volkswagen Passat",
    "kırmızı Ford Focus",
    "mavi Toyota Corolla",
    "beyaz Ford Transit kamyonet",
    "gümüş Hyundai i20",
    "lacivert Honda Civic",
    "beyaz Renault Megane",
    "siyah Dacia Duster",
)
MAHALLELER = ("Vişnelik", "Emek", "Yenibağlar", "Sütlüce", "Batıkent", "Şirintepe", "Gökmeydan", "71 Evler")
NOTES = {
    R.STOLEN: (
        "{vehicle}; {mahalle} Mh.'den çalındı.",
        "{vehicle}; otoparktan çalındı, plakası değiştirilmiş olabilir.",
    ),
    R.WANTED: (
        "{vehicle}; sürücü hakkında yakalama kararı var.",
        "{vehicle}; gasp şüphelisinin kullandığı araç.",
        "{vehicle}; kaçak göçmen taşıdığı ihbar edildi.",
    ),
    R.TERROR: ("{vehicle}; terörle bağlantılı, destek istemeden durdurmayın.",),
    R.OTHER: (
        "{vehicle}; trafikten men kararlı.",
        "{vehicle}; kayıp çocuk ihbarında görülen araç.",
        "{vehicle}; yakalamalı (icra dairesi).",
    ),
}
VALID_DAYS = {R.WANTED: (30, 180), R.OTHER: (14, 90)}  # stolen and terror-linked: until taken off
SHAPES = ((1, 4), (2, 3), (2, 4), (3, 2), (3, 3))
LETTERS = "".join(sorted(plates.LETTERS))


@dataclass
class Shown:
    """What the load_demo command prints of it."""

    cameras: int
    footage_root: str
    footage_files: int  # written by this load
    hotlist: int
    waiting: list[str]  # the requests waiting for approval
    recorded_by: str
    approver: str
    open_alerts: int
    pts_username: str
    token: str  # the plate-reads token made by this load


def set_up(*, now: dt.datetime | None = None) -> Shown | None:
    """Add what is missing of the directorate's cameras, footage, requests, hotlist and plate alerts, and make
    a new plate-reads token; None when the Eskişehir police directorate is not there."""
    police = Institution.objects.filter(slug=ESKISEHIR.slug).first()
    if police is None:
        return None
    # What the services write for people to read (refusal reasons, holds, destruction records) in Turkish.
    with translation.override(settings.LANGUAGE_CODE):
        return _set_up(police, now or timezone.now())


def _set_up(police: Institution, now: dt.datetime) -> Shown:
    operator = _operator(police)
    approver = _approver()
    cameras, fresh = _cameras(police)
    written = _footage(cameras, now, fresh=fresh)
    if fresh:
        _requests(police, cameras, operator, approver, now)
        _hold(cameras, approver, now)
    footage.purge_institution(police.pk, now=now)  # as the periodic job would (at most hourly)
    _hotlist(police, operator, approver, now)
    if fresh:
        _history(police, now)
        _alerts(police, operator, now)
    pts.purge_reads(now)
    account = _pts_account(police)
    return Shown(
        cameras=len(cameras),
        footage_root=str(getattr(recorders.get_recorder(), "root", "")),
        footage_files=written,
        hotlist=HotlistEntry.objects.filter(institution=police).count(),
        waiting=[
            f"{request.requester} {request.reference_no}"
            for request in FootageRequest.objects.filter(
                institution=police, status=FootageRequest.Status.PENDING
            ).order_by("recorded_at")[:5]
        ],
        recorded_by=operator.username,
        approver=approver.username,
        open_alerts=PlateAlert.objects.filter(institution=police, closed_at__isnull=True).count(),
        pts_username=account.username,
        token=_token(account),
    )


# -- people --------------------------------------------------------------------------------------------------


def _operator(police: Institution) -> User:
    """The police operator who records requests and works the alerts: `polis`, else another of the
    directorate's (kentmasa.demo.police makes sure there is one besides the duty supervisor)."""
    operators = User.objects.filter(
        institution=police, role=User.Role.POLICE_OPERATOR, is_active=True
    ).exclude(username=APPROVER)
    return (
        operators.filter(username=OPERATOR).first()
        or operators.order_by("pk").first()
        or User.objects.get(username=OPERATOR)
    )


def _approver() -> User:
    """The duty supervisor, holding the KGYS permissions (a permission, not a role: he stays an operator)."""
    approver = User.objects.get(username=APPROVER)
    approver.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="emergency", codename__in=PERMISSIONS)
    )
    return User.objects.get(pk=approver.pk)  # without the permission cache of the old object


def _pts_account(police: Institution) -> User:
    """The camera system's login: a member of the directorate that cannot sign in, only post plate reads."""
    account = User.objects.filter(username=PTS_USERNAME).first()
    if account is None:
        account = User(
            username=PTS_USERNAME,
            first_name="PTS",
            last_name="kamera sistemi",
            role=User.Role.UNIT_STAFF,
            institution=police,
        )
        account.set_unusable_password()
        account.save()
    return account


def _token(account: User) -> str:
    """A new plate-reads token; the earlier demo token is revoked (only hashes are kept, so it cannot be
    shown again)."""
    with transaction.atomic():
        ApiToken.objects.filter(user=account, name=TOKEN_NAME, revoked=False).update(revoked=True)
        _row, raw = ApiToken.issue(account, TOKEN_NAME, ApiToken.Scope.PLATE_READS)
    return raw


# -- cameras and footage -------------------------------------------------------------------------------------


def _cameras(police: Institution) -> tuple[dict[str, Camera], bool]:
    """The demo's cameras by code (missing ones created; an administrator's changes stay), and whether
    none was there before (the first load)."""
    found = {camera.code: camera for camera in Camera.objects.filter(institution=police)}
    fresh = not any(spec.code in found for spec in CAMERAS)
    for spec in CAMERAS:
        if spec.code not in found:
            found[spec.code] = Camera.objects.create(
                institution=police,
                code=spec.code,
                name=spec.name,
                location=spec.location,
                latitude=Decimal(spec.latitude),
                longitude=Decimal(spec.longitude),
                retention_days=spec.retention_days,
            )
    return {spec.code: found[spec.code] for spec in CAMERAS}, fresh


def footage_bytes(code: str, start: dt.datetime) -> bytes:
    """A segment's placeholder: an ISO BMFF 'ftyp' box and a 'free' box carrying a note and filler, smaller
    at night (a real recorder's files shrink when nothing moves)."""
    seed = hashlib.sha256(f"{code} {start.isoformat()}".encode()).digest()
    local = timezone.localtime(start)
    note = (
        f"kentmasa tanıtım verisi: {code} kamerasının {local:%d.%m.%Y %H:%M} başlayan bir saatlik kaydının "
        "yerine geçen örnek dosya; görüntü içermez.\n"
    ).encode()
    size = (300 if local.hour < 6 else 800) + seed[0] * 3
    body = note + (seed * (size // len(seed) + 1))[:size]
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 0x200, b"isom", b"mp41")
    return ftyp + struct.pack(">I4s", 8 + len(body), b"free") + body


def _footage(cameras: dict[str, Camera], now: dt.datetime, *, fresh: bool) -> int:
    """The recorder's hourly files up to the last full hour: the last 12 days at the first load (hours
    already there are left as they are), then from each camera's newest file on. Nothing for a recorder
    that is not the file-system one: a real NVR records by itself."""
    recorder = recorders.get_recorder()
    if not isinstance(recorder, recorders.FileSystemRecorder):
        return 0
    last = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first = last - dt.timedelta(days=FOOTAGE_DAYS)
    written = 0
    for camera in cameras.values():
        existing = recorder.segments(camera, start=first)
        have = {segment.start for segment in existing}
        moment = first
        if existing and not fresh:
            moment = max(first, max(segment.end for segment in existing))
        while moment + SEGMENT <= last:
            if moment not in have:
                recorder.write(camera, moment, moment + SEGMENT, footage_bytes(camera.code, moment))
                written += 1
            moment += SEGMENT
    return written


def _local(now: dt.datetime, days_ago: int, at: tuple[int, int]) -> dt.datetime:
    day = timezone.localdate(now) - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(*at)))


def upper_tr(text: str) -> str:
    """Upper case the Turkish way: i → İ, ı → I."""
    return text.replace("i", "İ").upper()


def order_scan(
    spec: RequestSpec, reference: str, dated: dt.date, start: dt.datetime, end: dt.datetime
) -> bytes:
    """The authority's written order as a one-page PDF, marked as demo data (an invented text)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_creator("kentmasa demo")
    pdf.set_margins(25, 20, 25)
    pdf.add_page()

    def line(
        text: str, *, size: float = 10, bold: bool = False, align: Align = Align.L, gap: float = 0
    ) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.6, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            pdf.ln(gap)

    pdf.set_text_color(160, 0, 0)
    line("TANITIM VERİSİ — GERÇEK BİR BELGE DEĞİLDİR", size=8, bold=True, align=Align.C, gap=6)
    pdf.set_text_color(0, 0, 0)
    line("T.C.", size=12, bold=True, align=Align.C)
    line(upper_tr(spec.requester), size=12, bold=True, align=Align.C, gap=8)
    line(f"Sayı: {reference}")
    line(f"Tarih: {dated:%d.%m.%Y}")
    line("Konu: KGYS kamera kayıtlarının istenmesi", gap=6)
    line("ESKİŞEHİR İL EMNİYET MÜDÜRLÜĞÜNE", bold=True, align=Align.C, gap=4)
    line(
        f"Yukarıda sayısı yazılı dosya kapsamında ({spec.note}) {', '.join(spec.cameras)} numaralı kent "
        f"güvenlik kameralarının {timezone.localtime(start):%d.%m.%Y %H:%M} ile "
        f"{timezone.localtime(end):%d.%m.%Y %H:%M} saatleri arasındaki görüntü kayıtlarının, bütünlük değeri "
        "(SHA-256) ile birlikte tutanakla teslim edilmesi ve inceleme sonuçlanıncaya kadar silinmeyerek "
        "muhafaza edilmesi rica olunur.",
        align=Align.J,
        gap=16,
    )
    line("(imza)", align=Align.R)
    line("Cumhuriyet Savcısı" if spec.requester_kind == P.PROSECUTOR else "İnceleme Yetkilisi", align=Align.R)
    return bytes(pdf.output())


def _requests(
    police: Institution, cameras: dict[str, Camera], operator: User, approver: User, now: dt.datetime
) -> None:
    """The three demo requests, through kentmasa.emergency.footage as the officers would record them."""
    for spec in REQUESTS:
        recorded = _local(now, spec.recorded_days_ago, spec.recorded_at)
        reference = f"{recorded.year}/{spec.reference_no}"
        if FootageRequest.objects.filter(institution=police, reference_no=reference).exists():
            continue
        start = _local(now, spec.window_days_ago, spec.window_from)
        end = _local(now, spec.window_days_ago, spec.window_to)
        dated = recorded.date() - dt.timedelta(days=1)
        scan = order_scan(spec, reference, dated, start, end) if spec.order else None
        request = footage.record_request(
            police,
            requester_kind=spec.requester_kind,
            requester=spec.requester,
            reference_no=reference,
            reference_date=dated,
            cameras=[cameras[code] for code in spec.cameras],
            window_start=start,
            window_end=end,
            actor=operator,
            note=spec.note,
            order=scan,
            now=recorded,
        )
        if spec.approved_at is not None and request.status == FootageRequest.Status.PENDING:
            footage.approve(
                request, actor=approver, now=_local(now, spec.recorded_days_ago, spec.approved_at)
            )


def _hold(cameras: dict[str, Camera], approver: User, now: dt.datetime) -> None:
    camera = cameras[HOLD.camera]
    if FootageHold.objects.filter(camera=camera, reason=HOLD.reason).exists():
        return
    footage.place_hold(
        camera,
        _local(now, HOLD.days_ago, HOLD.window_from),
        _local(now, HOLD.days_ago, HOLD.window_to),
        reason=HOLD.reason,
        actor=approver,
        now=_local(now, HOLD.placed_days_ago, (8, 30)),
    )


# -- the hotlist and the reads -------------------------------------------------------------------------------


def _random_plate(rng: random.Random) -> str:
    """A plate of a legal Turkish shape (kentmasa.lib.plates), from a province near Eskişehir more often."""
    provinces = [code for code, weight in PROVINCES for _ in range(weight)]
    letters, digits = rng.choice(SHAPES)
    while True:
        series = "".join(rng.choice(LETTERS) for _ in range(letters))
        if series not in plates.DIPLOMATIC_SERIES:
            break
    number = str(rng.randint(10 ** (digits - 1), 10**digits - 1))
    return f"{rng.choice(provinces)} {series} {number}"


def hotlist_specs() -> list[Showcase]:
    """The demo's 100 hotlisted plates: the showcase ones first, then seeded random ones by reason."""
    rng = random.Random(RANDOM_SEED)  # noqa: S311 (demo data, not a secret)
    specs = list(SHOWCASES)
    keys = {plates.normalize(spec.plate).key for spec in specs}
    for reason, count in REASONS:
        for _ in range(count - sum(1 for spec in SHOWCASES if spec.reason == reason)):
            while True:
                plate = _random_plate(rng)
                key = plates.normalize(plate).key
                if key not in keys:
                    keys.add(key)
                    break
            note = rng.choice(NOTES[reason]).format(
                vehicle=rng.choice(VEHICLES), mahalle=rng.choice(MAHALLELER)
            )
            specs.append(Showcase(plate, reason, note[0].upper() + note[1:]))
    return specs


def _hotlist(police: Institution, operator: User, approver: User, now: dt.datetime) -> None:
    """The plates not on the hotlist yet (one taken off by an operator comes back at the next load, as a
    demo should; one changed keeps its changes)."""
    rng = random.Random(RANDOM_SEED + 1)  # noqa: S311
    listed = set(HotlistEntry.objects.filter(institution=police).values_list("plate", flat=True))
    for spec in hotlist_specs():
        days = VALID_DAYS.get(PlateReason(spec.reason))
        valid_until = now + dt.timedelta(days=rng.randint(*days)) if days else None
        if plates.normalize(spec.plate).key in listed:
            continue
        pts.upsert_hotlist(
            police,
            plate=spec.plate,
            reason=spec.reason,
            note=spec.note,
            valid_until=valid_until,
            actor=approver if spec.reason == R.TERROR else operator,
        )


def _reads(
    rng: random.Random, start: dt.datetime, end: dt.datetime, count: int, avoid: set[str]
) -> list[dict]:
    """``count`` reads of plates not on the hotlist at random cameras between ``start`` and ``end``; a few
    foreign, diplomatic or unreadable ones among them, as a real camera system sends."""
    reads = []
    span = (end - start).total_seconds()
    for _ in range(count):
        roll = rng.random()
        if roll < 0.04:
            plate = rng.choice(("B MK 4412", "WI 53KD", "34 AB? 1", "?", "06 CD 1234", "D 2231 ZK"))
        else:
            plate = _random_plate(rng)
            if plates.normalize(plate).key in avoid:
                continue
        camera = rng.choice(CAMERAS)
        at = start + dt.timedelta(seconds=rng.uniform(0, span))
        reads.append(_read(camera, plate, at, rng))
    return reads


def _read(camera: CameraSpec, plate: str, at: dt.datetime, rng: random.Random) -> dict[str, Any]:
    """One read as the camera system posts it: at the camera, a few metres off."""
    return {
        "camera": camera.code,
        "plate": plate,
        "at": timezone.localtime(at).isoformat(timespec="seconds"),
        "latitude": round(float(camera.latitude) + rng.uniform(-0.0002, 0.0002), 6),
        "longitude": round(float(camera.longitude) + rng.uniform(-0.0002, 0.0002), 6),
    }


def _history(police: Institution, now: dt.datetime) -> None:
    """A day's batch of ordinary reads for each of the last 12 days: the reads' purge deletes the oldest."""
    rng = random.Random(RANDOM_SEED + 2)  # noqa: S311
    avoid = set(HotlistEntry.objects.filter(institution=police).values_list("plate", flat=True))
    for days_ago in range(FOOTAGE_DAYS, 0, -1):
        start, end = _local(now, days_ago, (6, 0)), _local(now, days_ago, (23, 0))
        pts.ingest(
            police,
            _reads(rng, start, end, READS_PER_DAY, avoid),
            now=end + dt.timedelta(minutes=1),
            idempotency_key=f"demo-gunluk-{start:%Y%m%d}",
        )


def _camera(code: str) -> CameraSpec:
    return next(spec for spec in CAMERAS if spec.code == code)


def _alert_batch(
    police: Institution, key: str, showcase: Showcase, camera: str, minutes_ago: int, now: dt.datetime
) -> PlateAlert | None:
    """A batch of 20 reads with the showcase plate among them, posted ``minutes_ago``; its alert."""
    rng = random.Random(f"{RANDOM_SEED}-{key}")  # noqa: S311
    posted = now - dt.timedelta(minutes=minutes_ago)
    avoid = set(HotlistEntry.objects.filter(institution=police).values_list("plate", flat=True))
    reads = _reads(rng, posted - dt.timedelta(minutes=5), posted, 19, avoid)
    reads.insert(
        rng.randint(0, len(reads)),
        _read(_camera(camera), showcase.plate, posted - dt.timedelta(minutes=1), rng),
    )
    result = pts.ingest(police, reads, now=posted, idempotency_key=key)
    if result.replayed or not result.alerts:
        return None
    return PlateAlert.objects.get(pk=result.alerts[0])


def _first_told(alert: PlateAlert) -> tuple[Team, User] | None:
    row = PlateAlertTeam.objects.filter(alert=alert).select_related("team").order_by("told_at", "pk").first()
    if row is None:
        return None
    member = row.team.members.order_by("pk").first()
    return (row.team, member) if member is not None else None


def _alerts(police: Institution, operator: User, now: dt.datetime) -> None:
    """Three plate alerts through pts.ingest: the stolen car seen on the Ankara road and then downtown,
    stopped by the first team told (closed); the wanted driver on the Bursa road (acknowledged, a team saw
    it); the terror-linked car at the university a few minutes ago (waiting on the board)."""
    # Within pts.TELL_WITHIN (half an hour) of the load, so the teams are told: an older read rings nobody.
    stolen = _alert_batch(police, "demo-alarm-1", STOLEN, "ESK-KGYS-010", 25, now)
    _alert_batch(police, "demo-alarm-1b", STOLEN, "ESK-KGYS-005", 18, now)
    if stolen is not None:
        pts.acknowledge_alert(stolen, actor=operator)
        told = _first_told(stolen)
        if told is not None:
            team, member = told
            pts.team_saw(stolen, team, actor=member)
            note = (
                f"{team.name} aracı Atatürk Bulvarı'nda durdurdu; sürücü gözaltında, araç otoparka çekildi."
            )
        else:
            note = "Araç Atatürk Bulvarı'nda durduruldu."
        pts.close_alert(stolen, PlateAlert.Outcome.STOPPED, actor=operator, note=note)
    wanted = _alert_batch(police, "demo-alarm-2", WANTED, "ESK-KGYS-011", 14, now)
    if wanted is not None:
        pts.acknowledge_alert(wanted, actor=operator)
        told = _first_told(wanted)
        if told is not None:
            pts.team_saw(wanted, told[0], actor=told[1])
    _alert_batch(police, "demo-alarm-3", TERROR, "ESK-KGYS-008", 3, now)
