from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kentmasa.privacy"
    verbose_name = _("Personal data (KVKK)")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kentmasa.cases.models import Event
        from kentmasa.privacy import request_signals

        # A KVKK application (art. 11) gets its record and 30-day clock in the opening's own transaction.
        post_save.connect(request_signals.on_event_saved, sender=Event, dispatch_uid="kentmasa.privacy.dsr")

        from kentmasa.lib import notices as notice_hook
        from kentmasa.privacy import notices

        # The notice version each case's applicant was shown, in the opening's own transaction; and the
        # notices as cases and channels see them (kentmasa.lib.notices), who may not import this app.
        post_save.connect(notices.on_event_saved, sender=Event, dispatch_uid="kentmasa.privacy.notices")
        notice_hook.register(notices.Provider())

        from kentmasa.lib.process_cache import invalidate_on
        from kentmasa.privacy.models import Notice

        invalidate_on(Notice)
