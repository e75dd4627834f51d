"""Admin of the field side: a unit's machines and the reasons its teams may give for work they could not do.

An institution's administrator sees and edits only the machines and reasons of their own institution's
units, and may choose only those units; a superuser sees every institution's. A machine's status is kept by
the work orders (out / available) and by the unit manager on /saha/makineler/; here it is shown, and only
retiring or bringing back a machine is offered. Work orders, the phone's action ledger (conflicts among
them), visits and inspection reports are written by the field screens and shown here for reading; a phone's
device key is revoked here (kentmasa.field.services.revoke_device), never edited.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kentmasa.cases.services import TransitionError
from kentmasa.directory.models import Institution, Team, Unit, User
from kentmasa.field import services
from kentmasa.field.models import (
    DeviceToken,
    FailureReason,
    FieldAction,
    InspectionReport,
    InspectionSettings,
    Machine,
    Visit,
    WorkOrder,
)
from kentmasa.lib import plates


def _institution_id(request: HttpRequest) -> int:
    """The user's institution (0 when none: then nothing matches)."""
    user = request.user
    return (user.institution_id or 0) if isinstance(user, User) else 0


def _everything(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


class InstitutionScoped(admin.ModelAdmin):
    """Rows of the user's institution's units only (a superuser: all); the unit chosen among them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("unit", "unit__institution")
        if _everything(request):
            return rows
        return rows.filter(unit__institution_id=_institution_id(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            units = Unit.objects.filter(active=True).select_related("institution")
            if not _everything(request):
                units = units.filter(institution_id=_institution_id(request))
            kwargs["queryset"] = units
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MachineForm(forms.ModelForm):
    class Meta:
        model = Machine
        fields = ["unit", "kind", "name", "plate", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Out and available follow the work orders; here a machine is only retired or brought back.
        current = self.instance.status if self.instance.pk else Machine.Status.AVAILABLE
        allowed = {current, Machine.Status.RETIRED}
        if current == Machine.Status.RETIRED or not self.instance.pk:
            allowed |= {Machine.Status.AVAILABLE, Machine.Status.MAINTENANCE}
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (value, label) for value, label in Machine.Status.choices if value in allowed
        ]

    def clean_plate(self) -> str:
        raw = (self.cleaned_data.get("plate") or "").strip()
        if not raw:
            return ""
        plate = plates.normalize(raw)
        if not plate.readable:
            raise forms.ValidationError(_("This is not a plate; write it as 01 ABC 123."), code="plate")
        return plate.key

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if self.instance.pk and self.instance.status == Machine.Status.OUT and status != Machine.Status.OUT:
            raise forms.ValidationError(
                _("The machine is out on a work order; it is released when the team reports."), code="out"
            )
        return str(status)


@admin.register(Machine)
class MachineAdmin(InstitutionScoped):
    form = MachineForm
    list_display = ["name", "plate_display", "kind", "unit", "status", "status_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "plate", "unit__name"]
    list_select_related = ["unit"]
    readonly_fields = ["status_at"]

    @admin.display(description=_("plate"), ordering="plate")
    def plate_display(self, machine: Machine) -> str:
        return plates.normalize(machine.plate).display if machine.plate else "–"

    def save_model(self, request: HttpRequest, obj: Machine, form: forms.ModelForm, change: bool) -> None:
        if "status" in form.changed_data or not change:
            obj.status_at = timezone.now()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A machine that booked work orders keeps its history; retire it instead.
        if isinstance(obj, Machine) and obj.work_orders.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(FailureReason)
class FailureReasonAdmin(InstitutionScoped):
    list_display = ["text", "unit", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["text", "unit__name"]
    list_select_related = ["unit"]
    ordering = ["unit__name", "position", "pk"]


class ReadOnly:
    """Rows the field screens and the phone write: shown, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class OwnInstitution(admin.ModelAdmin):
    """Rows of the user's institution only (a superuser: all), by ``institution_path``."""

    institution_path = "institution_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if _everything(request):
            return rows
        return rows.filter(**{self.institution_path: _institution_id(request)})


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnly, OwnInstitution):
    list_display = ["case", "team", "assignee", "scheduled_for", "status", "finished_at", "reviewed_at"]
    list_filter = ["status", "scheduled_for"]
    list_select_related = ["case", "team", "assignee"]
    search_fields = ["case__tracking_number", "team__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["case", "assignee", "created_by", "finished_by", "reviewed_by"]


@admin.register(FieldAction)
class FieldActionAdmin(ReadOnly, OwnInstitution):
    institution_path = "user__institution_id"
    list_display = ["kind", "user", "work_order", "outcome", "done_at", "received_at"]
    list_filter = ["outcome", "kind"]
    list_select_related = ["user", "work_order"]
    search_fields = ["user__username", "client_id"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    raw_id_fields = ["user", "work_order", "case", "device"]


@admin.register(Visit)
class VisitAdmin(ReadOnly, OwnInstitution):
    list_display = ["kind", "place", "mahalle", "started_at", "people", "unit"]
    list_filter = ["kind"]
    list_select_related = ["unit"]
    search_fields = ["place", "mahalle", "asked"]
    date_hierarchy = "started_at"
    raw_id_fields = ["cases", "staff", "created_by"]


@admin.register(InspectionReport)
class InspectionReportAdmin(ReadOnly, OwnInstitution):
    list_display = ["case", "signer_name", "signer_title", "signed_at", "sent_to"]
    list_select_related = ["case", "sent_to"]
    search_fields = ["case__tracking_number", "signer_name"]
    date_hierarchy = "signed_at"
    raw_id_fields = ["case", "work_order", "signed_by", "pdf", "photos"]


@admin.register(DeviceToken)
class DeviceTokenAdmin(ReadOnly, OwnInstitution):
    """A phone's key for sending its queue: revoked here when the phone is lost (only a hash is kept)."""

    institution_path = "user__institution_id"
    list_display = ["user", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "label"]
    fields = ("user", "label", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=_("Revoke the chosen device keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DeviceToken]) -> None:
        actor = request.user
        if not isinstance(actor, User):
            return
        revoked = 0
        for device in queryset.select_related("user").filter(revoked_at__isnull=True):
            try:
                services.revoke_device(device, actor=actor)
            except TransitionError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            revoked += 1
        self.message_user(
            request,
            ngettext("%(n)d device key revoked.", "%(n)d device keys revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )


class InspectionSettingsForm(forms.ModelForm):
    class Meta:
        model = InspectionSettings
        fields = ["institution", "team", "active", "idle_percent", "on_not_solved", "sample_percent"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution, team = data.get("institution"), data.get("team")
        if institution is not None and team is not None and team.unit.institution_id != institution.pk:
            self.add_error("team", _("Choose a field team of the institution."))
        return data


@admin.register(InspectionSettings)
class InspectionSettingsAdmin(admin.ModelAdmin):
    """The institution's Derman loop (kentmasa.field.derman): its inspection team and when it is sent. An
    administrator sets their own institution's, with a field team of its units."""

    form = InspectionSettingsForm
    list_display = ["institution", "team", "active", "idle_percent", "on_not_solved", "sample_percent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request).select_related("institution", "team")
        if _everything(request):
            return rows
        return rows.filter(institution_id=_institution_id(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "institution" and not _everything(request):
            kwargs["queryset"] = Institution.objects.filter(pk=_institution_id(request))
        if db_field.name == "team":
            teams = Team.objects.filter(kind=Team.Kind.FIELD, active=True).select_related("unit")
            if not _everything(request):
                teams = teams.filter(unit__institution_id=_institution_id(request))
            kwargs["queryset"] = teams
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
