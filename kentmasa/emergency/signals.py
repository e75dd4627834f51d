"""Every case of a police institution is an incident on its Haber Merkezi's board.

A ``post_save`` receiver of the case timeline (cases.Event) makes the Incident when a case is opened for a
police institution, or moved to one from another institution, inside the same transaction: a case is never
committed without its incident, so the board cannot miss one. A KADES case gets its incident here too, with
source "kades"; kentmasa.emergency.kades then adds the alert's id and the person to it, in the same
transaction.
"""

from __future__ import annotations

from typing import Any

from kentmasa.cases.models import Channel, Event
from kentmasa.directory.models import Institution
from kentmasa.emergency.models import Incident


def on_event_saved(
    sender: type[Event], instance: Event, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.action not in ("open", "transfer"):
        return
    data = instance.data or {}
    if instance.action == "transfer" and data.get("to_institution") == data.get("from_institution"):
        return  # moved between units of the same institution
    case = instance.case
    if case.institution.kind != Institution.Kind.POLICE:
        return
    source = Incident.Source.KADES if case.channel == Channel.KADES else Incident.Source.CALL
    if instance.action == "open":
        Incident.objects.create(
            case=case, institution_id=case.institution_id, source=source, opened_at=case.received_at
        )
    else:
        Incident.objects.get_or_create(
            case=case,
            defaults={"institution_id": case.institution_id, "source": source, "opened_at": instance.at},
        )
