"""The e-mail digest of new cases: for unit staff and managers who chose it (StaffSettings.digest), hourly
or daily, the cases still new that entered their units since the last digest.

A new case is not a notification to every member of its unit: at ten million cases that would be a hundred
million rows. The queue and the header count show new cases; this e-mail lists them for those who want it.

:func:`send_digests` (a periodic task) finds who is due, through the index on (digest, digest_sent_at), and
claims each person by one conditional UPDATE of ``digest_sent_at`` from the value it read, so two workers
never send the same digest. A case "entered" the units when it was received, transferred or
re-categorised into them after the last digest and is still new. At most :data:`LISTED` cases are listed,
with the total. Nobody is mailed when nothing is new; a mail server that is down gives the claim back, so
the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext
from django_tasks import task

from kentmasa.cases.models import Case, Event, Status
from kentmasa.directory.models import User
from kentmasa.lib.outbound import SendError
from kentmasa.notify.delivery import absolute
from kentmasa.notify.models import StaffSettings
from kentmasa.notify.tell import shown_subject

log = logging.getLogger(__name__)

LISTED = 50  # cases listed in one digest; the total says how many more
TOTAL_CAP = 10_000  # the total is counted this far
BATCH = 200  # people handled in one run; the rest are due in the next
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# Events that move a case into a unit after it was received.
ENTERING = ("transfer", "categorise")


def daily_moment(now: dt.datetime) -> dt.datetime:
    """Today's time for daily digests (KENTMASA_DIGEST_HOUR, local time)."""
    hour = int(getattr(settings, "KENTMASA_DIGEST_HOUR", 8))
    local = timezone.localtime(now)
    return timezone.make_aware(dt.datetime.combine(local.date(), dt.time(hour)))


def due(now: dt.datetime) -> QuerySet[StaffSettings]:
    """Who is due a digest now: hourly an hour after the last one; daily once a day after its hour."""
    hourly = Q(digest=StaffSettings.Digest.HOURLY) & (
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - HOUR)
    )
    moment = daily_moment(now)
    daily = Q(digest=StaffSettings.Digest.DAILY) & (
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=moment)
    )
    rows = (
        StaffSettings.objects.filter(hourly | daily)
        if now >= moment
        else StaffSettings.objects.filter(hourly)
    )
    return rows.filter(user__is_active=True, user__role__in=User.UNIT_ROLES).select_related("user")


def _claim(row: StaffSettings, now: dt.datetime) -> bool:
    """Take this person's digest for this worker: only if nobody changed digest_sent_at since it was read."""
    same = StaffSettings.objects.filter(pk=row.pk, digest=row.digest)
    same = (
        same.filter(digest_sent_at__isnull=True)
        if row.digest_sent_at is None
        else same.filter(digest_sent_at=row.digest_sent_at)
    )
    return bool(same.update(digest_sent_at=now))


def _give_back(row: StaffSettings, claimed_at: dt.datetime) -> None:
    StaffSettings.objects.filter(pk=row.pk, digest_sent_at=claimed_at).update(
        digest_sent_at=row.digest_sent_at
    )


def new_cases(user: User, since: dt.datetime) -> QuerySet[Case]:
    """The user's units' cases still new that entered them after ``since`` (newest first)."""
    units = user.scoped_unit_ids
    if not units:
        return Case.objects.none()
    moved_in = Event.objects.filter(case=OuterRef("pk"), action__in=ENTERING, at__gt=since)
    return (
        Case.objects.filter(unit_id__in=units, status=Status.NEW)
        .filter(Q(received_at__gt=since) | Exists(moved_in))
        .order_by("-received_at", "-pk")
    )


def compose(user: User, since: dt.datetime) -> tuple[str, str, str] | None:
    """The digest's subject, text and HTML, or None when nothing new entered the user's units."""
    cases = new_cases(user, since)
    listed = list(cases.select_related("unit", "category")[:LISTED])
    if not listed:
        return None
    total = len(listed) if len(listed) < LISTED else cases.order_by()[:TOTAL_CAP].count()
    rows = [
        {
            "case": case,
            "subject": shown_subject(case),
            "url": absolute(reverse("cases:detail", args=[case.tracking_number])),
        }
        for case in listed
    ]
    context = {
        "user": user,
        "rows": rows,
        "total": total,
        "more": total - len(listed),
        "since_text": timezone.localtime(since).strftime("%d.%m.%Y %H:%M"),
        "queue_url": absolute(reverse("cases:queue")),
        "settings_url": absolute(reverse("notify:preferences")),
    }
    subject = ngettext(
        "kentmasa: %(count)s new case in your units",
        "kentmasa: %(count)s new cases in your units",
        total,
    ) % {"count": total if total < TOTAL_CAP else f"{TOTAL_CAP}+"}
    return (
        subject,
        render_to_string("notify/digest.txt", context),
        render_to_string("notify/digest.html", context),
    )


def send_one(row: StaffSettings, now: dt.datetime) -> bool:
    """Claim and send one person's digest. True when an e-mail went."""
    from kentmasa.lib import mail

    if not _claim(row, now):
        return False  # another worker has it
    user = row.user
    window = HOUR if row.digest == StaffSettings.Digest.HOURLY else DAY
    since = row.digest_sent_at or now - window
    if not user.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        parts = compose(user, since)
    if parts is None:
        return False
    subject, text, html = parts
    try:
        mail.send(user.email, subject, text, html=html)
    except SendError as error:
        if not error.permanent:
            _give_back(row, now)  # tried again on the next run
        log.warning("digest for user %s not sent: %s", user.pk, error)
        return False
    return True


@task()
def send_digests() -> int:
    """Periodic: send every due digest (at most BATCH people a run). Returns how many e-mails went."""
    now = timezone.now()
    rows = list(due(now).order_by("digest_sent_at", "pk")[:BATCH])
    return sum(1 for row in rows if send_one(row, now))
