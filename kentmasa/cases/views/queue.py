"""The unit queue: the open cases a member of staff works, soonest deadline first, overdue ones marked."""

import datetime as dt
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kentmasa.cases import access, clock, services
from kentmasa.cases.forms import BulkAssignForm, QueueFilterForm, user_may
from kentmasa.cases.models import ACTIVE_STATUSES, OPEN_STATUSES, Case, Status
from kentmasa.cases.queries import bounded_count, cursors_from, keyset_page
from kentmasa.cases.search import search_cases
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views import StaffRequest, describe_remaining, staff_required
from kentmasa.lib import phones

PAGE_SIZE = 50
ASSIGN_SEARCH = "atama"  # the GET parameter that finds people and teams beyond the listed ones
PAGING = ("page", "after", "before")  # not filters: a link to another page or a filter sets them anew


def overdue_q(now: dt.datetime) -> Q:
    """Cases late at ``now``: running past their deadline (or already marked by the sweep), or waiting for
    the citizen with the clock stopped after the deadline had passed. A forwarding clock that staff stopped
    (kentmasa.cases.clock) is never late: its standard is settled. The queue and the reports share it."""
    running_late = Q(status__in=OPEN_STATUSES) & (Q(overdue_since__isnull=False) | Q(due_at__lt=now))
    paused_late = Q(status=Status.WAITING_CITIZEN, due_at__lt=F("paused_at"))
    return (running_late | paused_late) & Q(clock_stopped_at__isnull=True)


def is_paused(case: Case) -> bool:
    """The deadline clock is stopped (waiting for the citizen): the due moment shown would be a stale one,
    and the time left is the time left when it stopped."""
    return case.status == Status.WAITING_CITIZEN and case.paused_at is not None


def is_late(case: Case, now: dt.datetime) -> bool:
    """``overdue_q`` for one case already in memory."""
    if case.clock_stopped_at is not None:
        return False
    if case.status in OPEN_STATUSES:
        return case.is_overdue or (case.due_at is not None and case.due_at < now)
    if case.status == Status.WAITING_CITIZEN:
        return case.due_at is not None and case.paused_at is not None and case.due_at < case.paused_at
    return False


