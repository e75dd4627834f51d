"""The privacy app's admin. Retention (KVKK m.7): periods, the destruction interval and legal holds on cases
(administrators usually set periods on /kvkk/saklama/; the admin serves superusers and the holds)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from kentmasa.privacy.models import CaseDestruction, CaseHold, DestructionSchedule, Notice, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["institution", "category", "keep_days", "updated_at"]
    list_filter = ["category"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DestructionSchedule)
class DestructionScheduleAdmin(admin.ModelAdmin):
    list_display = ["institution", "interval_months", "last_run_at"]
    readonly_fields = ["last_run_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CaseHold)
class CaseHoldAdmin(admin.ModelAdmin):
    list_display = ["case", "reason", "created_at", "lifted_at"]
    raw_id_fields = ["case"]
    readonly_fields = ["created_by", "created_at", "lifted_by"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        if obj.lifted_at and obj.lifted_by_id is None:
            obj.lifted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CaseDestruction)
class CaseDestructionAdmin(admin.ModelAdmin):
    """The run's ledger: read only."""

    list_display = ["case", "anonymised_at", "attachments_at", "raw_at"]
    raw_id_fields = ["case"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- privacy notices (KVKK m.10) ----------------------------------------------------------------------------


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """A notice is published when saved and never edited: a change is a new version ("Add"), which applies to
    cases opened from then on; the cases opened before keep the version they were given."""

    list_display = ["title", "institution", "channel_group", "version", "published_at"]
    list_filter = ["channel_group", "institution"]
    fields = ["institution", "channel_group", "title", "text", "version", "published_at"]
    readonly_fields = ["version", "published_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new version starts from the current one's text when the list link passes ?from=<id>."""
        initial = super().get_changeform_initial_data(request)
        source = request.GET.get("from", "")
        if source.isascii() and source.isdigit() and len(source) <= 18:
            notice = Notice.objects.filter(pk=int(source)).first()
            if notice is not None:
                initial.update(
                    institution=str(notice.institution_id),
                    channel_group=notice.channel_group,
                    title=notice.title,
                    text=notice.text,
                )
        return initial
