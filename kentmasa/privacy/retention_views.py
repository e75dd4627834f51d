"""/kvkk/saklama/: the institution's retention periods and destruction interval, set by its administrators,
with the dry run (what a run now would destroy, changing nothing) and the latest destruction records."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import Institution, User
from kentmasa.emergency.models import Camera, DispatchSettings
from kentmasa.privacy import retention
from kentmasa.privacy.models import DataCategory
from kentmasa.privacy.models.retention import MAX_INTERVAL_MONTHS, MAX_KEEP_DAYS
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord


def _institution(user: User) -> Institution:
    """Only an institution's administrators (or a superuser who belongs to one) set its periods."""
    allowed = user.is_superuser or user.role == User.Role.ADMINISTRATOR
    if not allowed or user.institution_id is None:
        raise PermissionDenied
    return user.institution  # type: ignore[return-value]


class PolicyForm(forms.Form):
    interval_months = forms.IntegerField(
        label=gettext_lazy("The destruction run comes every (months)"),
        min_value=1,
        max_value=MAX_INTERVAL_MONTHS,
        help_text=gettext_lazy("At most 6 months (the regulation on destruction, art. 11)."),
    )

    def __init__(self, *args: object, police: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for category in retention.DEFAULT_DAYS:
            self.fields[category] = forms.IntegerField(
                label=DataCategory(category).label, min_value=1, max_value=MAX_KEEP_DAYS
            )
        if police:
            self.fields[DataCategory.PLATE_READS] = forms.IntegerField(
                label=DataCategory.PLATE_READS.label, min_value=1, max_value=32767
            )


def _initial(institution: Institution) -> dict:
    initial: dict = dict(retention.keep_days(institution))
    initial["interval_months"] = retention.schedule_for(institution).interval_months
    dispatch = DispatchSettings.objects.filter(institution=institution).first()
    if dispatch is not None:
        initial[DataCategory.PLATE_READS] = dispatch.plate_read_retention_days
    return initial


@require_http_methods(["GET", "POST"])
@staff_required
def retention_policy(request: StaffRequest) -> HttpResponse:
    institution = _institution(request.user)
    police = DispatchSettings.objects.filter(institution=institution).exists() or (
        institution.kind == Institution.Kind.POLICE
    )
    planned = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "dry_run":
        form = PolicyForm(initial=_initial(institution), police=police)
        planned = retention.plan(institution)
    elif request.method == "POST":
        form = PolicyForm(request.POST, police=police)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                retention.set_interval(institution, data["interval_months"], by=request.user)
                for category in retention.DEFAULT_DAYS:
                    retention.set_keep_days(institution, category, data[category], by=request.user)
                if police:
                    retention.set_keep_days(
                        institution, DataCategory.PLATE_READS, data[DataCategory.PLATE_READS], by=request.user
                    )
            messages.success(request, _("The retention periods are saved."))
            return redirect("privacy:retention")
        status = 400
    else:
        form = PolicyForm(initial=_initial(institution), police=police)
    schedule = retention.schedule_for(institution)
    cameras = Camera.objects.filter(institution=institution)
    camera_days = sorted(set(cameras.values_list("retention_days", flat=True)[:500]))
    latest = DestructionRecord.objects.filter(institution=institution).order_by("-started_at", "-pk")[:20]
    return render(
        request,
        "privacy/retention.html",
        {
            "form": form,
            "planned": planned,
            "schedule": schedule,
            "next_run": retention.next_run(schedule),
            "last_record": records.last_run(DataCategory.CASE_DATA, institution),
            "camera_days": camera_days,
            "position_hours": retention.settings.KENTMASA_TEAM_POSITION_KEEP_HOURS,
            "latest": latest,
        },
        status=status,
    )
