"""Benchmark of the field app (/saha/) on a phone: its first and repeat load on Fast 3G, a photo's upload.

    make bench-field                                                 # SQLite, var/bench-field/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/kentmasa_bench_field make bench-field
    BENCH_ORDERS=12 BENCH_RUNS=3 make bench-field                                     # the defaults

It starts the web process as production does (bench/live.py's machinery: the Procfile's ``web`` line,
gunicorn with two uvicorn workers, whitenoise serving the collected, hashed and gzipped static files, on a
free port against a database of its own) with a field team of Adana that has BENCH_ORDERS work orders for
today, and drives Debian's Chromium through Playwright as a phone (390×844, touch, a position in Adana).

Measured, BENCH_RUNS times each (the median is printed), every request throttled to DevTools' "Fast 3G"
(CDP Network.emulateNetworkConditions: 562.5 ms round trip, 180 kB/s down, 84 kB/s up; for the page and,
once it exists, for the service worker, which fetches on its own):

- first load: a phone that never opened the app (a new browser profile, signed in): the time from the
  start of the navigation to the day's list on the screen (field.js stamps ``data-usable-ms`` with
  performance.now() when it draws the list), and the compressed bytes the phone received for it (CDP
  encodedDataLength of every response until then: headers and bodies as they came over the wire); then
  the bytes of everything the first visit fetched once the app is ready for offline use (the shell and
  files put into the service worker's cache, the device key);
- repeat load: the same phone opening the app again: the shell and files from the service worker's cache,
  the list from the phone's copy at once (the network's fresher one follows), and the bytes that still
  went over the network (the worker's refresh of the shell and the list);
- a 12 MP photo (4000×3000 JPEG, made here with Pillow like a phone camera's: smooth areas, texture and
  grain, EXIF with GPS) taken in a work order: the bytes of its upload after field.js resized it on the
  phone (the multipart body of POST /saha/api/foto/), against the original's size.

Targets (issue 14): usable in ≤ 3 s and ≤ 300 KB compressed (before photos) on the first load; a repeat
load from the cache in ≤ 1 s. Over plain HTTP Chromium asks for gzip only (brotli is for HTTPS); the sizes
whitenoise would send as brotli, where it made .br files, are printed beside.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import live  # bench/live.py: the web server, the database

ROOT = live.ROOT
VAR = Path(os.environ.get("BENCH_VAR_DIR", ROOT / "var" / "bench-field"))
ORDERS = int(os.environ.get("BENCH_ORDERS", "12"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SLUG = "bench-field-adana"
USERNAME = "bench.saha"
PASSWORD = "bench-field-1"  # noqa: S105 (the benchmark's own user)
CENTRE = (37.0000, 35.3213)  # Adana, by the Taşköprü
PHONE = {"width": 390, "height": 844}
# DevTools' "Fast 3G" (Lighthouse's mobile throttling): 150 ms RTT × 3.75, 1.6 Mbps × 0.9, 750 kbps × 0.9.
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
TARGET_FIRST_S = 3.0
TARGET_FIRST_BYTES = 300 * 1000
TARGET_REPEAT_S = 1.0


# --- the team and its day -----------------------------------------------------------------------------------


def prepare() -> None:
    """A municipality of Adana with a roads unit, its field team, one member (who signs in) and
    ORDERS work orders for today on pothole cases around the centre, with a clerk who sent them."""
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from kentmasa.cases import services as cases
    from kentmasa.cases.models import Channel, Citizen, Priority
    from kentmasa.directory.models import Institution, Team, Unit, User
    from kentmasa.field import services
    from kentmasa.field.models import FailureReason, WorkOrder

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    logging.disable(logging.WARNING)  # the cases' SMS receipts, withheld past the daily limit: not the point
    institution, _ = Institution.objects.get_or_create(
        slug=SLUG,
        defaults={"name": "Ölçüm Belediyesi", "kind": Institution.Kind.DISTRICT, "province": "Adana"},
    )
    unit, _ = Unit.objects.get_or_create(institution=institution, name="Fen İşleri Müdürlüğü")
    team, _ = Team.objects.get_or_create(unit=unit, name="Asfalt Ekibi 1", defaults={"kind": Team.Kind.FIELD})
    member = User.objects.filter(username=USERNAME).first()
    if member is None:
        member = User.objects.create_user(
            username=USERNAME,
            password=PASSWORD,
            role=User.Role.FIELD_TEAM,
            institution=institution,
            first_name="Saha",
            last_name="Ölçüm",
        )
    member.teams.add(team)
    clerk = User.objects.filter(username="bench.fen").first()
    if clerk is None:
        clerk = User.objects.create_user(
            username="bench.fen", role=User.Role.UNIT_STAFF, institution=institution, first_name="Fen"
        )
        clerk.units.set([unit])
    for position, text in enumerate(("Araç giremedi", "Malzeme yok", "Adreste kimse yok"), 1):
        FailureReason.objects.get_or_create(unit=unit, text=text, defaults={"position": position})
    # Earlier runs' work orders are taken back: the day holds exactly ORDERS.
    WorkOrder.objects.filter(team=team).exclude(status=WorkOrder.Status.CANCELLED).update(
        status=WorkOrder.Status.CANCELLED, status_at=timezone.now()
    )
    rng = random.Random(14)
    streets = ["Ziyapaşa Bulvarı", "Turhan Cemal Beriker Bulvarı", "Atatürk Caddesi", "Kuruköprü Caddesi"]
    for k in range(ORDERS):
        citizen = Citizen.objects.create(
            institution=institution, name=f"Vatandaş {k + 1}", phone=f"+90532{rng.randint(0, 9999999):07d}"
        )
        case = cases.open_case(
            institution=institution,
            channel=Channel.PHONE,
            subject=f"Yolda çukur {k + 1}",
            description="Araçlar çukura girip çıkıyor, gece görünmüyor. " * 3,
            unit=unit,
            citizen=citizen,
            priority=rng.choice(list(Priority.values)),
            location={
                "latitude": CENTRE[0] + rng.uniform(-0.03, 0.03),
                "longitude": CENTRE[1] + rng.uniform(-0.04, 0.04),
                "address_text": f"{rng.choice(streets)} No: {rng.randint(1, 200)}",
                "neighbourhood": "Reşatbey",
            },
        )
        services.send_work_order(case, team, actor=clerk, instructions="Soğuk asfalt ile yamayın.")
    logging.disable(logging.NOTSET)


def collect_static(env: dict[str, str]) -> None:
    """The hashed, gzipped static files of production, under VAR/static."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--clear", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def photo_12mp() -> bytes:
    """A 4000×3000 JPEG like a phone camera's (~4 MB): broad light, texture, grain, and EXIF with GPS."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(12)
    size = (4000, 3000)

    def layer(cells: tuple[int, int], weight: float) -> Any:
        small = Image.fromarray(
            (rng.normal(0.5, 0.18, (cells[1], cells[0], 3)).clip(0, 1) * 255).astype("uint8")
        )
        return np.asarray(small.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) * weight

    pixels = layer((8, 6), 0.55) + layer((80, 60), 0.3) + layer((800, 600), 0.15)
    pixels += rng.normal(0, 5, (size[1], size[0], 3))
    image = Image.fromarray(pixels.clip(0, 255).astype("uint8"))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Bench", "Phone 12MP"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 0.0, 12.5)
    gps[3], gps[4] = "E", (35.0, 19.0, 16.7)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


# --- the phone --------------------------------------------------------------------------------------------


class Wire:
    """What came over the network for one page (its CDP session) and, once attached, for the service worker
    (a non-flat session on the browser's CDP connection, which also throttles it): per request its URL, when
    it was asked (CDP's monotonic clock, seconds) and its encodedDataLength (headers and body as received).
    Answers from the worker or the HTTP cache are not counted: they did not cross the network."""

    def __init__(self, context: Any, page: Any, browser: Any) -> None:
        self.requests: dict[str, dict[str, Any]] = {}
        self.document_at: float | None = None
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", lambda event: self._sent(event, ""))
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.loadingFinished", lambda event: self._finished(event, ""))
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", FAST_3G)
        self.browser_cdp = browser.new_browser_cdp_session()
        self.browser_cdp.on("Target.receivedMessageFromTarget", self._from_worker)
        self.worker_session: str | None = None
        self.message_id = 0

    def _sent(self, event: dict, side: str) -> None:
        key = side + event["requestId"]
        self.requests.setdefault(key, {"url": side + event["request"]["url"], "bytes": 0, "cached": False})
        self.requests[key]["at"] = float(event["timestamp"])
        if not side and event.get("type") == "Document":
            self.document_at = float(event["timestamp"])

    def _received(self, event: dict) -> None:
        response = event["response"]
        cached = response.get("fromServiceWorker") or response.get("fromDiskCache")
        if cached and event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cached"] = True

    def _finished(self, event: dict, side: str) -> None:
        entry = self.requests.get(side + event["requestId"])
        if entry is not None and not entry["cached"]:
            entry["bytes"] = int(event["encodedDataLength"])

    def _from_worker(self, event: dict) -> None:
        message = json.loads(event["message"])
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self._sent(params, "(worker) ")
        elif method == "Network.loadingFinished":
            self._finished(params, "(worker) ")

    def _to_worker(self, method: str, params: dict | None = None) -> None:
        self.message_id += 1
        message = {"id": self.message_id, "method": method, "params": params or {}}
        self.browser_cdp.send(
            "Target.sendMessageToTarget", {"sessionId": self.worker_session, "message": json.dumps(message)}
        )

    def attach_worker(self) -> bool:
        """Throttle and count the service worker's own fetches; False when there is no worker to attach."""
        if self.worker_session is not None:
            return True
        targets = self.browser_cdp.send("Target.getTargets")["targetInfos"]
        workers = [t for t in targets if t["type"] == "service_worker"]
        if not workers:
            return False
        attached = self.browser_cdp.send(
            "Target.attachToTarget", {"targetId": workers[0]["targetId"], "flatten": False}
        )
        self.worker_session = attached["sessionId"]
        self._to_worker("Network.enable")
        self._to_worker("Network.emulateNetworkConditions", FAST_3G)
        return True

    def reset(self) -> None:
        self.requests.clear()
        self.document_at = None

    def total(self, until_ms: float | None = None) -> int:
        """Bytes received; with ``until_ms``, of the requests asked for by then (from the navigation)."""
        limit = None
        if until_ms is not None and self.document_at is not None:
            limit = self.document_at + until_ms / 1000
        return sum(
            entry["bytes"]
            for entry in self.requests.values()
            if limit is None or entry.get("at", float("inf")) <= limit + 0.001
        )

    def listing(self, until_ms: float | None = None) -> list[tuple[str, int]]:
        limit = None
        if until_ms is not None and self.document_at is not None:
            limit = self.document_at + until_ms / 1000
        rows = [
            (entry["url"], entry["bytes"])
            for entry in self.requests.values()
            if entry["bytes"] and (limit is None or entry.get("at", float("inf")) <= limit + 0.001)
        ]
        return sorted(rows, key=lambda row: -row[1])


# In the page: the queued photo's resized JPEG and the multipart body field.js sends for it (sendPhoto).
UPLOAD_SIZE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kentmasa-field");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const queue = db.transaction("queue").objectStore("queue").getAll();
    queue.onsuccess = () => {
      const item = queue.result.find((entry) => entry.type === "photo");
      const photo = db.transaction("photos").objectStore("photos").get(item.id);
      photo.onsuccess = async () => {
        const form = new FormData();
        for (const key of ["id", "work_order", "phase", "taken_at", "latitude", "longitude", "source"]) {
          form.append(key, item[key]);
        }
        form.append("file", new Blob([photo.result.bytes], {type: "image/jpeg"}), "foto-" + item.id + ".jpg");
        const body = await new Response(form).arrayBuffer();
        resolve({upload_bytes: body.byteLength, jpeg_bytes: item.size, width: item.width, height: item.height,
                 source: item.source});
      };
    };
  };
})"""


# In the page: when the shell and the scripts had come (ms from the start of the navigation).
TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const shown = {shell: Math.round(nav.responseEnd), dom: Math.round(nav.domContentLoadedEventEnd)};
  for (const entry of performance.getEntriesByType("resource")) {
    const name = entry.name.split("/").pop().split(".")[0];
    if (entry.initiatorType === "script") shown[name] = Math.round(entry.responseEnd);
  }
  return shown;
}"""


