"""What the administrator edits (routing rules, competence, other bodies' matters), what the router keeps."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kentmasa.routing.models import Competence, ExternalMatter, RouterModel, RoutingFlag, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "institution", "category", "area", "keywords", "unit", "priority", "active"]
    list_filter = ["active", "institution"]
    list_editable = ["priority", "active"]
    search_fields = ["keywords", "category__name", "unit__name", "area__display_name", "note"]
    autocomplete_fields = ["institution", "category", "unit"]
    raw_id_fields = ["area"]  # tens of thousands of mahalles: picked by id from the areas' own list
    list_select_related = ["institution", "category", "area", "unit"]
    fieldsets = [
        (None, {"fields": ["institution", "unit", "priority", "active"]}),
        (
            _("When it applies"),
            {
                "fields": ["category", "area", "keywords"],
                "description": _(
                    "Precedence: a rule with an area and keywords wins over one with an area only, which "
                    "wins over one with keywords only; with no matching rule the category's own unit "
                    "answers. Among rules of the same kind, the higher priority wins."
                ),
            },
        ),
        (None, {"fields": ["note"]}),
    ]


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["category", "institution", "level", "note"]
    list_filter = ["level", "institution"]
    search_fields = ["category__name", "note"]
    autocomplete_fields = ["institution", "category"]
    list_select_related = ["institution", "category"]


@admin.register(ExternalMatter)
class ExternalMatterAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "body_name", "category", "keywords", "active"]
    list_filter = ["active", "institution"]
    search_fields = ["name", "body_name", "keywords", "reason"]
    autocomplete_fields = ["institution", "category"]
    list_select_related = ["institution", "category"]


@admin.register(RouterModel)
class RouterModelAdmin(admin.ModelAdmin):
    list_display = ["institution", "version", "trained_at", "source", "trained_on", "accuracy", "active"]
    list_filter = ["active", "source", "institution"]
    list_editable = ["active"]
    readonly_fields = [
        "institution",
        "version",
        "trained_at",
        "source",
        "trained_on",
        "labels",
        "metrics",
        "sklearn_version",
    ]
    fields = [*readonly_fields, "active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # trained by `manage.py train_router` or the periodic task, never typed in

    @admin.display(description=_("held-out accuracy"))
    def accuracy(self, obj: RouterModel) -> str:
        value = (obj.metrics or {}).get("accuracy")
        return f"{value:.3f}" if isinstance(value, int | float) else "—"


@admin.register(RoutingFlag)
class RoutingFlagAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "target_institution", "body_name", "place", "created_at", "cleared_at"]
    list_filter = ["kind", "cleared_at"]
    search_fields = ["case__tracking_number", "body_name", "place"]
    readonly_fields = [
        "case",
        "kind",
        "target_institution",
        "body_name",
        "place",
        "reason",
        "created_at",
        "cleared_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
