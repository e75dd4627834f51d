from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "kentmasa.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kentmasa.places import geocode
        from kentmasa.places.models import Area

        # Edits made in this process (admin, importer) are seen by the next look-up at once;
        # other processes notice them through the version check in geocode.
        post_save.connect(geocode.on_area_changed, sender=Area, dispatch_uid="places-area-saved")
        post_delete.connect(geocode.on_area_changed, sender=Area, dispatch_uid="places-area-deleted")