def usable_ms(page: Any) -> float:
    page.wait_for_selector("#field-app[data-usable-ms]", state="attached", timeout=60_000)
    return float(page.get_attribute("#field-app", "data-usable-ms") or "nan")


def signed_in_state(browser: Any, base: str) -> dict:
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/giris/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    state: dict = dict(context.storage_state())
    context.close()
    return state


def one_phone(browser: Any, base: str, photo: bytes | None) -> dict[str, Any]:
    """One phone: the first load, the repeat load, and (when given) a photo's upload."""
    context = browser.new_context(
        base_url=base,
        storage_state=signed_in_state(browser, base),
        locale="tr-TR",
        timezone_id="Europe/Istanbul",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": CENTRE[0], "longitude": CENTRE[1]},
        permissions=["geolocation"],
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    wire = Wire(context, page, browser)
    result: dict[str, Any] = {}
    try:
        page.goto("/saha/", wait_until="commit")
        result["first_ms"] = usable_ms(page)
        result["first_timing"] = page.evaluate(TIMING)
        # field.js registers the worker once the list is on the screen: throttled and counted from its start.
        deadline = time.monotonic() + 30
        while not wire.attach_worker() and time.monotonic() < deadline:
            time.sleep(0.02)
        page.wait_for_selector("#field-app[data-offline-ready=yes][data-device=yes]", state="attached")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
        result["first_bytes"] = wire.total(result["first_ms"])
        result["first_listing"] = wire.listing(result["first_ms"])
        result["first_all_bytes"] = wire.total()
        result["first_all_listing"] = wire.listing()
        result["orders"] = page.locator("#field-orders > li").count()

        result["worker_throttled"] = wire.attach_worker()
        wire.reset()
        page.goto("/saha/", wait_until="commit")
        result["repeat_ms"] = usable_ms(page)
        result["repeat_loaded"] = page.get_attribute("#field-app", "data-loaded")
        result["repeat_timing"] = page.evaluate(TIMING)
        page.wait_for_selector("#field-app[data-loaded=network]", state="attached")
        page.wait_for_load_state("networkidle")
        result["repeat_bytes"] = wire.total(result["repeat_ms"])
        result["repeat_all_bytes"] = wire.total()
        result["repeat_listing"] = wire.listing()

        if photo is not None:
            # The photo waits in the queue while its address does not answer; its upload is measured there
            # (the multipart body field.js sends, built the same way), then it goes.
            context.route("**/saha/api/foto/", lambda route: route.abort("connectionrefused"))
            page.click("#field-orders > li:first-child a")
            page.wait_for_selector("#photo-after", state="attached")
            started = time.monotonic()
            page.set_input_files(
                "#photo-after", files=[{"name": "IMG_12MP.jpg", "mimeType": "image/jpeg", "buffer": photo}]
            )
            page.wait_for_selector("#thumbs-after li.pending", state="attached")
            result["resize_s"] = time.monotonic() - started
            page.wait_for_selector("#field-app[data-sending=no]", state="attached")
            result.update(page.evaluate(UPLOAD_SIZE))
            context.unroute("**/saha/api/foto/")
            page.click("#field-outbox summary")
            page.click("#field-send")
            page.wait_for_selector("#field-app[data-queue='0'][data-sending=no]", state="attached")
    finally:
        context.close()
    return result


# --- the run ------------------------------------------------------------------------------------------------


def static_sizes(static_root: Path, names: list[str]) -> list[tuple[str, int, int, int | None]]:
    """(name, bytes, gzip bytes, brotli bytes or None) of collected static files by their hashed names."""
    rows = []
    for name in names:
        path = static_root / name
        if not path.exists():
            continue
        gz = path.with_name(path.name + ".gz")
        br = path.with_name(path.name + ".br")
        rows.append(
            (
                name,
                path.stat().st_size,
                gz.stat().st_size if gz.exists() else path.stat().st_size,
                br.stat().st_size if br.exists() else None,
            )
        )
    return rows


def main() -> None:
    url = live.database_url(VAR, "bench-field.sqlite3")
    VAR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kentmasa.settings",
        "KENTMASA_VAR_DIR": str(VAR),
        "DATABASE_URL": url,
        "DEBUG": "0",
    }
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "KENTMASA_VAR_DIR", "DATABASE_URL", "DEBUG")}
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db import connection

    vendor = connection.vendor
    print(f"field app benchmark on {vendor}: {ORDERS} work orders, {RUNS} phones, {live.WORKERS} web workers")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    prepare()
    connection.close()
    collect_static(env)
    photo = photo_12mp()

    from playwright.sync_api import sync_playwright

    chromium = (
        os.environ.get("KENTMASA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not chromium:
        raise SystemExit("Chromium is needed: apt-get install chromium (or set KENTMASA_CHROMIUM)")

    port = live.free_port()
    command = live.web_command(port)
    print("web:", " ".join(command))
    log = (VAR / f"web-{vendor}.log").open("w")
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    results = []
    try:
        live.wait_until_serving(port)
        time.sleep(1)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                ],
            )
            try:
                one_phone(browser, base, None)  # warm-up: both workers import the views, not measured
                for run in range(RUNS):
                    # The photo in the last run: it is among the day's photos the next phone would cache.
                    results.append(one_phone(browser, base, photo if run == RUNS - 1 else None))
            finally:
                browser.close()
    finally:
        web.terminate()
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()

    def median(key: str) -> float:
        return float(statistics.median(r[key] for r in results))

    first_s, repeat_s = median("first_ms") / 1000, median("repeat_ms") / 1000
    first_kb, repeat_kb = median("first_bytes") / 1000, median("repeat_bytes") / 1000
    print()
    print(
        f"field app on {vendor}, Fast 3G (562.5 ms RTT, 180 kB/s down, 84 kB/s up),"
        f" 390×844 phone, median of {RUNS}"
    )
    print(f"  work orders on the list: {results[0]['orders']}")
    print(f"  {'':34} {'measured':>10} {'target':>10} {'ratio':>8}")
    print(
        f"  {'first load: usable':34} {first_s:9.2f}s {TARGET_FIRST_S:9.1f}s {first_s / TARGET_FIRST_S:7.2f}×"
    )
    print(
        f"  {'first load: compressed bytes':34} {first_kb:8.1f}KB {TARGET_FIRST_BYTES / 1000:8.0f}KB"
        f" {first_kb * 1000 / TARGET_FIRST_BYTES:7.2f}×"
    )
    print(
        f"  {'first visit, until ready offline':34} {median('first_all_bytes') / 1000:8.1f}KB"
        " (with the device key and the day's photos)"
    )
    print(
        f"  {'repeat load: usable':34} {repeat_s:9.2f}s {TARGET_REPEAT_S:9.1f}s"
        f" {repeat_s / TARGET_REPEAT_S:7.2f}×"
        f"  (list from the {results[0]['repeat_loaded']} first)"
    )
    print(
        f"  {'repeat load: bytes until usable':34} {repeat_kb:8.1f}KB; until idle"
        f" {median('repeat_all_bytes') / 1000:.1f}KB (the worker's refresh of the shell and the list)"
    )
    if not all(r["worker_throttled"] for r in results):
        print("  NOTE: the service worker could not be attached: its own fetches were not throttled")
    print(
        "  timings (ms from the navigation's start): first "
        + json.dumps(results[0]["first_timing"])
        + "; repeat "
        + json.dumps(results[0]["repeat_timing"])
    )
    print(
        "  runs (usable ms / KB): first "
        + ", ".join(f"{r['first_ms']:.0f}/{r['first_bytes'] / 1000:.1f}" for r in results)
        + "; repeat "
        + ", ".join(f"{r['repeat_ms']:.0f}/{r['repeat_bytes'] / 1000:.1f}" for r in results)
    )
    origin = re.compile(r"https?://[^/]+")
    print("  first load until usable, by response (bytes over the wire):")
    for name, size in results[0]["first_listing"]:
        print(f"    {size:8,d}  {origin.sub('', name)}")
    print("  first visit until ready offline, by response:")
    for name, size in results[0]["first_all_listing"]:
        print(f"    {size:8,d}  {origin.sub('', name)}")
    print("  repeat load, by response:")
    for name, size in results[0]["repeat_listing"]:
        print(f"    {size:8,d}  {origin.sub('', name)}")
    names = [
        staticfiles_storage.stored_name(name)  # type: ignore[attr-defined]
        for name in (
            "kentmasa/field.js",
            "kentmasa/field.css",
            "vendor/leaflet/leaflet.js",
            "vendor/leaflet/leaflet.css",
        )
    ]
    print("  static files (raw / gzip / brotli bytes):")
    for name, raw, gz, br in static_sizes(VAR / "static", names):
        print(f"    {raw:8,d} {gz:8,d} {br if br is not None else '—':>8}  {name}")
    shot = results[-1]
    upload = shot["upload_bytes"]
    print()
    print(f"  12 MP photo (4000×3000 JPEG, EXIF GPS): original {len(photo) / 1e6:.2f} MB")
    print(
        f"  resized on the phone to {shot['width']}×{shot['height']} (JPEG 0.8):"
        f" {shot['jpeg_bytes'] / 1000:.0f} KB; the upload (multipart body) {upload / 1000:.0f} KB"
        f" = {upload / len(photo) * 100:.1f} % of the original"
        f" ({len(photo) / upload:.1f}× smaller); place from the {shot['source']}; resized and queued in"
        f" {shot['resize_s']:.2f} s on this machine"
    )
    (VAR / f"last-{vendor}.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
