"""Telling people about sign-in matters (kentmasa.accounts.signals.account_alert): a lock-out reaches the
account's owner and their institution's administrators, a recovery code used reaches the owner. In the app
always; by e-mail too when the person has an address (the kinds' defaults, kentmasa.notify.kinds)."""

from typing import Any

from django.urls import reverse

from kentmasa.directory.models import User
from kentmasa.notify.tell import tell


def on_account_alert(
    sender: Any, *, user: User, kind: str, text: str, others: list[User], others_text: str = "", **kwargs: Any
) -> None:
    tell([user], kind, text, link=reverse("accounts:account"))
    if others:
        tell(others, kind, others_text or text, link=reverse("admin:accounts_signinevent_changelist"))
