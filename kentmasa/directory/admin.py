"""Configuration screens for the administrator: institutions, units, teams, staff, services, categories."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kentmasa.deadlines import CompletionTimeError
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import (
    ApiToken,
    ApplicationPlace,
    Category,
    DayOff,
    Institution,
    Service,
    Team,
    Unit,
    User,
)


class DayOffInline(admin.TabularInline):
    model = DayOff
    extra = 1


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "province", "district", "parent"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "slug", "province", "district"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [DayOffInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "parent"]}),
        (_("Contact"), {"fields": ["province", "district", "address", "phone", "email"]}),
        (_("Working hours"), {"fields": ["workday_start", "workday_end", "half_day_end"]}),
        (_("Cases"), {"fields": ["reopen_days"]}),
    ]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "parent", "phone", "email", "active"]
    list_filter = ["active", "institution"]
    search_fields = ["name", "institution__name"]
    autocomplete_fields = ["institution", "parent"]
    list_select_related = ["institution", "parent"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "active"]
    list_filter = ["kind", "active", "unit__institution"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        (_("Institution and role"), {"fields": ["role", "institution", "units", "teams", "phone_extension"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Institution and role"), {"classes": ["wide"], "fields": ["role", "institution"]}),
    ]
    list_display = ["username", "first_name", "last_name", "role", "institution", "is_active"]
    list_filter = ["role", "institution", "is_staff", "is_active"]
    ordering = [*alphabetical("first_name", "last_name"), "username"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    filter_horizontal = [*UserAdmin.filter_horizontal, "units", "teams"]


@admin.register(ApplicationPlace)
class ApplicationPlaceAdmin(admin.ModelAdmin):
    list_display = ["person_name", "title", "office", "institution", "phone", "email"]
    list_filter = ["institution"]
    search_fields = ["person_name", "title", "office", "institution__name"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "number", "completion_time", "deadline_rule", "unit"]
    list_display_links = ["name"]
    list_filter = ["institution"]
    search_fields = ["name", "completion_time", "documents", "institution__name"]
    autocomplete_fields = ["institution", "unit", "first_application_place", "second_application_place"]
    list_select_related = ["institution", "unit"]
    readonly_fields = ["deadline_rule"]
    fields = [
        "institution",
        "unit",
        "number",
        "name",
        "documents",
        "completion_time",
        "deadline_rule",
        "first_application_place",
        "second_application_place",
    ]

    @admin.display(description=_("deadline as read"))
    def deadline_rule(self, service: Service) -> str:
        """What kentmasa makes of the completion time, so a wrong reading shows before a case is late."""
        if not service.completion_time:
            return "–"
        try:
            completion = service.standard
        except CompletionTimeError as error:
            return error.message
        if completion.immediate:
            return str(_("immediately"))
        if completion.standard is None:
            if completion.retention is not None:
                return _("no deadline (kept for %(retention)s)") % {
                    "retention": completion.retention.describe_tr()
                }
            return str(_("no deadline stated"))
        if completion.extended is not None:
            return _("%(standard)s; %(extended)s when several institutions are concerned") % {
                "standard": completion.standard.describe_tr(),
                "extended": completion.extended.describe_tr(),
            }
        return completion.standard.describe_tr()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "unit", "service", "active", "public"]
    list_filter = ["active", "public", "institution"]
    search_fields = ["name", "keywords"]
    autocomplete_fields = ["institution", "service", "unit"]
    list_select_related = ["institution", "unit", "service"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py api_token USERNAME`, which shows the raw token once; here they are
    only seen and revoked."""

    list_display = ["key_prefix", "name", "user", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["key_prefix", "name", "user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "key_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        queryset.update(revoked=True)
