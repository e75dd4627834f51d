"""Who has two-factor sign-in (a column and a filter on staff), resetting it, the institutions' required
roles, and the sign-in events (read-only; an administrator without superuser rights sees those of their own
institution's staff only)."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kentmasa.accounts import services
from kentmasa.accounts.models import SignInEvent, TwoFactorPolicy
from kentmasa.directory.admin import StaffAdmin
from kentmasa.directory.models import User

# The devices hold the users' secret keys: django-otp's own screens would show an authenticator's QR code
# to any administrator. Enrolment is the user's own page; a reset is the action below.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class TwoFactorFilter(admin.SimpleListFilter):
    title = _("two-factor sign-in")
    parameter_name = "two_factor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Set up")), ("no", _("Not set up"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(has_two_factor=True)
        if self.value() == "no":
            return queryset.filter(has_two_factor=False)
        return queryset


admin.site.unregister(User)


@admin.register(User)
class StaffWithTwoFactorAdmin(StaffAdmin):
    list_display = [*StaffAdmin.list_display, "two_factor"]
    list_filter = [TwoFactorFilter, *StaffAdmin.list_filter]
    actions = ["reset_two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        users: QuerySet = super().get_queryset(request).annotate(has_two_factor=Exists(confirmed))
        return users

    @admin.display(description=_("2FA"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj: User) -> bool:
        return bool(getattr(obj, "has_two_factor", False))

    @admin.action(description=_("Reset two-factor sign-in of the selected staff"), permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        actor = cast(User, request.user)
        done = 0
        for user in queryset[:500]:
            services.reset(user, actor=actor, request=request)
            done += 1
        self.message_user(
            request,
            _("Two-factor sign-in reset for %(count)d staff; they set it up again at their next sign-in.")
            % {"count": done},
            messages.SUCCESS,
        )


class TwoFactorPolicyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles that must use two-factor sign-in"),
        choices=User.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Administrators always must. Tick the roles that see personal data, e.g. police operators."
        ),
    )

    class Meta:
        model = TwoFactorPolicy
        fields = ["institution", "roles"]


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(admin.ModelAdmin):
    form = TwoFactorPolicyForm
    list_display = ["institution", "role_names"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]

    @admin.display(description=_("roles"))
    def role_names(self, obj: TwoFactorPolicy) -> str:
        labels = dict(User.Role.choices)
        return ", ".join(str(labels.get(role, role)) for role in obj.roles) or "—"


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """Append-only: nobody adds, changes or deletes an event here."""

    list_display = ["at", "kind", "user", "username", "address", "actor"]
    list_filter = ["kind", "user__institution"]
    search_fields = ["username", "user__username", "user__first_name", "user__last_name", "address"]
    date_hierarchy = "at"
    list_select_related = ["user", "actor"]
    readonly_fields = ["at", "kind", "user", "username", "address", "user_agent", "actor"]
    show_full_result_count = False  # millions of rows: no COUNT(*) of the whole table on every page

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        events = super().get_queryset(request)
        user = request.user
        if getattr(user, "is_superuser", False):
            return events
        institution_id = getattr(user, "institution_id", None)
        if institution_id is None:
            return events.none()
        return events.filter(user__institution_id=institution_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
