"""The field app on the phone, under /saha/: one page (the shell) that kentmasa/field.js fills from the JSON
API (kentmasa.field.api_views, /saha/api/...) and from what the phone keeps, and the app's own manifest.

The shell holds no work order: the service worker (section 4 of notify/sw.js) keeps a copy of it and of the
static files, so the app opens in a basement without signal and shows the day's work from the phone's copy
of /saha/api/isler/. What the team does there (set out, arrived, photos, notes, done…) waits in the
phone's IndexedDB, each with an id made on the phone, and is sent when the connection returns; a device
token (asked once after sign-in) sends it when the session has expired meanwhile.

Every text the script shows comes from here, in the page's language (``texts``), as a JSON block.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from kentmasa.cases.models import Priority
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import Team, User
from kentmasa.field.models import WorkOrder
from kentmasa.field.opening import may_work_in_the_field
from kentmasa.field.review import led_teams
from kentmasa.notify.push_views import BACKGROUND_COLOUR, THEME_COLOUR

# How often the phone sends its position while a team of the user is on duty and the app is open, unless
# the API says otherwise ("position_every" of /saha/api/isler/).
POSITION_EVERY_SECONDS = 30
# The resize on the phone before a photo is queued (issue 14: a 12 MP photo must not cost 5 MB).
PHOTO_LONG_EDGE = 1600
PHOTO_QUALITY = 0.8


def field_teams(user: User) -> list[Team]:
    """The active field teams ``user`` belongs to, as a member or as its leader."""
    if not user.is_active or user.role != User.Role.FIELD_TEAM:
        return []
    led = Team.objects.filter(kind=Team.Kind.FIELD, active=True, leader=user)
    member = Team.objects.filter(kind=Team.Kind.FIELD, active=True, members=user)
    return list((led | member).distinct().order_by("name", "pk"))


def texts() -> dict[str, Any]:
    """What field.js writes on the page, translated."""
    return {
        "online": pgettext("field app", "Online"),
        "offline": pgettext("field app", "Offline"),
        "waiting": pgettext("field app", "Waiting to be sent: %(count)s"),
        "all_sent": pgettext("field app", "Everything has been sent."),
        "sending": pgettext("field app", "Sending…"),
        "kept": pgettext("field app", "No connection: kept on the phone, sent when the connection returns."),
        "server_error": pgettext("field app", "The server did not answer; it tries again."),
        "signed_out": pgettext(
            "field app",
            "Signed out: what waits is sent with this phone's device key. Sign in again to see new work.",
        ),
        "no_device": pgettext(
            "field app", "Signed out, and this phone has no device key: sign in again to send what waits."
        ),
        "no_work": pgettext("field app", "No work for today."),
        "reported_list": pgettext("field app", "Reported to the unit"),
        "due": pgettext("field app", "Due %(date)s"),
        "late": pgettext("field app", "late"),
        "km": _("%(km)s km"),
        "m": pgettext("field app", "%(m)s m"),
        "updated": pgettext("field app", "Last updated %(date)s"),
        "from_copy": pgettext("field app", "Shown from the phone's copy."),
        "navigate": pgettext("field app", "Navigate"),
        "call": pgettext("field app", "Call %(name)s"),
        "citizen": pgettext("field app", "the citizen"),
        "citizen_photos": pgettext("field app", "Citizen's photos"),
        "instructions": pgettext("field app", "The unit's instructions"),
        "machines": pgettext("field app", "Machines"),
        "assignee": pgettext("field app", "Given to %(name)s"),
        "whole_team": pgettext("field app", "Given to the whole team"),
        "set_out": pgettext("field app", "Set out"),
        "arrived": pgettext("field app", "Arrived"),
        "before": pgettext("field app", "Before"),
        "after": pgettext("field app", "After"),
        "before_photo": pgettext("field app", "Before photo"),
        "after_photo": pgettext("field app", "After photo"),
        "note": _("Note"),
        "save_note": pgettext("field app", "Save the note"),
        "finish": pgettext("field app", "Finish the work"),
        "done": pgettext("field app", "Completed"),
        "failed": pgettext("field app", "Could not be done"),
        "other_team": pgettext("field app", "Another team needed"),
        "reason": _("Reason"),
        "choose_reason": pgettext("field app", "Choose a reason."),
        "explanation": pgettext("field app", "Explanation"),
        "write_note": pgettext("field app", "Write the note first."),
        "other_team_text": pgettext("field app", "Write why another team is needed."),
        "reported": pgettext("field app", "Reported to the unit."),
        "pending": pgettext("field app", "waiting to be sent"),
        "back": pgettext("field app", "Back to the list"),
        "here": pgettext("field app", "You are here"),
        "on_duty": pgettext("field app", "On duty"),
        "off_duty": _("Off duty"),
        "start_duty": pgettext("field app", "Start duty"),
        "end_duty": pgettext("field app", "End duty"),
        "duty_needs_network": pgettext("field app", "Changing the duty status needs a connection."),
        "position_sent": _("Position sent."),
        "position_denied": _(
            "The phone does not allow this page to read its position: allow it in the browser settings."
        ),
        "position_unsupported": _("This browser cannot read the position."),
        "photo_unreadable": pgettext("field app", "The photo could not be read."),
        "photo_from_photo": pgettext("field app", "place from the photo"),
        "photo_from_phone": pgettext("field app", "place from the phone"),
        "photo_no_place": pgettext("field app", "no place"),
        "photo_queued": pgettext("field app", "%(count)s photos kept, sent when possible."),
        "queued": pgettext("field app", "Kept, sent when possible."),
        "not_applied": pgettext("field app", "Not applied"),
        "seen": pgettext("field app", "Seen"),
        "again": pgettext("field app", "Send again"),
        "earlier": pgettext("field app", "Seen earlier"),
        "kind_call": pgettext("field app", "Call"),
        "kind_note": _("Note"),
        "kind_photo": _("Photo"),
        "work_order": pgettext("field app", "Work order %(number)s"),
        "write_report": pgettext("field app menu", "Write a report"),
        "needs_network": pgettext(
            "field app", "No connection: this page needs the network. Try again when the signal returns."
        ),
        "not_found": pgettext("field app", "This work order is no longer on your list."),
        "statuses": {value: str(label) for value, label in WorkOrder.Status.choices},
        "priorities": {str(value): str(label) for value, label in Priority.choices},
    }


def menu(user: User) -> list[dict[str, str]]:
    """The office pages the app's header menu leads to (network pages: field.js stops them offline)."""
    links = []
    if may_work_in_the_field(user):
        links.append(
            {
                "id": "menu-new-case",
                "url": reverse("field:office_new_case"),
                "label": pgettext("field app menu", "New case"),
            }
        )
        links.append(
            {
                "id": "menu-visits",
                "url": reverse("field:office_visits"),
                "label": pgettext("field app menu", "Visit log"),
            }
        )
    if led_teams(user).exists():
        links.append(
            {
                "id": "menu-team",
                "url": reverse("field:office_leader"),
                "label": pgettext("field app menu", "My team"),
            }
        )
    return links


