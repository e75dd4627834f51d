from pathlib import Path

from django.conf import settings

POLICE, ESENLER, KAYSERI = "000", "001", "002"


def seed_path(number: str) -> Path:
    """A seed document in the shared folder; the part of its name after the number may change."""
    (path,) = sorted((settings.SHARED_DIR / "seeds").glob(f"{number}_*.txt"))
    return path


def seed_text(number: str) -> str:
    return seed_path(number).read_text(encoding="utf-8")
