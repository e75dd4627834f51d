from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_rollups(using: str = "default", **kwargs: Any) -> None:
    """After every migrate (and flush): the rollups' triggers and index (kentmasa.reports.rollups)."""
    from kentmasa.reports import rollups

    rollups.install(connections[using])


class ReportsConfig(AppConfig):
    name = "kentmasa.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        post_migrate.connect(_install_rollups, sender=self, dispatch_uid="kentmasa.reports.rollups")
