"""The KGYS screens, under /haber-merkezi/kgys/: the directorate's cameras, footage requests (list, new,
detail with the order, approval and release, refusal, the release log and the package), and legal holds.

Who opens them: the directorate's police operators and administrators, and anybody of the directorate
holding a KGYS permission (``emergency.release_footage``, ``emergency.lift_footage_hold``: a permission, not a
role, so an operator who holds it keeps every other right). Approving and refusing are shown only to holders
of the release permission, and approving never to the officer who recorded the request; the service refuses
it anyway with its Turkish reason on the page: 403 when the officer lacks the right, 409 when the request's
state stands in the way (decided already, no order, the officer who recorded it). The released package is
downloaded by release-permission holders only; the order's scan by everybody who works the screens. Bad input
is a 400 naming the field; nothing is written then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kentmasa.cases.queries import bounded_count, filter_query, page_from
from kentmasa.cases.services import TransitionError
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import Institution, User
from kentmasa.emergency import footage
from kentmasa.emergency.footage_forms import (
    HoldFilter,
    HoldForm,
    LiftForm,
    OrderForm,
    RefuseForm,
    RequestFilter,
    RequestForm,
)
from kentmasa.emergency.models import Camera, FootageHold, FootageRelease, FootageRequest
from kentmasa.lib import edge

PAGE_SIZE = 50
DETAIL_HOLDS = 100  # holds shown on a request's page (one per camera; at most footage.MAX_CAMERAS)
DETAIL_RELEASES = 20
MANIFEST_SHOWN = 200  # a release's files listed on the page; the rest are counted ("and N more")


@dataclass
class ReleaseShown:
    """A release on the request's page, with the first MANIFEST_SHOWN lines of its manifest."""

    release: FootageRelease
    files: list[dict[str, Any]]
    more: int  # lines not listed


def _shown(release: FootageRelease) -> ReleaseShown:
    manifest = release.manifest if isinstance(release.manifest, list) else []
    return ReleaseShown(release, manifest[:MANIFEST_SHOWN], max(0, len(manifest) - MANIFEST_SHOWN))


def kgys_institution(user: User) -> Institution:
    """The police directorate whose KGYS screens ``user`` works; PermissionDenied for anybody else."""
    institution = user.institution if user.institution_id is not None else None
    if institution is None or institution.kind != Institution.Kind.POLICE:
        raise PermissionDenied
    if not footage.may_work(user, institution.pk):
        raise PermissionDenied
    return institution


def kgys_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed-in staff only (others go to /giris/), then the directorate's KGYS staff only (403)."""

    @staff_required
    @wraps(view)
    def guarded(request: StaffRequest, *args: Any, **kwargs: Any) -> Any:
        return view(request, kgys_institution(request.user), *args, **kwargs)

    return guarded


def _key(pk: int) -> int:
    if pk not in edge.KEY_RANGE:
        raise Http404
    return pk


def _request(institution: Institution, pk: int) -> FootageRequest:
    """The request by id: 404 when there is none, 403 when it belongs to another directorate."""
    found = (
        FootageRequest.objects.select_related("recorded_by", "decided_by", "institution")
        .filter(pk=_key(pk))
        .first()
    )
    if found is None:
        raise Http404
    if found.institution_id != institution.pk:
        raise PermissionDenied
    return found


