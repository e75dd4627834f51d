"""The KVKK applications' screens (/kvkk/basvurular/): the queue with the 30-day clock, one application's page
(the request, the identity status, the person's records, the steps), the exports; and the person's own link
to their export (/kvkk/veri/<key>/).

Every view asks kentmasa.privacy.requests: an application of another institution is 404, a member of staff
who does not handle KVKK applications gets 403, bad input a 400 with the step's Turkish error and nothing
written. Each page that shows the person's data notes the read for the access log (lib.personal_reads).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases.queries import bounded_count, page_from
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.lib import edge
from kentmasa.lib.clientip import client_ip
from kentmasa.lib.personal_reads import note_read
from kentmasa.privacy import export, requests
from kentmasa.privacy.models.requests import (
    DataSubjectRequest,
    Decision,
    Delivery,
    IdentityMethod,
    RequestType,
)

PAGE_SIZE = 50
WHAT = "data_subject_request"


def _visible(user: object):  # type: ignore[no-untyped-def]
    institutions = requests.visible(user)
    found = DataSubjectRequest.objects.select_related("case", "case__institution", "case__citizen", "subject")
    if institutions is None:
        return found
    return found.filter(institution_id__in=institutions)


def _request_or_404(request: StaffRequest, pk: int) -> DataSubjectRequest:
    user = request.user
    if pk not in edge.KEY_RANGE:
        raise Http404
    if requests.visible(user) == []:
        # Not a KVKK officer anywhere: 403 for an application of their own institution, else 404.
        own = user.institution_id
        if own is not None and DataSubjectRequest.objects.filter(pk=pk, institution_id=own).exists():
            raise PermissionDenied
        raise Http404
    found: DataSubjectRequest = get_object_or_404(_visible(user), pk=pk)
    return found


@staff_required
@require_GET
def queue(request: StaffRequest) -> HttpResponse:
    if requests.visible(request.user) == []:
        raise PermissionDenied
    answered = request.GET.get("durum") == "cevaplanan"
    found = _visible(request.user).filter(answered_at__isnull=not answered)
    # Keyset pages along dsr_queue (institution, answered_at, due_at): open ones by deadline, answered ones
    # newest answer first; the total counted up to a limit.
    if answered:
        page = page_from(request.GET, found, "answered_at", size=PAGE_SIZE, descending=True)
    else:
        page = page_from(request.GET, found, "due_at", size=PAGE_SIZE)
    now = timezone.now()
    rows = [{"item": item, "days_left": (item.due_at - now).days} for item in page.rows]
    context = {
        "rows": rows,
        "page": page,
        "total": bounded_count(found),
        "answered": answered,
        "filter_query": "durum=cevaplanan" if answered else "",
    }
    return render(request, "privacy/requests/queue.html", context)


def _context(request: StaffRequest, item: DataSubjectRequest, error: str = "") -> dict:
    people = requests.records(item)
    for person in people:
        note_read(request, what=WHAT, case_id=item.case_id, citizen_id=person.pk, detail="page")
    if item.case.citizen_id:
        note_read(
            request, what=WHAT, case_id=item.case_id, citizen_id=item.case.citizen_id, detail="applicant"
        )
    plan = requests.erasure_plan(item) if item.proven else []
    person_cases = requests.person_cases(item) if item.proven else []
    pages = item.export_pages
    return {
        "item": item,
        "case": item.case,
        "error": error,
        "people": people,
        "person_cases": person_cases,
        "plan": plan,
        "types": RequestType.choices,
        "type_rows": list(zip(item.types, item.type_labels(), strict=True)),
        "decisions": Decision.choices,
        "deliveries": Delivery.choices,
        "documents": list(requests.DOCUMENTS.items()),
        "methods": [
            (IdentityMethod.KEP, IdentityMethod.KEP.label),
            (IdentityMethod.EDEVLET, IdentityMethod.EDEVLET.label),
        ],
        "kades_person": item.proven and requests.is_kades_person(item),
        "days_left": (item.due_at - timezone.now()).days,
        "fee": requests.fee(pages, item.media_cost) if pages is not None else None,
        "free_pages": requests.FREE_PAGES,
    }


@staff_required
@require_GET
@never_cache
def detail(request: StaffRequest, pk: int) -> HttpResponse:
    item = _request_or_404(request, pk)
    return render(request, "privacy/requests/detail.html", _context(request, item))


def _decimal(value: str) -> Decimal:
    try:
        amount = Decimal((value or "0").replace(",", ".").strip() or "0")
    except InvalidOperation as error:
        raise requests.RequestError(_("The media cost must be an amount in TL."), "media_cost") from error
    if not amount.is_finite() or amount < 0 or amount > 10000:
        raise requests.RequestError(_("The media cost must be an amount in TL."), "media_cost")
    return amount.quantize(Decimal("0.01"))


def _int(value: str | None) -> int:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) not in edge.KEY_RANGE:
        raise requests.RequestError(_("Choose a record from the list."), "citizen")
    return int(text)


STEPS = {"types", "desk", "phone_send", "phone_confirm", "remote", "link", "correct", "erase", "answer"}


@staff_required
@require_POST
def step(request: StaffRequest, pk: int, name: str) -> HttpResponse:
    item = _request_or_404(request, pk)
    if name not in STEPS:
        raise Http404
    user = request.user
    post = request.POST
    try:
        if any("\x00" in value for values in post.lists() for value in values[1]):
            raise requests.RequestError(_("The form holds characters that are not allowed."), "nul")
        if name == "types":
            requests.set_types(item, by=user, types=post.getlist("types"))
            messages.success(request, _("The rights asked for were recorded."))
        elif name == "desk":
            requests.prove_at_desk(
                item, by=user, document=post.get("document", ""), tc_kimlik=post.get("tc_kimlik", "")
            )
            messages.success(request, _("Identity proven at the desk."))
        elif name == "phone_send":
            masked = requests.send_phone_code(
                item, by=user, tc_kimlik=post.get("tc_kimlik", ""), client_ip=client_ip(request)
            )
            messages.success(request, _("The code was sent to %(phone)s.") % {"phone": masked})
        elif name == "phone_confirm":
            requests.prove_by_phone(
                item, by=user, tc_kimlik=post.get("tc_kimlik", ""), code=post.get("code", "")
            )
            messages.success(request, _("Identity proven by the verified phone."))
        elif name == "remote":
            requests.prove_remotely(
                item, by=user, method=post.get("method", ""), tc_kimlik=post.get("tc_kimlik", "")
            )
            messages.success(request, _("Identity proven."))
        elif name == "link":
            requests.link_record(
                item, by=user, citizen_id=_int(post.get("citizen")), reason=post.get("reason", "")
            )
            messages.success(request, _("The record was linked to the person."))
        elif name == "correct":
            changes = {field: post[field] for field in requests.CORRECTABLE if field in post}
            changed = requests.correct(item, by=user, citizen_id=_int(post.get("citizen")), changes=changes)
            messages.success(request, _("Corrected: %(fields)s.") % {"fields": ", ".join(changed)})
        elif name == "erase":
            plan = requests.erase(item, by=user, ground=post.get("ground", ""))
            erased = sum(1 for line in plan if not line.keep)
            messages.success(
                request,
                _("%(count)d cases anonymised; the others are kept with their ground.") % {"count": erased},
            )
        elif name == "answer":
            decisions = {
                value: {
                    "decision": post.get(f"decision_{value}", ""),
                    "ground": post.get(f"ground_{value}", ""),
                }
                for value in item.types
            }
            given = requests.Answer(
                decisions=decisions,
                delivery=post.get("delivery", ""),
                text=post.get("text", ""),
                media_cost=_decimal(post.get("media_cost", "")),
            )
            requests.answer(item, by=user, given=given, base_url=request.build_absolute_uri("/").rstrip("/"))
            messages.success(request, _("The application was answered."))
    except requests.RequestError as error:
        item.refresh_from_db()
        status = 403 if error.code == "forbidden" else 400
        return render(
            request, "privacy/requests/detail.html", _context(request, item, error.message), status=status
        )
    return redirect("privacy:request", pk=item.pk)


@staff_required
@require_GET
@never_cache
def export_file(request: StaffRequest, pk: int, fmt: str) -> HttpResponse:
    """The export for the desk: JSON or PDF (``?kades=1``: with her KADES cases, on paper only, when she
    stood at the desk with her identity document)."""
    item = _request_or_404(request, pk)
    if fmt not in ("json", "pdf"):
        raise Http404
    with_kades = request.GET.get("kades") == "1"
    if with_kades and (fmt != "pdf" or item.identity_method != IdentityMethod.DESK):
        raise PermissionDenied
    try:
        data = export.build(item, for_contact=False, with_kades=with_kades)
    except requests.RequestError as error:
        return render(
            request, "privacy/requests/detail.html", _context(request, item, error.message), status=400
        )
    for person in requests.records(item):
        note_read(request, what=WHAT, case_id=item.case_id, citizen_id=person.pk, detail=f"export {fmt}")
    number = item.case.tracking_number
    if fmt == "json":
        response = HttpResponse(export.as_json(data), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kvkk-{number}.json"'
    else:
        body, pages = export.render(data)
        if not with_kades and item.export_pages != pages:
            DataSubjectRequest.objects.filter(pk=item.pk).update(export_pages=pages)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="kvkk-{number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@never_cache
def export_public(request: HttpRequest, key: str) -> HttpResponse:
    """The person's own link, sent with the answer on their proven channel: never KADES, 30 days."""
    if not (0 < len(key) <= 64) or not key.isascii():
        raise Http404
    item = (
        DataSubjectRequest.objects.select_related("case", "case__institution")
        .filter(export_key=key, export_until__gt=timezone.now())
        .first()
    )
    if item is None or requests.is_kades_person(item):
        raise Http404
    data = export.build(item, for_contact=True)
    if request.GET.get("bicim") == "json":
        response = HttpResponse(export.as_json(data), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="kvkk-{item.case.tracking_number}.json"'
    else:
        response = HttpResponse(export.as_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="kvkk-{item.case.tracking_number}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
