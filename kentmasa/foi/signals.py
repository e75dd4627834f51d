"""The foi app listens to the case timeline: an information request's "open" event makes its 4982 record."""

from __future__ import annotations

from typing import Any

from kentmasa.cases.models import Event, Kind
from kentmasa.foi import services


def on_event_saved(sender: object, instance: Event, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not created or instance.action != "open":
        return
    case = instance.case
    if case.kind == Kind.INFORMATION_REQUEST:
        services.create_for(case)
