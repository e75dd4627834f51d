"""Wall screens in the admin: issue a board's kiosk link (shown once), issue a new one, revoke it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.reports.models import Wallboard


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Wallboard]) -> QuerySet[Wallboard]:
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        return queryset


@admin.register(Wallboard)
class WallboardAdmin(admin.ModelAdmin):
    """A board's link is shown once, when it is issued (the token is kept only as a hash): copy it then
    and open it on the TV. "Issue a new link" replaces it (the old one stops working at once); "Revoke"
    ends it."""

    list_display = ["name", "institution", "unit", "key_prefix", "created_at", "last_seen_at", "is_revoked"]
    list_filter = [RevokedFilter, "institution"]
    search_fields = ["name", "key_prefix", "institution__name", "unit__name"]
    list_select_related = ["institution", "unit"]
    autocomplete_fields = ["institution", "unit"]
    fields = [
        "institution",
        "unit",
        "name",
        "key_prefix",
        "created_by",
        "created_at",
        "last_seen_at",
        "revoked_at",
    ]
    readonly_fields = ["key_prefix", "created_by", "created_at", "last_seen_at", "revoked_at"]
    actions = ["issue_new_links", "revoke"]

    @admin.display(description=_("revoked"), boolean=True, ordering="revoked_at")
    def is_revoked(self, board: Wallboard) -> bool:
        return board.revoked

    def _show_link(self, request: HttpRequest, board: Wallboard, raw: str) -> None:
        self.message_user(
            request,
            _(
                "Link of the wall screen “%(name)s”: %(link)s — it is shown only now; copy it and open it "
                "on the screen. Anyone with the link sees the board."
            )
            % {"name": board.name, "link": Wallboard.link_for(raw)},
            messages.WARNING,
        )

    def save_model(self, request: HttpRequest, obj: Wallboard, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user if request.user.is_authenticated else None
        raw = obj.new_token()
        super().save_model(request, obj, form, change)
        self._show_link(request, obj, raw)

    @admin.action(description=_("Issue a new link (the old one stops working)"))
    def issue_new_links(self, request: HttpRequest, queryset: QuerySet[Wallboard]) -> None:
        for board in queryset.select_related("institution", "unit"):
            raw = board.reissue()
            self._show_link(request, board, raw)

    @admin.action(description=_("Revoke the selected screens' links"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Wallboard]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("Links revoked: %(count)d.") % {"count": count}, messages.SUCCESS)
