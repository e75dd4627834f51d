"""Admin for notifications: what was told to whom and how it was delivered (for reading), each member of
staff's choices, the institution's defaults per role, quiet hours and digests, deputies, and the push
subscriptions of staff browsers (for reading and removing)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kentmasa.notify.models import (
    Approval,
    ApprovalRule,
    Delivery,
    Deputy,
    InstitutionDefault,
    Notification,
    Preference,
    PushSubscription,
    StaffSettings,
)


class ReadOnly:
    """Rows the system writes: shown, never added or edited here (deleting stays possible)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DeliveryInline(ReadOnly, admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("medium", "state", "attempts", "next_attempt_at", "sent_at", "external_id", "last_error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "user", "address", "kind", "text", "case", "critical", "read_at"]
    list_filter = ["kind", "critical", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "user__username", "user__last_name", "address", "case__tracking_number"]
    list_select_related = ["user", "case"]
    raw_id_fields = ["user", "case", "on_behalf_of"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # millions of rows: no second COUNT(*) on every page
    inlines = [DeliveryInline]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "push", "sms", "email"]
    list_filter = ["kind", "push", "sms", "email"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(InstitutionDefault)
class InstitutionDefaultAdmin(admin.ModelAdmin):
    list_display = ["institution", "role", "kind", "push", "sms", "email"]
    list_filter = ["institution", "kind"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    fieldsets = [
        (None, {"fields": ["institution", "role", "kind"]}),
        (
            _("Media besides the app"),
            {
                "fields": ["push", "sms", "email"],
                "description": _(
                    "What staff of this role get for this kind unless they chose otherwise in their own "
                    "settings. Web Push needs the person to have turned it on in a browser, SMS a mobile "
                    "number, e-mail an address."
                ),
            },
        ),
    ]


@admin.register(StaffSettings)
class StaffSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "quiet_from", "quiet_until", "digest", "digest_sent_at"]
    list_filter = ["digest"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["digest_sent_at"]


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["principal", "deputy", "starts_at", "ends_at", "note"]
    search_fields = [
        "principal__username",
        "principal__last_name",
        "deputy__username",
        "deputy__last_name",
    ]
    list_select_related = ["principal", "deputy"]
    autocomplete_fields = ["principal", "deputy"]
    date_hierarchy = "starts_at"


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "user_agent", "created_at", "last_success_at"]
    search_fields = ["user__username", "user__last_name", "user_agent"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    exclude = ["p256dh", "auth"]  # the browser's keys are nobody's business


# --- approvals (kentmasa.notify.approvals) -----------------------------------------------------------------


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ["action", "institution", "service", "category", "approver", "wait_hours", "active"]
    list_filter = ["active", "action", "institution"]
    search_fields = ["service__name", "category__name", "approver__username", "approver__last_name"]
    list_select_related = ["institution", "service", "category", "approver"]
    autocomplete_fields = ["institution", "service", "category", "approver"]
    fieldsets = [
        (
            None,
            {
                "fields": ["institution", "action", "service", "category"],
                "description": _(
                    "The case's category's rule applies first, then its service's, then the one for the "
                    "whole institution (neither service nor category). A transfer is held only to another "
                    "institution."
                ),
            },
        ),
        (None, {"fields": ["approver", "wait_hours", "active"]}),
    ]


@admin.register(Approval)
class ApprovalAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["requested_at", "action", "case", "state", "requested_by", "approver", "level"]
    list_filter = ["state", "action", "level"]
    search_fields = ["case__tracking_number", "requested_by__username", "approver__username"]
    list_select_related = ["case", "requested_by", "approver"]
    raw_id_fields = ["case", "rule", "requested_by", "approver", "decided_by"]
    date_hierarchy = "requested_at"
    show_full_result_count = False
