"""The privacy app's staff pages: the access log's reports (access_reports)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.lib.personal_reads import note_read
from kentmasa.privacy import access_reports


@require_GET
@staff_required
def access_log(request: StaffRequest) -> HttpResponse:
    access_reports.require_reader(request.user)
    form = access_reports.ReportForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "privacy/access_log.html", {"form": form, "rows": []}, status=400)
    data = form.cleaned_data if request.GET else {}
    found = list(access_reports.rows(request.user, data))
    # Reading who read whose data is itself a read of it (KVKK m.12): logged like any other.
    note_read(
        request,
        what="access_log",
        citizen_id=data.get("vatandas"),
        detail=f"personel={data.get('personel') or ''} {request.GET.urlencode()[:300]}",
    )
    more = None
    if len(found) == access_reports.PAGE:
        query = request.GET.copy()
        query["sonra"] = access_reports.cursor_of(found[-1])
        more = query.urlencode()
    return render(request, "privacy/access_log.html", {"form": form, "rows": found, "more": more})
