"""Configuration screens for the administrator: institutions, units, teams, staff, services, categories."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import ManyToManyField, QuerySet
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kentmasa.deadlines import CompletionTimeError
from kentmasa.directory import channel_rows
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import (
    ApiToken,
    ApplicationPlace,
    Category,
    ClosedDay,
    Institution,
    Service,
    Team,
    Unit,
    User,
    staff_mobile,
)


class ClosedDayInline(admin.TabularInline):
    """The institution's own administrative-leave days (nationwide ones are listed under Closed days)."""

    model = ClosedDay
    fields = ["date", "reason"]
    extra = 1


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    """Administrative leave (idari izin): the office is closed, the law's periods run on. A day without an
    institution is nationwide (a Presidency circular)."""

    list_display = ["date", "institution_or_nationwide", "reason"]
    list_filter = [("institution", admin.EmptyFieldListFilter), "institution"]
    search_fields = ["reason", "institution__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]

    @admin.display(description=_("institution"), ordering="institution__name")
    def institution_or_nationwide(self, obj: ClosedDay) -> str:
        return obj.institution.name if obj.institution is not None else str(_("Nationwide"))


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "province", "district", "parent"]
    list_filter = ["kind", "province"]
    search_fields = ["name", "slug", "province", "district"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [ClosedDayInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "parent"]}),
        (_("Contact"), {"fields": ["province", "district", "address", "phone", "email"]}),
        (_("Working hours"), {"fields": ["workday_start", "workday_end", "half_day_end"]}),
        (_("Deadlines"), {"fields": ["half_day_deadline_early", "closed_days_count"]}),
        (_("Cases"), {"fields": ["reopen_days"]}),
        (_("Forwarding standards"), {"fields": ["forwarding_minutes", "immediate_minutes"]}),
    ]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "parent", "phone", "email", "active"]
    list_filter = ["active", "institution"]
    search_fields = ["name", "institution__name"]
    autocomplete_fields = ["institution", "parent"]
    list_select_related = ["institution", "parent"]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["unit", "name", "kind", "leader", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        leader, unit = data.get("leader"), data.get("unit")
        if leader is not None and unit is not None and leader.institution_id != unit.institution_id:
            self.add_error("leader", _("The team leader must work for the team's institution."))
        return data


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """A team's leader is told first when work lands on the team (kentmasa.notify.rules)."""

    form = TeamForm
    list_display = ["name", "unit", "kind", "leader", "active"]
    list_filter = ["kind", "active", "unit__institution"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit", "leader"]
    list_select_related = ["unit", "leader"]


class StaffChangeForm(UserChangeForm):
    def clean_mobile(self) -> str:
        try:
            return staff_mobile(self.cleaned_data.get("mobile", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages, code="mobile") from error


@admin.register(User)
class StaffAdmin(UserAdmin):
    form = StaffChangeForm
    fieldsets = [
        *(UserAdmin.fieldsets or ()),
        (
            _("Institution and role"),
            {"fields": ["role", "institution", "units", "teams", "phone_extension", "mobile"]},
        ),
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


class ApplicationPlaceForm(forms.ModelForm):
    class Meta:
        model = ApplicationPlace
        fields = [
            "institution",
            "office",
            "person_name",
            "title",
            "address",
            "phone",
            "fax",
            "email",
            "holders",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution = data.get("institution")
        strangers = [
            user
            for user in data.get("holders") or []
            if institution and user.institution_id != institution.pk
        ]
        if strangers:
            self.add_error(
                "holders",
                _("Only staff of the place's institution can hold it: %(names)s")
                % {"names": ", ".join(user.get_full_name() or user.username for user in strangers)},
            )
        return data


@admin.register(ApplicationPlace)
class ApplicationPlaceAdmin(admin.ModelAdmin):
    """Escalations to a place are told to its holders (kentmasa.notify.rules); the standards importer
    proposes them when a user's name matches the place's."""

    form = ApplicationPlaceForm
    list_display = ["person_name", "title", "office", "institution", "phone", "email", "holder_names"]
    list_filter = ["institution"]
    search_fields = ["person_name", "title", "office", "institution__name"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]
    filter_horizontal = ["holders"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationPlace]:
        return super().get_queryset(request).prefetch_related("holders")

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        if db_field.name == "holders":
            # On a place's page only its institution's active staff are offered.
            users = User.objects.filter(is_active=True)
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            place = ApplicationPlace.objects.filter(pk=object_id).first() if object_id else None
            if place is not None:
                users = users.filter(institution_id=place.institution_id)
            kwargs["queryset"] = users.order_by(*alphabetical("first_name", "last_name"), "username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("staff who hold this place"))
    def holder_names(self, place: ApplicationPlace) -> str:
        return ", ".join(user.get_full_name() or user.username for user in place.holders.all()) or "–"


class ServiceForm(forms.ModelForm):
    """The row's channels as boxes to tick; a channel another row of the institution already stands for is
    refused, so a case never has two rows to choose from (kentmasa.directory.channel_rows)."""

    channels = forms.MultipleChoiceField(
        label=_("channels this row stands for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=channel_rows.channel_choices,
        help_text=Service._meta.get_field("channels").help_text,
    )

    class Meta:
        model = Service
        fields = [
            "institution",
            "unit",
            "number",
            "name",
            "documents",
            "completion_time",
            "clock",
            "channels",
            "first_application_place",
            "second_application_place",
            "idle_warning_percent",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["channels"] = channel_rows.channels_of(self.instance)

    def clean_channels(self) -> list[str]:
        return list(self.cleaned_data.get("channels") or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution, channels = data.get("institution"), data.get("channels") or []
        if institution is None or not channels:
            return data
        probe = Service(pk=self.instance.pk, institution=institution)
        claimed = channel_rows.claimed_by_others(probe, channels)
        if claimed:
            labels = dict(channel_rows.channel_choices())
            self.add_error(
                "channels",
                _("A channel can stand for only one row of the institution: %(taken)s")
                % {
                    "taken": "; ".join(
                        _("%(channel)s is already on “%(row)s”")
                        % {"channel": labels.get(channel, channel), "row": row}
                        for channel, row in claimed.items()
                    )
                },
            )
        return data


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """Which row governs which channel is shown in the list (``channel_names``) and set on the row's page."""

    form = ServiceForm
    list_display = [
        "name",
        "institution",
        "number",
        "completion_time",
        "deadline_rule",
        "clock",
        "channel_names",
        "unit",
    ]
    list_display_links = ["name"]
    list_filter = ["institution", "clock"]
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
        "clock",
        "counts_closed_days",
        "channels",
        "first_application_place",
        "second_application_place",
        "idle_warning_percent",
    ]

    @admin.display(description=_("channels this row stands for"))
    def channel_names(self, service: Service) -> str:
        labels = dict(channel_rows.channel_choices())
        return ", ".join(labels.get(channel, channel) for channel in channel_rows.channels_of(service)) or "–"

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

    list_display = ["key_prefix", "name", "user", "scope", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked", "scope"]
    search_fields = ["key_prefix", "name", "user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "scope", "key_prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "scope", "key_prefix", "created_at", "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        queryset.update(revoked=True)
