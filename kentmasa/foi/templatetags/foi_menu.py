"""The menu's "Bilgi edinme" link (templates/base.html): ``{% foi_menu as show %}``."""

from __future__ import annotations

from typing import Any

from django import template

from kentmasa.foi import access

register = template.Library()


@register.simple_tag(takes_context=True)
def foi_menu(context: Any) -> bool:
    """Whether the signed-in user may use the information service's pages (foi.access.may_use_pages)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and access.may_use_pages(user)
