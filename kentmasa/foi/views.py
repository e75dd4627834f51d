"""The information service's screens (/bilgi-edinme/): the queue with its two clocks, one request's page
with a form per step, the answer letter, the yearly report; and the applicant's letter by its link.

Every view asks kentmasa.foi.access: a request of another institution or unit is 404, a step the user's role
may not take is 403, bad input a 400 with the form's or the step's Turkish error and nothing written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kentmasa.cases import clock as case_clock
from kentmasa.cases.models import Case, Channel, Event
from kentmasa.cases.queries import bounded_count, filter_query, page_from
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.cases.transitions import event_label
from kentmasa.cases.views import StaffRequest, describe_remaining, staff_required
from kentmasa.deadlines import BusinessCalendar, TimeUnit
from kentmasa.directory.models import Unit
from kentmasa.foi import access, fees, report, services
from kentmasa.foi import forms as foi_forms
from kentmasa.foi.models import OPEN_STAGES, FoiRequest, Stage
from kentmasa.lib import edge

PAGE_SIZE = 50
STAGE_FILTERS = {value for value, _label in Stage.choices}


def _request_or_404(user: Any, pk: int) -> FoiRequest:
    if pk not in edge.KEY_RANGE:
        raise Http404
    found = get_object_or_404(
        access.visible_requests(user).select_related(
            "case", "case__institution", "case__citizen", "case__unit", "holder_unit", "decided_by"
        ),
        pk=pk,
    )
    return found


@staff_required
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    requests = access.visible_requests(request.user)
    stage = request.GET.get("asama", "")
    if stage and stage not in STAGE_FILTERS:
        stage = ""
    requests = requests.filter(stage=stage) if stage else requests.filter(stage__in=list(OPEN_STAGES))
    # Keyset pages along foi_open_queue (open stages) or foi_queue (one stage); the total counted to a limit.
    listed = requests.select_related(
        "case", "case__citizen", "case__unit", "case__institution", "case__service", "institution"
    )
    page = page_from(request.GET, listed, "check_due_at", size=PAGE_SIZE)
    now = timezone.now()
    rows = []
    bases: dict[int, BusinessCalendar] = {}  # one calendar (its closed days: one query) per institution
    for item in page:
        case = item.case
        if case.institution_id not in bases:
            bases[case.institution_id] = case.institution.business_calendar()
        calendar = case_clock.calendar_for(case, base=bases[case.institution_id])
        check_left = ""
        if item.stage == Stage.CHECKING:
            check_left = describe_remaining(
                calendar.remaining(now, item.check_due_at, TimeUnit.BUSINESS_DAYS)
            )
        rows.append(
            {
                "request": item,
                "check_left": check_left,
                "remaining": describe_remaining(case_clock.remaining(item.case, now, calendar)),
            }
        )
    return render(
        request,
        "foi/queue.html",
        {
            "page": page,
            "total": bounded_count(requests),
            "filter_query": filter_query({"asama": stage} if stage else {}),
            "rows": rows,
            "stage": stage,
            "stages": Stage.choices,
            "office": access.is_office(request.user),
        },
    )


STEPS: dict[str, type] = {
    "check": foi_forms.CheckForm,
    "incomplete": foi_forms.IncompleteForm,
    "convert": foi_forms.ConvertForm,
    "forward_unit": foi_forms.ForwardUnitForm,
    "opinion": foi_forms.OpinionForm,
    "forward_out": foi_forms.ForwardOutForm,
    "extend": foi_forms.ExtendForm,
    "fee": foi_forms.FeeForm,
    "paid": foi_forms.PaidForm,
    "decide": foi_forms.DecisionForm,
    "objection": foi_forms.ObjectionForm,
    "kurul": foi_forms.KurulForm,
}
INSTITUTION_FORMS = {"convert", "forward_unit"}


def _forms(item: FoiRequest, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    built: dict[str, Any] = {}
    case = item.case
    citizen = case.citizen
    initial = {
        "check": {
            "name": citizen.name if citizen else "",
            "tc_kimlik": citizen.tc_kimlik if citizen and citizen.tc_kimlik else "",
            "address": citizen.address if citizen else "",
            "email": citizen.email if citizen else "",
        }
    }
    for step, form_class in STEPS.items():
        kwargs: dict[str, Any] = {"prefix": step}
        if step in INSTITUTION_FORMS:
            kwargs["institution_id"] = item.institution_id
        if bound is not None and bound[0] == step:
            built[step] = form_class(bound[1], **kwargs)
        else:
            built[step] = form_class(initial=initial.get(step), **kwargs)
    return built


def _perform(step: str, item: FoiRequest, data: dict[str, Any], user: Any) -> str:
    """Run one step with the cleaned data; returns what to tell the user."""
    if step == "check":
        identity = services.Identity(
            applicant_kind=data["applicant_kind"],
            name=data["name"],
            tc_kimlik=data["tc_kimlik"],
            address=data["address"],
            email=data["email"],
            signed=data["signed"],
            legal_title=data["legal_title"],
            signatory_authority=data["signatory_authority"],
            paper=item.case.channel in services.PAPER_CHANNELS,
        )
        services.accept(item, actor=user, identity=identity)
        return _("The application is complete and taken into processing.")
    if step == "incomplete":
        services.mark_incomplete(item, actor=user, missing=data["missing"], note=data["note"])
        return _("The applicant was told what is missing.")
    if step == "convert":
        petition = services.convert(item, actor=user, reason=data["reason"], unit=data["unit"])
        return _("Taken as petition %(number)s; the applicant was told why.") % {
            "number": petition.tracking_display
        }
    if step == "forward_unit":
        unit: Unit = data["unit"]
        services.forward_to_unit(item, actor=user, unit=unit, note=data["note"])
        return _("Sent to %(unit)s.") % {"unit": unit.name}
    if step == "opinion":
        services.ask_opinion(item, actor=user, of=data["of"])
        return _("Recorded: an opinion was asked.")
    if step == "forward_out":
        services.forward_out(item, actor=user, to=data["to"], note=data["note"])
        return _("Sent to the other institution; the applicant was told.")
    if step == "extend":
        services.extend(item, actor=user, reason=data["reason"])
        return _("Extended to 30 working days; the applicant was told.")
    if step == "fee":
        order = fees.Order(
            bw_pages=data["bw_pages"],
            colour_pages=data["colour_pages"],
            discs=data["discs"],
            by_post=data["by_post"],
        )
        services.tell_fee(item, actor=user, order=order)
        return _("The fee was told to the applicant; the clock stands until the payment.")
    if step == "paid":
        services.fee_paid(item, actor=user, note=data["note"])
        return _("Payment recorded; the clock runs again.")
    if step == "decide":
        services.decide(
            item,
            actor=user,
            decision=data["decision"],
            answer=data["answer"],
            withheld=data["withheld"],
            ground_keys=data["grounds"],
        )
        return _("Decided; the answer letter was sent to the applicant.")
    if step == "objection":
        services.record_objection(item, actor=user, lodged_on=data["lodged_on"], to=data["to"])
        return _("Objection recorded.")
    if step == "kurul":
        objection = item.objections.filter(pk=data["objection"]).first()
        if objection is None:
            raise services.FoiError(_("No such objection on this request."), "objection")
        services.record_kurul_decision(
            objection,
            actor=user,
            outcome=data["outcome"],
            decided_on=data["decided_on"],
            followed=data["followed"],
        )
        return _("The Board's decision was recorded.")
    raise services.FoiError(_("Unknown step."), "step")


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def detail(request: StaffRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request.user, pk)
    status = 200
    error = ""
    bound = None
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in STEPS:
            error, status = _("Unknown step."), 400
        else:
            bound = (step, request.POST)
            form = _forms(item, bound)[step]
            if form.is_valid():
                try:
                    done = _perform(step, item, form.cleaned_data, request.user)
                except services.FoiError as refused:
                    error = refused.message
                    status = 403 if refused.code == "forbidden" else 400
                else:
                    messages.success(request, done)
                    return redirect("foi:detail", item.pk)
            else:
                error, status = _("Please correct the errors below."), 400
    item.refresh_from_db()
    forms_ = _forms(item, bound)
    now = timezone.now()
    case = item.case
    return render(
        request,
        "foi/detail.html",
        {
            "item": item,
            "case": case,
            "forms": forms_,
            "error": error,
            "bound_step": bound[0] if bound else "",
            "office": access.is_office(request.user, item.institution_id),
            "remaining": describe_remaining(case_clock.remaining(case, now)),
            "check_left": describe_remaining(
                case_clock.calendar_for(case).remaining(now, item.check_due_at, TimeUnit.BUSINESS_DAYS)
            )
            if item.stage == Stage.CHECKING
            else "",
            "objections": list(item.objections.all()[:20]),
            "letter_url": services.public_letter_url(item) if item.letter else "",
            "events": _steps(case),
        },
        status=status,
    )


def _steps(case: Case) -> list[Event]:
    """The request's Law 4982 steps on the case's timeline, each with its translated label (as the case
    page names them: cases.transitions.event_label), bounded, their actors in the same query."""
    events = list(
        case.events.filter(action__startswith="foi_").select_related("actor").order_by("at", "pk")[:100]
    )
    for event in events:
        event.label = event_label(event.action)  # type: ignore[attr-defined]
    return events


def _letter_response(item: FoiRequest) -> HttpResponseBase:
    if not item.letter or item.case.channel == Channel.KADES:
        raise Http404
    response = FileResponse(item.letter.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bilgi-edinme-{item.case.tracking_number}.pdf"'
    return response


@staff_required
@require_GET
def letter_staff(request: StaffRequest, pk: int) -> HttpResponseBase:
    return _letter_response(_request_or_404(request.user, pk))


@never_cache
@require_GET
def letter_public(request: Any, key: str) -> HttpResponseBase:
    """The applicant's answer letter by the unguessable link sent with the answer (and on the tracking
    page); never a KADES case's."""
    if not key or len(key) > 60 or not all(ch.isalnum() or ch in "-_" for ch in key):
        raise Http404
    item = get_object_or_404(FoiRequest.objects.select_related("case"), letter_key=key)
    return _letter_response(item)


