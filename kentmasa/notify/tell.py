"""The one way to tell members of staff something.

``tell`` writes, in one transaction, a Notification per person (in the app, always) and a Delivery per
further medium, chosen from the person's own Preference for the kind, else their institution's default for
their role (then for every role), else the kind's defaults (kentmasa.notify.kinds). A medium is only used
when it can reach the person: Web Push needs a push subscription, SMS a mobile number, e-mail an address; a
kind with ``sms_fallback`` goes by SMS when push was wanted but the person has no subscription. During the
person's quiet hours non-critical deliveries wait until the quiet hours end. A deputy (vekâlet) active at
the time is told instead of the person they stand in for. One internal event on the case's timeline names
who was told by what. The deliveries are handed to the worker after the transaction commits
(kentmasa.notify.delivery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases.models import Case, Channel
from kentmasa.directory.models import Unit, User
from kentmasa.notify import live
from kentmasa.notify.kinds import EMAIL, KINDS, MEDIA, MEDIUM_LABELS, PUSH, SMS, Kind
from kentmasa.notify.models import (
    Delivery,
    Deputy,
    InstitutionDefault,
    Notification,
    Preference,
    PushSubscription,
    StaffSettings,
)

TEXT_LIMIT = 300  # Notification.text
LINK_LIMIT = 500  # Notification.link


@dataclass
class _Recipient:
    user: User
    on_behalf_of: User | None = None
    media: list[str] = field(default_factory=list)
    not_before: dt.datetime | None = None  # the end of their quiet hours, when the deliveries wait


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown notification kind: {kind!r}") from None


def _distinct_active(users: Iterable[User], actor: User | None) -> list[User]:
    seen: set[int] = set()
    people = []
    given: Iterable[User | None] = users  # a caller may pass a case's missing assignee
    for user in given:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if actor is not None and user.pk == actor.pk:
            continue  # nobody is told what they did themselves
        seen.add(user.pk)
        people.append(user)
    return people


def _stand_ins(people: list[User], now: dt.datetime) -> dict[int, User]:
    """principal id → the active deputy standing in for them at ``now`` (the latest named wins)."""
    if not people:
        return {}
    deputies = (
        Deputy.objects.filter(
            principal_id__in=[user.pk for user in people], starts_at__lte=now, ends_at__gt=now
        )
        .select_related("deputy")
        .order_by("principal_id", "-starts_at", "-pk")
    )
    found: dict[int, User] = {}
    for row in deputies:
        if row.principal_id not in found and row.deputy.is_active:
            found[row.principal_id] = row.deputy
    return found


def _recipients(people: list[User], actor: User | None, now: dt.datetime) -> list[_Recipient]:
    """Each person, or their deputy in their stead; one entry per person told (told for themselves first)."""
    deputies = _stand_ins(people, now)
    direct = {user.pk for user in people}
    recipients: list[_Recipient] = []
    taken: set[int] = set()
    for user in people:
        deputy = deputies.get(user.pk)
        if deputy is None:
            recipient = _Recipient(user)
        elif deputy.pk in direct or (actor is not None and deputy.pk == actor.pk):
            continue  # the deputy is told anyway (for themselves), or did it themselves
        else:
            recipient = _Recipient(deputy, on_behalf_of=user)
        if recipient.user.pk not in taken:
            taken.add(recipient.user.pk)
            recipients.append(recipient)
    return recipients


def _wanted_media(recipients: list[_Recipient], kind: Kind) -> dict[int, set[str]]:
    """user id → the media they want for this kind: their preference, their institution's default for
    their role, for every role, or the kind's defaults."""
    ids = [r.user.pk for r in recipients]
    own = {p.user_id: p for p in Preference.objects.filter(user_id__in=ids, kind=kind.name)}
    institutions = {r.user.institution_id for r in recipients if r.user.institution_id}
    defaults: dict[tuple[int | None, str], InstitutionDefault] = {
        (d.institution_id, d.role): d
        for d in InstitutionDefault.objects.filter(institution_id__in=institutions, kind=kind.name)
    }
    wanted: dict[int, set[str]] = {}
    for r in recipients:
        user = r.user
        choice = (
            own.get(user.pk)
            or defaults.get((user.institution_id, user.role))
            or defaults.get((user.institution_id, ""))
        )
        if choice is None:
            wanted[user.pk] = set(kind.media_for(user.role))
        else:
            flags = {PUSH: choice.push, SMS: choice.sms, EMAIL: choice.email}
            wanted[user.pk] = {medium for medium, on in flags.items() if on}
    return wanted


def _choose_media(recipients: list[_Recipient], kind: Kind) -> None:
    """Set each recipient's media: what they want, as far as it can reach them."""
    wanted = _wanted_media(recipients, kind)
    ids = [r.user.pk for r in recipients]
    subscribed = set(
        PushSubscription.objects.filter(user_id__in=ids).values_list("user_id", flat=True).distinct()
    )
    for r in recipients:
        want = wanted[r.user.pk]
        can = {
            PUSH: r.user.pk in subscribed,
            SMS: bool(r.user.mobile),
            EMAIL: bool(r.user.email),
        }
        media = {medium for medium in want if can[medium]}
        if kind.sms_fallback and PUSH in want and not can[PUSH] and can[SMS]:
            media.add(SMS)
        r.media = [medium for medium in MEDIA if medium in media]


