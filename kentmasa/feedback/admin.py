"""Admin of feedback: an institution's settings (its default rule, attempts, the gap between them, rating by
message) and each service's own rule. Calls and the daily figures are written by the feedback services and
shown here for reading. An institution's administrator sees and edits only their own institution's; a
superuser sees every institution's.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kentmasa.directory.models import Institution, Service, User
from kentmasa.feedback.models import FeedbackCall, FeedbackDaily, FeedbackRule, FeedbackSettings


def _institution_id(request: HttpRequest) -> int:
    user = request.user
    return (user.institution_id or 0) if isinstance(user, User) else 0


def _everything(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = ["institution", "mode", "share_percent", "max_attempts", "retry_hours", "ask_by_message"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("institution")
        return rows if _everything(request) else rows.filter(institution_id=_institution_id(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "institution" and not _everything(request):
            kwargs["queryset"] = Institution.objects.filter(pk=_institution_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FeedbackRule)
class FeedbackRuleAdmin(admin.ModelAdmin):
    list_display = ["service", "mode", "share_percent"]
    list_select_related = ["service__institution"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("service__institution")
        return rows if _everything(request) else rows.filter(service__institution_id=_institution_id(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            services = Service.objects.select_related("institution")
            if not _everything(request):
                services = services.filter(institution_id=_institution_id(request))
            kwargs["queryset"] = services
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        return rows if _everything(request) else rows.filter(institution_id=_institution_id(request))


@admin.register(FeedbackCall)
class FeedbackCallAdmin(ReadOnly):
    list_display = ["case", "method", "state", "outcome", "score", "attempts", "due_at", "recorded_by"]
    list_filter = ["method", "state", "outcome"]
    list_select_related = ["case", "recorded_by"]
    exclude = ["token_hash"]
    raw_id_fields = ["case", "message"]
    show_full_result_count = False


@admin.register(FeedbackDaily)
class FeedbackDailyAdmin(ReadOnly):
    list_display = ["day", "unit", "service", "channel", "neighbourhood", "method", "calls", "satisfied"]
    list_select_related = ["unit", "service"]
    date_hierarchy = "day"
    show_full_result_count = False
    exclude = ["key"]
