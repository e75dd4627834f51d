from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running kentmasa: health, metrics, request ids in logs and tasks, backups, housekeeping, upgrades.

    At the top of the layering (beside reports): it reads every app and nothing imports it.
    """

    name = "kentmasa.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from kentmasa.ops import requestid

        requestid.connect_task_signals()
