"""A case's deadline and remaining time, from its service standard and its institution's calendar."""

import datetime as dt

from django.utils import timezone

from kentmasa.cases.models import Case
from kentmasa.deadlines import BusinessCalendar, Duration, Remaining, TimeUnit


def calendar_for(case: Case) -> BusinessCalendar:
    return case.institution.business_calendar()


def standard_for(case: Case) -> Duration | None:
    """The completion time that applies: the longer one when several institutions are involved."""
    if case.service is None:
        return None
    return case.service.standard.applicable(case.several_institutions)


def compute_due(case: Case, calendar: BusinessCalendar | None = None) -> dt.datetime | None:
    if case.service is None:
        return None
    calendar = calendar or calendar_for(case)
    return calendar.deadline(case.received_at, case.service.standard, case.several_institutions)


def remaining(
    case: Case, now: dt.datetime | None = None, calendar: BusinessCalendar | None = None
) -> Remaining | None:
    """How long is left (or how late it is) for a case the institution still owes an answer on."""
    if case.due_at is None or not case.is_active:
        return None
    standard = standard_for(case)
    unit = standard.unit if standard else TimeUnit.HOURS
    calendar = calendar or calendar_for(case)
    return calendar.remaining(case.paused_at or now or timezone.now(), case.due_at, unit)
