"""The privacy app's admin. Retention (KVKK m.7): periods, the destruction interval and legal holds on cases
(administrators usually set periods on /kvkk/saklama/; the admin serves superusers and the holds)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from kentmasa.privacy.models import CaseDestruction, CaseHold, DestructionSchedule, RetentionPolicy


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
