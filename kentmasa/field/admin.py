"""Admin of the field side: a unit's machines and the reasons its teams may give for work they could not do.

An institution's administrator sees and edits only the machines and reasons of their own institution's
units, and may choose only those units; a superuser sees every institution's. A machine's status is kept by
the work orders (out / available) and by the unit manager on /saha/makineler/; here it is shown, and only
retiring or bringing back a machine is offered. Work orders, visits and inspection reports are written by
the field screens and shown here for reading.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import Unit, User
from kentmasa.field.models import FailureReason, Machine
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
