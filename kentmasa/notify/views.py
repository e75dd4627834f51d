"""A member of staff's own notifications: the inbox (open one, mark all read), their settings (which kinds
by which media, quiet hours, the digest, their mobile number) and their deputies (vekâlet).

Every page shows only the signed-in user's own rows; anyone else's notification or deputy is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kentmasa.cases.queries import page_from
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.models import User
from kentmasa.lib.edge import KEY_RANGE
from kentmasa.notify.context import counts
from kentmasa.notify.forms import DeputyForm, PreferencesForm
from kentmasa.notify.models import Deputy, Notification, PushSubscription

PAGE = 30
MY_DEPUTY_ROWS = 50


def is_local(link: str) -> bool:
    """A path on this site ("/vaka/…/"), never another host ("//evil", "https://…", "javascript:")."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and "\\" not in link
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    )


@staff_required
@require_GET
def inbox(request: StaffRequest) -> HttpResponse:
    """My notifications, newest first, PAGE at a time (unread ones marked); ?unread=1 for unread only.
    Keyset pages along notification_inbox (user, created_at, id) or notification_unread: any page costs
    what the first does."""
    unread_only = request.GET.get("unread") == "1"
    rows = Notification.objects.filter(user=request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = page_from(
        request.GET, rows.select_related("case", "on_behalf_of"), "created_at", size=PAGE, descending=True
    )
    return render(
        request,
        "notify/inbox.html",
        {
            "notifications": page.rows,
            "page": page,
            "filter_query": "unread=1" if unread_only else "",
            "unread_only": unread_only,
        },
    )


def _own_notification(request: StaffRequest, notification_id: int) -> Notification:
    if notification_id not in KEY_RANGE:
        raise Http404
    notification = Notification.objects.filter(pk=notification_id, user=request.user).first()
    if notification is None:
        raise Http404
    return notification


@require_GET
def header_counts(request: HttpRequest) -> JsonResponse:
    """The header's counts as JSON, for a live page to update them without a reload (kentmasa/live.js):
    unread notifications and, for unit staff and managers, the new cases in their queues (None for other
    roles). Bounded like the header (notify.context.CAP). A signed-out or switched-off user gets a 401."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        answer = JsonResponse({"error": "login required"}, status=401)
    else:
        found = counts(user)
        answer = JsonResponse(
            {
                "unread": found.unread,
                "unread_label": found.unread_label,
                "queue_new": found.queue_new,
                "queue_new_label": found.queue_new_label if found.queue_new is not None else None,
            }
        )
    answer["Cache-Control"] = "no-store"
    return answer


@staff_required
@require_GET
def open_notification(request: StaffRequest, notification_id: int) -> HttpResponse:
    """Mark one of my notifications read and go where it points (a path on this site; else the inbox)."""
    notification = _own_notification(request, notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    if notification.link and is_local(notification.link):
        return HttpResponseRedirect(notification.link)
    return redirect("notify:inbox")


@staff_required
@require_POST
def mark_all_read(request: StaffRequest) -> HttpResponse:
    marked = Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notify:inbox")


@staff_required
@require_http_methods(["GET", "POST"])
def preferences(request: StaffRequest) -> HttpResponse:
    """Which kinds reach me by which media, my quiet hours, the digest and my mobile number."""
    user = request.user
    form = PreferencesForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notify:preferences")
    context: dict[str, Any] = {
        "form": form,
        "rows": form.rows(),
        "has_push": PushSubscription.objects.filter(user=user).exists(),
        "has_email": bool(user.email),
    }
    return render(request, "notify/preferences.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def deputies(request: StaffRequest) -> HttpResponse:
    """Name a deputy for a period; the deputies I have named and those I stand in for (current and later)."""
    user = request.user
    form = DeputyForm(request.POST or None, principal=user)
    if request.method == "POST" and form.is_valid():
        deputy = form.save()
        messages.success(
            request,
            _("%(name)s stands in for you from %(start)s until %(end)s.")
            % {
                "name": deputy.deputy.get_full_name() or deputy.deputy.username,
                "start": timezone.localtime(deputy.starts_at).strftime("%d.%m.%Y %H:%M"),
                "end": timezone.localtime(deputy.ends_at).strftime("%d.%m.%Y %H:%M"),
            },
        )
        return redirect("notify:deputies")
    now = timezone.now()
    mine = (
        Deputy.objects.filter(principal=user, ends_at__gt=now)
        .select_related("deputy")
        .order_by("starts_at", "pk")[:MY_DEPUTY_ROWS]
    )
    standing_in = (
        Deputy.objects.filter(deputy=user, ends_at__gt=now)
        .select_related("principal")
        .order_by("starts_at", "pk")[:MY_DEPUTY_ROWS]
    )
    return render(
        request,
        "notify/deputies.html",
        {"form": form, "mine": list(mine), "standing_in": list(standing_in), "now": now},
    )


@staff_required
@require_POST
def delete_deputy(request: StaffRequest, deputy_id: int) -> HttpResponse:
    """End one of the deputies I named (only mine)."""
    if deputy_id not in KEY_RANGE:
        raise Http404
    deleted, _rows = Deputy.objects.filter(pk=deputy_id, principal=request.user).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("The deputy is removed."))
    return redirect("notify:deputies")
