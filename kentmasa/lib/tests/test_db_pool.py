"""PostgreSQL connections are reused through Django's psycopg pool (kentmasa.settings), also under the ASGI
server, where each request's code may run in a thread of its own: every request gives its connection back
when it ends, so many requests are served by a few connections and none is left checked out."""

import io
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connections

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
on_postgres = pytest.mark.skipif(not POSTGRES, reason="the pool is PostgreSQL's (SQLite opens a file)")


def settings_with(env: dict) -> dict:
    """The database settings a process started with ``env`` would have."""
    code = "import json, django.conf as c; print(json.dumps(c.settings.DATABASES['default'], default=str))"
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env={"DJANGO_SETTINGS_MODULE": "kentmasa.settings", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_the_pool_sizes_come_from_the_environment_and_sqlite_has_none(tmp_path):
    url = "postgres://postgres@127.0.0.1:5432/kentmasa_pool_check"
    env = {"KENTMASA_VAR_DIR": str(tmp_path), "DATABASE_URL": url}
    default = settings_with(env)
    assert default["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert default["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool
    sized = settings_with(
        {**env, "KENTMASA_DB_POOL_MIN": "1", "KENTMASA_DB_POOL_MAX": "4", "KENTMASA_DB_POOL_TIMEOUT": "2.5"}
    )
    assert sized["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 2.5}
    assert "pool" not in settings_with({**env, "KENTMASA_DB_POOL": "false"}).get("OPTIONS", {})
    assert "pool" not in settings_with({"KENTMASA_VAR_DIR": str(tmp_path)}).get("OPTIONS", {})


@on_postgres
def test_requests_over_the_asgi_server_give_their_connections_back(asgi_server, operator):
    out = io.StringIO()
    call_command("api_token", operator.username, stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip()
    pool = connections["default"].pool  # type: ignore[attr-defined]  # psycopg's pool on PostgreSQL
    assert pool is not None
    before = pool.get_stats()

    def get(_: int) -> int:
        url = f"{asgi_server.url}/api/v1/cases?limit=5"
        return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code

    count = 3 * pool.max_size
    with ThreadPoolExecutor(max_workers=4) as clients:
        assert list(clients.map(get, range(count))) == [200] * count

    # The connection goes back when Django ends the request, just after the last byte of the answer: give
    # the last requests a moment.
    deadline = time.monotonic() + 10
    while True:
        stats = pool.get_stats()
        checked_out = stats["pool_size"] - stats["pool_available"]
        if checked_out <= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    served = stats.get("requests_num", 0) - before.get("requests_num", 0)
    assert served >= count  # every request borrowed from the pool...
    assert stats["pool_size"] <= pool.max_size  # ...which opened no more than its size...
    # ...and got it back: nothing checked out once the answers are in, but this test's own connection.
    assert checked_out <= 1, stats


@on_postgres
@pytest.mark.django_db
def test_kentmasa_sessions_run_without_jit():
    """Compiling a staff query with LLVM cost 0.1-0.9 s on millions of cases for a few ms of work: the
    settings turn JIT off for every session kentmasa opens, whatever the server's postgresql.conf says."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_off_is_added_to_the_session_options_asked_for_not_put_in_their_place(tmp_path):
    """libpq reads PGOPTIONS only when the connection names no options of its own: the settings carry the
    environment's (the upgrade recipe's lock_timeout) and DATABASE_URL's beside -c jit=off."""
    url = "postgres://postgres@127.0.0.1:5432/kentmasa_pool_check"
    env = {"KENTMASA_VAR_DIR": str(tmp_path), "DATABASE_URL": url}
    assert settings_with(env)["OPTIONS"]["options"] == "-c jit=off"
    upgrade = settings_with({**env, "PGOPTIONS": "-c lock_timeout=5s"})
    assert upgrade["OPTIONS"]["options"] == "-c lock_timeout=5s -c jit=off"
    schema = settings_with({**env, "DATABASE_URL": url + "?options=-c%20search_path%3Dkent"})
    assert schema["OPTIONS"]["options"] == "-c search_path=kent -c jit=off"
    assert "options" not in settings_with({"KENTMASA_VAR_DIR": str(tmp_path)}).get("OPTIONS", {})
