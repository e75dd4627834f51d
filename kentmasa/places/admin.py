"""Administrative areas in the admin: browsed and corrected (names, population), loaded by import_areas."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.collation import alphabetical
from kentmasa.places.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["display_name", "kind", "parent", "province_code", "code", "population", "updated_at"]
    list_filter = ["kind", "province_code"]
    search_fields = ["display_name", "name", "name_key", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["kind", "province_code", *alphabetical("display_name")]
    readonly_fields = ["code", "kind", "boundary", "bounding_box", "source", "updated_at"]
    fields = [
        "kind",
        "code",
        "name",
        "display_name",
        "name_key",
        "parent",
        "province_code",
        "population",
        "centroid_lat",
        "centroid_lon",
        "bounding_box",
        "boundary",
        "source",
        "updated_at",
    ]

    @admin.display(description=_("boundary"))
    def boundary(self, area: Area) -> str:
        # A mahalle's GeoJSON runs to tens of kilobytes: its size says enough here; import_areas replaces it.
        return _("%(size)s characters of GeoJSON") % {"size": f"{len(area.geometry):,}"}

    @admin.display(description=_("bounding box"))
    def bounding_box(self, area: Area) -> str:
        return f"{area.min_lon:.5f}, {area.min_lat:.5f} — {area.max_lon:.5f}, {area.max_lat:.5f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Areas come with their boundaries from a file (manage.py import_areas), not from a form.
        return False
