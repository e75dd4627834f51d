"""Admin of the police side: each directorate's dispatch settings, Law 6284 protection orders, and the
incidents and dispatches (written by kentmasa.emergency.services and .kades, shown here for reading).

A KADES person's TC kimlik no, name, phone and positions are shown only to superusers and administrators
(the role); others see the incident without them, and protection orders not at all.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import User
from kentmasa.emergency import pts, recorders
from kentmasa.emergency.models import (
    Camera,
    Dispatch,
    DispatchSettings,
    FootageHold,
    FootageRelease,
    FootageRequest,
    HotlistEntry,
    Incident,
    IncidentPosition,
    PlateAlert,
    PlateAlertTeam,
    PlateHit,
    PlateRead,
    ProtectionOrder,
)
from kentmasa.lib import plates, tckimlik

PERSON_FIELDS = ("person_tc_kimlik", "person_name", "person_phone")


def sees_persons(request: HttpRequest) -> bool:
    """Superusers and administrators see a KADES person's data; nobody else in the admin."""
    user = request.user
    return (
        isinstance(user, User)
        and user.is_active
        and (user.is_superuser or user.role == User.Role.ADMINISTRATOR)
    )


class ReadOnly:
    """Rows the police side writes: shown, never added or edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DispatchSettingsForm(forms.ModelForm):
    class Meta:
        model = DispatchSettings
        fields = [
            "institution",
            "haber_merkezi",
            "kades_category",
            "kades_destination",
            "kades_external_body",
            "supervisors",
            "team_ack_seconds",
            "alarm_ack_seconds",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution = data.get("institution")
        if institution is None:
            return data
        for name in ("haber_merkezi", "kades_category"):
            chosen = data.get(name)
            if chosen is not None and chosen.institution_id != institution.pk:
                self.add_error(name, _("It must belong to the institution."))
        strangers = [user for user in data.get("supervisors") or [] if user.institution_id != institution.pk]
        if strangers:
            self.add_error("supervisors", _("Duty supervisors must work for the institution."))
        if (
            data.get("kades_destination") == DispatchSettings.KadesDestination.EXTERNAL
            and not (data.get("kades_external_body") or "").strip()
        ):
            self.add_error("kades_external_body", _("Name the body the alerts go to."))
        return data


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    form = DispatchSettingsForm
    list_display = [
        "institution",
        "haber_merkezi",
        "kades_category",
        "kades_destination",
        "team_ack_seconds",
        "alarm_ack_seconds",
    ]
    list_select_related = ["institution", "haber_merkezi", "kades_category"]
    autocomplete_fields = ["institution", "haber_merkezi", "kades_category"]
    filter_horizontal = ["supervisors"]
    fieldsets = [
        (None, {"fields": ["institution", "haber_merkezi"]}),
        (
            _("KADES"),
            {
                "fields": ["kades_category", "kades_destination", "kades_external_body", "alarm_ack_seconds"],
                "description": _(
                    "Alerts of this directorate are recorded on the Haber Merkezi unit with this category, "
                    "or redirected to the outside body. An alert nobody acknowledges within the seconds "
                    "given, or that finds no police console open, goes to the duty supervisors."
                ),
            },
        ),
        (_("Duty supervisors"), {"fields": ["supervisors"]}),
        (_("Teams"), {"fields": ["team_ack_seconds"]}),
        (_("Plate recognition (PTS)"), {"fields": ["plate_alert_teams", "plate_read_retention_days"]}),
    ]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "supervisors":
            kwargs["queryset"] = User.objects.filter(is_active=True).select_related("institution")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class IncidentPositionInline(ReadOnly, admin.TabularInline):
    model = IncidentPosition
    extra = 0
    can_delete = False
    fields = ("at", "latitude", "longitude", "accuracy_m", "received_at")
    readonly_fields = fields
    max_num = 0

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return sees_persons(request) and super().has_view_permission(request, obj)


class DispatchInline(ReadOnly, admin.TabularInline):
    model = Dispatch
    extra = 0
    can_delete = False
    fields = (
        "team",
        "status",
        "distance_m",
        "position_age_s",
        "dispatched_at",
        "dispatched_by",
        "ack_due_at",
        "acknowledged_at",
        "arrived_at",
    )
    readonly_fields = fields
    max_num = 0


@admin.register(Incident)
class IncidentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "case",
        "institution",
        "source",
        "opened_at",
        "acknowledged_at",
        "first_dispatched_at",
        "arrived_at",
        "closed_at",
        "closing_code",
    ]
    list_filter = [
        "institution",
        "source",
        "closing_code",
        ("closed_at", admin.EmptyFieldListFilter),
        ("cancelled_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["case", "institution"]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    raw_id_fields = ["case", "acknowledged_by", "closed_by"]
    inlines = [DispatchInline, IncidentPositionInline]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        fields = (
            "case",
            "institution",
            "source",
            "opened_at",
            "acknowledged_at",
            "acknowledged_by",
            "first_dispatched_at",
            "arrived_at",
            "closed_at",
            "closing_code",
            "closed_by",
            "supervisor_told_at",
            "alert_id",
            "cancelled_at",
        )
        return fields + PERSON_FIELDS if sees_persons(request) else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        fields = ["case__tracking_number", "alert_id"]
        return [*fields, "=person_tc_kimlik"] if sees_persons(request) else fields


@admin.register(Dispatch)
class DispatchAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "dispatched_at",
        "team",
        "incident",
        "status",
        "distance_m",
        "position_age_s",
        "ack_due_at",
        "acknowledged_at",
        "arrived_at",
    ]
    list_filter = ["status", "team__unit__institution"]
    list_select_related = ["team", "incident__case"]
    raw_id_fields = ["incident", "team", "dispatched_by", "acknowledged_by"]
    readonly_fields = [
        "incident",
        "team",
        "status",
        "distance_m",
        "position_age_s",
        "dispatched_at",
        "dispatched_by",
        "ack_due_at",
        "acknowledged_at",
        "acknowledged_by",
        "arrived_at",
    ]
    date_hierarchy = "dispatched_at"
    show_full_result_count = False


class ProtectionOrderForm(forms.ModelForm):
    class Meta:
        model = ProtectionOrder
        fields = [
            "institution",
            "person_tc_kimlik",
            "person_name",
            "court",
            "decision_no",
            "decided_on",
            "valid_until",
            "measures",
        ]

    def clean_person_tc_kimlik(self) -> str:
        number = tckimlik.clean(self.cleaned_data.get("person_tc_kimlik") or "")
        if not tckimlik.is_valid(number):
            raise forms.ValidationError(_("Enter a valid TC identity number."), code="tc_kimlik")
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decided, until = data.get("decided_on"), data.get("valid_until")
        if decided is not None and until is not None and until < decided:
            self.add_error("valid_until", _("An order cannot end before it was decided."))
        return data


@admin.register(ProtectionOrder)
class ProtectionOrderAdmin(admin.ModelAdmin):
    """Orders under Law 6284: personal data through and through, for superusers and administrators only."""

    form = ProtectionOrderForm
    list_display = [
        "masked_tc_kimlik",
        "person_name",
        "institution",
        "decision_no",
        "decided_on",
        "valid_until",
    ]
    list_filter = ["institution"]
    search_fields = ["=person_tc_kimlik", "decision_no"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    date_hierarchy = "decided_on"

    @admin.display(description=_("TC identity no"))
    def masked_tc_kimlik(self, obj: ProtectionOrder) -> str:
        return tckimlik.mask(obj.person_tc_kimlik)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return sees_persons(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return sees_persons(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return sees_persons(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return sees_persons(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return sees_persons(request) and super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProtectionOrder]:
        return super().get_queryset(request) if sees_persons(request) else ProtectionOrder.objects.none()


# -- plate recognition (PTS) ---------------------------------------------------------------------------------


class HotlistEntryForm(forms.ModelForm):
    """The plate as typed ("34 abc 123") is kept as its key ("34ABC123", kentmasa.lib.plates)."""

    class Meta:
        model = HotlistEntry
        fields = ["institution", "plate", "reason", "note", "valid_until"]

    def clean_plate(self) -> str:
        try:
            found = pts.hotlist_plate(self.cleaned_data.get("plate") or "")
        except pts.TransitionError as error:
            raise forms.ValidationError(error.message, code="plate") from None
        self.plate_kind = pts.kind_of(found)
        return found.key

    def clean_institution(self) -> Any:
        institution = self.cleaned_data.get("institution")
        if institution is not None and institution.kind != institution.Kind.POLICE:
            raise forms.ValidationError(_("Plate recognition is for police institutions only."))
        return institution


@admin.register(HotlistEntry)
class HotlistEntryAdmin(admin.ModelAdmin):
    form = HotlistEntryForm
    list_display = ["plate", "reason", "institution", "valid_until", "added_by", "added_at"]
    list_filter = ["reason", "institution"]
    search_fields = ["plate", "note"]
    list_select_related = ["institution", "added_by"]
    autocomplete_fields = ["institution"]
    readonly_fields = ["plate_kind", "added_by", "added_at", "updated_at"]
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[HotlistEntry], search_term: str
    ) -> tuple[QuerySet[HotlistEntry], bool]:
        key = plates.normalize(search_term).key  # "34 abc 123" finds 34ABC123
        return super().get_search_results(request, queryset, key or search_term)

    def save_model(
        self, request: HttpRequest, obj: HotlistEntry, form: forms.ModelForm, change: bool
    ) -> None:
        now = timezone.now()
        obj.plate_kind = getattr(form, "plate_kind", obj.plate_kind)
        obj.updated_at = now
        if not change:
            obj.added_at = now
            obj.added_by = request.user if isinstance(request.user, User) else None
        super().save_model(request, obj, form, change)


class PlateHitInline(ReadOnly, admin.TabularInline):
    model = PlateHit
    extra = 0
    can_delete = False
    fields = ("at", "camera_code", "camera", "plate_raw", "latitude", "longitude", "received_at")
    readonly_fields = fields
    max_num = 0


class PlateAlertTeamInline(ReadOnly, admin.TabularInline):
    model = PlateAlertTeam
    extra = 0
    can_delete = False
    fields = ("team", "told_at", "distance_m", "seen_at")
    readonly_fields = fields
    max_num = 0


@admin.register(PlateAlert)
class PlateAlertAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["plate", "reason", "institution", "opened_at", "last_hit_at", "hit_count", "closed_at"]
    list_filter = ["reason", "institution", "outcome", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=plate"]
    list_select_related = ["institution"]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    fields = (
        "institution",
        "plate",
        "reason",
        "entry",
        "entry_note",
        "opened_at",
        "last_hit_at",
        "hit_count",
        "acknowledged_at",
        "acknowledged_by",
        "closed_at",
        "closed_by",
        "outcome",
        "note",
    )
    readonly_fields = fields
    inlines = [PlateAlertTeamInline, PlateHitInline]


@admin.register(PlateRead)
class PlateReadAdmin(ReadOnly, admin.ModelAdmin):
    """Millions of rows: no full count, no date drill-down; the newest first (by id)."""

    list_display = ["at", "camera_code", "plate", "plate_raw", "plate_kind", "institution"]
    list_filter = ["plate_kind"]
    search_fields = ["=plate"]
    list_select_related = ["institution"]
    show_full_result_count = False
    ordering = ["-pk"]
    fields = (
        "institution",
        "camera_code",
        "plate",
        "plate_raw",
        "plate_kind",
        "at",
        "latitude",
        "longitude",
        "received_at",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PlateRead], search_term: str
    ) -> tuple[QuerySet[PlateRead], bool]:
        key = plates.normalize(search_term).key
        return super().get_search_results(request, queryset, key or search_term)


# -- city cameras and their footage (KGYS) ------------------------------------------------------------------
# Cameras are configured here. Requests, releases and holds are written only by kentmasa.emergency.footage
# (through the KGYS screens, /haber-merkezi/kgys/), which checks the order, the second officer and the
# permissions: here they are shown for reading.


class CameraForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = [
            "institution",
            "code",
            "name",
            "location",
            "latitude",
            "longitude",
            "retention_days",
            "active",
        ]

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if not recorders.CAMERA_CODE.fullmatch(code):
            raise forms.ValidationError(
                _("Use letters, digits, dots, dashes and underscores only (e.g. ESK-KGYS-014)."), code="code"
            )
        return code

    def clean_institution(self) -> Any:
        institution = self.cleaned_data.get("institution")
        if institution is not None and institution.kind != institution.Kind.POLICE:
            raise forms.ValidationError(_("City cameras belong to a police institution."))
        return institution


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    """A camera's code and institution name its folder on the recorder: they are fixed once it is saved, and
    a camera is deactivated, never deleted, so the retention purge keeps finding (and deleting) its footage.
    """

    form = CameraForm
    list_display = ["code", "name", "institution", "location", "retention_days", "active"]
    list_filter = ["active", "institution"]
    search_fields = ["code", "name", "location"]
    list_select_related = ["institution"]
    autocomplete_fields = ["institution"]
    ordering = ["institution", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return ("institution", "code") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class FootageReleaseInline(ReadOnly, admin.TabularInline):
    model = FootageRelease
    extra = 0
    can_delete = False
    fields = ("released_at", "released_by", "cameras", "window_start", "window_end", "sha256", "byte_count")
    readonly_fields = fields
    max_num = 0


class FootageHoldInline(ReadOnly, admin.TabularInline):
    model = FootageHold
    extra = 0
    can_delete = False
    fields = ("camera", "window_start", "window_end", "reason", "created_at", "lifted_at", "lifted_by")
    readonly_fields = fields
    max_num = 0


@admin.register(FootageRequest)
class FootageRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "recorded_at",
        "requester",
        "reference_no",
        "institution",
        "window_start",
        "window_end",
        "status",
        "recorded_by",
        "decided_by",
    ]
    list_filter = ["status", "requester_kind", "institution"]
    search_fields = ["reference_no", "requester"]
    list_select_related = ["institution", "recorded_by", "decided_by"]
    date_hierarchy = "recorded_at"
    show_full_result_count = False
    fields = (
        "institution",
        "requester_kind",
        "requester",
        "reference_no",
        "reference_date",
        "order",
        "order_sha256",
        "cameras",
        "window_start",
        "window_end",
        "note",
        "status",
        "refusal_reason",
        "recorded_by",
        "recorded_at",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields
    inlines = [FootageReleaseInline, FootageHoldInline]


@admin.register(FootageRelease)
class FootageReleaseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["released_at", "request", "released_by", "sha256", "byte_count"]
    list_select_related = ["request", "released_by"]
    list_filter = ["request__institution"]
    search_fields = ["=sha256", "request__reference_no"]
    date_hierarchy = "released_at"
    show_full_result_count = False
    fields = (
        "request",
        "released_by",
        "released_at",
        "cameras",
        "window_start",
        "window_end",
        "sha256",
        "byte_count",
        "manifest",
    )
    readonly_fields = fields


@admin.register(FootageHold)
class FootageHoldAdmin(ReadOnly, admin.ModelAdmin):
    """Holds are placed and lifted on the KGYS screens (lifting needs its permission and a reason)."""

    list_display = ["camera", "window_start", "window_end", "reason", "created_at", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "camera__institution"]
    search_fields = ["camera__code", "reason"]
    list_select_related = ["camera"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = (
        "camera",
        "window_start",
        "window_end",
        "reason",
        "request",
        "created_by",
        "created_at",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    )
    readonly_fields = fields
