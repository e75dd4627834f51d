"""The operator console: find the caller, record the case while they are on the line, resolve simple ones.

Everything the operator types is checked before anything is written; the citizen and the case are
committed together, and only then is the tracking number shown to be read out.
"""

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kentmasa.cases import access, services
from kentmasa.cases.forms import NewCaseForm
from kentmasa.cases.models import Case, Channel
from kentmasa.cases.search import find_citizens
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views import StaffRequest, map_config, staff_required
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, User
from kentmasa.lib import phones, tckimlik, turkish
from kentmasa.lib.personal_reads import note_read
from kentmasa.places.grid import CELLS_PER_TILE
from kentmasa.places.models import Area

HISTORY_PER_CALLER = 5
CATEGORY_OPTIONS = 15
MAP_STATUS = "active"  # the console's map shows the cases still owed an answer (the map filter's "active")
LATEST_CASES = 10  # the console's "Latest cases" panel, refreshed live (kentmasa/live.js)


def _require_console(user: User) -> int:
    """The console records cases for the user's own institution (its id is returned); only the intake
    roles work it."""
    if user.institution_id is None or not (user.is_superuser or user.role in access.INSTITUTION_WIDE):
        raise PermissionDenied
    return user.institution_id


@staff_required
def console(request: StaffRequest) -> HttpResponse:
    user = request.user
    _require_console(user)
    form = NewCaseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        case = _record(request, form)
        if case is not None:
            return redirect("cases:detail", tracking_number=case.tracking_number)
    chosen = None
    if form.is_bound and not form.has_error("category"):
        chosen = form.cleaned_data.get("category")
    return render(
        request,
        "cases/console.html",
        {
            "form": form,
            "chosen_category": chosen,
            # A live refresh swaps in the latest cases only: the map's set-up is not looked up for it.
            "map": map_config(editable=True) if request.headers.get("X-Live-Refresh") else _console_map(user),
            "latest_cases": latest_cases(user),
        },
    )


def _console_map(user: User) -> dict[str, Any]:
    """The console's click-to-set map, without any case in it: the browser asks the task map's points
    endpoint for the open cases in view, block by block (kentmasa/map_blocks.js), so the page is the same
    size with ten open cases or a million. It opens on the institution's mahalles."""
    config = map_config(editable=True)
    institution = user.institution
    box = (
        Area.objects.territory(institution.province, institution.district).aggregate(
            min_lon=Min("min_lon"), min_lat=Min("min_lat"), max_lon=Max("max_lon"), max_lat=Max("max_lat")
        )
        if institution is not None
        else {"min_lon": None}
    )
    if box["min_lon"] is not None:
        config["extent"] = [box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"]]
    config["blocks"] = {
        "url": reverse("reports:map_points"),
        "filters": {"status": MAP_STATUS},
        "cells_per_tile": CELLS_PER_TILE,
        "text": {
            "cluster": _("%(count)s cases, %(overdue)s overdue: click to zoom in"),
            "open_case": _("Open the case"),
            "overdue": _("Overdue"),
        },
    }
    return config


def latest_cases(user: User) -> list[Case]:
    """The newest cases of the console's institution that the user may see, LATEST_CASES of them (read
    backwards along the index case_institution_recent): number, category, status, unit and time only."""
    if user.institution_id is None:
        return []
    return list(
        access.visible_cases(user)
        .filter(institution_id=user.institution_id)
        .select_related("category", "unit")
        .only(
            "tracking_number",
            "status",
            "received_at",
            "institution_id",
            "category__name",
            "unit__name",
        )
        .order_by("-received_at", "-pk")[:LATEST_CASES]
    )


def _record(request: StaffRequest, form: NewCaseForm) -> Case | None:
    user = request.user
    data = form.cleaned_data
    try:
        case = form.open_case()  # the citizen and the case in one transaction (cases.intake.open_from)
    except services.TransitionError as error:
        form.add_error(None, error.message)
        return None
    text = _("Case recorded. Tracking number {number}, verification code {code}. Read both to the citizen.")
    if data.get("resolve_now"):
        try:
            case = services.resolve_on_the_spot(case, actor=user, resolution=data["resolution"])
        except services.TransitionError as error:
            reason = {"reason": error.message}
            messages.warning(request, _("The case was recorded but not resolved: %(reason)s") % reason)
        else:
            text = _(
                "Case recorded and resolved on the spot. Tracking number {number}, verification code {code}."
            )
    if case.channel == Channel.KADES:
        # Nothing reaches her, no citizen page shows it (kentmasa.channels.silence): nothing to read out.
        text = _("KADES case recorded: {number}. Nothing is sent to the person and no citizen page shows it.")
    # The number and code get their own elements: the operator reads them out, the browser test finds them.
    number = format_html(
        '<strong id="new-tracking-number">{}</strong>', format_tracking_number(case.tracking_number)
    )
    code = format_html('<strong id="new-verification-code">{}</strong>', case.verification_code)
    messages.success(request, format_html(text, number=number, code=code), extra_tags="new-case")
    return case


@staff_required
def caller_lookup(request: StaffRequest) -> HttpResponse:
    """htmx partial: the citizens matching a phone, TC kimlik no or name, with their case history here."""
    user = request.user
    _require_console(user)
    query = (request.GET.get("q") or "").strip()
    visible = access.visible_cases(user)
    citizens = find_citizens(query, user.institution) if query and user.institution else []
    ids = [c.pk for c in citizens]
    counts = dict(visible.filter(citizen_id__in=ids).values_list("citizen_id").annotate(n=Count("pk")))
    history: defaultdict[int | None, list[Case]] = defaultdict(list)
    # The newest cases first; a caller's history line shows the latest few and the total.
    for case in visible.filter(citizen_id__in=ids).order_by("-received_at")[
        : HISTORY_PER_CALLER * len(ids) * 4
    ]:
        if len(history[case.citizen_id]) < HISTORY_PER_CALLER:
            history[case.citizen_id].append(case)
    # A citizen only appears to an institution they have brought a case to.
    callers = [
        {"citizen": c, "cases": history[c.pk], "total": counts[c.pk]} for c in citizens if counts.get(c.pk)
    ]
    for caller in callers:  # KVKK access log: each caller shown, with their history
        note_read(request, what="caller_lookup", citizen_id=caller["citizen"].pk)
    return render(
        request,
        "cases/_caller_results.html",
        {
            "query": query,
            "callers": callers,
            "new_caller": _new_caller(query) if query and not callers else None,
        },
    )


def _new_caller(query: str) -> dict:
    """Prefill for a caller not found: the number they were looked up by goes into the right field."""
    compact = "".join(ch for ch in query if ch not in " -.()+")
    if compact.isdigit():
        if len(compact) == 11 and tckimlik.is_valid(compact):
            return {"tc": compact}
        try:
            return {"phone": phones.display(phones.normalize(query))}
        except phones.InvalidPhone:
            return {}
    return {"name": turkish.title(query)}


@staff_required
def category_options(request: StaffRequest) -> HttpResponse:
    """htmx partial for the console's category search: active categories whose folded name/keywords match."""
    institution_id = _require_console(request.user)
    query = request.GET.get("q", request.GET.get("category_search", ""))
    categories = Category.objects.filter(institution_id=institution_id, active=True).select_related("unit")
    for word in turkish.fold(query).split():
        categories = categories.filter(search_key__contains=word)
    return render(
        request,
        "cases/_category_options.html",
        {
            "categories": categories.order_by(*alphabetical("name"))[:CATEGORY_OPTIONS],
            "query": query,
        },
    )
