from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "kentmasa.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from kentmasa.cases.services import gates
        from kentmasa.cases.signals import case_event
        from kentmasa.notify import approvals, rules

        case_event.connect(rules.on_case_event, dispatch_uid="kentmasa.notify.rules")
        case_event.connect(approvals.on_case_event, dispatch_uid="kentmasa.notify.approvals")
        # Actions that need an approver's yes are held (kentmasa.notify.approvals).
        gates.register(approvals.gate)
