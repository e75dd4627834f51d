"""The case page: everything about one case, its timeline and files, and the actions the user may take.

A case the user cannot see is 404 (whether or not it exists); an action their role may not take is 403.
Every action is one call to kentmasa.cases.services; a refusal is shown and nothing changes.
"""

import re
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kentmasa.cases import access, clock, services
from kentmasa.cases.action_forms import AttachmentForm, CommentForm, transition_form
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Case, Channel, Status
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.cases.transitions import TRANSITIONS, event_label
from kentmasa.cases.views import StaffRequest, describe_remaining, map_config, staff_required
from kentmasa.cases.views.queue import describe_forwarding, is_late, is_paused
from kentmasa.lib import notices as notice_hook
from kentmasa.lib import turkish
from kentmasa.lib.personal_reads import note_read
from kentmasa.lib.ranges import ranged_response


def _case_or_404(request: StaffRequest, tracking_number: str, *, reading: bool = False) -> Case:
    """The case by its tracking number among those the user may see; with ``reading``, also one escalated
    to an application place the user holds (read only: access.may_read)."""
    number = clean_tracking_number(tracking_number) or tracking_number
    cases = Case.objects.all() if reading else access.visible_cases(request.user)
    cases = cases.select_related(
        "institution",
        "citizen",
        "category",
        "service",
        "unit",
        "assignee",
        "team",
        "merged_into",
        "follows",
        "created_by",
    )
    case = get_object_or_404(cases, tracking_number=number)
    if reading and not access.may_read(request.user, case):
        raise Http404
    return case


def _status_label(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


# "Yeni Mah.", "Yeni Mh.", "Yeni Mahallesi", "Yeni Köyü" already say what they are.
_MAHALLE_WORD = re.compile(r"\b(mah|mh|mahallesi|koyu)\b")


def _address(case: Case) -> str:
    """The address the way it is written in Turkey: "Yeni Mah. Atatürk Cad. No:5 Esenler/İstanbul"."""
    parts = []
    if case.neighbourhood:
        named = _MAHALLE_WORD.search(turkish.fold(case.neighbourhood))
        parts.append(case.neighbourhood if named else f"{case.neighbourhood} Mah.")
    if case.street:
        parts.append(case.street)
    if case.building_no:
        parts.append(f"No:{case.building_no}")
    area = "/".join(part for part in (case.district, case.province) if part)
    if area:
        parts.append(area)
    return " ".join(parts)


# The case page's GET parameter that searches people and teams beyond the unit's for the assign form.
ASSIGN_SEARCH = "atama"
# A case seldom has more than a couple of follow-ups; the page lists at most this many.
MAX_FOLLOW_UPS = 50

# Nothing reaches the person of a KADES case (kentmasa.channels.silence: her phone may be in the aggressor's
# hands), so its page offers nothing that speaks to her: no question to the citizen, no note or file
# "visible to the citizen", no receipt to hand over. The channels refuse to send whatever gets past this.
SILENT_ACTIONS = frozenset({"ask_citizen"})


def is_silent(case: Case) -> bool:
    return case.channel == Channel.KADES


def _render_case(
    request: StaffRequest,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    comment_form: CommentForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    search = (request.GET.get(ASSIGN_SEARCH) or "").strip()[:100]
    silent = is_silent(case)
    actions = []
    for t in access.available_transitions(user, case):
        if silent and t.name in SILENT_ACTIONS:
            continue
        form = bound.get(t.name) or transition_form(t.name, case=case, user=user, search=search)
        if silent and "resolution" in form.fields:
            form.fields["resolution"].label = _("Resolution (kept on the case; the person is not told)")
        actions.append({"transition": t, "form": form})
    comment_form = comment_form or CommentForm(prefix="comment")
    attachment_form = attachment_form or AttachmentForm(prefix="upload")
    if silent:
        comment_form.fields.pop("public", None)
        attachment_form.fields.pop("public", None)
    events = list(case.events.select_related("actor"))
    # Shown by the template beside each event (attributes of the page's own copies, never saved).
    for event in events:
        event.label = event_label(event.action)  # type: ignore[attr-defined]
        event.from_label = (  # type: ignore[attr-defined]
            _status_label(event.from_status) if event.from_status != event.to_status else ""
        )
        event.to_label = _status_label(event.to_status)  # type: ignore[attr-defined]
    # Cases the citizen opened about this one after it was finished (services.follow_up), as far as this
    # member of staff may see them.
    # Their ids first, by the follows index alone: joined with the scope's institution condition, SQLite
    # (whose statistics see one huge key, as nearly every case follows none) walked the institution's cases
    # (2 s at 1M).
    follow_ids = list(Case.objects.filter(follows=case).values_list("pk", flat=True)[:MAX_FOLLOW_UPS])
    follow_ups = list(access.visible_cases(user).filter(pk__in=follow_ids).order_by("received_at", "pk"))
    # An action held for approval (kentmasa.notify.approvals; at most one waits per case).
    pending_approval = (
        case.approvals.filter(state="pending").select_related("requested_by", "approver").first()
    )
    location = None
    if case.has_location:
        location = map_config(
            [{"latitude": case.latitude, "longitude": case.longitude, "label": case.subject}],
            center=(case.latitude, case.longitude),
        )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "tracking": format_tracking_number(case.tracking_number),
            "late": is_late(case, timezone.now()),
            "remaining": describe_remaining(clock.remaining(case)),
            "forwarding": describe_forwarding(case),
            "paused": is_paused(case),
            "may_take": access.may_take(user, case),
            "assign_search": search,
            # The full TC kimlik no and phone only for the roles that work the whole intake; masked for units.
            "full_identity": user.is_superuser or user.role in access.INSTITUTION_WIDE,
            # The privacy notice version the applicant was given when the case was opened (kentmasa.privacy).
            "notice": notice_hook.for_case(case.pk),
            "actions": actions,
            "events": events,
            "attachments": case.attachments.select_related("uploaded_by"),
            "comment_form": comment_form,
            "attachment_form": attachment_form,
            "silent": silent,
            "map": location,
            "address": _address(case),
            "merged_tracking": format_tracking_number(case.merged_into.tracking_number)
            if case.merged_into
            else "",
            "follows_tracking": format_tracking_number(case.follows.tracking_number) if case.follows else "",
            "follow_ups": follow_ups,
            "pending_approval": pending_approval,
        },
        status=status,
    )


