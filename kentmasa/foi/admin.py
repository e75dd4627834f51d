"""The foi app in the admin: an institution's information service settings and fee tables (its own only,
for its administrators), and the requests, objections and yearly figures for reading."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kentmasa.foi.models import FeeTable, FoiRequest, FoiSettings, Objection, YearlyTally


class _Scoped(admin.ModelAdmin):
    institution_field = "institution"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        rows = super().get_queryset(request)
        user: Any = request.user
        if user.is_superuser:
            return rows
        return rows.filter(**{f"{self.institution_field}_id": getattr(user, "institution_id", None)})


class _ReadOnly(_Scoped):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FoiSettings)
class FoiSettingsAdmin(_Scoped):
    list_display = ["institution", "unit", "category", "signer_name"]
    raw_id_fields = ["unit", "category"]


@admin.register(FeeTable)
class FeeTableAdmin(_Scoped):
    list_display = ["institution", "year", "bw_page", "colour_page", "research_page", "disc", "postage"]
    list_filter = ["year"]


@admin.register(FoiRequest)
class FoiRequestAdmin(_ReadOnly):
    list_display = ["case", "stage", "received_at", "check_due_at", "decision", "extended_at"]
    list_filter = ["stage", "decision"]
    search_fields = ["case__tracking_number"]
    raw_id_fields = ["case", "converted_to"]


@admin.register(Objection)
class ObjectionAdmin(_ReadOnly):
    institution_field = "request__institution"
    list_display = ["request", "to", "lodged_on", "in_time", "outcome", "decided_on"]


@admin.register(YearlyTally)
class YearlyTallyAdmin(_ReadOnly):
    list_display = ["institution", "year", *YearlyTally.FIELDS]
