"""The KVKK applications listen to the case timeline: a data subject's application gets its record (and its
30-day clock) in its opening's own transaction, and the desk's identity check proves it."""

from __future__ import annotations

from typing import Any

from kentmasa.cases.models import Event, Kind


def on_event_saved(sender: object, instance: Event, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.action != "open":
        return
    case = instance.case
    if case.kind != Kind.DATA_SUBJECT_REQUEST:
        return
    from kentmasa.privacy import requests

    if created:
        requests.create_for(case)
        return
    # kentmasa.cases.services.record_on_opening: the desk's identity check, written after the opening.
    update_fields = kwargs.get("update_fields")
    desk = (instance.data or {}).get("desk")
    if isinstance(desk, dict) and (update_fields is None or "data" in update_fields):
        requests.on_desk_check(case, desk)
