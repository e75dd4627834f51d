"""The WhatsApp line's settings and the limits Meta sets.

``settings.KENTMASA_WHATSAPP`` (a dict) over ``WHATSAPP_*`` environment variables, read through
:func:`kentmasa.channels.edge.channel_settings`. Keys:

* ``VERIFY_TOKEN`` — what we typed as "Verify token" in the Meta app's webhook configuration;
* ``APP_SECRET`` — the Meta app's secret: every delivery is signed with it;
* ``ACCESS_TOKEN`` — a system user's permanent token with ``whatsapp_business_messaging``;
* ``PHONE_NUMBERS`` — which institution answers on which business number (Graph's phone number id → slug);
* ``GRAPH_URL`` and ``GRAPH_VERSION`` — where the Graph API answers (``https://graph.facebook.com``) and
  which version we speak (Meta retires each version about two years after it ships; see
  :data:`DEFAULT_GRAPH_VERSION`). A ``GRAPH_URL`` that already ends in a version (``…/v21.0``, as older
  configurations wrote it) is used as it is;
* ``TEMPLATE_NAME``, ``TEMPLATE_LANGUAGE`` — the approved template sent outside the 24-hour window; its body
  takes the tracking number. ``TEMPLATE_PARAMETER`` names that variable when the template was approved with
  named variables (``{{takip_no}}``): Graph then wants ``parameter_name`` beside the value;
* ``TIMEOUT`` — seconds for each Graph call.
"""

from __future__ import annotations

import datetime as dt
import os
import re

from kentmasa.channels.edge import channel_settings, parse_map

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
# Graph API v26.0 shipped on 29 July 2026 (v21.0 stops working in January 2027, v25.0 in July 2028).
DEFAULT_GRAPH_VERSION = "v26.0"
_VERSION_AT_END = re.compile(r"/v\d+\.\d+$")

# Meta lets a business write freely only this long after the citizen's last message.
SERVICE_WINDOW = dt.timedelta(hours=24)
MAX_MEDIA_BYTES = 100 * 1024 * 1024  # the largest attachment kentmasa keeps (a video)
MAX_CAPTION = 1024  # Graph refuses longer image captions
MAX_TEXT = 4096  # … and longer text messages


def config() -> dict:
    """The WhatsApp settings: ``settings.KENTMASA_WHATSAPP`` over the environment variables."""
    defaults = {
        "VERIFY_TOKEN": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
        "APP_SECRET": os.environ.get("WHATSAPP_APP_SECRET", ""),
        "ACCESS_TOKEN": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
        "PHONE_NUMBERS": parse_map(os.environ.get("WHATSAPP_PHONE_NUMBERS", "")),
        "GRAPH_URL": os.environ.get("WHATSAPP_GRAPH_URL", DEFAULT_GRAPH_URL),
        "GRAPH_VERSION": os.environ.get("WHATSAPP_GRAPH_VERSION", DEFAULT_GRAPH_VERSION),
        "TEMPLATE_NAME": os.environ.get("WHATSAPP_TEMPLATE_NAME", ""),
        "TEMPLATE_LANGUAGE": os.environ.get("WHATSAPP_TEMPLATE_LANGUAGE", "tr"),
        "TEMPLATE_PARAMETER": os.environ.get("WHATSAPP_TEMPLATE_PARAMETER", ""),
        "TIMEOUT": float(os.environ.get("WHATSAPP_TIMEOUT", "15")),
    }
    return channel_settings("KENTMASA_WHATSAPP", defaults)


def graph_base(conf: dict) -> str:
    """The versioned Graph address every call starts from, e.g. ``https://graph.facebook.com/v26.0``."""
    url = str(conf.get("GRAPH_URL") or DEFAULT_GRAPH_URL).rstrip("/")
    if _VERSION_AT_END.search(url):
        return url
    version = str(conf.get("GRAPH_VERSION") or DEFAULT_GRAPH_VERSION).strip("/")
    return f"{url}/{version}"
