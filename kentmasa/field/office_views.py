"""The field app's office pages under /saha/: server-rendered, for a phone as much as a desk.

* the case page's field panel (work orders and inspection reports of the case) and "İş emri gönder";
* /saha/birim/: the unit's reported work orders waiting for review, with the team's report, photos,
  positions and times; "İncelendi" marks one reviewed, and the case page resolves the case;
* /saha/ekip/: a team leader's teams, their work for today and still open, their members; reassigning
  within the team (kentmasa.field.services.apply, kind "reassign");
* /saha/makineler/: the unit's machines, where those out stand; a unit manager moves one between available
  and maintenance;
* /saha/yeni/: a case opened in the field (kentmasa.field.opening);
* /saha/ziyaret/: the visit log, and requests raised at a visit (kentmasa.field.visits);
* /saha/tutanak/<case>/: the inspection report (kentmasa.field.inspections).

A page the user's role does not work is 403; a case, work order, visit or machine outside the user's scope is
404 (whether or not it exists). Bad input is a 400 with the form's Turkish errors and writes nothing; a
refusal of a domain function is shown and changes nothing.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kentmasa.cases import access
from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.queries import bounded_count, filter_query, page_from
from kentmasa.cases.services import TransitionError
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.field import derman, inspections, review, services, visits
from kentmasa.field import machines as field_machines
from kentmasa.field.models import InspectionReport, Machine, Visit, WorkOrder, WorkOrderPhoto
from kentmasa.field.office_forms import (
    FieldCaseForm,
    InspectionForm,
    MachineStatusForm,
    RaiseForm,
    ReassignForm,
    ReviewFilter,
    VisitForm,
    WorkOrderForm,
)
from kentmasa.field.opening import FieldCase, may_work_in_the_field, open_field_case
from kentmasa.lib import edge, plates

PAGE_SIZE = 30


def _pk(value: int) -> int:
    """A key from the path, 404 past what the database holds (a 500 on SQLite otherwise)."""
    if value not in edge.KEY_RANGE:
        raise Http404
    return value


def _visible_case(request: StaffRequest, tracking_number: str) -> Case:
    number = clean_tracking_number(tracking_number) or tracking_number
    cases = access.visible_cases(request.user).select_related("institution", "unit", "category", "team")
    return get_object_or_404(cases, tracking_number=number)


def _case_by_pk(request: StaffRequest, pk: int) -> Case:
    cases = access.visible_cases(request.user).select_related("institution", "unit", "category", "assignee")
    return get_object_or_404(cases, pk=_pk(pk))


def nav(user: Any) -> list[dict[str, str]]:
    """The office pages this user works, for the pages' own small menu."""
    links = []
    if review.may_review_any(user):
        links.append({"name": "field:office_unit", "label": _("Reports to review")})
    if review.led_teams(user).exists():
        links.append({"name": "field:office_leader", "label": _("My team")})
    if field_machines.may_see_machines(user):
        links.append({"name": "field:office_machines", "label": _("Machinery")})
    if may_work_in_the_field(user):
        links.append({"name": "field:office_new_case", "label": _("New case in the field")})
        links.append({"name": "field:office_visits", "label": _("Visit log")})
    return links


def _render(request: StaffRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"field_nav": nav(request.user), **context}, status=status)


# -- the case page's panel and "İş emri gönder" --------------------------------------------------------------


