"""The case timeline as the feedback app hears it, inside the transaction that writes each event.

A ``post_save`` receiver of cases.Event: a "resolve" puts the case on the call list or asks by a rating link
(kentmasa.feedback.services.on_resolved) before the resolve commits, so a resolved case is never committed
without its question; a "reopen" or "close" by anybody else drops a question still open on the case; a KADES
case opened for a number drops the institution's open questions to that number (calls, unused rating links).
Resolving on the spot (during the citizen's own call) asks nothing.
"""

from __future__ import annotations

from typing import Any

from kentmasa.cases.models import Event
from kentmasa.feedback import services


def on_event_saved(
    sender: type[Event], instance: Event, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    if instance.action == "open":
        services.drop_for_kades(instance.case, instance)
    elif instance.action == "resolve":
        services.on_resolved(instance.case, instance)
    elif instance.action in ("reopen", "close"):
        services.drop_open_questions(instance.case, instance)