@staff_required
@require_GET
def case_panel(request: StaffRequest, number: str) -> HttpResponse:
    """The 4982 panel on the case page (loaded by htmx): stage, both clocks, a link to the request's page."""
    cleaned = clean_tracking_number(number[:40])
    if not cleaned:
        raise Http404
    item = (
        access.visible_requests(request.user)
        .select_related("case")
        .filter(case__tracking_number=cleaned)
        .first()
    )
    if item is None:
        return HttpResponse("")
    now = timezone.now()
    return render(
        request,
        "foi/_case_panel.html",
        {
            "item": item,
            "check_left": describe_remaining(
                case_clock.calendar_for(item.case).remaining(now, item.check_due_at, TimeUnit.BUSINESS_DAYS)
            )
            if item.stage == Stage.CHECKING
            else "",
        },
    )


def _report_allowed(request: StaffRequest) -> None:
    if not access.is_office(request.user) or request.user.institution is None:
        raise PermissionDenied


def _year(raw: str | int | None) -> int:
    today = timezone.localdate().year
    try:
        year = int(raw) if raw not in (None, "") else today
    except (TypeError, ValueError):
        return today
    return year if 2004 <= year <= today else today


@staff_required
@require_GET
def yearly_report(request: StaffRequest) -> HttpResponse:
    _report_allowed(request)
    institution = request.user.institution
    assert institution is not None  # noqa: S101 - _report_allowed
    year = _year(request.GET.get("yil"))
    return render(
        request,
        "foi/report.html",
        {"figures": report.figures(institution, year), "years": report.years(institution), "year": year},
    )


@staff_required
@require_GET
def yearly_report_xlsx(request: StaffRequest, year: int) -> HttpResponse:
    _report_allowed(request)
    institution = request.user.institution
    assert institution is not None  # noqa: S101 - _report_allowed
    if year != _year(year):
        raise Http404
    response = HttpResponse(
        report.xlsx(report.figures(institution, year)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bilgi-edinme-{year}.xlsx"'
    return response
