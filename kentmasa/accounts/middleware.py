"""Keep a signed-in session to what it may do until its two-factor sign-in is complete.

* A user with an authenticator whose session has not passed the code step (a session made by anything
  but kentmasa's two-step log-in, e.g. an older session from before enrolment) is signed out and sent to
  the log-in: there is no way in without the code.
* A user who must use two-factor sign-in (kentmasa.accounts.services.must_use_two_factor) and has not set
  it up reaches only the enrolment pages, logging out, the language switch and static files.

Requests without a session user (the API's bearer tokens, the wall screens' kiosk links, the public
pages) pass untouched; so do static files, the service worker and the web app's manifest. Pages answer
with a redirect, JSON and API calls with a 403 that says why.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kentmasa.accounts import services
from kentmasa.directory.models import User

ALWAYS_OPEN = ("/sw.js", "/manifest.webmanifest", "/favicon.ico", "/i18n/")


def _open(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path.startswith(ALWAYS_OPEN)


def _wants_page(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if "/api/" in request.path or request.path.startswith("/canli/"):
        return False
    accept = request.headers.get("Accept", "")
    return not accept or "html" in accept or "*/*" in accept


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if isinstance(user, User) and not _open(request.path):  # AnonymousUser is no User
            refused = self._refusal(request, user)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refusal(self, request: HttpRequest, user: User) -> HttpResponseBase | None:
        state = services.session_state(request, user)
        if state["verified"]:
            return None
        if state["device"]:
            logout(request)
            return self._answer(
                request,
                f"{reverse('cases:login')}?{urlencode({'next': request.get_full_path()})}",
                _("Sign in again with your password and your two-factor code."),
            )
        if state["required"] and request.path not in self._enrolment_paths():
            return self._answer(
                request,
                reverse("accounts:enrol"),
                _("Set up two-factor sign-in first: your role requires it."),
            )
        return None

    @staticmethod
    def _enrolment_paths() -> set[str]:
        return {
            reverse("accounts:enrol"),
            reverse("accounts:recovery_codes"),
            reverse("cases:logout"),
            reverse("admin:logout"),
        }

    @staticmethod
    def _answer(request: HttpRequest, location: str, message: str) -> HttpResponse:
        if _wants_page(request):
            return redirect(location)
        return JsonResponse({"detail": message, "code": "two_factor"}, status=403)
