"""The public service standards pages (/standartlar/) and the public form's deadline hint.

No login. ``table`` prints an institution's imported standards table as the regulation prints it (Sıra No,
Hizmetin Adı, Başvuruda İstenilen Belgeler, Hizmetin Tamamlanma Süresi (En Geç)), the fixed sentence under
it and the first and second application places; a long table (a metropolitan municipality's has hundreds of
rows) comes in pages of ``PAGE_ROWS``, each row with an anchor (``#hizmet-<id>``) and ``?hizmet=<id>``
opening the page it is on. ``hint`` answers the form's script with what ``kentmasa.cases.standards.hint``
says for a topic; GETs from one address are limited (``KENTMASA_STANDARD_HINT_RATE``), bad input gets a
400 with a message, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Collate
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from kentmasa.cases import standards
from kentmasa.cases.models import Kind
from kentmasa.cases.public_forms import PUBLIC_KINDS
from kentmasa.directory.collation import TURKISH, alphabetical
from kentmasa.directory.models import ApplicationPlace, Service, Unit
from kentmasa.lib import lockout

PAGE_ROWS = 100
PUBLIC_KIND_VALUES = frozenset(str(value) for value, _label in PUBLIC_KINDS)
MAX_ID_DIGITS = 12


def _rows(institution_id: int) -> QuerySet[Service]:
    """The table's rows: each publishing unit's table together (those without a unit first), by row number."""
    return (
        Service.objects.filter(institution_id=institution_id)
        .select_related("unit", "first_application_place", "second_application_place")
        .order_by(Collate(F("unit__name"), TURKISH).asc(nulls_first=True), "number", "pk")
    )


@dataclass
class Section:
    """Consecutive rows published by one unit under the same application places: one printed table."""

    unit: Unit | None
    places: list[tuple[int, ApplicationPlace]]
    rows: list[Service] = field(default_factory=list)


def _sections(rows: list[Service]) -> list[Section]:
    sections: list[Section] = []
    key = None
    for row in rows:
        row_key = (row.unit_id, row.first_application_place_id, row.second_application_place_id)
        if not sections or row_key != key:
            sections.append(Section(unit=row.unit, places=standards.places_of(row)))
            key = row_key
        sections[-1].rows.append(row)
    return sections


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    institutions = (
        standards.public_institutions()
        .annotate(rows=Count("services"))
        .filter(Q(rows__gt=0))
        .order_by(*alphabetical("name"))
    )
    return render(request, "standards/index.html", {"institutions": institutions})


@require_GET
def short_link(request: HttpRequest, pk: int) -> HttpResponse:
    """/hs/<id>, the short link the acknowledgement SMS carries: on to the institution's standards page."""
    institution = get_object_or_404(standards.public_institutions(), pk=pk)
    return redirect("standards:table", institution.slug)


@require_GET
def table(request: HttpRequest, slug: str) -> HttpResponse:
    institution = get_object_or_404(standards.public_institutions(), slug=slug)
    rows = _rows(institution.pk)
    paginator = Paginator(rows, PAGE_ROWS)
    page_number: str | int | None = request.GET.get("sayfa")
    wanted = request.GET.get("hizmet", "")
    if wanted.isascii() and wanted.isdecimal() and len(wanted) <= MAX_ID_DIGITS and paginator.num_pages > 1:
        order = list(rows.values_list("pk", flat=True))
        if int(wanted) in order:
            page_number = order.index(int(wanted)) // PAGE_ROWS + 1
    page = paginator.get_page(page_number)
    return render(
        request,
        "standards/table.html",
        {
            "institution": institution,
            "page": page,
            "sections": _sections(list(page.object_list)),
            "paginated": paginator.num_pages > 1,
        },
    )


def _hint_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "KENTMASA_STANDARD_HINT_RATE", "60/m")


def _refuse(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message}, status=status)


@never_cache
@require_GET
def hint(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's completion time and deadline if the form were sent now: ``?konu=<category id>``."""
    limited = is_ratelimited(
        request, group="standards:hint", key="ip", rate=_hint_rate, method="GET", increment=True
    )
    if limited:
        wait = lockout.rate_seconds(_hint_rate("", request))
        response = _refuse(_("Too many requests from your connection. Please wait a minute."), 429)
        response["Retry-After"] = str(wait)
        return response
    institution = standards.public_institutions().filter(slug=slug[:60]).first()
    if institution is None:
        return _refuse(_("No such institution."), 404)
    kind = request.GET.get("tur", "") or Kind.REQUEST
    if kind not in PUBLIC_KIND_VALUES:
        return _refuse(_("Choose a type of application from the list."), 400)
    raw = request.GET.get("konu", "").strip()
    category = None
    if raw:
        if not (raw.isascii() and raw.isdecimal()) or len(raw) > MAX_ID_DIGITS:
            return _refuse(_("Choose a topic from the list."), 400)
        category = (
            institution.categories.filter(pk=int(raw), active=True, public=True)
            .select_related("service__first_application_place", "service__second_application_place")
            .first()
        )
        if category is None:
            return _refuse(_("Choose a topic from the list."), 400)
    return JsonResponse(standards.hint(institution, category, kind=kind).as_json())
