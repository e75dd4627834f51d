"""Who is told what when something happens on a case (owned by the rules helper)."""

from __future__ import annotations

from typing import Any


def on_case_event(sender: Any, case: Any, event: Any, **kwargs: Any) -> None:
    return None