@staff_required
def case_detail(request: StaffRequest, tracking_number: str) -> HttpResponse:
    case = _case_or_404(request, tracking_number, reading=True)
    note_read(request, what="case", case_id=case.pk, citizen_id=case.citizen_id)  # KVKK access log
    return _render_case(request, case)


@require_POST
@staff_required
def perform_transition(request: StaffRequest, tracking_number: str, name: str) -> HttpResponse:
    user = request.user
    case = _case_or_404(request, tracking_number)
    if name not in TRANSITIONS:
        raise Http404
    if not access.may_perform(user, case, name):
        raise PermissionDenied
    if is_silent(case) and name in SILENT_ACTIONS:
        messages.error(
            request, _("Nothing is ever sent to the person of a KADES case; the question was not asked.")
        )
        return redirect("cases:detail", tracking_number=case.tracking_number)
    form = transition_form(name, case=case, user=user, data=request.POST)
    if not form.is_valid():
        return _render_case(request, case, bound={name: form}, status=400)
    try:
        updated = services.perform(case, name, actor=user, **form.params())
    except services.Held as held:  # an approver must allow it first (kentmasa.notify.approvals)
        messages.success(request, held.message)
        return redirect("cases:detail", tracking_number=case.tracking_number)
    except services.TransitionError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", tracking_number=case.tracking_number)
    messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[name].label})
    if not access.can_see(user, updated):
        # Transferred out of the user's units: the case page would now be a 404 for them.
        messages.info(
            request,
            _("Case %(number)s is no longer in your queue.")
            % {"number": format_tracking_number(updated.tracking_number)},
        )
        return redirect("cases:home")
    return redirect("cases:detail", tracking_number=case.tracking_number)


@require_POST
@staff_required
def add_comment(request: StaffRequest, tracking_number: str) -> HttpResponse:
    case = _case_or_404(request, tracking_number)
    form = CommentForm(request.POST, prefix="comment")
    if not form.is_valid():
        return _render_case(request, case, comment_form=form, status=400)
    try:
        public = form.cleaned_data["public"] and not is_silent(case)
        services.comment(case, actor=request.user, note=form.cleaned_data["note"], public=public)
    except services.TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Comment added."))
    return redirect("cases:detail", tracking_number=case.tracking_number)


@require_POST
@staff_required
def upload_attachment(request: StaffRequest, tracking_number: str) -> HttpResponse:
    case = _case_or_404(request, tracking_number)
    form = AttachmentForm(request.POST, request.FILES, prefix="upload")
    if form.is_valid():
        try:
            public = form.cleaned_data["public"] and not is_silent(case)
            add_attachment(case, form.cleaned_data["file"], actor=request.user, public=public)
        except ValidationError as error:
            form.add_error("file", error)
    if not form.is_valid():
        return _render_case(request, case, attachment_form=form, status=400)
    messages.success(request, _("File attached."))
    return redirect("cases:detail", tracking_number=case.tracking_number)


@staff_required
def download_attachment(request: StaffRequest, tracking_number: str, attachment_id: int) -> HttpResponseBase:
    """Stream a case's file to a user who may see the case; files are never served from a public URL."""
    case = _case_or_404(request, tracking_number)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    note_read(
        request, what="attachment", case_id=case.pk, citizen_id=case.citizen_id, detail=str(attachment.pk)
    )
    stored = PurePath(attachment.file.name or "")
    filename = (PurePath(attachment.original_name).stem or stored.stem) + stored.suffix
    inline = attachment.content_type.startswith(("image/", "video/", "audio/")) or (
        attachment.content_type == "application/pdf"
    )
    # Range requests answered (kentmasa.lib.ranges): the case page's players seek in recordings and videos.
    response = ranged_response(
        request,
        attachment.file.open("rb"),
        size=attachment.file.size,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@staff_required
def take(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """ "Üzerime al" from the case page or a queue row; back to where it was pressed."""
    case = _case_or_404(request, tracking_number)
    if not access.may_perform(request.user, case, "assign"):
        raise PermissionDenied
    try:
        services.take(case, actor=request.user)
    except services.TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Case %(number)s is yours now.") % {"number": format_tracking_number(case.tracking_number)},
        )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("cases:detail", tracking_number=case.tracking_number)
