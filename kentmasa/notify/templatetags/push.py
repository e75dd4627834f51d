"""``{% push_button %}``: the header's "Bildirimleri aç / kapat" button, when Web Push is configured."""

from typing import Any

from django import template

from kentmasa.notify.webpush import vapid_public_key

register = template.Library()


@register.inclusion_tag("notify/push_button.html", takes_context=True)
def push_button(context: template.Context) -> dict[str, Any]:
    """The button and its script for a signed-in user; nothing without VAPID keys (nobody could subscribe).

    kentmasa/static/kentmasa/push.js shows it only in browsers that have a PushManager.
    """
    user = context.get("user")
    return {
        "key": vapid_public_key() if user is not None and user.is_authenticated else "",
        "user": user,
        "csrf_token": context.get("csrf_token", ""),
    }
