"""The approver's pages, made for a phone: the approvals waiting for me (/onay/) and one approval
(/onay/<id>/) with the case, the proposed answer and the citizen's photos, and **Onayla** / **Geri gönder**
one tap each.

An approval is shown to whoever may decide it (the approver, their deputy now, a superuser), to its
requester and to staff who may see its case; anybody else gets 404. Deciding is the deciders' only (403).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kentmasa.cases import access, clock
from kentmasa.cases.models import Attachment, Case
from kentmasa.cases.views import StaffRequest, describe_remaining, staff_required
from kentmasa.notify import approvals
from kentmasa.notify.approval_forms import SendBackForm
from kentmasa.notify.models import Approval

MINE_MAX = 50  # approvals listed on /onay/ (the oldest first); the page says how many more wait
PHOTOS_MAX = 12


def _approval_or_404(request: StaffRequest, approval_id: int) -> Approval:
    approval = get_object_or_404(
        Approval.objects.select_related(
            "case__institution",
            "case__service",
            "case__category",
            "case__unit",
            "requested_by",
            "approver",
            "decided_by",
        ),
        pk=approval_id,
    )
    user = request.user
    if access.can_see(user, approval.case):
        return approval
    # Someone outside the case's unit sees it through the approval only while it waits on them (the
    # approver, a deputy) or on their request: once decided, the case is theirs no more than any other.
    waiting = approval.state == Approval.State.PENDING
    if waiting and (user.pk == approval.requested_by_id or approvals.may_decide(user, approval)):
        return approval
    raise Http404


def _place(case: Case) -> str:
    """Where it is, as the citizen or the operator gave it."""
    parts = [case.neighbourhood, case.street, f"No:{case.building_no}" if case.building_no else ""]
    area = "/".join(part for part in (case.district, case.province) if part)
    written = " ".join(part for part in [*parts, area] if part)
    return " · ".join(part for part in (written, case.address_text) if part)


@staff_required
def mine(request: StaffRequest) -> HttpResponse:
    waiting = approvals.pending_for(request.user).select_related("case", "requested_by", "approver")
    rows = list(waiting.order_by("requested_at", "pk")[: MINE_MAX + 1])
    return render(
        request,
        "notify/approval_list.html",
        {"approvals": rows[:MINE_MAX], "more": len(rows) > MINE_MAX},
    )


def _render(
    request: StaffRequest, approval: Approval, form: SendBackForm | None = None, status: int = 200
) -> HttpResponse:
    case = approval.case
    user = request.user
    pending = approval.state == Approval.State.PENDING
    # The citizen's photos (public ones): never the desk's scans of an identity document or a proxy.
    photos = case.attachments.filter(kind=Attachment.Kind.PHOTO, public=True).order_by("created_at", "pk")
    photos = photos[:PHOTOS_MAX]
    return render(
        request,
        "notify/approval_detail.html",
        {
            "approval": approval,
            "case": case,
            "tracking": case.tracking_display,
            "may_see_case": access.can_see(user, case),
            "may_decide": pending and approvals.may_decide(user, approval),
            "pending": pending,
            "proposal": approvals.proposal(approval),
            "photos": list(photos),
            "place": _place(case),
            "remaining": describe_remaining(clock.remaining(case)),
            "form": form or SendBackForm(),
        },
        status=status,
    )


@staff_required
def detail(request: StaffRequest, approval_id: int) -> HttpResponse:
    return _render(request, _approval_or_404(request, approval_id))


def _decider_or_403(request: StaffRequest, approval_id: int) -> Approval:
    approval = _approval_or_404(request, approval_id)
    if approval.state == Approval.State.PENDING and not approvals.may_decide(request.user, approval):
        raise PermissionDenied
    return approval


def _decided(
    request: StaffRequest, approval: Approval, decide: Callable[[], object], done: str
) -> HttpResponse:
    """Run one decision (Onayla or Geri gönder): 403 when it is not the user's, the reason on the page when
    it cannot be done, else the list of what still waits, with ``done`` said."""
    try:
        decide()
    except approvals.DecisionError as error:
        if error.code == "forbidden":
            raise PermissionDenied from None
        messages.error(request, error.message)
        return redirect("approvals:detail", approval_id=approval.pk)
    values = {"action": approvals.action_label(approval.action), "number": approval.case.tracking_display}
    messages.success(request, done % values)
    return redirect("approvals:mine")


@require_POST
@staff_required
def approve(request: StaffRequest, approval_id: int) -> HttpResponse:
    approval = _decider_or_403(request, approval_id)
    return _decided(
        request,
        approval,
        lambda: approvals.approve(approval.pk, user=request.user),
        _("Approved: %(action)s · %(number)s"),
    )


@require_POST
@staff_required
def send_back(request: StaffRequest, approval_id: int) -> HttpResponse:
    approval = _decider_or_403(request, approval_id)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render(request, approval, form=form, status=400)
    note = form.cleaned_data["note"]
    return _decided(
        request,
        approval,
        lambda: approvals.send_back(approval.pk, user=request.user, note=note),
        _("Sent back: %(action)s · %(number)s"),
    )


@staff_required
def photo(request: StaffRequest, approval_id: int, attachment_id: int) -> FileResponse:
    """One of the case's photos, to whoever may see the approval (an approver outside the case's unit too);
    files are never served from a public URL."""
    approval = _approval_or_404(request, approval_id)
    attachment = get_object_or_404(
        Attachment, pk=attachment_id, case_id=approval.case_id, kind=Attachment.Kind.PHOTO, public=True
    )
    stored = PurePath(attachment.file.name or "")
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=(PurePath(attachment.original_name).stem or stored.stem) + stored.suffix,
    )
    response["Cache-Control"] = "private, no-store"
    return response
