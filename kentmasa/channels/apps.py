from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Every way a citizen reaches us: one module per channel, with its intake and its reply."""

    name = "kentmasa.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from kentmasa.cases.signals import case_event, phone_code_requested
        from kentmasa.channels import phone_codes, replies
        from kentmasa.channels.models import AnswerRule, ReplyTemplate
        from kentmasa.lib.process_cache import invalidate_on

        case_event.connect(replies.on_case_event, dispatch_uid="kentmasa.channels.replies")
        # The reply templates and answer rules every answer reads are kept per process.
        invalidate_on(ReplyTemplate, AnswerRule)
        phone_code_requested.connect(
            phone_codes.send_phone_code, dispatch_uid="kentmasa.channels.phone_codes"
        )
