"""deploy/: the environment template lists every variable the settings read; deploy/check passes and fails."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kentmasa.ops import envcheck

ROOT = Path(__file__).resolve().parents[3]


def test_the_template_lists_every_variable_the_settings_read():
    read = envcheck.settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "KENTMASA_TRUSTED_PROXIES", "KENTMASA_METRICS_TOKEN"} <= read
    assert envcheck.missing() == []


def test_a_variable_missing_from_the_template_is_found(tmp_path):
    settings = tmp_path / "settings.py"
    settings.write_text(
        'A = os.environ.get("KENTMASA_NEW_KNOB", "1")\nB = env_bool("KENTMASA_FLAG", False)\n'
    )
    assert envcheck.settings_variables([settings]) == {"KENTMASA_NEW_KNOB", "KENTMASA_FLAG"}
    assert "KENTMASA_NEW_KNOB" not in envcheck.template_variables()


def test_the_template_sets_what_production_needs():
    values = envcheck.template_values()
    for name in (
        "DJANGO_SETTINGS_MODULE",
        "SECRET_KEY",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
        "KENTMASA_PUBLIC_URL",
    ):
        assert values.get(name), name
    assert values["DJANGO_SETTINGS_MODULE"] == "kentmasa.settings_production"
    assert values["KENTMASA_TRUSTED_PROXIES"] == "1"


def deploy_check(**env):
    # The browser tests' harness lets Django's ORM run beside Playwright's event loop
    # (DJANGO_ALLOW_ASYNC_UNSAFE); a server never has it, and check --deploy rightly refuses it.
    dropped = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [str(ROOT / "deploy" / "check")], capture_output=True, text=True, env={**clean, **env}, timeout=300
    )


def test_deploy_check_passes():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    manage.py check --deploy" in result.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_deploy_check_fails_on_a_broken_unit(tmp_path):
    shutil.copytree(ROOT / "deploy" / "systemd", tmp_path / "units")
    web = tmp_path / "units" / "kentmasa-web.service"
    web.write_text(web.read_text().replace("Type=notify", "Type=notifyy"))
    result = deploy_check(DEPLOY_UNITS=str(tmp_path / "units"))
    if "accepts a broken unit here" in result.stdout:
        pytest.skip("this systemd-analyze cannot check units (no systemd)")
    assert result.returncode == 1
    assert "FAIL  systemd-analyze verify" in result.stdout
