"""The one way to tell members of staff something (owned by the notify-core helper; signature is fixed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kentmasa.cases.models import Case
    from kentmasa.directory.models import Unit, User
    from kentmasa.notify.models import Notification


def tell(
    users: Iterable[User],
    kind: str,
    text: str,
    *,
    case: Case | None = None,
    link: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Tell each user (once; deputies stand in; the actor and inactive users are skipped)."""
    raise NotImplementedError


def tell_unit_mailbox(unit: Unit, kind: str, subject: str, text: str, *, case: Case | None = None) -> None:
    """An e-mail to a unit's own address (Unit.email), recorded as a Notification without a user."""
    raise NotImplementedError
