"""The task map (görev haritası) and the mahalle pages: "every request on the map, and the analysis of the
mahalles" (seed 003).

Every figure comes from the cases the user may see (kentmasa.cases.access.visible_cases), narrowed by the
same filters on the map, its two JSON endpoints, the mahalle page and its export.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kentmasa.cases.queries import bounded_count, cursors_from, keyset_page
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.cases.views.queue import is_late
from kentmasa.directory.collation import alphabetical
from kentmasa.lib import turkish
from kentmasa.lib.personal_reads import note_read
from kentmasa.places.models import Area
from kentmasa.reports import cells, choropleth, exports, mahalle_page, maps, neighbourhoods
from kentmasa.reports.views import _with_percent, measures

TURKEY = (25.6, 35.8, 44.9, 42.2)  # min_lon, min_lat, max_lon, max_lat
# The mahalle page lists its cases a page at a time, the latest first; its small map shows that page's points.
MAHALLE_CASES_PER_PAGE = 50


def _filters(request: StaffRequest) -> maps.MapFilterForm:
    return maps.MapFilterForm(request.GET or None, user=request.user)


def _bad_request(form: maps.MapFilterForm | None = None, message: str = "") -> JsonResponse:
    errors = {name: [str(e) for e in errors] for name, errors in form.errors.items()} if form else {}
    if message:
        errors["__all__"] = [message]
    return JsonResponse({"errors": errors}, status=400)


def _measure(request: HttpRequest) -> str:
    measure = request.GET.get("measure") or neighbourhoods.DEFAULT_MEASURE
    return measure if measure in neighbourhoods.MEASURES else ""


def _zoom(request: HttpRequest) -> int | None:
    try:
        zoom = int(request.GET.get("zoom", ""))
    except ValueError:
        return None
    return zoom if maps.MIN_ZOOM <= zoom <= maps.MAX_ZOOM else None


@require_GET
@staff_required
def task_map(request: StaffRequest) -> HttpResponse:
    form = _filters(request)
    territory = neighbourhoods.territory(request.user)
    box = territory.aggregate(
        min_lon=Min("min_lon"), min_lat=Min("min_lat"), max_lon=Max("max_lon"), max_lat=Max("max_lat")
    )
    if box["min_lon"] is not None:
        extent = (box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"])
    else:
        extent = maps.case_extent(maps.filtered_cases(request.user, form, timezone.now())) or TURKEY
    measure = _measure(request) or neighbourhoods.DEFAULT_MEASURE
    filters = form.query_params()
    config = {
        "tiles": settings.KENTMASA_MAP_TILES,
        "points_url": reverse("reports:map_points"),
        "areas_url": reverse("reports:map_areas"),
        "filters": filters,
        "measure": measure,
        "extent": [float(value) for value in extent],
        "cells_per_tile": maps.CELLS_PER_TILE,
        "text": {
            "in_view": _("Cases in view: %(count)s, overdue: %(overdue)s"),
            "cluster": _("%(count)s cases, %(overdue)s overdue: click to zoom in"),
            "open_case": _("Open the case"),
            "overdue": _("Overdue"),
            "open_mahalle": _("Mahalle analysis"),
            "cases": _("Cases"),
            "loading": _("Loading…"),
            "failed": _("The map data could not be loaded. Try again."),
            "unmatched": _("Cases in no known mahalle: %(count)s"),
            "zoom_in": _("Zoom in"),
            "zoom_out": _("Zoom out"),
        },
    }
    return render(
        request,
        "reports/map.html",
        {
            "form": form,
            "measures": neighbourhoods.MEASURES,
            "measure": measure,
            "measure_label": neighbourhoods.MEASURES[measure],
            "config": config,
            "filter_query": urlencode(filters),
        },
    )


@require_GET
@staff_required
def map_points(request: StaffRequest) -> HttpResponse:
    """Grid clusters and single cases inside ?bbox at ?zoom, as JSON."""
    form = _filters(request)
    if request.GET and not form.is_valid():
        return _bad_request(form)
    try:
        bbox = maps.BBox.parse(request.GET.get("bbox", ""))
    except ValueError:
        return _bad_request(message=_("The map area (bbox) must be four numbers: west, south, east, north."))
    zoom = _zoom(request)
    if zoom is None:
        return _bad_request(message=_("The zoom must be a whole number from 0 to 19."))
    now = timezone.now()
    # The whole-city zooms from the pre-aggregated cells when the filters and the user's scope allow
    # (kentmasa.reports.cells), else the live, bounded query: the same answer either way.
    data = cells.clusters(request.user, form, bbox, zoom, now)
    if data is None:
        data = maps.clusters(maps.filtered_cases(request.user, form, now), bbox, zoom, now)
    response = JsonResponse(data)
    # The map asks for the same blocks again as it is panned and zoomed back: let the browser keep them a
    # short while (private: they are this user's cases).
    response["Cache-Control"] = f"private, max-age={maps.BROWSER_CACHE_SECONDS}"
    return response


@require_GET
@staff_required
def map_areas(request: StaffRequest) -> HttpResponse:
    """The mahalle layer as GeoJSON: simplified boundaries with the chosen measure and its class."""
    form = _filters(request)
    if request.GET and not form.is_valid():
        return _bad_request(form)
    measure = _measure(request)
    if not measure:
        return _bad_request(message=_("Unknown measure."))
    zoom = _zoom(request)
    if zoom is None:
        zoom = 12
    now = timezone.now()
    gazetteer = neighbourhoods.Gazetteer.current()
    # From the place rollups (kentmasa.reports.cells) unless a filter, the user's scope or the median
    # (which does not add up) needs the cases themselves.
    rows = None if measure == "median_days" else cells.mahalle_rows(request.user, form, now)
    if rows is not None:
        figures, unmatched = neighbourhoods.add_up(rows, gazetteer)
    else:
        cases = maps.filtered_cases(request.user, form, now)
        figures, unmatched = neighbourhoods.figures_by_mahalle(
            cases, now, durations=measure == "median_days", gazetteer=gazetteer
        )
    areas = neighbourhoods.layer_areas(request.user, figures)
    values = {
        area.pk: neighbourhoods.measure_value(measure, figures.get(area.pk), area.population)
        for area in areas
    }
    known = [value for value in values.values() if value is not None]
    breaks = choropleth.class_breaks(known)
    classes = len(breaks) + 1
    boundaries = neighbourhoods.simplified_boundaries(areas, zoom)
    query = urlencode(form.query_params())
    features = []
    for area in areas:
        if area.pk not in boundaries:
            continue
        value = values[area.pk]
        figure = figures.get(area.pk)
        index = choropleth.class_of(value, breaks)
        features.append(
            {
                "type": "Feature",
                "id": area.pk,
                "geometry": boundaries[area.pk],
                "properties": {
                    "id": area.pk,
                    "name": area.display_name,
                    "district": area.parent.display_name if area.parent else "",
                    "count": figure.count if figure else 0,
                    "overdue": figure.overdue if figure else 0,
                    "population": area.population,
                    "value": None if value is None else round(value, 3),
                    "value_text": choropleth.format_value(measure, value),
                    "class": index,
                    "colour": choropleth.colour_of(index, classes),
                    "url": reverse("reports:mahalle", args=[area.pk]) + (f"?{query}" if query else ""),
                },
            }
        )
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "measure": measure,
            "measure_label": str(neighbourhoods.MEASURES[measure]),
            "legend": choropleth.legend(measure, breaks, known),
            "unmatched": unmatched,
        }
    )


def _mahalle_report(request: StaffRequest, area_id: int) -> tuple[Area, maps.MapFilterForm, dict[str, Any]]:
    area = get_object_or_404(
        Area.objects.select_related("parent__parent"), pk=area_id, kind=Area.Kind.NEIGHBOURHOOD
    )
    form = _filters(request)
    now = timezone.now()
    cases = neighbourhoods.cases_in(maps.filtered_cases(request.user, form, now), area)
    data = form.cleaned_data if form.is_valid() else {}
    totals = _with_percent(cases.aggregate(count=Count("pk"), **measures(now)))
    units = [
        _with_percent(row, "unit__name")
        for row in cases.values("unit_id", "unit__name")
        .annotate(**measures(now))
        .order_by(*alphabetical("unit__name"))
    ]
    report = {
        "now": now,
        "cases": cases,
        "totals": totals,
        "by_category": mahalle_page.by_category(cases, now),
        "by_week": mahalle_page.by_week(cases, data.get("received_from"), data.get("received_to")),
        "times": mahalle_page.resolution_times(cases),
        "by_unit": units,
        "hotspots": mahalle_page.hotspots(cases, area, now),
    }
    return area, form, report


@require_GET
@staff_required
def mahalle(request: StaffRequest, area_id: int) -> HttpResponse:
    area, form, report = _mahalle_report(request, area_id)
    query = urlencode(form.query_params())
    times = report["times"]
    times["median_text"] = choropleth.describe_days(times["median_days"])
    times["p90_text"] = choropleth.describe_days(times["p90_days"])
    boundary = neighbourhoods.simplified_boundaries([area], 16).get(area.pk)
    # Every case here is one the user may see (the report starts from visible_cases), so each links to
    # its page; the list is a keyset page, the latest first, its total counted up to a limit; the map
    # shows the page's points.
    after, before = cursors_from(request.GET)
    shown = (
        report["cases"]
        .select_related("category")
        .only(
            "tracking_number",
            "subject",
            "status",
            "received_at",
            "due_at",
            "paused_at",
            "overdue_since",
            "latitude",
            "longitude",
            "category__name",
        )
    )
    listed = keyset_page(
        shown, "received_at", size=MAHALLE_CASES_PER_PAGE, descending=True, after=after, before=before
    )
    for case in listed:
        case.tracking = format_tracking_number(case.tracking_number)
        case.late = is_late(case, report["now"])
    map_config = {
        "tiles": settings.KENTMASA_MAP_TILES,
        "boundary": boundary,
        "extent": [area.min_lon, area.min_lat, area.max_lon, area.max_lat],
        "hotspots": [
            {"lat": spot["lat"], "lon": spot["lon"], "count": spot["count"], "overdue": spot["overdue"]}
            for spot in report["hotspots"]
        ],
        "points": [
            {
                "lat": float(case.latitude),
                "lon": float(case.longitude),
                "label": f"{case.tracking} · {case.subject}",
                "overdue": case.late,
            }
            for case in listed
            if case.latitude is not None and case.longitude is not None
        ],
        "text": {"cluster": _("%(count)s cases, %(overdue)s overdue")},
    }
    return render(
        request,
        "reports/mahalle.html",
        {
            "area": area,
            "form": form,
            "filter_query": query,
            "population": area.population,
            "map_config": map_config,
            "listed": listed,
            "listed_count": bounded_count(report["cases"]),
            "hotspot_metres": mahalle_page.HOTSPOT_METRES,
            "per_1000": round(1000 * report["totals"]["count"] / area.population, 1)
            if area.population
            else None,
            **report,
        },
    )


@require_GET
@staff_required
def mahalle_export(request: StaffRequest, area_id: int) -> HttpResponse:
    area, form, report = _mahalle_report(request, area_id)
    if request.GET and not form.is_valid():
        return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
    content = exports.mahalle_workbook(area, report)
    # KVKK access log: the cases' subjects and addresses leave the system (no names or phones: exports.py)
    note_read(request, what="export", detail=f"mahalle {area.pk}: {request.GET.urlencode()}")
    name = f"mahalle-{slugify(turkish.fold(area.display_name)) or area.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
