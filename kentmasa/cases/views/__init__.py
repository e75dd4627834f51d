"""The screens of the cases app: the staff screens (console, queue, case) and the citizen pages (public.py).

Shared here: the staff login guard, the home page that sends each role to the screen it works in, and
the small helpers the staff screens have in common (remaining time in the reader's language, map points).
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import get_language

from kentmasa.deadlines import Remaining
from kentmasa.directory.models import User

R = User.Role
# The roles that take calls and messages start at the console; administrators at the overview.
CONSOLE_HOME = {R.OPERATOR, R.POLICE_OPERATOR, R.FEEDBACK_OPERATOR}
OVERVIEW_HOME = {R.ADMINISTRATOR}

# Named explicitly so the staff screens send people to /giris/ whatever settings.LOGIN_URL says.
staff_required = login_required(login_url=reverse_lazy("cases:login"))


class StaffRequest(HttpRequest):
    """A request past `staff_required`, whose user is a member of staff. Only the type checker sees it:
    views behind the guard take it instead of `HttpRequest`, whose user may be anonymous."""

    user: User


@staff_required
def home(request: StaffRequest) -> HttpResponse:
    role = request.user.role
    if role in CONSOLE_HOME:
        return redirect("cases:console")
    if role in OVERVIEW_HOME:
        return redirect("reports:overview")
    return redirect("cases:queue")


def describe_remaining(remaining: Remaining | None) -> str:
    """'3 iş günü kaldı' in Turkish, '3 working days left' in English; empty without a deadline."""
    if remaining is None:
        return ""
    return remaining.describe_en() if (get_language() or "tr").startswith("en") else remaining.describe_tr()


def map_config(
    points: Iterable[Mapping[str, Any]] = (),
    *,
    center: Sequence[Any] | None = None,
    editable: bool = False,
) -> dict[str, Any]:
    """What kentmasa/app.js needs to draw a Leaflet map: tiles (none offline), points, a centre."""
    return {
        "tiles": settings.KENTMASA_MAP_TILES,
        "points": [
            {"lat": float(p["latitude"]), "lon": float(p["longitude"]), "label": p.get("label", "")}
            for p in points
        ],
        "center": [float(center[0]), float(center[1])] if center else None,
        "editable": editable,
    }
