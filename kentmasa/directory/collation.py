"""Turkish alphabetical order in SQL, the same on PostgreSQL and SQLite.

Both databases compare names through a collation called "tr-x-icu": on PostgreSQL the ICU collation of
that name that comes with every ICU-enabled server (checked by migration directory 0003); on SQLite a
collation of the same name registered on every new connection, which compares with
kentmasa.lib.turkish.sort_key. So ``ORDER BY name COLLATE "tr-x-icu"`` puts "Çelik" after "Cem" and
"İnce" after "Işık" on both, and Python sorts the same way with ``turkish.sort_key``.

Names are ordered this way wherever people read them in a list (institutions, units, teams, categories,
services, staff, mahalles); case lists keep their own order (deadline, date).
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate

from kentmasa.lib import turkish

TURKISH = "tr-x-icu"


def alphabetical(*fields: str) -> list[OrderBy]:
    """``order_by(*alphabetical("institution__name", "name"))``: each field in Turkish order, ascending."""
    return [Collate(F(field), TURKISH).asc() for field in fields]


def register_on_sqlite(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: teach a new SQLite connection the Turkish collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(TURKISH, turkish.compare)
