"""A browser-based Open311 client on another origin, in a real Chromium: a page served from its own little
server (another port, so another origin) fetches the services list from kentmasa and shows it, and sends a
report with its api_key. Without CORS the browser refuses both answers to the page.

Uses the Playwright fixtures of kentmasa/conftest.py.
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kentmasa.cases.models import Case, Channel
from kentmasa.channels.open311.tests.test_open311 import API_KEY
from kentmasa.directory.models import Category

# Playwright's sync API runs an event loop in this thread; the test's own database calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>Kent Haritası</title></head>
<body><h1>Hizmetler</h1><ul id="services"></ul><p id="report"></p><p id="error"></p>
<script src="/client.js"></script></body></html>
"""
# What a small browser client does: the services list, then a report with the app's key (form-encoded,
# as the spec sends it). No cookies are sent or wanted: credentials "omit".
SCRIPT = """
const endpoint = "%(endpoint)s";
async function run() {
  const query = "?jurisdiction_id=esenler.bel.tr";
  const answer = await fetch(endpoint + "/services.json" + query, {credentials: "omit"});
  const services = await answer.json();
  const list = document.getElementById("services");
  for (const service of services) {
    const item = document.createElement("li");
    item.textContent = service.service_name + " (" + service.group + ")";
    item.dataset.code = service.service_code;
    list.appendChild(item);
  }
  const form = new URLSearchParams({
    api_key: "%(api_key)s", jurisdiction_id: "esenler.bel.tr", service_code: services[0].service_code,
    lat: "41.043812", long: "28.875731", description: "Haritadan: park lambası yanmıyor.",
  });
  const sent = await fetch(endpoint + "/requests.json", {
    method: "POST", body: form, credentials: "omit", headers: {"Idempotency-Key": "harita-1"},
  });
  const [request] = await sent.json();
  document.getElementById("report").textContent = request.service_request_id;
}
run().catch((error) => { document.getElementById("error").textContent = "FAILED " + error; });
"""


class OtherOrigin:
    """A web server of its own on another port: the page and its script, nothing else."""

    def __init__(self, endpoint: str) -> None:
        files = {
            "/": ("text/html; charset=utf-8", PAGE),
            "/client.js": (
                "text/javascript; charset=utf-8",
                SCRIPT % {"endpoint": endpoint, "api_key": API_KEY},
            ),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                content_type, body = files.get(self.path, ("text/plain", "not found"))
                data = body.encode()
                self.send_response(200 if self.path in files else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "OtherOrigin":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def open311_on(settings, live_server):
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: {"name": "Kent Haritası", "rate": "100/m"}},
        "rate": "1000/d",
    }
    return live_server.url + "/open311/v2"


def test_a_page_on_another_origin_lists_the_services_and_reports(browser, open311_on, category, parks):
    Category.objects.create(institution=category.institution, name="Park aydınlatması arızası", unit=parks)
    context = browser.new_context(locale="tr-TR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    crossed = []
    page.on("request", lambda request: crossed.append(request.url) if "/open311/" in request.url else None)
    try:
        with OtherOrigin(open311_on) as other:
            assert not open311_on.startswith(other.url + "/")  # another origin: another port
            page.goto(other.url + "/")
            page.wait_for_function(
                "() => document.getElementById('report').textContent !== ''"
                " || document.getElementById('error').textContent !== ''"
            )
            shown = page.locator("#services li").all_text_contents()
            assert page.locator("#error").text_content() == ""
            number = page.locator("#report").text_content()
    finally:
        context.close()

    assert shown == [
        "Park aydınlatması arızası (Park ve Bahçeler Müdürlüğü)",
        "Yol çökmesi / çukur (Fen İşleri Müdürlüğü)",
    ]
    case = Case.objects.get(tracking_number=number)
    assert case.channel == Channel.OPEN311 and case.description.startswith("Haritadan")
    # The POST was preflighted (its Idempotency-Key header is not a simple one) and then sent.
    assert any(url.endswith("/requests.json") for url in crossed)
