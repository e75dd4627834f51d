from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "kentmasa.feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kentmasa.cases.models import Event
        from kentmasa.feedback import signals

        # A resolved case joins the call list (or is asked by SMS / e-mail) in the resolve's own transaction;
        # a case reopened or closed by anyone else leaves it.
        post_save.connect(signals.on_event_saved, sender=Event, dispatch_uid="kentmasa.feedback.calls")
