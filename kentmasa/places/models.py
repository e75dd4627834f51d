"""Administrative areas and their boundaries: il (province), ilçe (district), mahalle (neighbourhood).

The boundary is kept as GeoJSON text with its bounding box in four indexed columns, so the same
viewport query ("which mahalles touch this map window?") runs on SQLite and on PostgreSQL without
PostGIS. Point look-ups do not touch these columns: they go through the in-memory index in geocode.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kentmasa.places.address import area_key


class AreaQuerySet(models.QuerySet["Area"]):
    def in_viewport(self, west: float, south: float, east: float, north: float) -> "AreaQuerySet":
        """Areas whose bounding box overlaps the window (a cheap first cut; boundaries may still miss it)."""
        return self.filter(min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south)

    def provinces(self) -> "AreaQuerySet":
        return self.filter(kind=Area.Kind.PROVINCE)

    def districts(self) -> "AreaQuerySet":
        return self.filter(kind=Area.Kind.DISTRICT)

    def neighbourhoods(self) -> "AreaQuerySet":
        return self.filter(kind=Area.Kind.NEIGHBOURHOOD)

    def territory(self, province: str, district: str = "") -> "AreaQuerySet":
        """The mahalles of an institution's district, or of its province for a metropolitan one."""
        if not province:
            return self.none()
        mahalles = self.neighbourhoods().filter(parent__parent__name_key=area_key(province))
        if district:
            mahalles = mahalles.filter(parent__name_key=area_key(district))
        return mahalles


class Area(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "il", _("Province (il)")
        DISTRICT = "ilce", _("District (ilçe)")
        NEIGHBOURHOOD = "mahalle", _("Neighbourhood (mahalle)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("official name"), max_length=120, help_text=_("As written in the source data."))
    display_name = models.CharField(_("name"), max_length=120)
    name_key = models.CharField(
        _("search key"),
        max_length=120,
        db_index=True,
        help_text=_('The name without its type word, folded for matching ("Sarıyakup Mh." → "sariyakup").'),
    )
    code = models.CharField(_("code"), max_length=32, help_text=_("The identifier in the source data."))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province_code = models.CharField(_("province plate code"), max_length=2, db_index=True)
    geometry = models.TextField(_("boundary (GeoJSON)"))
    min_lon = models.FloatField(_("west"))
    min_lat = models.FloatField(_("south"))
    max_lon = models.FloatField(_("east"))
    max_lat = models.FloatField(_("north"))
    centroid_lat = models.FloatField(_("centre latitude"))
    centroid_lon = models.FloatField(_("centre longitude"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        ordering = ["kind", "province_code", "display_name"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="places_area_unique_kind_code")]
        indexes = [
            models.Index(fields=["kind", "min_lon", "max_lon"], name="places_area_lon_box"),
            models.Index(fields=["kind", "min_lat", "max_lat"], name="places_area_lat_box"),
            models.Index(fields=["kind", "name_key"], name="places_area_kind_key"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def district(self) -> "Area | None":
        if self.kind == self.Kind.DISTRICT:
            return self
        if self.kind == self.Kind.NEIGHBOURHOOD:
            return self.parent
        return None

    @property
    def province(self) -> "Area | None":
        area: Area | None = self
        while area is not None and area.kind != self.Kind.PROVINCE:
            area = area.parent
        return area
