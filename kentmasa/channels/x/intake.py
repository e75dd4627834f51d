"""Recording a delivery's posts: which case each continues, then the one intake.

A tweet continues the author's own case in its conversation; a DM the sender's case whose tracking
number it quotes, else their active one (a merged case continues in the case it went into). Photos are
fetched before the transaction (:mod:`.media`), only for posts not seen before; one that did not come is
kept as pending and shown to staff on the case.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from kentmasa.cases.intake import Inbound, Media
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Status
from kentmasa.cases.queries import current_case
from kentmasa.cases.tracking import find_tracking_numbers
from kentmasa.channels.intake import receive
from kentmasa.channels.models import Message
from kentmasa.channels.x.media import PENDING, fetch_photos, note_pending
from kentmasa.channels.x.options import staff_text
from kentmasa.channels.x.parse import Delivery, Post
from kentmasa.directory.models import Institution

# The statuses in which intake threads a message onto a case rather than opening a new one.
THREADING_STATUSES = (*ACTIVE_STATUSES, Status.RESOLVED, Status.CLOSED)

# Subjects of posts without words of their own.
PHOTO_SUBJECT = gettext_noop("Photo report (X)")
QUOTE_SUBJECT = gettext_noop("Quoted post (X)")
EMPTY_SUBJECT = gettext_noop("Report without text (X)")
QUOTED_LINE = gettext_noop("Quoted post by @%(author)s: %(text)s")


def _social(institution: Institution) -> QuerySet[Message]:
    return Message.objects.filter(channel=Channel.SOCIAL, institution=institution)


def _tweet_thread(post: Post, institution: Institution) -> tuple[str, Case | None]:
    """The conversation this tweet belongs to, and the case it continues (only the author's own case)."""
    earlier = None
    if post.in_reply_to:
        earlier = (
            _social(institution)
            .filter(external_id__in=[f"tweet:{post.in_reply_to}", f"tweet:{post.in_reply_to}@{post.account}"])
            .select_related("case")
            .order_by("-pk")
            .first()
        )
    if earlier is None and post.conversation_id:
        earlier = (
            _social(institution)
            .filter(thread_key=post.conversation_id, address=post.author_id)
            .select_related("case")
            .order_by("-pk")
            .first()
        )
    thread_key = post.conversation_id or (earlier.thread_key if earlier else "") or post.id
    # Somebody else answering in a citizen's thread is a different person: their own case, not a
    # comment on somebody else's.
    case = earlier.case if earlier is not None and earlier.address == post.author_id else None
    return thread_key, current_case(case) if case is not None else None


def _dm_case(post: Post, institution: Institution) -> Case | None:
    """The sender's case this DM continues: the one whose tracking number it quotes, else their active one."""
    from_sender = _social(institution).filter(direction=Message.Direction.IN, address=post.author_id)
    for number in find_tracking_numbers(post.text):
        quoted = from_sender.filter(case__tracking_number=number).select_related("case").first()
        if quoted is not None and quoted.case is not None:
            return current_case(quoted.case)
    active = (
        from_sender.filter(case__status__in=ACTIVE_STATUSES).select_related("case").order_by("-pk").first()
    )
    return active.case if active is not None else None


def _words(post: Post) -> tuple[str, str]:
    """(subject, text) of a post: its own words, with what it quotes; a name for a post without words."""
    author, quoted_words = post.quoted
    text = post.text
    if quoted_words:
        line = staff_text(QUOTED_LINE, author=author or "?", text=quoted_words)
        text = f"{text}\n\n{line}" if text else line
    if post.text:
        return "", text
    if post.photo_urls:
        return staff_text(PHOTO_SUBJECT), text
    return staff_text(QUOTE_SUBJECT if quoted_words else EMPTY_SUBJECT), text


def _inbound(
    post: Post,
    delivery: Delivery,
    institution: Institution,
    photos: list[Media],
    pending: list[dict],
    problems: list[str],
) -> Inbound:
    if post.kind == "tweet":
        thread_key, case = _tweet_thread(post, institution)
    else:
        thread_key, case = post.conversation_id, _dm_case(post, institution)
    data: dict = {
        "dm": post.kind == "dm",
        "account": delivery.account,
        "screen_name": post.screen_name,
        f"{post.kind}_id": post.id,
    }
    if problems:
        data["media_problems"] = problems
    if pending:
        data[PENDING] = pending
    name = post.name or (f"@{post.screen_name}" if post.screen_name else "")
    if case is not None and case.status in THREADING_STATUSES:
        # The message joins a case whose citizen we already know; a name alone would only make
        # intake record a second, unconnected person.
        name = ""
    subject, text = _words(post)
    return Inbound(
        channel=Channel.SOCIAL,
        institution=institution,
        external_id=post.external_id,
        address=post.author_id,
        name=name,
        subject=subject,
        text=text,
        thread_key=thread_key,
        case=case,
        media=photos,
        data=data,
        received_at=post.created_at,
    )


def record(delivery: Delivery, institution: Institution, conf: dict) -> int:
    """Record the delivery's posts; returns how many were new."""
    seen = set(
        _social(institution)
        .filter(direction=Message.Direction.IN, external_id__in=[p.external_id for p in delivery.posts])
        .values_list("external_id", flat=True)
    )
    # Photos are fetched before the transaction (nothing is locked while X's servers answer), and only
    # for posts not seen before: a repeated delivery downloads nothing.
    fetched = {
        post.external_id: fetch_photos(post, conf, delivery.account)
        for post in delivery.posts
        if post.external_id not in seen
    }
    created = 0
    with transaction.atomic():
        for post in delivery.posts:
            photos, pending, problems = fetched.get(post.external_id, ([], [], []))
            received = receive(_inbound(post, delivery, institution, photos, pending, problems))
            if received.created:
                created += 1
                note_pending(received.message, pending)
    return created