def describe_forwarding(case: Case) -> dict | None:
    """For a case on a forwarding clock (kentmasa.cases.clock): ``{"text", "within"}`` once staff passed
    it on ("Forwarded in 4 minutes", within the standard or not), ``{"text": "", "within": None}`` while
    the clock runs; None on a completion clock."""
    if case.clock != clock.FORWARDING:
        return None
    after = clock.forwarded_after(case)
    if after is None:
        return {"text": "", "within": None}
    minutes = int(after.total_seconds() // 60)
    if minutes < 120:
        text = ngettext("Forwarded in %(count)d minute", "Forwarded in %(count)d minutes", minutes) % {
            "count": minutes
        }
    else:
        hours = minutes // 60
        text = ngettext("Forwarded in %(count)d hour", "Forwarded in %(count)d hours", hours) % {
            "count": hours
        }
    return {"text": text, "within": clock.within_standard(case)}


# Citizen.masked_phone parses the number with libphonenumber (0.2 ms a row); a queue shows the same callers
# page after page, so the masks are kept per process (a pure function of the stored number).
@functools.lru_cache(maxsize=4096)
def _masked(phone: str) -> str:
    return phones.mask(phone) if phone else ""


def _when(moment: dt.datetime | None) -> str:
    """A moment as the queue shows it, in the current time zone: "07.08.2026 01:29" (the template's
    ``|date:"d.m.Y H:i"``); empty without one."""
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment is not None else ""


@staff_required
def queue(request: StaffRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    form = QueueFilterForm(request.GET or None, user=user)
    cases = access.visible_cases(user).filter(status__in=ACTIVE_STATUSES)
    unit_ids = None  # the assign list offers the filtered unit's people, else the user's units'
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            cases = cases.filter(status=data["status"])
        if data["unit"]:
            cases = cases.filter(unit=data["unit"])
            unit_ids = [data["unit"].pk]
        if data["category"]:
            cases = cases.filter(category=data["category"])
        if data["overdue"]:
            cases = cases.filter(overdue_q(now))
        cases = search_cases(cases, data["q"])
    # Soonest deadline first, no deadline last; a page is read along the queue indexes from the cursor of
    # the page before (kentmasa.cases.queries.keyset_page), and the total is counted up to a limit.
    after, before = cursors_from(request.GET)
    related = cases.select_related(
        "citizen", "category", "service", "unit", "assignee", "team", "institution"
    )
    page = keyset_page(related, "due_at", size=PAGE_SIZE, after=after, before=before)
    total = bounded_count(cases)

    calendars: dict = {}  # one working calendar per institution, not one query per row
    # Everything a row shows is worked out here, once: the labels translated once per page (not per row),
    # the dates formatted in Python, the names picked; the template only places them (70 % of a page was
    # template work on 50 rows: {% translate %}, |date, model methods resolved per cell).
    statuses = {value: str(label) for value, label in Status.choices}
    select_case = _("Select case %(number)s")
    take_case = _("Take case %(number)s myself")
    since = _("since %(since)s")
    rows = []
    for case in page:
        calendar = calendars.get(case.institution_id)
        if calendar is None:
            calendar = calendars[case.institution_id] = case.institution.business_calendar()
        number = case.tracking_number
        tracking = format_tracking_number(number)
        citizen, assignee = case.citizen, case.assignee
        paused = is_paused(case)
        rows.append(
            {
                "case": case,
                "number": number,
                "tracking": tracking,
                "url": reverse("cases:detail", args=[number]),
                "select_label": select_case % {"number": tracking},
                "citizen": (citizen.name, _masked(citizen.phone)) if citizen else None,
                "category": case.category.name if case.category else "",
                "unit": case.unit.name if case.unit else "",
                "status_label": statuses.get(case.status, case.status),
                "assignee": (assignee.get_full_name() or assignee.username) if assignee else "",
                "team": case.team.name if case.team else "",
                "received": _when(case.received_at),
                "due": _when(case.due_at),
                "paused_since": since % {"since": _when(case.paused_at)} if paused and case.due_at else "",
                "late": is_late(case, now),
                "remaining": describe_remaining(clock.remaining(case, now=now, calendar=calendar)),
                "forwarding": describe_forwarding(case),
                "may_take": access.may_take(user, case),
                "take_url": reverse("cases:take", args=[number]),
                "take_label": take_case % {"number": tracking},
            }
        )

    filters = {key: value for key, value in request.GET.items() if key not in PAGING and value}
    may_assign = user_may(user, "assign")
    search = (request.GET.get(ASSIGN_SEARCH) or "").strip()[:100]
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "rows": rows,
            "filter_query": urlencode(filters),
            "bulk_form": BulkAssignForm(user=user, unit_ids=unit_ids, search=search) if may_assign else None,
            "assign_search": search,
            "kept_filters": {key: value for key, value in filters.items() if key != ASSIGN_SEARCH},
            "now": now,
        },
    )


@require_POST
@staff_required
def bulk_assign(request: StaffRequest) -> HttpResponse:
    user = request.user
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("cases:queue")
    form = BulkAssignForm(request.POST, user=user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(next_url)
    done, refused = services.bulk_assign(
        form.cleaned_data["cases"],
        actor=user,
        assignee=form.cleaned_data["assignee"],
        team=form.cleaned_data["team"],
    )
    if done:
        messages.success(
            request,
            ngettext("%(count)d case assigned.", "%(count)d cases assigned.", len(done))
            % {"count": len(done)},
        )
    for case, reason in refused:
        messages.warning(
            request,
            _("%(number)s not assigned: %(reason)s")
            % {"number": format_tracking_number(case.tracking_number), "reason": reason},
        )
    return redirect(next_url)
