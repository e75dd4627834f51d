"""The overdue sweep and the application-place ladder.

A running case past its deadline is marked overdue and escalated to the first application place
of its service standard (ilk müracaat yeri); if it is still unanswered a day later, to the second
(ikinci müracaat yeri). Each step is one conditional UPDATE on the case's escalation level, so when
several workers sweep at once exactly one of them wins each step and writes its event: running
the sweep twice, or in parallel, never escalates a case twice.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import OPEN_STATUSES, Case, Event
from kentmasa.cases.signals import case_event

if TYPE_CHECKING:
    from kentmasa.directory.models import ApplicationPlace


SECOND_STEP_AFTER = dt.timedelta(days=1)
BATCH = 500


@dataclass
class SweepResult:
    first: int = 0
    second: int = 0

    def __str__(self) -> str:
        return f"first={self.first} second={self.second}"


def _place_text(place: "ApplicationPlace | None") -> str:
    if place is None:
        return ""
    return " – ".join(part for part in (place.person_name, place.title or place.office, place.phone) if part)


def _escalate(case_id: int, level: int, now: dt.datetime) -> bool:
    """Move one case from level-1 to level; False if another worker (or a status change) got there first."""
    with transaction.atomic():
        # The claim is the only write to the case (overdue since its deadline, unless it was already).
        claimed = Case.objects.filter(
            pk=case_id, escalation_level=level - 1, status__in=OPEN_STATUSES, due_at__lt=now
        ).update(
            escalation_level=level, escalated_at=now, overdue_since=Coalesce(F("overdue_since"), F("due_at"))
        )
        if not claimed:
            return False
        case = Case.objects.select_related(
            "service__first_application_place", "service__second_application_place"
        ).get(pk=case_id)
        service = case.service
        place = None
        if service is not None:
            place = service.first_application_place if level == 1 else service.second_application_place
        if level == 1:
            note = _("Deadline missed; escalated to the first application place: %(place)s")
        else:
            note = _("Still unanswered a day later; escalated to the second application place: %(place)s")
        event = Event.objects.create(
            case=case,
            at=now,
            action="escalate",
            from_status=case.status,
            to_status=case.status,
            note=note % {"place": _place_text(place) or _("not set in the service standard")},
            data={"level": level, "place": place.pk if place else None},
        )
        transaction.on_commit(lambda: case_event.send(sender=Case, case=case, event=event))
    return True


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Escalate every running case that is due for its next step. Safe to run any number of times."""
    now = now or timezone.now()
    result = SweepResult()
    running = Case.objects.filter(status__in=OPEN_STATUSES)
    steps = (
        (1, running.filter(escalation_level=0, due_at__lt=now)),
        (2, running.filter(escalation_level=1, due_at__lt=now, escalated_at__lte=now - SECOND_STEP_AFTER)),
    )
    for level, candidates in steps:
        last_id = 0
        while True:
            ids = list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            for case_id in ids:
                if _escalate(case_id, level, now):
                    if level == 1:
                        result.first += 1
                    else:
                        result.second += 1
            last_id = ids[-1]
    return result
