from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "kentmasa.directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from kentmasa.directory.collation import register_on_sqlite

        # Every connection, including those opened before a migration or by a worker: names sort the
        # Turkish way on SQLite as they do on PostgreSQL (kentmasa.directory.collation).
        connection_created.connect(register_on_sqlite, dispatch_uid="kentmasa.directory.turkish_collation")

        from kentmasa.directory.models import Category, ClosedDay, Institution, Service, Unit
        from kentmasa.lib.process_cache import invalidate_on

        # The set-up every intake reads is kept per process (kentmasa.directory.cached); a change clears it.
        invalidate_on(Institution, ClosedDay, Unit, Service, Category)
