from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "kentmasa.field"
    verbose_name = _("Field teams")

    def ready(self) -> None:
        from kentmasa.cases.signals import case_event
        from kentmasa.field import derman, signals

        # A work order overtaken by its case (moved, closed) is cancelled and the team told.
        case_event.connect(signals.on_case_event, dispatch_uid="kentmasa.field.signals")
        # A case the citizen says is not solved (reopened by them or the feedback operator): Derman goes.
        case_event.connect(derman.on_case_event, dispatch_uid="kentmasa.field.derman")
