from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "kentmasa.emergency"
    verbose_name = _("Police operations")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kentmasa.cases.models import Event
        from kentmasa.emergency import signals

        # A case opened for (or moved to) a police institution gets its incident in the same transaction.
        post_save.connect(signals.on_event_saved, sender=Event, dispatch_uid="kentmasa.emergency.incidents")
