"""The destruction records' screens (/imha-tutanaklari/): a list of the runs a member of staff may see, and
each record as a printable tutanak (İmha Tutanağı) to sign and file.

Who sees which records (:func:`visible_records`, also the admin's rule):

* a superuser: every record, those of no institution too;
* an administrator: every record of their institution, whatever its data category;
* a police operator: their institution's camera footage (KGYS) and plate reads (PTS) records;
* anybody else: none (the list is refused with 403).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from kentmasa.cases.queries import bounded_count, page_from
from kentmasa.directory.models import User
from kentmasa.lib import edge
from kentmasa.retention.models import DestructionRecord

PAGE_SIZE = 25
Category = DestructionRecord.Category
# What a police operator's work produces, and so what they may see the destruction of.
POLICE_CATEGORIES = (Category.FOOTAGE, Category.PLATE_READS)

# The staff screens' sign-in page (kentmasa.cases), named, not imported: retention sits below cases.
staff_required = login_required(login_url=reverse_lazy("cases:login"))


class StaffRequest(HttpRequest):
    user: User


def visible_records(user: Any) -> QuerySet[DestructionRecord]:
    """The destruction records ``user`` may read (see the module's docstring)."""
    records = DestructionRecord.objects.all()
    if not isinstance(user, User) or not user.is_active:
        return records.none()
    if user.is_superuser:
        return records
    if user.institution_id is None:
        return records.none()
    if user.role == User.Role.ADMINISTRATOR:
        return records.filter(institution_id=user.institution_id)
    if user.role == User.Role.POLICE_OPERATOR:
        return records.filter(institution_id=user.institution_id, category__in=POLICE_CATEGORIES)
    return records.none()


def may_see_records(user: Any) -> bool:
    """Whether the list is for ``user`` at all (some records could be theirs), without reading a record."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.institution_id is not None and user.role in (
        User.Role.ADMINISTRATOR,
        User.Role.POLICE_OPERATOR,
    )


def categories_for(user: User) -> list[tuple[str, Any]]:
    if user.is_superuser or user.role == User.Role.ADMINISTRATOR:
        return list(Category.choices)
    return [(value, label) for value, label in Category.choices if value in POLICE_CATEGORIES]


class RecordFilter(edge.EdgeForm, forms.Form):
    category = forms.ChoiceField(label=_("Data category"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("All")), *categories_for(user)]
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
            ("", _("All")),
            *DestructionRecord.Outcome.choices,
        ]


@staff_required
def record_list(request: StaffRequest) -> HttpResponse:
    user = request.user
    if not may_see_records(user):
        raise PermissionDenied
    records = visible_records(user).select_related("institution").defer("items", "basis", "note")
    form = RecordFilter(request.GET or None, user=user)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400  # an unknown category or outcome: said on the form, the list unfiltered
    elif form.is_bound:
        if form.cleaned_data["category"]:
            records = records.filter(category=form.cleaned_data["category"])
        if form.cleaned_data["outcome"]:
            records = records.filter(outcome=form.cleaned_data["outcome"])
    page = page_from(request.GET, records, "started_at", size=PAGE_SIZE, descending=True)
    filters = {}
    if form.is_bound and not form.errors:
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    return render(
        request,
        "retention/list.html",
        {
            "form": form,
            "page": page,
            "total": bounded_count(records),
            "filter_query": urlencode(filters),
            "shows_institution": user.is_superuser,
        },
        status=status,
    )


def _moment(value: Any) -> dt.datetime | None:
    """An ISO time written by retention.records, in local time for the page; None if absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return timezone.localtime(moment)


def _lines(lines: Any) -> list[dict[str, Any]]:
    """A record's items or kept lines for the page: times parsed, numbers as numbers."""
    shown = []
    for line in lines if isinstance(lines, list) else []:
        if not isinstance(line, dict):
            continue
        shown.append(
            {
                "what": str(line.get("what", "")),
                "from": _moment(line.get("from")),
                "to": _moment(line.get("to")),
                "count": _number(line.get("count")),
                "bytes": _number(line.get("bytes")),
                "reason": str(line.get("reason", "")),
            }
        )
    return shown


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _period(lines: list[dict[str, Any]]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """From the earliest start to the latest end of what the record destroyed."""
    starts = [line["from"] for line in lines if line["from"]]
    ends = [line["to"] for line in lines if line["to"]]
    return (min(starts) if starts else None, max(ends) if ends else None)


@staff_required
def record_detail(request: StaffRequest, pk: int) -> HttpResponse:
    if pk not in edge.KEY_RANGE:
        raise Http404
    record = visible_records(request.user).select_related("institution", "performed_by").filter(pk=pk).first()
    if record is None:
        raise Http404  # none, or not the reader's: the page does not say which
    items = _lines(record.items)
    kept = _lines(record.kept)
    start, end = _period(items)
    return render(
        request,
        "retention/detail.html",
        {
            "record": record,
            "items": items,
            "kept": kept,
            "errors": [str(error) for error in record.errors] if isinstance(record.errors, list) else [],
            "period_start": start,
            "period_end": end,
            "printed_at": timezone.now(),
        },
    )
