"""A case's deadline and remaining time, from its service standard and its institution's calendar.

Two clocks (``Case.clock``, copied from ``directory.Service.clock`` when the service is set):

- **completion** (tamamlanma): the standard times the answer; the case is late while it runs past
  ``due_at``, and it is within the standard when it was resolved by then;
- **forwarding** (ilgili birime ulaştırma, the police 155 line): the standard times only how soon staff
  pass the case on. Its clock stops (``Case.clock_stopped_at``) at the first assign, transfer or redirect
  by staff, or when staff settle it (resolve, reject) before that (kentmasa.cases.services.base); from then
  on the case is neither late nor escalated, and it was within the standard when it stopped by ``due_at``.
  A forwarding row whose table states no time ("ilgili birime ulaştırılır") runs on the institution's
  ``forwarding_minutes``, an "anlık" one on its ``immediate_minutes``, both round the clock.

Which calendar: a case whose period is set by a law — an information request (Law 4982 m.11: 15 iş günü)
or a petition (Law 3071 m.7: 30 gün) — runs on the **statutory** calendar, on which administrative leave
(idari izin, ``directory.ClosedDay``) counts as working days; every other case runs on the institution's own
standard, which skips closed days unless the institution or the service chooses otherwise
(``Institution.counts_closed_days``). A complaint, request or tip-off is timed by the institution's service
standard, not by a law, even when it is a petition in the wide sense of 3071.
"""

import datetime as dt

from django.db.models import F, Q
from django.utils import timezone

from kentmasa.cases.models import Case, Kind
from kentmasa.deadlines import BusinessCalendar, Duration, Remaining, TimeUnit
from kentmasa.directory.models import Service

COMPLETION = Service.Clock.COMPLETION.value
FORWARDING = Service.Clock.FORWARDING.value
# The timeline actions by staff that forward a case, and those that settle it; either stops a forwarding
# clock (the system's own actions, such as intake setting the unit from the category, never do).
FORWARDING_ACTIONS = frozenset({"assign", "transfer", "redirect"})
SETTLING_ACTIONS = frozenset({"resolve", "resolve_on_the_spot", "reject"})


def clock_of(service: Service | None) -> str:
    """The clock a case on ``service`` runs on (completion without a service)."""
    return service.clock if service is not None and service.clock == FORWARDING else COMPLETION


def stops_clock(action: str) -> bool:
    """Whether this action, by staff, stops a running forwarding clock."""
    return action in FORWARDING_ACTIONS or action in SETTLING_ACTIONS


# The kinds of case whose period a law sets: Law 4982 m.11 (information requests), Law 3071 m.7 (petitions),
# KVKK m.13 (a data subject's application: 30 days, kentmasa.privacy).
STATUTORY_KINDS = frozenset(
    {Kind.INFORMATION_REQUEST.value, Kind.PETITION.value, Kind.DATA_SUBJECT_REQUEST.value}
)


def is_statutory(case: Case) -> bool:
    """Whether the case's period is a law's, counted on the statutory calendar (closed days are working)."""
    return case.kind in STATUTORY_KINDS


def calendar_for(case: Case, base: BusinessCalendar | None = None) -> BusinessCalendar:
    """The calendar the case's deadline runs on. ``base``, the institution's ``business_calendar()``, saves
    the query for the closed days when many cases of one institution are shown."""
    base = base or case.institution.business_calendar()
    counts = is_statutory(case) or case.institution.counts_closed_days(case.service)
    return base.with_statutory(counts)


def standard_for(case: Case) -> Duration | None:
    """The time that applies: the longer one when several institutions are involved; on a forwarding clock
    without a stated time, the institution's minutes (``forwarding_minutes``, or ``immediate_minutes`` for
    an "anlık" row)."""
    if case.service is None:
        return None
    completion = case.service.standard
    duration = completion.applicable(case.several_institutions)
    if duration is None and case.clock == FORWARDING and completion.retention is None:
        institution = case.institution
        minutes = institution.immediate_minutes if completion.immediate else institution.forwarding_minutes
        return Duration(minutes, TimeUnit.MINUTES)
    return duration


def compute_due(case: Case, calendar: BusinessCalendar | None = None) -> dt.datetime | None:
    if case.service is None:
        return None
    calendar = calendar_for(case, base=calendar)
    if case.clock == FORWARDING:
        standard = standard_for(case)
        return calendar.due(case.received_at, standard) if standard is not None else None
    return calendar.deadline(case.received_at, case.service.standard, case.several_institutions)


def remaining(
    case: Case, now: dt.datetime | None = None, calendar: BusinessCalendar | None = None
) -> Remaining | None:
    """How long is left (or how late it is) for a case the institution still owes an answer on; None once
    a forwarding clock has stopped (the standard is settled)."""
    if case.due_at is None or not case.is_active or case.clock_stopped_at is not None:
        return None
    standard = standard_for(case)
    unit = standard.unit if standard else TimeUnit.HOURS
    calendar = calendar_for(case, base=calendar)
    return calendar.remaining(case.paused_at or now or timezone.now(), case.due_at, unit)


# -- within the standard: one definition for the overview, the mahalle page and the exports ---------------


def measured_q() -> Q:
    """Cases that are in or out of the standard: with a deadline, and resolved (completion clock) or
    forwarded or settled by staff (forwarding clock)."""
    completion = Q(clock=COMPLETION, resolved_at__isnull=False)
    forwarding = Q(clock=FORWARDING, clock_stopped_at__isnull=False)
    return Q(due_at__isnull=False) & (completion | forwarding)


def within_q() -> Q:
    """Measured cases that met the standard: resolved by the deadline, or forwarded by it."""
    completion = Q(clock=COMPLETION, resolved_at__isnull=False, resolved_at__lte=F("due_at"))
    forwarding = Q(clock=FORWARDING, clock_stopped_at__isnull=False, clock_stopped_at__lte=F("due_at"))
    return Q(due_at__isnull=False) & (completion | forwarding)


def within_standard(case: Case) -> bool | None:
    """``within_q`` for one case in memory; None when it is not measured (yet)."""
    if case.due_at is None:
        return None
    if case.clock == FORWARDING:
        return case.clock_stopped_at <= case.due_at if case.clock_stopped_at is not None else None
    return case.resolved_at <= case.due_at if case.resolved_at is not None else None


def forwarded_after(case: Case) -> dt.timedelta | None:
    """How long after receipt a forwarding clock stopped (None while it runs, and on a completion clock)."""
    if case.clock != FORWARDING or case.clock_stopped_at is None:
        return None
    return max(case.clock_stopped_at - case.received_at, dt.timedelta(0))
