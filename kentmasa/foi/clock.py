"""The moments Law 4982 and İYUK m.10 set for an information request, on the case's calendar.

``cases.clock.calendar_for`` gives a law's kinds their statutory calendar (administrative leave counts as a
working day there; kentmasa.deadlines), so every moment here is counted as the law counts it.

- the eligibility check: 2 iş günü after receipt (Adana's own standard, seed 004);
- the answer: 15 iş günü from the complete application (art. 11), 30 iş günü once extended: the extension
  adds 15 iş günü to the deadline as it stands (a fee wait has already moved it);
- the unit's warning: at the close of the 11th iş günü, so it is there on the morning of the 12th;
- the fee: proof of payment within 15 iş günü of the notice (Yönetmelik art. 22), or the request counts as
  withdrawn;
- the deemed refusal: 30 days after the application (İYUK m.10), a last day on a holiday moving to the next
  working day's close (İYUK m.8); the unit and its manager are warned 3 days before.
"""

from __future__ import annotations

import datetime as dt

from kentmasa.cases import clock as case_clock
from kentmasa.cases.models import Case
from kentmasa.deadlines import BusinessCalendar, Duration, TimeUnit

CHECK = Duration(2, TimeUnit.BUSINESS_DAYS)
TERM = Duration(15, TimeUnit.BUSINESS_DAYS)
EXTENSION = Duration(15, TimeUnit.BUSINESS_DAYS)  # 15 + 15 = 30 iş günü
WARNING = Duration(11, TimeUnit.BUSINESS_DAYS)
FEE_WAIT = Duration(15, TimeUnit.BUSINESS_DAYS)
SILENCE = Duration(30, TimeUnit.DAYS)
SILENCE_WARNING_BEFORE = dt.timedelta(days=3)


def calendar(case: Case) -> BusinessCalendar:
    return case_clock.calendar_for(case)


def check_due(case: Case) -> dt.datetime:
    return calendar(case).due(case.received_at, CHECK)


def answer_due(case: Case, start: dt.datetime) -> dt.datetime:
    return calendar(case).due(start, TERM)


def extended_due(case: Case, due: dt.datetime) -> dt.datetime:
    return calendar(case).due(due, EXTENSION)


def warning_at(case: Case, start: dt.datetime) -> dt.datetime:
    return calendar(case).due(start, WARNING)


def fee_due(case: Case, told_at: dt.datetime) -> dt.datetime:
    return calendar(case).due(told_at, FEE_WAIT)


def silence_at(case: Case, made_at: dt.datetime) -> dt.datetime:
    return calendar(case).due(made_at, SILENCE)


def kurul_due(case: Case, lodged: dt.datetime) -> dt.datetime:
    return calendar(case).due(lodged, Duration(30, TimeUnit.BUSINESS_DAYS))
