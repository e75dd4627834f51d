"""Destruction records in the admin: read only (a record is written once, by the run it describes, and is
never changed or deleted by hand), and only those the member of staff may see on /imha-tutanaklari/."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kentmasa.retention.models import DestructionRecord
from kentmasa.retention.views import visible_records


@admin.register(DestructionRecord)
class DestructionRecordAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "category",
        "institution",
        "method",
        "outcome",
        "item_count",
        "byte_count",
        "performed_by",
        "printable",
    )
    list_filter = ("category", "outcome", "method")
    list_select_related = ("institution", "performed_by")
    date_hierarchy = "started_at"
    show_full_result_count = False
    ordering = ("-started_at", "-pk")
    readonly_fields = (
        "category",
        "institution",
        "method",
        "basis",
        "started_at",
        "finished_at",
        "performed_by",
        "outcome",
        "item_count",
        "byte_count",
        "items",
        "kept",
        "errors",
        "note",
        "printable",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DestructionRecord]:
        return visible_records(request.user).select_related("institution", "performed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("Printable record"))
    def printable(self, record: DestructionRecord) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("retention:detail", args=[record.pk]), _("Open to print")
        )
