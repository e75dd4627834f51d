from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from kentmasa.cases.search import ensure_citizen_index, ensure_sqlite_index, ensure_word_index

    connection = connections[using]
    ensure_sqlite_index(connection)
    if connection.vendor == "sqlite":  # PostgreSQL keeps its indexes; SQLite loses triggers with a table
        ensure_citizen_index(connection)
        ensure_word_index(connection)


class CasesConfig(AppConfig):
    name = "kentmasa.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="kentmasa.cases.search_index")
