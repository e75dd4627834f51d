from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Where each case goes: category rules, jurisdiction, the text classifier, duplicates."""

    name = "kentmasa.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from kentmasa.cases.signals import case_event
        from kentmasa.lib.process_cache import invalidate_on
        from kentmasa.places.models import Area
        from kentmasa.routing import intake
        from kentmasa.routing.models import Competence, ExternalMatter, RouterModel, RoutingRule

        case_event.connect(intake.on_case_event, dispatch_uid="kentmasa.routing.intake")
        # The set-up routing reads on every new case is kept per process (kentmasa.routing.cached).
        invalidate_on(RoutingRule, ExternalMatter, Competence, RouterModel, Area)
