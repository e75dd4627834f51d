"""The citizen's one-tap rating page (/degerlendir/<token>/), opened from the SMS or e-mail; no login.

The link works once and until it expires. A wrong, used or expired link gets a Turkish page saying so (404
or 410) and changes nothing; an address that tries many wrong links is locked out for a while, and POSTs
are rate-limited per address like the other citizen forms.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kentmasa.cases.views.public import limit_posts
from kentmasa.feedback import services
from kentmasa.feedback.forms import RatingForm
from kentmasa.lib import lockout
from kentmasa.lib.clientip import client_ip

WRONG_LINKS = 20  # wrong links from one address within LOCK_SECONDS lock it out for LOCK_SECONDS
LOCK_SECONDS = 60 * 60
STATUS = {"unknown": 404, "used": 410, "expired": 410, "locked": 429}


@never_cache
@require_http_methods(["GET", "POST"])
@limit_posts("rating:rate")
def rate(request: HttpRequest, token: str) -> HttpResponse:
    client = client_ip(request)
    if lockout.is_locked("rating-link", client):
        return _refused(request, "locked", "")
    try:
        call = services.find_link(token)
    except services.FeedbackError as error:
        if error.code == "unknown":
            lockout.record_failure(
                "rating-link",
                client,
                limit=WRONG_LINKS,
                window_seconds=LOCK_SECONDS,
                lock_seconds=LOCK_SECONDS,
            )
        return _refused(request, error.code, error.message)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.rate(
                token,
                score=form.cleaned_data["score"],
                unsolved=form.cleaned_data["unsolved"],
                comment=form.cleaned_data["comment"],
            )
        except services.FeedbackError as error:
            return _refused(request, error.code, error.message)
        return render(request, "feedback/rated.html", {"call": done, "institution": done.case.institution})
    return render(
        request,
        "feedback/rate.html",
        {"call": call, "case": call.case, "institution": call.case.institution, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _refused(request: HttpRequest, code: str, message: str) -> HttpResponse:
    response = render(
        request,
        "feedback/rate_refused.html",
        {"code": code, "message": message, "lock_minutes": LOCK_SECONDS // 60},
        status=STATUS.get(code, 400),
    )
    if code == "locked":
        response["Retry-After"] = str(LOCK_SECONDS)
    return response
