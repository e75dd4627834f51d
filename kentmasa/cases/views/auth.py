"""Staff log-in, with password guessing limited per client address and per user name.

Every log-in POST counts, right or wrong: KENTMASA_LOGIN_RATE_PER_IP from one address (so one machine
cannot try many names) and KENTMASA_LOGIN_RATE_PER_USERNAME for one name (so many machines cannot try one
name). Past either limit the answer is 429 and the password is not even checked. The user name is folded
the Turkish way, so "AYSE", "ayşe" and "Ayşe" share a counter. The same guard covers the admin's log-in.
Every refusal is a sign-in event of the name tried (kentmasa.accounts).
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from kentmasa.accounts import services as accounts
from kentmasa.accounts.views import PasswordStepView
from kentmasa.lib import turkish
from kentmasa.lib.lockout import rate_seconds

logger = logging.getLogger(__name__)


def _rate_per_ip(group: str, request: HttpRequest) -> str:
    return settings.KENTMASA_LOGIN_RATE_PER_IP


def _rate_per_username(group: str, request: HttpRequest) -> str:
    return settings.KENTMASA_LOGIN_RATE_PER_USERNAME


def _username(group: str, request: HttpRequest) -> str:
    return turkish.fold(request.POST.get("username", ""))[:150]


def login_rate_limited(request: HttpRequest, rate: str) -> HttpResponse:
    """The 429 page, asking to wait out the period of the limit that was reached."""
    wait = rate_seconds(rate)
    response = render(
        request, "registration/rate_limited.html", {"wait_minutes": max(1, wait // 60)}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def limit_logins(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Answer 429 instead of running ``view`` for a POST past the per-address or per-name limit."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            # Both counters always advance, so neither limit can be dodged by tripping the other.
            by_ip = is_ratelimited(
                request, group="login:ip", key="ip", rate=_rate_per_ip, method="POST", increment=True
            )
            by_name = is_ratelimited(
                request,
                group="login:username",
                key=_username,
                rate=_rate_per_username,
                method="POST",
                increment=True,
            )
            if by_ip or by_name:
                logger.warning("log-in rate limit reached (%s)", "address" if by_ip else "user name")
                rates = []
                if by_ip:
                    rates.append(settings.KENTMASA_LOGIN_RATE_PER_IP)
                if by_name:
                    rates.append(settings.KENTMASA_LOGIN_RATE_PER_USERNAME)
                accounts.rate_limited(request, str(request.POST.get("username", "")))
                return login_rate_limited(request, max(rates, key=rate_seconds))
        return view(request, *args, **kwargs)

    return wrapped


# The password step; a user with two-factor sign-in goes on to the code step (kentmasa.accounts.views).
login = limit_logins(PasswordStepView.as_view(redirect_authenticated_user=True, next_page="cases:home"))
