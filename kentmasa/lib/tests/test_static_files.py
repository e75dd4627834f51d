"""Static files as production serves them: collected under hashed names and served by a real gunicorn (through
whitenoise) with a ten-year, immutable cache; the favicon at /favicon.ico.

The rest of the suite renders pages with plain static names (kentmasa/conftest.py); this file is where the
production storage is tested, with its own collectstatic into a temporary folder.
"""

import io
import os
import re
import socket
import subprocess
import sys

import pytest
import requests
from django.conf import settings
from PIL import IcoImagePlugin, Image

LONG_CACHE = "max-age=315360000, public, immutable"


# The application and worker class of the Procfile's web line: the ASGI app under uvicorn workers.
WEB_APP = ["kentmasa.asgi:application", "--worker-class", "kentmasa.lib.asgi_worker.Worker"]


def test_the_procfile_runs_this_server():
    web = (settings.BASE_DIR / "Procfile").read_text().split("web:", 1)[1].splitlines()[0]
    assert " ".join(WEB_APP) in web


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """gunicorn on kentmasa.settings_production, after collectstatic into a fresh folder.

    The listening socket is opened here and handed to gunicorn (``fd://``), so the first request waits in the
    socket's queue until gunicorn accepts it: no polling for the server to come up.
    """
    var_dir = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kentmasa.settings_production",
        "SECRET_KEY": "a-secret-key-for-the-static-files-test-only-0123456789",
        "SECURE_SSL_REDIRECT": "false",
        "KENTMASA_VAR_DIR": str(var_dir),
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *WEB_APP,
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "1",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        pass_fds=(listener.fileno(),),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield {"url": f"http://127.0.0.1:{port}", "static_root": var_dir / "static"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        listener.close()


def test_pages_link_hashed_static_files_cached_for_ten_years(production_server):
    login = requests.get(f"{production_server['url']}/giris/", timeout=30)
    assert login.status_code == 200
    stylesheet = re.search(r'href="(/static/kentmasa/app\.([0-9a-f]{12})\.css)"', login.text)
    assert stylesheet, "the log-in page links app.css by its plain name"
    assert re.search(r'src="/static/kentmasa/app\.[0-9a-f]{12}\.js"', login.text)
    assert re.search(r'href="/static/kentmasa/favicon\.[0-9a-f]{12}\.svg"', login.text)

    hashed = requests.get(f"{production_server['url']}{stylesheet.group(1)}", timeout=30)
    assert hashed.status_code == 200 and hashed.headers["Content-Type"].startswith("text/css")
    assert hashed.headers["Cache-Control"] == LONG_CACHE
    assert hashed.content == (production_server["static_root"] / "kentmasa" / "app.css").read_bytes()
    compressed = requests.get(
        f"{production_server['url']}{stylesheet.group(1)}", headers={"Accept-Encoding": "gzip"}, timeout=30
    )
    assert compressed.headers["Content-Encoding"] == "gzip"

    # The plain name still answers (old pages in a cache), but only for a minute.
    plain = requests.get(f"{production_server['url']}/static/kentmasa/app.css", timeout=30)
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "max-age=60, public"


def test_the_live_stream_is_served_by_the_same_web_process(production_server):
    """The async stream view runs in the production worker: it answers at once (here: nobody signed in)."""
    response = requests.get(f"{production_server['url']}/canli/", timeout=10)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_favicon_is_served_at_the_root(production_server):
    response = requests.get(f"{production_server['url']}/favicon.ico", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = Image.open(io.BytesIO(response.content))
    assert isinstance(icon, IcoImagePlugin.IcoImageFile)
    assert icon.format == "ICO" and sorted(icon.ico.sizes()) == [(16, 16), (32, 32), (48, 48)]


def test_the_citizen_pages_name_the_favicon_too(client, institution):
    page = client.get("/basvuru/takip/").content.decode()
    assert '<link rel="icon" href="/static/kentmasa/favicon.svg" type="image/svg+xml">' in page
    assert client.get("/favicon.ico").status_code == 200
