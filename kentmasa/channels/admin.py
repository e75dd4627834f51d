"""Admin for the channels: the reply texts are edited here; messages, referrals and calls are for reading."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from kentmasa.channels.models import AnswerRule, IncomingCall, Message, Referral, ReplyTemplate
from kentmasa.channels.templates import DEFAULTS
from kentmasa.directory.models import Institution, Service, User


class ReplyTemplateForm(forms.ModelForm):  # the admin's own base (ModelAdmin.form)
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in ("subject", "body"):
            try:
                Template(data.get(field) or "")
            except TemplateSyntaxError as error:
                self.add_error(
                    field, ValidationError(_("The template cannot be read: %(error)s") % {"error": error})
                )
        if data.get("action") and data["action"] not in DEFAULTS:
            self.add_error(
                "action", _("Replies are sent for these events: %(events)s") % {"events": ", ".join(DEFAULTS)}
            )
        return data


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    form = ReplyTemplateForm
    list_display = ["action", "institution", "channel", "active", "updated_at"]
    list_filter = ["action", "channel", "active", "institution"]
    search_fields = ["subject", "body"]

    def save_model(
        self, request: HttpRequest, obj: ReplyTemplate, form: forms.ModelForm, change: bool
    ) -> None:
        obj.updated_by = cast(User, request.user)  # the admin site lets in only signed-in staff
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "direction", "channel", "state", "case", "attempts"]
    list_filter = ["direction", "channel", "state"]
    search_fields = ["external_id", "case__tracking_number"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["system", "external_ref", "institution", "case", "reached_at", "external_due_at"]
    list_filter = ["system", "institution"]
    search_fields = ["external_ref", "case__tracking_number"]
    list_select_related = ["case", "institution"]


@admin.register(IncomingCall)
class IncomingCallAdmin(ReadOnlyAdmin):
    list_display = ["extension", "at", "institution"]
    list_select_related = ["institution"]


class AnswerRuleForm(forms.ModelForm):
    class Meta:
        model = AnswerRule
        fields = ["institution", "service", "kind", "reach"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution, service = data.get("institution"), data.get("service")
        if institution is not None and service is not None and service.institution_id != institution.pk:
            self.add_error("service", _("Choose a service of the institution."))
        return data


@admin.register(AnswerRule)
class AnswerRuleAdmin(admin.ModelAdmin):
    """Which channels an institution's answers go to (kentmasa.channels.replies.reply_targets); an
    administrator sees and sets their own institution's rules, a superuser every institution's."""

    form = AnswerRuleForm
    list_display = ["institution", "service", "kind", "reach"]
    list_select_related = ["institution", "service"]

    def _institution_id(self, request: HttpRequest) -> int | None:
        user = request.user
        if getattr(user, "is_superuser", False):
            return None
        return (user.institution_id or 0) if isinstance(user, User) else 0

    def get_queryset(self, request: HttpRequest) -> Any:
        rows = super().get_queryset(request)
        own = self._institution_id(request)
        return rows if own is None else rows.filter(institution_id=own)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        own = self._institution_id(request)
        if own is not None and db_field.name == "institution":
            kwargs["queryset"] = Institution.objects.filter(pk=own)
        if own is not None and db_field.name == "service":
            kwargs["queryset"] = Service.objects.filter(institution_id=own)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
