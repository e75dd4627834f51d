from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "kentmasa.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kentmasa.accounts.signals import account_alert
        from kentmasa.cases.models import Event
        from kentmasa.cases.services import gates
        from kentmasa.cases.signals import case_event
        from kentmasa.notify import approvals, live, rules, sign_in

        # Lock-outs and recovery codes used at sign-in reach the account's owner (kentmasa.accounts).
        account_alert.connect(sign_in.on_account_alert, dispatch_uid="kentmasa.notify.sign_in")
        case_event.connect(rules.on_case_event, dispatch_uid="kentmasa.notify.rules")
        case_event.connect(approvals.on_case_event, dispatch_uid="kentmasa.notify.approvals")
        # Actions that need an approver's yes are held (kentmasa.notify.approvals).
        gates.register(approvals.gate)
        # Every timeline event is a live event too, written in its own transaction (kentmasa.notify.live).
        post_save.connect(live.on_event_saved, sender=Event, dispatch_uid="kentmasa.notify.live")