@require_safe
@staff_required
def app(request: StaffRequest) -> HttpResponse:
    """The phone app's shell: for a member or leader of a field team, else a page saying who it is for."""
    teams = field_teams(request.user)
    if not teams:
        return render(request, "field/app_none.html", status=403)
    base = reverse("field:app")
    context = {
        "texts": texts(),
        "teams": teams,
        "menu": menu(request.user),
        "urls": {
            "list": f"{base}api/isler/",
            "actions": f"{base}api/eylem/",
            "photo": f"{base}api/foto/",
            "position": f"{base}api/konum/",
            "duty": f"{base}api/durum/",
            "device": f"{base}api/cihaz/",
            "login": f"{reverse('cases:login')}?next={base}",
            "worker": reverse("service_worker"),
        },
        "every_seconds": POSITION_EVERY_SECONDS,
        "long_edge": PHOTO_LONG_EDGE,
        "quality": PHOTO_QUALITY,
        "time_zone": settings.TIME_ZONE,
        "tiles": settings.KENTMASA_MAP_TILES,
    }
    response = render(request, "field/app.html", context)
    # The service worker keeps its own copy (network first); the browser's HTTP cache keeps none, so a
    # signed-out phone never sees another user's shell.
    patch_cache_control(response, no_cache=True, max_age=0, private=True)
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The field app's web app manifest: installs /saha/ on the phone's home screen as an app of its own
    (the site's manifest at /manifest.webmanifest installs the staff screens)."""
    with translation.override(settings.LANGUAGE_CODE):
        name = pgettext("field app", "kentmasa Field")
        short_name = pgettext("field app", "Field")
        description = pgettext("field app", "Today's work orders for field teams, also without signal")
        shortcut = pgettext("field app", "Today's work")
    base = reverse("field:app")
    icons = [
        {"src": static(f"kentmasa/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    data = {
        "name": name,
        "short_name": short_name,
        "description": description,
        "lang": settings.LANGUAGE_CODE,
        "dir": "ltr",
        "id": base,
        "start_url": base,
        "scope": base,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [*icons, *({**icon, "purpose": "maskable"} for icon in icons)],
        "shortcuts": [{"name": shortcut, "url": base, "icons": icons[:1]}],
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, no_cache=True, max_age=0)
    return response
