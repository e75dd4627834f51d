"""The SMS channel's settings, and the one way its texts for staff are written.

:func:`config` is ``settings.KENTMASA_SMS`` over defaults read from the environment; :func:`staff_text`
renders a message for the case's history in the site's language, whoever triggered it.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.utils import translation

from kentmasa.channels.edge import channel_settings, parse_map

SIGNATURE_HEADER = "X-Kentmasa-Signature"
MAX_TEXT = 5000  # 30 concatenated parts and then some; longer is not an SMS


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def config() -> dict:
    """The SMS settings: ``settings.KENTMASA_SMS`` over defaults from the environment.

    webhook_secret     shared secret of the signed webhooks (KENTMASA_SMS_WEBHOOK_SECRET); none: refused
    numbers            receiving number → institution slug (KENTMASA_SMS_NUMBERS="155=emniyet,…")
    institution        slug for any other number (KENTMASA_SMS_INSTITUTION); default: the first
                       institution that is not an external body
    reply_window_days  a reply within this many days of our SMS threads onto its case (3)
    turkish            use the Turkish single-shift table for ç ğ ı İ ş Ş Ğ (KENTMASA_SMS_TURKISH, on)
    netgsm_*           username, password, msgheader, base_url, appname (NETGSM_USERCODE, …)
    netgsm_inbox       read received SMS from Netgsm's inbox when polling (NETGSM_INBOX, off), looking
                       back netgsm_inbox_hours (2) each time: the poll must run more often than that
    timeout            seconds to wait for the provider (15)
    report_days        how long after sending a report is still asked for (2)
    netgsm_report_rate report requests Netgsm allows, all workers together ("10/m")
    netgsm_max_parts   concatenated parts Netgsm sends at most (6; 917 characters in GSM 7-bit)
    """
    defaults = {
        "webhook_secret": os.environ.get("KENTMASA_SMS_WEBHOOK_SECRET", ""),
        "numbers": parse_map(os.environ.get("KENTMASA_SMS_NUMBERS", "")),
        "institution": os.environ.get("KENTMASA_SMS_INSTITUTION", ""),
        "reply_window_days": int(os.environ.get("KENTMASA_SMS_REPLY_WINDOW_DAYS", "3")),
        "turkish": _env_bool("KENTMASA_SMS_TURKISH", True),
        "netgsm_username": os.environ.get("NETGSM_USERCODE", ""),
        "netgsm_password": os.environ.get("NETGSM_PASSWORD", ""),
        "netgsm_msgheader": os.environ.get("NETGSM_MSGHEADER", ""),
        "netgsm_base_url": os.environ.get("NETGSM_BASE_URL", "https://api.netgsm.com.tr"),
        "netgsm_appname": os.environ.get("NETGSM_APPNAME", ""),
        "netgsm_inbox": _env_bool("NETGSM_INBOX", False),
        "netgsm_inbox_hours": float(os.environ.get("NETGSM_INBOX_HOURS", "2")),
        "timeout": float(os.environ.get("KENTMASA_SMS_TIMEOUT", "15")),
        "report_days": int(os.environ.get("KENTMASA_SMS_REPORT_DAYS", "2")),
        "netgsm_report_rate": os.environ.get("NETGSM_REPORT_RATE", "10/m"),
        "netgsm_max_parts": int(os.environ.get("NETGSM_MAX_PARTS", "6")),
    }
    return channel_settings("KENTMASA_SMS", defaults)


def staff_text(message: object, **params: object) -> str:
    """A text for the staff (stored on the case), in the site's language whoever triggered it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params if params else str(message)
