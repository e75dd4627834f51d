"""The environment template (deploy/kentmasa.env.template) lists every variable kentmasa's settings read.

``python -m kentmasa.ops.envcheck`` prints the ones missing (deploy/check runs it; so does a test). The
settings are read as text, not imported: what counts is every ``os.environ`` read (and the ``env_bool``,
``env_list`` and ``_pairs`` helpers) in kentmasa/settings.py and kentmasa/settings_production.py.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [ROOT / "kentmasa" / "settings.py", ROOT / "kentmasa" / "settings_production.py"]
TEMPLATE = ROOT / "deploy" / "kentmasa.env.template"
_READ = re.compile(
    r"""(?:os\.environ\.get\(|os\.environ\[|env_bool\(|env_list\(|_pairs\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def settings_variables(paths: list[Path] = SETTINGS) -> set[str]:
    return {name for path in paths for name in _READ.findall(path.read_text(encoding="utf-8"))}


def template_variables(path: Path = TEMPLATE) -> set[str]:
    return set(_LINE.findall(path.read_text(encoding="utf-8")))


def template_values(path: Path = TEMPLATE) -> dict[str, str]:
    """The template's uncommented NAME=value lines (what an operator must set)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def missing() -> list[str]:
    return sorted(settings_variables() - template_variables())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "values":
        for name, value in template_values().items():
            print(f"{name}={value}")
        sys.exit(0)
    absent = missing()
    if absent:
        print(f"{TEMPLATE.name} lacks variables the settings read: {', '.join(absent)}")
        sys.exit(1)
    print(f"{TEMPLATE.name} lists all {len(settings_variables())} variables the settings read")
