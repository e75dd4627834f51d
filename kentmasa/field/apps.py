from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "kentmasa.field"
    verbose_name = _("Field teams")

    def ready(self) -> None:
        from kentmasa.cases.signals import case_event
        from kentmasa.field import signals

        # A work order overtaken by its case (moved, closed) is cancelled and the team told.
        case_event.connect(signals.on_case_event, dispatch_uid="kentmasa.field.signals")