def quiet_until(quiet_from: dt.time | None, quiet_to: dt.time | None, now: dt.datetime) -> dt.datetime | None:
    """When quiet hours (``quiet_from``–``quiet_to`` local time, may cross midnight) that hold ``now`` end;
    None when ``now`` is not in them (or none are set)."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return None
    local = timezone.localtime(now)
    clock = local.time().replace(tzinfo=None)
    today = local.date()
    if quiet_from < quiet_to:  # e.g. 12:00–13:00
        if not quiet_from <= clock < quiet_to:
            return None
        end_day = today
    else:  # e.g. 22:00–07:00
        if quiet_to <= clock < quiet_from:
            return None
        end_day = today if clock < quiet_to else today + dt.timedelta(days=1)
    end = timezone.make_aware(dt.datetime.combine(end_day, quiet_to))
    return end if end > now else None


def _apply_quiet_hours(recipients: list[_Recipient], kind: Kind, now: dt.datetime) -> None:
    if kind.critical:
        return  # critical kinds go at once, at any hour
    ids = [r.user.pk for r in recipients if r.media]
    if not ids:
        return
    quiet = {
        s.user_id: s
        for s in StaffSettings.objects.filter(
            user_id__in=ids, quiet_from__isnull=False, quiet_until__isnull=False
        )
    }
    for r in recipients:
        staff_settings = quiet.get(r.user.pk)
        if staff_settings is not None:
            r.not_before = quiet_until(staff_settings.quiet_from, staff_settings.quiet_until, now)


def _who(recipient: _Recipient) -> str:
    name = recipient.user.get_full_name() or recipient.user.username
    if recipient.on_behalf_of is not None:
        principal = recipient.on_behalf_of.get_full_name() or recipient.on_behalf_of.username
        name = _("%(deputy)s for %(principal)s") % {"deputy": name, "principal": principal}
    media = [str(MEDIUM_LABELS[medium]) for medium in recipient.media] or [_("in the app only")]
    if recipient.not_before is not None:
        media.append(
            _("after quiet hours, %(time)s")
            % {"time": timezone.localtime(recipient.not_before).strftime("%H:%M")}
        )
    return f"{name} ({', '.join(media)})"


def _enqueue_after_commit(deliveries: list[Delivery]) -> None:
    from kentmasa.notify.delivery import enqueue

    if deliveries:
        transaction.on_commit(lambda: enqueue(deliveries))


def shown_subject(case: Case) -> str:
    """A case's subject as a notification may show it (push, SMS, e-mail, the inbox): a KADES case's words
    never, since a phone's lock screen or a shared mailbox shows the text."""
    if case.channel == Channel.KADES:
        return _("KADES alert")
    return case.subject


def tell(
    users: Iterable[User],
    kind: str,
    text: str,
    *,
    case: Case | None = None,
    link: str = "",
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Tell each user (once; deputies stand in; the actor and inactive users are skipped).

    Returns the notifications written (none when nobody was left to tell).
    """
    spec = _kind(kind)
    now = now or timezone.now()
    recipients = _recipients(_distinct_active(users, actor), actor, now)
    if not recipients:
        return []
    _choose_media(recipients, spec)
    _apply_quiet_hours(recipients, spec, now)
    text = text.strip()[:TEXT_LIMIT]
    link = link[:LINK_LIMIT]
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            [
                Notification(
                    user=r.user,
                    case=case,
                    kind=spec.name,
                    text=text,
                    link=link,
                    critical=spec.critical,
                    on_behalf_of=r.on_behalf_of,
                    created_at=now,
                )
                for r in recipients
            ]
        )
        live.publish_notifications(notifications)
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(notification=notification, medium=medium, next_attempt_at=r.not_before or now)
                for r, notification in zip(recipients, notifications, strict=True)
                for medium in r.media
            ]
        )
        if case is not None:
            from kentmasa.cases import services

            services.record_event(
                case,
                "notified",
                note=_("Notified: %(who)s") % {"who": "; ".join(_who(r) for r in recipients)},
                data={
                    "kind": spec.name,
                    "users": [r.user.pk for r in recipients],
                    "notifications": [n.pk for n in notifications],
                },
                now=now,
            )
        _enqueue_after_commit(deliveries)
    return notifications


def tell_unit_mailbox(unit: Unit, kind: str, subject: str, text: str, *, case: Case | None = None) -> None:
    """An e-mail to a unit's own address (Unit.email), recorded as a Notification without a user.

    Nothing is written when the unit has no e-mail address. ``subject`` is the notification's text (what
    the timeline and the admin show); ``text`` is the e-mail's body.
    """
    spec = _kind(kind)
    if not unit.email:
        return
    now = timezone.now()
    with transaction.atomic():
        notification = Notification.objects.create(
            user=None,
            address=unit.email,
            case=case,
            kind=spec.name,
            text=subject.strip()[:TEXT_LIMIT],
            body=text,
            link=reverse("cases:detail", args=[case.tracking_number])
            if case and case.tracking_number
            else "",
            critical=spec.critical,
            created_at=now,
        )
        delivery = Delivery.objects.create(notification=notification, medium=EMAIL, next_attempt_at=now)
        if case is not None:
            from kentmasa.cases import services

            services.record_event(
                case,
                "notified",
                note=_("Notified: %(who)s") % {"who": f"{unit.name} <{unit.email}> ({MEDIUM_LABELS[EMAIL]})"},
                data={
                    "kind": spec.name,
                    "users": [],
                    "address": unit.email,
                    "notifications": [notification.pk],
                },
                now=now,
            )
        _enqueue_after_commit([delivery])
