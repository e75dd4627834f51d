"""The feedback operator's call list (/geri-bildirim/) and one call's page, where the call is recorded.

For feedback operators and the administrators of the institution (a superuser sees every institution's);
anybody else gets 403, a call of another institution 404. Bad input is a 400 with the form's Turkish errors
and writes nothing; a call recorded by someone else meanwhile is a 409 that says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kentmasa.cases.models import Event
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.feedback import services
from kentmasa.feedback.forms import CallForm
from kentmasa.feedback.models import FeedbackCall
from kentmasa.lib import edge
from kentmasa.lib.personal_reads import note_read

PAGE_SIZE = 25


def _allowed(request: StaffRequest) -> None:
    if not services.may_work_calls(request.user):
        raise PermissionDenied


@staff_required
@require_GET
def call_list(request: StaffRequest) -> HttpResponse:
    _allowed(request)
    now = timezone.now()
    page = Paginator(services.waiting_calls(request.user, now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/calls.html",
        {"page": page, "later": services.later_calls(request.user, now).count(), "now": now},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def call_detail(request: StaffRequest, pk: int) -> HttpResponse:
    _allowed(request)
    if pk not in edge.KEY_RANGE:
        raise Http404
    call = get_object_or_404(
        services.calls_of(request.user).select_related(
            "case__citizen", "case__institution", "unit", "service", "recorded_by"
        ),
        pk=pk,
    )
    if services.drop_silenced(call):  # KADES (the case, or the citizen's number since): not to be called
        raise Http404
    status = 200
    form = CallForm(request.POST or None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                recorded = services.record_call(
                    call,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                )
            except services.FeedbackError as error:
                form.add_error(None, error.message)
                status = 409 if error.code in ("recorded", "dropped", "not_due") else 400
            else:
                messages.success(request, _recorded_message(recorded))
                return redirect("feedback:calls")
        call.refresh_from_db()
    note_read(request, what="feedback", case_id=call.case_id, citizen_id=call.case.citizen_id)
    history = (
        Event.objects.filter(case_id=call.case_id, action__in=["feedback_call", "feedback_asked"])
        .select_related("actor")
        .order_by("-at", "-pk")[:20]
    )
    return render(
        request,
        "feedback/call.html",
        {"call": call, "case": call.case, "form": form, "history": history, "now": timezone.now()},
        status=status,
    )


def _recorded_message(recorded: services.Recorded) -> str:
    number = recorded.case.tracking_display
    outcome = recorded.call.outcome
    if recorded.again_at is not None:
        return _("%(number)s: not reached; the call is back on the list from %(time)s.") % {
            "number": number,
            "time": timezone.localtime(recorded.again_at).strftime("%d.%m.%Y %H:%M"),
        }
    if outcome == FeedbackCall.Outcome.NOT_SATISFIED:
        return _("%(number)s: the case is open again for %(unit)s; the unit was told.") % {
            "number": number,
            "unit": recorded.case.unit.name if recorded.case.unit else "—",
        }
    return _("%(number)s: recorded, the case is closed.") % {"number": number}