def _page(request: StaffRequest, rows: Any) -> Any:
    """The camera list's page: a directorate's cameras are a fixed, physical set (thousands at most), so it
    keeps numbered pages; the requests and holds, which grow with the years, page by keyset."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _filters(request: StaffRequest) -> str:
    return filter_query(request.GET)


# -- requests ------------------------------------------------------------------------------------------------


@require_GET
@kgys_view
def requests(request: StaffRequest, institution: Institution) -> HttpResponse:
    form = RequestFilter(request.GET)
    rows = FootageRequest.objects.filter(institution=institution)
    status = 200
    if form.is_valid():
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
    else:
        status = 400
        rows = rows.none()
    # Keyset pages, newest first, along footage_request_list / footage_request_recent; the cameras counted for
    # the page's rows only.
    page = page_from(
        request.GET,
        rows.select_related("recorded_by", "decided_by"),
        "recorded_at",
        size=PAGE_SIZE,
        descending=True,
    )
    counts = dict(
        FootageRequest.objects.filter(pk__in=[item.pk for item in page])
        .annotate(cameras_named=Count("cameras", distinct=True))
        .values_list("pk", "cameras_named")
    )
    for item in page:
        item.camera_count = counts.get(item.pk, 0)
    return render(
        request,
        "emergency/footage_requests.html",
        {
            "institution": institution,
            "form": form,
            "page": page,
            "total": bounded_count(rows),
            "filter_query": _filters(request),
            "section": "requests",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@kgys_view
def new_request(request: StaffRequest, institution: Institution) -> HttpResponse:
    if request.method != "POST":
        form = RequestForm(institution=institution, initial={"reference_date": timezone.localdate()})
        return _new_page(request, institution, form)
    form = RequestForm(request.POST, request.FILES, institution=institution)
    if not form.is_valid():
        return _new_page(request, institution, form, status=400)
    data = form.cleaned_data
    try:
        made = footage.record_request(
            institution,
            requester_kind=data["requester_kind"],
            requester=data["requester"],
            reference_no=data["reference_no"],
            reference_date=data["reference_date"],
            cameras=data["cameras"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            note=data["note"],
            order=data["order"],
            actor=request.user,
        )
    except TransitionError as error:
        field = {"requester_kind": "requester_kind", "cameras": "cameras", "order": "order"}.get(error.code)
        form.add_error(field if field in form.fields else None, error.message)
        return _new_page(request, institution, form, status=400)
    if made.status == FootageRequest.Status.REFUSED:
        messages.error(
            request, _("The request was recorded and refused: %(reason)s") % {"reason": made.refusal_reason}
        )
    else:
        messages.success(request, _("The request was recorded; its cameras' footage of the window is held."))
    return redirect("emergency:kgys:request", pk=made.pk)


def _new_page(
    request: StaffRequest, institution: Institution, form: RequestForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "emergency/footage_new.html",
        {"institution": institution, "form": form, "section": "requests"},
        status=status,
    )


def detail_context(request: StaffRequest, footage_request: FootageRequest) -> dict[str, Any]:
    user = request.user
    institution_id = footage_request.institution_id
    may_release = footage.may_release(user, institution_id)
    pending = footage_request.status == FootageRequest.Status.PENDING
    is_recorder = footage_request.recorded_by_id == user.pk
    return {
        "institution": footage_request.institution,
        "item": footage_request,
        "cameras": list(footage_request.cameras.order_by("code")[: footage.MAX_CAMERAS]),
        "holds": list(
            FootageHold.objects.filter(request=footage_request)
            .select_related("camera", "lifted_by")
            .order_by("camera__code", "pk")[:DETAIL_HOLDS]
        ),
        "releases": [
            _shown(release)
            for release in FootageRelease.objects.filter(request=footage_request)
            .select_related("released_by")
            .order_by("-released_at", "-pk")[:DETAIL_RELEASES]
        ],
        "pending": pending,
        "may_release": may_release,
        "may_lift": footage.may_lift(user, institution_id),
        "is_recorder": is_recorder,
        "show_approve": pending and may_release and not is_recorder,
        "show_refuse": pending and may_release,
        "show_order_form": pending and not footage_request.order,
        "order_form": OrderForm(),
        "refuse_form": RefuseForm(),
        "lift_form": LiftForm(),
        "section": "requests",
    }


def _detail_page(
    request: StaffRequest, footage_request: FootageRequest, status: int = 200, **extra: Any
) -> HttpResponse:
    context = detail_context(request, footage_request)
    context.update(extra)
    return render(request, "emergency/footage_detail.html", context, status=status)


@require_GET
@kgys_view
def request_detail(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    return _detail_page(request, _request(institution, pk))


def refusal_status(error: TransitionError) -> int:
    """403 when the officer lacks the right ("forbidden"); 409 when the request's state is in the way."""
    return 403 if error.code == "forbidden" else 409


def _refused(request: StaffRequest, footage_request: FootageRequest, error: TransitionError) -> HttpResponse:
    """A refusal by the domain: the page again, its reason on top, 403 or 409; nothing was written."""
    footage_request.refresh_from_db()
    return _detail_page(
        request,
        footage_request,
        status=refusal_status(error),
        refusal=error.message,
        refusal_code=error.code,
    )


@require_POST
@kgys_view
def attach_order(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    footage_request = _request(institution, pk)
    form = OrderForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, footage_request, status=400, order_form=form)
    try:
        footage.attach_order(footage_request, form.cleaned_data["order"], actor=request.user)
    except TransitionError as error:
        if error.code == "order":  # the file itself: a field error, 400
            form.add_error("order", error.message)
            return _detail_page(request, footage_request, status=400, order_form=form)
        return _refused(request, footage_request, error)
    messages.success(request, _("The written order was attached."))
    return redirect("emergency:kgys:request", pk=footage_request.pk)


