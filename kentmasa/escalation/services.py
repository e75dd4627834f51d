"""The overdue sweep and the application-place ladder, and the idle warnings.

A running case past its deadline is marked overdue and escalated to the first application place
of its service standard (ilk müracaat yeri); if it is still unanswered a day later, to the second
(ikinci müracaat yeri). Each step is one conditional UPDATE on the case's escalation level, so when
several workers sweep at once exactly one of them wins each step and writes its event: running
the sweep twice, or in parallel, never escalates a case twice. A case on a forwarding clock that staff
have passed on (``Case.clock_stopped_at``, kentmasa.cases.clock) has met its standard and is never
escalated; a 155 call nobody has forwarded in its 10 minutes is, like any late case.

A running case nobody has acted on for a share of its standard (kentmasa.cases.activity arms
``Case.idle_warn_at``) gets an internal "idle_warning" event, which kentmasa.notify.rules turns into an
e-mail to the unit's own address and a notice to its managers. The claim clears ``idle_warn_at`` only if
it still holds the value the sweep read, so each threshold is warned once, whichever worker wins; the
next staff action arms the next threshold.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kentmasa.cases import activity, services
from kentmasa.cases.models import OPEN_STATUSES, Case, Event
from kentmasa.cases.signals import case_event

if TYPE_CHECKING:
    from kentmasa.directory.models import ApplicationPlace


SECOND_STEP_AFTER = dt.timedelta(days=1)
BATCH = 500
# At most this many idle warnings per sweep; the next sweep (a minute later) carries on with the rest.
IDLE_WARNINGS_PER_SWEEP = 20 * BATCH


@dataclass
class SweepResult:
    first: int = 0
    second: int = 0
    idle: int = 0

    def __str__(self) -> str:
        return f"first={self.first} second={self.second} idle={self.idle}"


def _place_text(place: "ApplicationPlace | None") -> str:
    if place is None:
        return ""
    return " – ".join(part for part in (place.person_name, place.title or place.office, place.phone) if part)


def _escalate(case_id: int, level: int, now: dt.datetime) -> bool:
    """Move one case from level-1 to level; False if another worker (or a status change) got there first."""
    with transaction.atomic():
        # The claim is the only write to the case (overdue since its deadline, unless it was already).
        claimed = Case.objects.filter(
            pk=case_id,
            escalation_level=level - 1,
            status__in=OPEN_STATUSES,
            clock_stopped_at__isnull=True,
            due_at__lt=now,
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


def describe_idle(idle: dt.timedelta) -> str:
    """ "11 gün 3 saat", "5 saat", "40 dakika": how long a case waited, to the hour (to the minute when
    under an hour)."""
    days, hours, minutes = idle.days, idle.seconds // 3600, idle.seconds % 3600 // 60
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if not parts:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts)


def _warn_idle(case_id: int, warn_at: dt.datetime, now: dt.datetime) -> bool:
    """Claim one case's idle warning and record it; False if another worker (or a new action, or a change
    of status) got there first. A case already past its deadline is claimed but not warned: its
    escalation says more."""
    with transaction.atomic():
        claimed = Case.objects.filter(pk=case_id, idle_warn_at=warn_at, status__in=OPEN_STATUSES).update(
            idle_warn_at=None
        )
        if not claimed:
            return False
        case = Case.objects.select_related("service", "unit").get(pk=case_id)
        if case.due_at is None or case.due_at <= now:
            return False
        idle_since = case.acted_at or case.received_at
        percent = round(activity.idle_share(case) * 100)
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Nobody has acted on the case for %(idle)s (%(percent)d%% of the standard).") % {
                "idle": describe_idle(now - idle_since),
                "percent": percent,
            }
        services.record_event(
            case,
            "idle_warning",
            note=note,
            data={
                "idle_since": timezone.localtime(idle_since).isoformat(),
                "percent": percent,
                "due_at": timezone.localtime(case.due_at).isoformat(),
            },
            now=now,
        )
    return True


def _sweep_idle(now: dt.datetime, result: SweepResult) -> None:
    """The idle warnings due by ``now``, in batches through the partial index case_idle_warning."""
    due = Case.objects.filter(status__in=OPEN_STATUSES, idle_warn_at__isnull=False, idle_warn_at__lte=now)
    last_id, seen = 0, 0
    while seen < IDLE_WARNINGS_PER_SWEEP:
        batch = list(due.filter(pk__gt=last_id).order_by("pk").values_list("pk", "idle_warn_at")[:BATCH])
        if not batch:
            break
        for case_id, warn_at in batch:
            if warn_at is not None and _warn_idle(case_id, warn_at, now):
                result.idle += 1
        seen += len(batch)
        last_id = batch[-1][0]


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Escalate every running case that is due for its next step, and send the idle warnings that are
    due. Safe to run any number of times."""
    now = now or timezone.now()
    result = SweepResult()
    # The condition of the partial index case_sweep, word for word, so that SQLite's planner uses it too.
    running = Case.objects.filter(
        status__in=OPEN_STATUSES, escalation_level__lt=2, clock_stopped_at__isnull=True
    )
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
    _sweep_idle(now, result)
    return result
