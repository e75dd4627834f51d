from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoiConfig(AppConfig):
    name = "kentmasa.foi"
    verbose_name = _("Information requests (Law 4982)")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kentmasa.cases.models import Event
        from kentmasa.foi import signals

        # An information request gets its 4982 record in the opening's own transaction.
        post_save.connect(signals.on_event_saved, sender=Event, dispatch_uid="kentmasa.foi.open")
