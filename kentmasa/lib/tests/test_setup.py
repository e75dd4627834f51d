"""The two commands on a new machine: links follow the port `make run` serves on, and `make test` gets
Chromium for the browser tests or stops before the run with the one command to type."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def public_url(**env: str) -> str:
    clean = {key: value for key, value in os.environ.items() if key not in ("PORT", "KENTMASA_PUBLIC_URL")}
    result = subprocess.run(
        [sys.executable, "-c", "from kentmasa import settings; print(settings.KENTMASA_PUBLIC_URL)"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_links_follow_the_port_the_site_runs_on():
    assert public_url() == "http://127.0.0.1:8000"
    assert public_url(PORT="9123") == "http://127.0.0.1:9123"
    assert public_url(PORT="9123", KENTMASA_PUBLIC_URL="https://basvuru.adana.bel.tr") == (
        "https://basvuru.adana.bel.tr"
    )


def test_make_run_hands_the_port_to_the_links():
    env = {key: value for key, value in os.environ.items() if key not in ("PORT", "KENTMASA_PUBLIC_URL")}
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=9123"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert "links in messages: http://127.0.0.1:9123" in dry_run.stdout


def ensure_chromium(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / ".ci" / "ensure-chromium")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_test_goes_on_when_chromium_is_there():
    executable = os.environ.get("KENTMASA_CHROMIUM") or "/usr/bin/chromium"
    result = ensure_chromium(KENTMASA_CHROMIUM=executable)
    assert result.returncode == 0 and result.stderr == ""


def test_make_test_stops_with_the_command_to_type_when_it_may_not_install(tmp_path):
    result = ensure_chromium(KENTMASA_CHROMIUM=str(tmp_path / "chromium"), KENTMASA_INSTALL_CHROMIUM="no")
    assert result.returncode == 1
    assert "sudo apt-get install chromium" in result.stderr


def test_the_makefile_checks_chromium_before_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    test_target = makefile.split("\ntest: setup\n", 1)[1].split("\n\n", 1)[0]
    assert test_target.splitlines()[0].strip() == ".ci/ensure-chromium"