@require_GET
@staff_required
def case_panel(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """The field part of the case page (loaded by htmx): its work orders and inspection reports."""
    case = _visible_case(request, tracking_number)
    orders = list(
        case.work_orders.select_related("team", "assignee", "failure_reason")
        .prefetch_related("machines")
        .order_by("-created_at", "-pk")[:20]
    )
    for order in orders:
        order.waiting = order.status in WorkOrder.REPORTED and order.reviewed_at is None  # type: ignore[attr-defined]
    reports = case.inspection_reports.select_related("pdf", "signed_by").order_by("-signed_at", "-pk")[:20]
    return render(
        request,
        "field/office_case_panel.html",
        {
            "case": case,
            "orders": orders,
            "reports": reports,
            "may_send": review.may_send(request.user, case),
            "may_inspect": inspections.may_write(request.user, case),
            "may_send_derman": derman.may_send(request.user, case)
            and derman.settings_for(case.institution_id) is not None,
        },
    )


@require_POST
@staff_required
def send_derman(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """ "Derman'a gönder": the institution's inspection team to the case, beside its unit."""
    case = _visible_case(request, tracking_number)
    if not derman.may_send(request.user, case):
        raise PermissionDenied
    try:
        order = derman.send_inspection(case, WorkOrder.Reason.STAFF, actor=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        if order is None:
            messages.info(
                request,
                _("Nothing was sent: the institution has no inspection team, or it already has this case."),
            )
        else:
            messages.success(request, _("The inspection team %(team)s was sent.") % {"team": order.team.name})
    return redirect("cases:detail", tracking_number=case.tracking_number)


@require_http_methods(["GET", "POST"])
@staff_required
def send_work_order(request: StaffRequest, tracking_number: str) -> HttpResponse:
    case = _visible_case(request, tracking_number)
    if not review.may_send(request.user, case):
        raise PermissionDenied
    if request.method != "POST":
        form = WorkOrderForm(case=case, user=request.user)
        return _send_page(request, case, form)
    form = WorkOrderForm(request.POST, case=case, user=request.user)
    if not form.is_valid():
        return _send_page(request, case, form, status=400)
    data = form.cleaned_data
    try:
        order = services.send_work_order(
            case,
            data["team"],
            actor=request.user,
            instructions=data["instructions"],
            machines=list(data["machines"]),
            day=data["day"],
            assignee=data["assignee"],
        )
    except TransitionError as error:
        form.add_error(None, error.message)
        return _send_page(request, case, form, status=409)
    messages.success(
        request,
        _("Work order sent to %(team)s for %(day)s.")
        % {"team": order.team.name, "day": order.scheduled_for.strftime("%d.%m.%Y")},
    )
    return redirect("cases:detail", tracking_number=case.tracking_number)


@require_POST
@staff_required
def cancel_work_order(request: StaffRequest, pk: int) -> HttpResponse:
    """The unit takes an open work order back (kentmasa.field.services.cancel_work_order)."""
    order = get_object_or_404(
        WorkOrder.objects.select_related("case", "team").filter(case__in=access.visible_cases(request.user)),
        pk=_pk(pk),
    )
    if not review.may_send(request.user, order.case):
        raise PermissionDenied
    try:
        services.cancel_work_order(order, actor=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The work order of %(team)s was cancelled.") % {"team": order.team.name})
    return redirect("cases:detail", tracking_number=order.case.tracking_number)


def _send_page(request: StaffRequest, case: Case, form: WorkOrderForm, status: int = 200) -> HttpResponse:
    return _render(
        request,
        "field/office_send.html",
        {"case": case, "tracking": format_tracking_number(case.tracking_number), "form": form},
        status=status,
    )


# -- the unit: reports to review -----------------------------------------------------------------------------


@require_GET
@staff_required
def unit_reports(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not review.may_review_any(user):
        raise PermissionDenied
    reviewed = request.GET.get("incelenen") == "1"
    form = ReviewFilter(request.GET)
    rows = review.unit_work_orders(user).filter(status__in=WorkOrder.REPORTED)
    rows = rows.filter(reviewed_at__isnull=not reviewed)
    status = 200
    if form.is_valid():
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    else:
        status, rows = 400, rows.none()
    rows = rows.select_related(
        "case", "case__unit", "team", "unit", "assignee", "finished_by", "failure_reason", "reviewed_by"
    ).prefetch_related("machines", "photos__attachment")
    # Keyset pages: waiting reports oldest finished first, reviewed ones newest reviewed first, along the
    # partial indexes workorder_review_waiting / workorder_reviewed.
    if reviewed:
        page = page_from(request.GET, rows, "reviewed_at", size=PAGE_SIZE, descending=True)
    else:
        page = page_from(request.GET, rows, "finished_at", size=PAGE_SIZE)
    visible = set(
        access.visible_cases(user)
        .filter(pk__in=[order.case_id for order in page])
        .values_list("pk", flat=True)
    )
    for order in page:
        order.case_visible = order.case_id in visible
        order.phases = [
            (label, [photo for photo in order.photos.all() if photo.phase == phase])
            for phase, label in WorkOrderPhoto.Phase.choices
        ]
    return _render(
        request,
        "field/office_unit.html",
        {
            "page": page,
            "form": form,
            "reviewed": reviewed,
            "waiting": bounded_count(review.awaiting_review(user)),
            "filter_query": filter_query(request.GET) if status == 200 else "",
        },
        status=status,
    )


@require_POST
@staff_required
def mark_reviewed(request: StaffRequest, pk: int) -> HttpResponse:
    user = request.user
    if not review.may_review_any(user):
        raise PermissionDenied
    order = get_object_or_404(review.unit_work_orders(user).select_related("case", "team"), pk=_pk(pk))
    try:
        review.mark_reviewed(order, actor=user)
    except TransitionError as error:
        messages.error(request, error.message)
        return redirect("field:office_unit")
    done = _("Marked reviewed: %(team)s on %(number)s.") % {
        "team": order.team.name,
        "number": order.case.tracking_display,
    }
    if order.case.status not in ACTIVE_STATUSES:
        messages.success(request, done)
        return redirect("field:office_unit")
    messages.success(request, done + " " + _("Resolve the case when the work is done."))
    if access.can_see(user, order.case):
        return redirect("cases:detail", tracking_number=order.case.tracking_number)
    return redirect("field:office_unit")


@require_GET
@staff_required
def work_order_photo(request: StaffRequest, pk: int) -> FileResponse:
    """A team's photo for the unit that sent the work order (the case may have moved to another unit)."""
    orders = review.unit_work_orders(request.user)
    photo = get_object_or_404(
        WorkOrderPhoto.objects.select_related("attachment").filter(
            Q(work_order__in=orders) | Q(work_order__team__in=request.user.teams.all())
        ),
        pk=_pk(pk),
    )
    attachment = photo.attachment
    stored = PurePath(attachment.file.name or "")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{stored.name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- the team leader -----------------------------------------------------------------------------------------


@require_GET
@staff_required
def leader(request: StaffRequest) -> HttpResponse:
    teams = list(review.led_teams(request.user).prefetch_related("members"))
    if not teams:
        raise PermissionDenied
    today = timezone.localdate()
    orders = (
        WorkOrder.objects.filter(team__in=teams)
        .filter(Q(scheduled_for=today) | Q(status__in=WorkOrder.OPEN))
        .exclude(status=WorkOrder.Status.CANCELLED)
        .select_related("case", "team", "assignee", "failure_reason")
        .prefetch_related("machines")
        .order_by("scheduled_for", "-priority", "created_at", "pk")[:300]
    )
    by_team: dict[int, list[WorkOrder]] = {team.pk: [] for team in teams}
    for order in orders:
        if order.is_open:
            order.form = ReassignForm(  # type: ignore[attr-defined]
                team=order.team,
                prefix=f"wo{order.pk}",
                initial={"client_id": uuid.uuid4(), "assignee": order.assignee_id},
            )
        by_team[order.team_id].append(order)
    sections = [
        {
            "team": team,
            "members": sorted(
                (member for member in team.members.all() if member.is_active),
                key=lambda member: (member.get_full_name() or member.username).casefold(),
            ),
            "orders": by_team[team.pk],
            "open": sum(1 for order in by_team[team.pk] if order.is_open),
        }
        for team in teams
    ]
    return _render(request, "field/office_leader.html", {"sections": sections, "today": today})


@require_POST
@staff_required
def reassign(request: StaffRequest, pk: int) -> HttpResponse:
    teams = review.led_teams(request.user)
    order = get_object_or_404(WorkOrder.objects.select_related("team").filter(team__in=teams), pk=_pk(pk))
    form = ReassignForm(request.POST, team=order.team, prefix=f"wo{order.pk}")
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("Not reassigned: %(errors)s") % {"errors": errors})
        return redirect("field:office_leader")
    answer = services.apply(
        request.user,
        {
            "id": str(form.cleaned_data["client_id"]),
            "kind": "reassign",
            "work_order": order.pk,
            "at": timezone.now().isoformat(),
            "assignee": form.cleaned_data["assignee"].pk if form.cleaned_data["assignee"] else None,
        },
    )
    outcome = answer.get("outcome")
    text = answer.get("message") or ""
    if outcome == "applied":
        messages.success(request, text or _("Work order reassigned."))
    else:
        messages.error(request, text or _("The work order was not reassigned."))
    return redirect("field:office_leader")


# -- machinery -----------------------------------------------------------------------------------------------


@require_GET
@staff_required
def machine_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not field_machines.may_see_machines(user):
        raise PermissionDenied
    rows = list(
        field_machines.with_their_work(
            field_machines.visible_machines(user).exclude(status=Machine.Status.RETIRED)
        ).order_by("unit__name", "kind", "name", "pk")[:500]
    )
    case_ids = {order.case_id for machine in rows for order in machine.open_orders}  # type: ignore[attr-defined]
    visible = set(access.visible_cases(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    for machine in rows:
        machine.order = machine.open_orders[0] if machine.open_orders else None  # type: ignore[attr-defined]
        machine.case_visible = machine.order is not None and machine.order.case_id in visible  # type: ignore[attr-defined]
        machine.may_change = field_machines.may_change(user, machine)  # type: ignore[attr-defined]
        machine.plate_display = plates.normalize(machine.plate).display if machine.plate else ""  # type: ignore[attr-defined]
        machine.form = MachineStatusForm(  # type: ignore[attr-defined]
            prefix=f"m{machine.pk}", initial={"status": machine.status}
        )
    counts = {value: 0 for value, _label in Machine.Status.choices}
    for machine in rows:
        counts[machine.status] += 1
    return _render(
        request,
        "field/office_machines.html",
        {
            "machines": rows,
            "counts": [
                (label, counts[value]) for value, label in Machine.Status.choices if value != "retired"
            ],
        },
    )


@require_POST
@staff_required
def machine_status(request: StaffRequest, pk: int) -> HttpResponse:
    user = request.user
    machine = get_object_or_404(field_machines.visible_machines(user), pk=_pk(pk))
    if not field_machines.may_change(user, machine):
        raise PermissionDenied
    form = MachineStatusForm(request.POST, prefix=f"m{machine.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose available or in maintenance."))
        return redirect("field:office_machines")
    try:
        changed = field_machines.set_status(machine, form.cleaned_data["status"], actor=user)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(machine)s: %(status)s.") % {"machine": str(changed), "status": changed.get_status_display()},
        )
    return redirect("field:office_machines")


# -- a case opened in the field ------------------------------------------------------------------------------


def _field_user(request: StaffRequest) -> None:
    if not may_work_in_the_field(request.user):
        raise PermissionDenied


def _opened_message(request: StaffRequest, case: Case, opened: bool) -> None:
    text = (
        _("Case %(number)s opened; it goes to %(unit)s.")
        if opened
        else _("This form was already sent: case %(number)s (%(unit)s).")
    )
    messages.success(
        request,
        text % {"number": case.tracking_display, "unit": case.unit.name if case.unit else _("routing")},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def new_case(request: StaffRequest) -> HttpResponse:
    _field_user(request)
    user = request.user
    if request.method != "POST":
        form = FieldCaseForm(user=user, initial={"client_id": uuid.uuid4()})
        return _render(request, "field/office_new_case.html", {"form": form})
    form = FieldCaseForm(request.POST, request.FILES, user=user)
    if not form.is_valid():
        return _render(request, "field/office_new_case.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        case, opened = open_field_case(
            FieldCase(
                client_id=data["client_id"],
                description=data["description"],
                category=data["category"],
                subject=data["subject"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                neighbourhood=data["neighbourhood"],
                address_text=data["address_text"],
                citizen_name=data["citizen_name"],
                citizen_phone=data["citizen_phone"],
                photos=data["photos"],
            ),
            actor=user,
        )
    except (TransitionError, ValidationError) as error:
        form.add_error(None, _message(error))
        return _render(request, "field/office_new_case.html", {"form": form}, status=409)
    case.refresh_from_db()
    _opened_message(request, case, opened)
    if access.can_see(user, case):
        return redirect("cases:detail", tracking_number=case.tracking_number)
    return redirect("field:office_new_case")


def _message(error: TransitionError | ValidationError) -> str:
    if isinstance(error, TransitionError):
        return error.message
    return " ".join(error.messages)


# -- the visit log -------------------------------------------------------------------------------------------


@require_GET
@staff_required
def visit_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not may_work_in_the_field(user) and not user.is_superuser:
        raise PermissionDenied
    rows = visits.visible_visits(user).select_related("unit", "created_by").prefetch_related("staff", "cases")
    page = page_from(request.GET, rows, "started_at", size=PAGE_SIZE, descending=True)  # visit_institution
    return _render(request, "field/office_visits.html", {"page": page})


@require_http_methods(["GET", "POST"])
@staff_required
def visit_new(request: StaffRequest) -> HttpResponse:
    _field_user(request)
    user = request.user
    staff = visits.colleagues(user)
    if request.method != "POST":
        form = VisitForm(user=user, staff=staff)
        return _render(request, "field/office_visit_new.html", {"form": form})
    form = VisitForm(request.POST, user=user, staff=staff)
    if not form.is_valid():
        return _render(request, "field/office_visit_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        visit = visits.record_visit(
            visits.VisitRecord(
                kind=data["kind"],
                place=data["place"],
                started_at=data["started_at"],
                mahalle=data["mahalle"],
                ended_at=data["ended_at"],
                people=data["people"],
                asked=data["asked"],
                unit=data["unit"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                staff=list(data["staff"]),
            ),
            actor=user,
        )
    except TransitionError as error:
        form.add_error(None, error.message)
        return _render(request, "field/office_visit_new.html", {"form": form}, status=409)
    messages.success(request, _("Visit recorded. Raise the requests made there as cases below."))
    return redirect("field:office_visit", pk=visit.pk)


def _visit(request: StaffRequest, pk: int) -> Visit:
    rows = visits.visible_visits(request.user).select_related("unit", "created_by", "institution")
    return get_object_or_404(rows, pk=_pk(pk))


@require_GET
@staff_required
def visit_detail(request: StaffRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    form = None
    if may_work_in_the_field(request.user) and visit.institution_id == request.user.institution_id:
        form = RaiseForm(user=request.user, initial={"client_id": uuid.uuid4(), "address_text": visit.place})
    return _visit_page(request, visit, form)


def _visit_page(
    request: StaffRequest, visit: Visit, form: RaiseForm | None, status: int = 200
) -> HttpResponse:
    cases = list(visit.cases.select_related("unit", "category").order_by("received_at", "pk"))
    visible = set(
        access.visible_cases(request.user)
        .filter(pk__in=[case.pk for case in cases])
        .values_list("pk", flat=True)
    )
    for case in cases:
        case.visible = case.pk in visible  # type: ignore[attr-defined]
    return _render(
        request,
        "field/office_visit.html",
        {"visit": visit, "staff": visit.staff.all(), "cases": cases, "form": form},
        status=status,
    )


@require_POST
@staff_required
def visit_raise(request: StaffRequest, pk: int) -> HttpResponse:
    visit = _visit(request, pk)
    user = request.user
    if not may_work_in_the_field(user) or visit.institution_id != user.institution_id:
        raise PermissionDenied
    form = RaiseForm(request.POST, request.FILES, user=user)
    if not form.is_valid():
        return _visit_page(request, visit, form, status=400)
    data = form.cleaned_data
    try:
        case, opened = open_field_case(
            FieldCase(
                client_id=data["client_id"],
                description=data["description"],
                category=data["category"],
                latitude=visit.latitude,
                longitude=visit.longitude,
                neighbourhood=visit.mahalle,
                address_text=data["address_text"] or visit.place,
                citizen_name=data["citizen_name"],
                citizen_phone=data["citizen_phone"],
                photos=data["photos"],
            ),
            actor=user,
            visit=visit,
        )
    except (TransitionError, ValidationError) as error:
        form.add_error(None, _message(error))
        return _visit_page(request, visit, form, status=409)
    case.refresh_from_db()
    _opened_message(request, case, opened)
    return redirect("field:office_visit", pk=visit.pk)


# -- the inspection report -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def inspection(request: StaffRequest, pk: int) -> HttpResponse:
    user = request.user
    case = _case_by_pk(request, pk)
    if not inspections.may_write(user, case):
        raise PermissionDenied
    orders = inspections.work_orders_for(user, case)
    if request.method != "POST":
        form = InspectionForm(case=case, user=user, work_orders=orders)
        form.initial["client_id"] = uuid.uuid4()
        return _inspection_page(request, case, form)
    form = InspectionForm(request.POST, request.FILES, case=case, user=user, work_orders=orders)
    if not form.is_valid():
        return _inspection_page(request, case, form, status=400)
    data = form.cleaned_data
    try:
        report, written = inspections.write_report(
            case,
            inspections.Findings(
                client_id=data["client_id"],
                findings=data["findings"],
                signer_name=data["signer_name"],
                inspected_at=data["inspected_at"],
                recommendation=data["recommendation"],
                signer_title=data["signer_title"],
                place=data["place"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                work_order=data.get("work_order"),
                photos=data["photos"],
            ),
            actor=user,
        )
    except (TransitionError, ValidationError) as error:
        form.add_error(None, _message(error))
        return _inspection_page(request, case, form, status=409)
    if written:
        messages.success(
            request,
            _("The inspection report was attached to case %(number)s as a PDF and sent to %(unit)s.")
            % {"number": case.tracking_display, "unit": case.unit.name if case.unit else "—"},
        )
        if derman.after_report(report, data.get("outcome") or "", actor=user):
            messages.info(
                request, _("The problem was found not solved: the case is open again for the unit.")
            )
    else:
        messages.info(request, _("This report was already sent."))
    return redirect("field:office_inspection", pk=case.pk)


def _inspection_page(
    request: StaffRequest, case: Case, form: InspectionForm, status: int = 200
) -> HttpResponse:
    reports = (
        InspectionReport.objects.filter(case=case).select_related("pdf").order_by("-signed_at", "-pk")[:20]
    )
    return _render(
        request,
        "field/office_inspection.html",
        {
            "case": case,
            "tracking": format_tracking_number(case.tracking_number),
            "form": form,
            "reports": reports,
        },
        status=status,
    )
