"""The feedback report (/raporlar/geri-bildirim/): satisfaction and "not satisfied → reopened" by unit,
service, channel or mahalle, month by month, and the same as a spreadsheet.

Read from the daily figures (kentmasa.feedback.models.FeedbackDaily), which the feedback services raise in
the transaction of each outcome: one grouped query over a few rows per day, never a scan of cases or calls.
Feedback operators and administrators read their institution's; unit managers their units' (and those
below); a superuser every institution's.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from kentmasa.cases import access
from kentmasa.cases.models import Channel
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import User
from kentmasa.feedback.models import FeedbackDaily
from kentmasa.reports.exports import text_cell

READERS = access.INSTITUTION_WIDE | {User.Role.UNIT_MANAGER}
GROUPS = {
    "unit": (_("Unit"), ["unit_id", "unit__name"]),
    "service": (_("Service"), ["service_id", "service__name"]),
    "channel": (_("Channel"), ["channel"]),
    "mahalle": (_("Neighbourhood"), ["district", "neighbourhood"]),
}
MONTHS = 12  # shown when no period is chosen
MAX_MONTHS = 60
EARLIEST, LATEST = (
    dt.date(2000, 1, 1),
    dt.date(2099, 12, 31),
)  # each date on its own: no date arithmetic overflows


class FeedbackReportForm(forms.Form):
    by = forms.ChoiceField(
        label=_("By"), choices=[(key, label) for key, (label, _fields) in GROUPS.items()], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def _bounded(self, name: str) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."), code="out_of_range")
        return value

    def clean_since(self) -> dt.date | None:
        return self._bounded("since")

    def clean_until(self) -> dt.date | None:
        return self._bounded("until")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period must end after it starts."))
        if since and until and (until - since).days > 31 * MAX_MONTHS:
            raise forms.ValidationError(_("Choose a period of at most five years."))
        return data


def _period(form: FeedbackReportForm) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    until = data.get("until") or today
    since = data.get("since") or (until.replace(day=1) - dt.timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    return since, until


def scoped(user: User) -> QuerySet[FeedbackDaily]:
    rows = FeedbackDaily.objects.all()
    if user.is_superuser:
        return rows
    if user.institution_id is None or user.role not in READERS:
        return rows.none()
    rows = rows.filter(institution_id=user.institution_id)
    if user.role == User.Role.UNIT_MANAGER:
        rows = rows.filter(unit_id__in=user.scoped_unit_ids)
    return rows


def figures(rows: QuerySet[FeedbackDaily], by: str) -> list[dict[str, Any]]:
    """Month by month, one row per group: the summed figures with the shares and the average score."""
    fields = GROUPS[by][1]
    grouped = (
        rows.annotate(month=TruncMonth("day"))
        .values("month", *fields)
        .annotate(**{name: Sum(name) for name in FeedbackDaily.FIGURES})
        .order_by("-month", *fields)
    )
    channels = dict(Channel.choices)
    table = []
    for row in grouped:
        if by == "unit":
            name = row["unit__name"] or ""
        elif by == "service":
            name = row["service__name"] or ""
        elif by == "channel":
            name = str(channels.get(row["channel"], row["channel"]))
        else:
            name = " / ".join(part for part in (row["district"], row["neighbourhood"]) if part)
        table.append({"month": row["month"], "name": name, **_shares(row)})
    return table


def _shares(row: dict[str, Any]) -> dict[str, Any]:
    figures = {name: row[name] or 0 for name in FeedbackDaily.FIGURES}
    reached = figures["reached"]
    figures["satisfied_percent"] = round(100 * figures["satisfied"] / reached, 1) if reached else None
    figures["reopened_percent"] = round(100 * figures["reopened"] / reached, 1) if reached else None
    count = figures["score_count"]
    figures["average"] = round(figures["score_sum"] / count, 2) if count else None
    return figures


@staff_required
def report(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role in READERS):
        raise PermissionDenied
    form = FeedbackReportForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        if request.GET.get("format") == "xlsx":
            return HttpResponseBadRequest(" ".join(str(e) for errors in form.errors.values() for e in errors))
        by, status = "unit", 400
    else:
        by = (form.cleaned_data.get("by") if form.is_bound else "") or "unit"
    since, until = _period(form)
    rows = scoped(user).filter(day__gte=since, day__lte=until)
    table = figures(rows, by)
    totals = _shares(rows.aggregate(**{name: Sum(name) for name in FeedbackDaily.FIGURES}))
    if request.GET.get("format") == "xlsx":
        return _workbook(table, totals, by, since, until)
    return render(
        request,
        "reports/feedback.html",
        {
            "form": form,
            "by": by,
            "group_label": GROUPS[by][0],
            "rows": table,
            "totals": totals,
            "since": since,
            "until": until,
            "query": request.GET.urlencode(),
        },
        status=status,
    )


HEADERS = [
    "Ay",
    "Grup",
    "Sonuçlanan",
    "Ulaşılan",
    "Memnun",
    "Memnun Değil",
    "Yeniden Açılan",
    "Ulaşılamayan",
    "Yanlış Numara",
    "Puanlanmayan",
    "Memnuniyet (%)",
    "Yeniden Açılma (%)",
    "Ortalama Puan",
]


def _workbook(
    table: list[dict[str, Any]], totals: dict[str, Any], by: str, since: dt.date, until: dt.date
) -> HttpResponse:
    """The report as an .xlsx file; headers Turkish, every text a text cell (never a formula)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Geri bildirim")
    header = []
    for title in HEADERS:
        cell = text_cell(sheet, title)
        header.append(cell)
    sheet.append(header)
    for row in [*table, {"month": None, "name": "Toplam", **totals}]:
        month = row["month"].strftime("%m.%Y") if row["month"] else ""
        sheet.append(
            [
                text_cell(sheet, month),
                text_cell(sheet, row["name"]),
                row["calls"],
                row["reached"],
                row["satisfied"],
                row["not_satisfied"],
                row["reopened"],
                row["not_reached"],
                row["wrong_number"],
                row["no_rating"],
                row["satisfied_percent"],
                row["reopened_percent"],
                row["average"],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"geri-bildirim-{by}-{since:%Y%m%d}-{until:%Y%m%d}.xlsx"
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