@require_POST
@kgys_view
def approve(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    footage_request = _request(institution, pk)
    try:
        release = footage.approve(footage_request, actor=request.user)
    except TransitionError as error:
        return _refused(request, footage_request, error)
    messages.success(
        request,
        _("Approved and released: %(files)d files, SHA-256 %(sha256)s.")
        % {"files": len(release.manifest), "sha256": release.sha256},
    )
    return redirect("emergency:kgys:request", pk=footage_request.pk)


@require_POST
@kgys_view
def refuse(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    footage_request = _request(institution, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, footage_request, status=400, refuse_form=form)
    try:
        footage.refuse(footage_request, actor=request.user, reason=form.cleaned_data["reason"])
    except TransitionError as error:
        return _refused(request, footage_request, error)
    messages.success(request, _("The request was refused. Its holds stay until they are lifted."))
    return redirect("emergency:kgys:request", pk=footage_request.pk)


def _file(field_file: Any, filename: str, content_type: str) -> FileResponse:
    if not field_file:
        raise Http404
    try:
        opened = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(opened, content_type=content_type, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@kgys_view
def order_file(request: StaffRequest, institution: Institution, pk: int) -> FileResponse:
    footage_request = _request(institution, pk)
    suffix = PurePath(footage_request.order.name or "").suffix.lower()
    content_type = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}.get(
        suffix, "image/tiff"
    )
    return _file(footage_request.order, f"emir-{footage_request.pk}{suffix}", content_type)


@require_GET
@kgys_view
def package(request: StaffRequest, institution: Institution, pk: int) -> FileResponse:
    """The package handed over: only to holders of the release permission (who approve releases)."""
    release = FootageRelease.objects.select_related("request").filter(pk=_key(pk)).first()
    if release is None:
        raise Http404
    if release.request.institution_id != institution.pk or not footage.may_release(
        request.user, institution.pk
    ):
        raise PermissionDenied
    return _file(release.package, f"kgys-{release.request_id}-{release.pk}.zip", "application/zip")


# -- cameras and holds ---------------------------------------------------------------------------------------


@require_GET
@kgys_view
def cameras(request: StaffRequest, institution: Institution) -> HttpResponse:
    rows = (
        Camera.objects.filter(institution=institution)
        .annotate(active_holds=Count("holds", filter=Q(holds__lifted_at__isnull=True)))
        .order_by("code", "pk")
    )
    return render(
        request,
        "emergency/footage_cameras.html",
        {
            "institution": institution,
            "page": _page(request, rows),
            "filter_query": "",
            "now": timezone.now(),
            "section": "cameras",
        },
    )


def _holds_page(
    request: StaffRequest,
    institution: Institution,
    *,
    hold_form: HoldForm | None = None,
    lift_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    form = HoldFilter(request.GET)
    rows = FootageHold.objects.filter(camera__institution=institution)
    if form.is_valid():
        state = form.cleaned_data["state"]
        if state == "lifted":
            rows = rows.filter(lifted_at__isnull=False)
        elif state != "all":
            rows = rows.filter(lifted_at__isnull=True)
    else:
        status = max(status, 400)
        rows = rows.none()
    rows = rows.select_related("camera", "request", "created_by", "lifted_by")
    return render(
        request,
        "emergency/footage_holds.html",
        {
            "institution": institution,
            "form": form,
            "page": page_from(request.GET, rows, "created_at", size=PAGE_SIZE, descending=True),
            "filter_query": _filters(request),
            "hold_form": hold_form or HoldForm(institution=institution),
            "lift_form": LiftForm(),
            "lift_error_for": lift_error[0] if lift_error else None,
            "lift_error": lift_error[1] if lift_error else "",
            "may_lift": footage.may_lift(request.user, institution.pk),
            "section": "holds",
        },
        status=status,
    )


@require_GET
@kgys_view
def holds(request: StaffRequest, institution: Institution) -> HttpResponse:
    return _holds_page(request, institution)


@require_POST
@kgys_view
def place_hold(request: StaffRequest, institution: Institution) -> HttpResponse:
    form = HoldForm(request.POST, institution=institution)
    if not form.is_valid():
        return _holds_page(request, institution, hold_form=form, status=400)
    data = form.cleaned_data
    try:
        footage.place_hold(
            data["camera"],
            data["window_start"],
            data["window_end"],
            reason=data["reason"],
            actor=request.user,
        )
    except TransitionError as error:
        form.add_error(None, error.message)
        return _holds_page(request, institution, hold_form=form, status=400)
    messages.success(request, _("The footage is held until the hold is lifted."))
    return redirect("emergency:kgys:holds")


@require_POST
@kgys_view
def lift_hold(request: StaffRequest, institution: Institution, pk: int) -> HttpResponse:
    hold = FootageHold.objects.select_related("camera").filter(pk=_key(pk)).first()
    if hold is None:
        raise Http404
    if hold.camera.institution_id != institution.pk:
        raise PermissionDenied
    back = request.POST.get("next", "")
    form = LiftForm(request.POST)
    if not form.is_valid():
        return _holds_page(
            request, institution, lift_error=(hold.pk, str(form.errors["reason"][0])), status=400
        )
    try:
        footage.lift_hold(hold, actor=request.user, reason=form.cleaned_data["reason"])
    except TransitionError as error:
        return _holds_page(
            request, institution, lift_error=(hold.pk, error.message), status=refusal_status(error)
        )
    messages.success(request, _("The hold was lifted."))
    if hold.request_id and back == reverse("emergency:kgys:request", args=[hold.request_id]):
        return redirect(back)
    return redirect("emergency:kgys:holds")
