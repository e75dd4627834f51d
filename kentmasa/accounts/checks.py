from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning
from django.core.checks import register as register_check


def two_factor_required(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "KENTMASA_2FA_REQUIRED", True):
        return []
    return [
        Warning(
            "KENTMASA_2FA_REQUIRED is off: administrators and the roles institutions chose sign in with a "
            "password only.",
            hint="Unset KENTMASA_2FA_REQUIRED (it is on by default) for production.",
            id="kentmasa.accounts.W001",
        )
    ]


def register() -> None:
    register_check(two_factor_required, Tags.security, deploy=True)
