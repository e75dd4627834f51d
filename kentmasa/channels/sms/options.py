"""The SMS channel's settings: ``settings.KENTMASA_SMS`` over defaults read from the environment.

The provider's keys (turkish, timeout, netgsm_username, password, msgheader, base_url, appname,
netgsm_max_parts) are defined once in :mod:`kentmasa.lib.sms.options`; :func:`config` adds the channel's
own keys over them.
"""

from __future__ import annotations

import os

from kentmasa.channels.edge import channel_settings, parse_map
from kentmasa.lib.sms import options as provider_options

SIGNATURE_HEADER = "X-Kentmasa-Signature"
MAX_TEXT = 5000  # 30 concatenated parts and then some; longer is not an SMS


def config() -> dict:
    """The SMS settings: ``settings.KENTMASA_SMS`` over defaults from the environment.

    webhook_secret     shared secret of the signed webhooks (KENTMASA_SMS_WEBHOOK_SECRET); none: refused
    numbers            receiving number → institution slug (KENTMASA_SMS_NUMBERS="155=emniyet,…")
    institution        slug for any other number (KENTMASA_SMS_INSTITUTION); default: the first
                       institution that is not an external body
    reply_window_days  a reply within this many days of our SMS threads onto its case (3)
    netgsm_inbox       read received SMS from Netgsm's inbox when polling (NETGSM_INBOX, off), looking
                       back netgsm_inbox_hours (2) each time: the poll must run more often than that
    report_days        how long after sending a report is still asked for (2)
    netgsm_report_rate report requests Netgsm allows, all workers together ("10/m")
    and the provider's keys (kentmasa.lib.sms.options): turkish, timeout, netgsm_* account and limits.
    """
    defaults = {
        **provider_options.defaults(),
        "webhook_secret": os.environ.get("KENTMASA_SMS_WEBHOOK_SECRET", ""),
        "numbers": parse_map(os.environ.get("KENTMASA_SMS_NUMBERS", "")),
        "institution": os.environ.get("KENTMASA_SMS_INSTITUTION", ""),
        "reply_window_days": int(os.environ.get("KENTMASA_SMS_REPLY_WINDOW_DAYS", "3")),
        "netgsm_inbox": provider_options.env_bool("NETGSM_INBOX", False),
        "netgsm_inbox_hours": float(os.environ.get("NETGSM_INBOX_HOURS", "2")),
        "report_days": int(os.environ.get("KENTMASA_SMS_REPORT_DAYS", "2")),
        "netgsm_report_rate": os.environ.get("NETGSM_REPORT_RATE", "10/m"),
    }
    return channel_settings("KENTMASA_SMS", defaults)
