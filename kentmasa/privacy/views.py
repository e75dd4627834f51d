"""The privacy app's pages: the access log's reports (access_reports); a notice version's short address."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kentmasa.cases.queries import bounded_count, filter_query
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.lib import edge
from kentmasa.lib.personal_reads import note_read
from kentmasa.privacy import access_reports, notices
from kentmasa.privacy.models import Notice


@require_GET
@staff_required
def access_log(request: StaffRequest) -> HttpResponse:
    access_reports.require_reader(request.user)
    form = access_reports.ReportForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "privacy/access_log.html", {"form": form, "rows": []}, status=400)
    data = form.cleaned_data if request.GET else {}
    found = access_reports.rows(request.user, data)
    page = access_reports.page(request.GET, found)
    # Reading who read whose data is itself a read of it (KVKK m.12): logged like any other.
    note_read(
        request,
        what="access_log",
        citizen_id=data.get("vatandas"),
        detail=f"personel={data.get('personel') or ''} {request.GET.urlencode()[:300]}",
    )
    return render(
        request,
        "privacy/access_log.html",
        {
            "form": form,
            "rows": page.rows,
            "page": page,
            "total": bounded_count(found),
            "filter_query": filter_query(request.GET),
        },
    )


@require_GET
def notice_short(request: HttpRequest, pk: int) -> HttpResponse:
    """/kvkk/a/<pk>/ (the short link in an SMS): the public page of that notice version."""
    if pk not in edge.KEY_RANGE:
        raise Http404
    notice = Notice.objects.filter(pk=pk, published_at__isnull=False).select_related("institution").first()
    if notice is None:
        raise Http404
    return redirect(notices.ref(notice, notice.institution.slug).path)
