from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Where each case goes: category rules, jurisdiction, the text classifier, duplicates."""

    name = "kentmasa.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from kentmasa.cases.signals import case_event
        from kentmasa.routing import intake

        case_event.connect(intake.on_case_event, dispatch_uid="kentmasa.routing.intake")
