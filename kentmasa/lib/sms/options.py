"""The SMS providers' settings: ``settings.KENTMASA_SMS`` over defaults read from the environment.

Only the keys a provider reads are defined here; the SMS channel
(:func:`kentmasa.channels.sms.options.config`) adds its own (webhook secret, receiving numbers, delivery
report and inbox polling) over these, so each key has one source.

turkish            use the Turkish single-shift table for ç ğ ı İ ş Ş Ğ (KENTMASA_SMS_TURKISH, on)
timeout            seconds to wait for the provider (KENTMASA_SMS_TIMEOUT, 15)
netgsm_username    the account's user code (NETGSM_USERCODE)
netgsm_password    its API password (NETGSM_PASSWORD)
netgsm_msgheader   the sender name approved for the account (NETGSM_MSGHEADER)
netgsm_base_url    NETGSM_BASE_URL (https://api.netgsm.com.tr)
netgsm_appname     NETGSM_APPNAME, if the account names its applications
netgsm_max_parts   concatenated parts Netgsm sends at most (NETGSM_MAX_PARTS, 6; 917 characters in GSM 7-bit)
"""

from __future__ import annotations

import os

from django.conf import settings


def env_bool(name: str, default: bool) -> bool:
    """An on/off environment variable: 1, true, yes, on (any case) are on; unset keeps the default."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def defaults() -> dict:
    """The providers' keys as the environment sets them."""
    return {
        "turkish": env_bool("KENTMASA_SMS_TURKISH", True),
        "timeout": float(os.environ.get("KENTMASA_SMS_TIMEOUT", "15")),
        "netgsm_username": os.environ.get("NETGSM_USERCODE", ""),
        "netgsm_password": os.environ.get("NETGSM_PASSWORD", ""),
        "netgsm_msgheader": os.environ.get("NETGSM_MSGHEADER", ""),
        "netgsm_base_url": os.environ.get("NETGSM_BASE_URL", "https://api.netgsm.com.tr"),
        "netgsm_appname": os.environ.get("NETGSM_APPNAME", ""),
        "netgsm_max_parts": int(os.environ.get("NETGSM_MAX_PARTS", "6")),
    }


def options() -> dict:
    """The providers' settings: ``settings.KENTMASA_SMS`` (a dict; may be unset) over :func:`defaults`."""
    return {**defaults(), **(getattr(settings, "KENTMASA_SMS", None) or {})}
