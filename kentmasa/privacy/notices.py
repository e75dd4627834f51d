"""Privacy notices (KVKK m.10): the current version per channel, the built-in default text, and the record of
which version each case's applicant was shown (NoticeShown, written in the case's opening transaction).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case as DbCase
from django.db.models import IntegerField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from kentmasa.cases.models import Case, Channel, Event
from kentmasa.directory.models import Institution
from kentmasa.lib import notices as notice_hook
from kentmasa.lib.notices import NoticeRef
from kentmasa.lib.process_cache import ProcessCache
from kentmasa.privacy.models import ChannelGroup, Notice, NoticeShown
from kentmasa.privacy.models.notices import group_of

VERSIONS_SHOWN = 50
# What the public form posts: the notice it displayed as "<group>-<version>" (kept on the open event's data).
FORM_FIELD = "kvkk_surum"


def default_title(institution: Institution) -> str:
    return f"{institution.name} Başvurular İçin Kişisel Verilerin Korunması Aydınlatma Metni"


def default_text(institution: Institution) -> str:
    """The built-in notice (KVKK m.10 a–e and the m.11 rights), for an institution that published none."""
    contact = ", ".join(part for part in (institution.address, institution.phone, institution.email) if part)
    context = {"institution": institution, "contact": contact}
    return render_to_string("privacy/default_notice.txt", context).strip()


def ref(notice: Notice, slug: str) -> NoticeRef:
    query = urlencode({"kurum": slug, "kanal": str(notice.channel_group), "surum": str(notice.version)})
    return NoticeRef(
        pk=notice.pk,
        institution_id=notice.institution_id,
        group=notice.channel_group,
        version=notice.version,
        title=notice.title,
        text=notice.text,
        path=f"{reverse('public:kvkk')}?{query}",
        short_path=reverse("privacy:notice_short", args=[notice.pk]),
    )


# The current version per (institution, group), kept per process; a new version (a saved Notice) clears it
# here at once and in the other processes within KENTMASA_CONFIG_CACHE_SECONDS (kentmasa.lib.process_cache).
CURRENT = ProcessCache("privacy_notices")


def current_notice(institution_id: int, group: str) -> Notice:
    """The group's latest published version; else the institution's default group's; else the built-in text,
    saved once as the default group's version 1 (two openings at once both get the same row).

    One query in the usual case (the intake pays it on every opening): both groups at once, the channel's own
    first, on the (institution, group, version) unique index; the institution comes with it for the links."""
    notice = CURRENT.get(
        (institution_id, group),
        lambda: (
            Notice.objects.filter(
                institution_id=institution_id,
                published_at__isnull=False,
                channel_group__in=[group, ChannelGroup.DEFAULT],
            )
            .select_related("institution")
            .order_by(own_group_first(group), "-version")
            .first()
        ),
    )
    if notice is not None:
        return notice
    institution = Institution.objects.get(pk=institution_id)
    try:
        with transaction.atomic():
            notice, _ = Notice.objects.get_or_create(
                institution=institution,
                channel_group=ChannelGroup.DEFAULT,
                version=1,
                defaults={
                    "title": default_title(institution),
                    "text": default_text(institution),
                    "published_at": timezone.now(),
                },
            )
    except IntegrityError:
        notice = Notice.objects.get(institution=institution, channel_group=ChannelGroup.DEFAULT, version=1)
    return notice


def own_group_first(group: str) -> DbCase:
    """0 for the channel's own group, 1 for the default one."""
    return DbCase(When(channel_group=group, then=Value(0)), default=Value(1), output_field=IntegerField())


class Provider:
    """kentmasa.lib.notices' provider: what cases and channels may ask without importing privacy."""

    def current(self, institution_id: int, channel: str) -> NoticeRef | None:
        group = group_of(channel)
        if group is None:
            return None
        notice = current_notice(institution_id, group)
        return ref(notice, notice.institution.slug)

    def version(self, institution_id: int, group: str, version: int | None) -> NoticeRef | None:
        if group not in ChannelGroup.values:
            return None
        if version is None:
            current = current_notice(institution_id, group)
            return ref(current, current.institution.slug)
        notice = Notice.objects.filter(
            institution_id=institution_id, channel_group=group, version=version, published_at__isnull=False
        ).first()
        return ref(notice, _slug(institution_id)) if notice is not None else None

    def versions(self, institution_id: int, group: str) -> list[NoticeRef]:
        slug = _slug(institution_id)
        found = Notice.objects.filter(
            institution_id=institution_id, channel_group=group, published_at__isnull=False
        ).order_by("-version")[:VERSIONS_SHOWN]
        return [ref(notice, slug) for notice in found]

    def for_case(self, case_id: int) -> NoticeRef | None:
        shown = NoticeShown.objects.filter(case_id=case_id).select_related("notice__institution").first()
        return ref(shown.notice, shown.notice.institution.slug) if shown is not None else None


def _slug(institution_id: int) -> str:
    return Institution.objects.filter(pk=institution_id).values_list("slug", flat=True).first() or ""


def on_event_saved(sender: Any, instance: Event, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A case was opened: record the notice version its applicant was shown, in the opening's transaction.

    The version the public form displayed (posted back, kept on the open event's data as ``kvkk_surum``,
    "form-3") wins when it is a published version of the form's (or the default) notice; otherwise the
    channel's current notice. A KADES alert records nothing: nothing is shown or sent to anyone."""
    if raw or not created or instance.action != "open":
        return
    case = instance.case
    group = group_of(case.channel)
    if group is None or case.channel == Channel.KADES:
        return
    notice = None
    posted = (instance.data or {}).get(FORM_FIELD)
    if isinstance(posted, str) and posted.count("-") == 1:
        shown_group, number = posted.split("-")
        if shown_group in (group, ChannelGroup.DEFAULT) and number.isascii() and number.isdigit():
            notice = Notice.objects.filter(
                institution_id=case.institution_id,
                channel_group=shown_group,
                version=int(number[:9]),
                published_at__isnull=False,
            ).first()
    # The open event is created once per case: a plain insert (no look-up, no savepoint) on the intake's path.
    shown = NoticeShown.objects.create(
        case=case,
        notice=notice or current_notice(case.institution_id, group),
        from_form=notice is not None,
        at=instance.at,
    )
    if Case.institution.is_cached(case):  # the receipt sent after the commit reads it from the event
        setattr(instance, notice_hook.SHOWN_ON_EVENT, ref(shown.notice, case.institution.slug))
