"""Fixtures shared by every app's tests: a small municipality with two units, staff in every role, cases."""

import asyncio
import datetime as dt
import os
import shutil
import threading
import time

import pytest
import uvicorn
from django.utils import translation

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.directory.models import ApplicationPlace, Category, Institution, Service, Team, Unit, User
from kentmasa.lib import process_cache

PASSWORD = "kentmasa-test-1"


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test's rows are rolled back and their ids reused: nothing cached per process may outlive it."""
    process_cache.clear_all()
    yield
    process_cache.clear_all()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Staff users are made in most tests; the production hasher would spend ~0.4 s on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_not_required(settings):
    """Tests sign in administrators everywhere (force_login, the log-in form) without an authenticator.
    Two-factor sign-in is required by default (KENTMASA_2FA_REQUIRED); kentmasa/accounts/tests turn it on.
    A user who has an authenticator must pass the code step whatever this says."""
    settings.KENTMASA_2FA_REQUIRED = False


@pytest.fixture(autouse=True)
def _static_files_by_their_own_names(settings):
    """Pages link static files by their plain names, which the live server reads from the source folders,
    so no test depends on a fresh collectstatic. The hashed names production serves are tested against a
    real gunicorn in kentmasa/lib/tests/test_static_files.py."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language_again():
    """A request in English leaves English active in the thread (LocaleMiddleware activates, nothing
    deactivates): each test starts in the site's language, Turkish, whichever ran before it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache_in_transactional_tests(request):
    """The database cache (log-in counts, rate limits, figures cached for a few seconds) is a table that a
    transactional test's flush does not empty: such tests (browser tests among them) start and end with it
    cleared, so one test's sign-ins or figures never reach the next. Other tests roll it back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server", "asgi_server")
    )
    if not transactional:
        yield
        return
    from django.core.cache import cache

    request.getfixturevalue("transactional_db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def institution(db):
    return Institution.objects.create(
        slug="esenler",
        name="Esenler Belediyesi",
        kind=Institution.Kind.DISTRICT,
        province="İstanbul",
        district="Esenler",
    )


@pytest.fixture
def other_institution(db):
    return Institution.objects.create(
        slug="kayseri",
        name="Kayseri Büyükşehir Belediyesi",
        kind=Institution.Kind.METROPOLITAN,
        province="Kayseri",
    )


@pytest.fixture
def roads(institution):
    return Unit.objects.create(institution=institution, name="Fen İşleri Müdürlüğü")


@pytest.fixture
def parks(institution):
    return Unit.objects.create(institution=institution, name="Park ve Bahçeler Müdürlüğü")


@pytest.fixture
def road_team(roads):
    return Team.objects.create(unit=roads, name="Asfalt Ekibi 1")


@pytest.fixture
def places(institution):
    first = ApplicationPlace.objects.create(
        institution=institution, person_name="Ayşe Yılmaz", title="Fen İşleri Müdürü", phone="0212 440 11 90"
    )
    second = ApplicationPlace.objects.create(
        institution=institution,
        person_name="Mehmet Demir",
        title="Belediye Başkan Yardımcısı",
        phone="0212 440 11 91",
    )
    return first, second


@pytest.fixture
def service(institution, roads, places):
    return Service.objects.create(
        institution=institution,
        unit=roads,
        number=1,
        name="Yol bakım ve onarım talepleri",
        completion_time="15 İŞ GÜNÜ *BİRDEN FAZLA KURUMU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ",
        first_application_place=places[0],
        second_application_place=places[1],
    )


@pytest.fixture
def category(institution, service, roads):
    return Category.objects.create(
        institution=institution,
        name="Yol çökmesi / çukur",
        service=service,
        unit=roads,
        keywords="asfalt çukur bozuk yol",
    )


@pytest.fixture
def make_user(institution):
    def make(role, username=None, units=(), teams=(), institution_=None):
        user = User.objects.create_user(
            username=username or role,
            password=PASSWORD,
            role=role,
            institution=institution_ or institution,
            first_name=role.replace("_", " ").title(),
        )
        user.units.set(units)
        user.teams.set(teams)
        return user

    return make


@pytest.fixture
def operator(make_user):
    return make_user(User.Role.OPERATOR)


@pytest.fixture
def road_staff(make_user, roads):
    return make_user(User.Role.UNIT_STAFF, "road_staff", units=[roads])


@pytest.fixture
def road_manager(make_user, roads):
    return make_user(User.Role.UNIT_MANAGER, "road_manager", units=[roads])


@pytest.fixture
def park_staff(make_user, parks):
    return make_user(User.Role.UNIT_STAFF, "park_staff", units=[parks])


@pytest.fixture
def make_case(institution, category):
    def make(**kwargs):
        params = {
            "institution": institution,
            "channel": Channel.PHONE,
            "subject": "Sokakta çukur var",
            "description": "Atatürk Caddesi üzerinde büyük bir çukur oluştu.",
            "category": category,
            "received_at": dt.datetime.fromisoformat("2026-03-18T10:00+03:00"),
        }
        params.update(kwargs)
        return services.open_case(**params)

    return make


# -- browser tests (Playwright driving Debian's chromium) ------------------------------------------------


def chromium_path() -> str:
    path = os.environ.get("KENTMASA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Chromium is needed for the browser tests: apt-get install chromium (or set KENTMASA_CHROMIUM)"
        )
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        yield browser
        browser.close()


def page_maker(browser, base_url):
    """Yields ``make(language)``, a new page of its own browser context on ``base_url``; closes them all."""
    contexts = []

    def make(language="tr-TR"):
        context = browser.new_context(locale=language, base_url=base_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser, live_server):
    yield from page_maker(browser, live_server.url)


# -- a streaming server for the live screens (kentmasa.notify.stream) ----------------------------------------


class AsgiServer:
    """The ASGI application (static files included) under uvicorn in a thread, on a port of its own.

    pytest-django's ``live_server`` is WSGI, which holds a streamed response back until it ends: the live
    stream needs the server production runs. ``stop()`` and ``start()`` restart it on the same port (a
    restart of the web process, which browsers reconnect to and resume from)."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread: threading.Thread | None = None
        self.server: uvicorn.Server | None = None

    def start(self) -> None:
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from kentmasa.asgi import application

        config = uvicorn.Config(
            ASGIStaticFilesHandler(application),
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self.server = server = uvicorn.Server(config)

        async def serve():
            from asgiref.sync import sync_to_async
            from django.db import connections

            from kentmasa.notify import stream

            try:
                await server.serve()
            finally:
                await stream.shutdown()
                # The request thread's database connection, so the test database can be flushed and dropped.
                await sync_to_async(connections.close_all)()

        thread = self.thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(15)
            self.server = self.thread = None


@pytest.fixture
def asgi_server(transactional_db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    server = AsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_live_page(browser, asgi_server):
    yield from page_maker(browser, asgi_server.url)
