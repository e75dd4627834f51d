"""Citizens' WhatsApp messages into cases: one :func:`kentmasa.channels.intake.receive` per message.

Each message is idempotent on Meta's id (``wamid…``), so Meta's retries never make a second case, and each
stands alone: what could not be read is noted on the message, never a reason to drop the others.

* A message threads onto the case it belongs to (:func:`case_for`); otherwise it opens a case. A reply to
  a message of a closed case reaches that case, and the common intake decides (reopen or a new linked case).
* Photos, videos, voice messages and documents are fetched from Graph and stored on the case. When Graph
  cannot hand them over for now — an outage, or our access token refused (401 / code 190) — the message and
  its case are recorded all the same and the media id is kept on the message (``pending_media``) until it is
  fetched: on Meta's next delivery of the message, or by :func:`fetch_all_pending` (a periodic task). A
  refused token is shown to staff in Turkish on the message and the case.
* A location places the case it belongs to, also when it comes after the photo.
* A citizen known only by a username (no phone number shared) is recorded and answered by the user id.
* An edit is recorded on the case of the message it edits; a shared contact card is kept as text (it
  names somebody else, never the sender); a number-change notice becomes a note on the citizen's latest
  case and changes no one's identity (cases.citizens proves identities, not Meta's notice).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.intake import Inbound, Media
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Status
from kentmasa.cases.queries import current_case
from kentmasa.cases.tracking import find_tracking_numbers
from kentmasa.channels.base import sender_for
from kentmasa.channels.edge import institution_for
from kentmasa.channels.intake import receive
from kentmasa.channels.models import Message
from kentmasa.channels.whatsapp.conf import SERVICE_WINDOW, config
from kentmasa.channels.whatsapp.graph import Graph, GraphError
from kentmasa.channels.whatsapp.parse import MEDIA_TYPES, Change, Incoming
from kentmasa.channels.whatsapp.statuses import apply_status
from kentmasa.directory.models import Institution
from kentmasa.lib import phones

log = logging.getLogger(__name__)

# A citizen who sends ten stickers is told once an hour that we cannot read them, not ten times.
UNSUPPORTED_REPLY_INTERVAL = dt.timedelta(hours=1)
UNSUPPORTED_REPLY = "unsupported"  # Message.template of that notice
PENDING_BATCH = 100  # messages whose media the periodic task tries at a time


def process(changes: list[Change], conf: dict | None = None) -> bool:
    """Record a parsed delivery. False when some media must be fetched on Meta's next delivery."""
    conf = conf or config()
    numbers = conf["PHONE_NUMBERS"] or {}
    with Graph(conf) as graph:
        return all([_process_change(change, numbers, graph) for change in changes])


def _process_change(change: Change, numbers: dict, graph: Graph) -> bool:
    institution = institution_for(numbers, change.phone_number_id)
    if institution is None:
        log.warning(
            "WhatsApp delivery for phone number id %s, which no institution answers", change.phone_number_id
        )
        return True
    for status in change.statuses:
        apply_status(status)
    complete = True
    for incoming in change.messages:
        name = change.names.get(incoming.wa_id) or change.names.get(incoming.user_id, "")
        complete &= _receive(institution, change.phone_number_id, incoming, name, graph)
    return complete


def _phone(wa_id: str) -> str:
    if not wa_id:
        return ""
    try:
        return phones.normalize("+" + wa_id)
    except phones.InvalidPhone:
        return ""


def _site_language() -> translation.override:
    """Notes and answers in the site's language, whatever language Meta's request asked for."""
    return translation.override(settings.LANGUAGE_CODE)


def _subject(incoming: Incoming) -> str:
    """A subject for a case opened by media without a caption (a location is named by intake).

    Written in the site's language, whatever language Meta's request asked for.
    """
    if incoming.text.strip() or incoming.type not in MEDIA_TYPES:
        return ""
    with _site_language():
        labels = {
            "image": _("Photo report"),
            "video": _("Video report"),
            "audio": _("Voice message"),
            "document": _("Document sent"),
        }
        return labels[incoming.type]


def _token_note() -> str:
    with _site_language():
        return _(
            "The photo or file could not be fetched from WhatsApp yet: Meta refused our access token "
            "(expired or revoked). It is kept and fetched as soon as the token is renewed."
        )


def _fetch(incoming: Incoming, graph: Graph) -> tuple[list[Media], list[dict], list[str], bool]:
    """The message's media: (fetched, still pending, problems, whether Graph refused our token)."""
    media: list[Media] = []
    pending: list[dict] = []
    problems: list[str] = []
    if not (incoming.media_id and incoming.supported):
        return media, pending, problems, False
    try:
        media.append(Media(graph.fetch_media(incoming.media_id), incoming.media_name))
    except GraphError as error:
        log.warning("WhatsApp media %s: %s", incoming.media_id, error)
        if error.temporary or error.token_refused:
            pending.append({"id": incoming.media_id, "name": incoming.media_name})
            return media, pending, problems, error.token_refused
        problems.append(str(error))
    return media, pending, problems, False


def _data(incoming: Incoming, phone_number_id: str, pending: list[dict]) -> dict:
    data: dict = {"type": incoming.type, "phone_number_id": phone_number_id}
    optional = {
        "context": incoming.context_id,
        "user_id": incoming.user_id,
        "edits": incoming.edits,
        "changed_number": incoming.changed_number,
        "pending_media": pending,
    }
    data.update({key: value for key, value in optional.items() if value})
    if incoming.latitude is not None:
        data["location"] = {"latitude": incoming.latitude, "longitude": incoming.longitude}
    return data


def _text(incoming: Incoming) -> str:
    if incoming.edits and incoming.text:
        with _site_language():
            return _("Edited message: %(text)s") % {"text": incoming.text}
    return incoming.text


def _receive(
    institution: Institution, phone_number_id: str, incoming: Incoming, name: str, graph: Graph
) -> bool:
    earlier = Message.objects.filter(
        channel=Channel.WHATSAPP, direction=Message.Direction.IN, external_id=incoming.id
    ).first()
    if earlier is not None:
        return _fetch_pending_media(earlier, graph)

    media, pending, problems, token_refused = _fetch(incoming, graph)
    phone = _phone(incoming.phone)
    kind = "not a citizen's message" if incoming.silent else "unsupported message type"
    unsupported = ", ".join([f"{kind}: {incoming.type}", *incoming.problems])
    inbound = Inbound(
        channel=Channel.WHATSAPP,
        institution=institution,
        external_id=incoming.id,
        address=incoming.wa_id,
        text=_text(incoming),
        subject=_subject(incoming),
        name=name,
        phone=phone,
        proven=frozenset({"phone"}) if phone else frozenset(),  # WhatsApp registered the number by code
        media=media,
        latitude=incoming.latitude,
        longitude=incoming.longitude,
        data=_data(incoming, phone_number_id, pending),
        received_at=incoming.sent_at,
        ignore_reason="" if incoming.supported else unsupported,
    )
    # One transaction from looking up the case to recording the message. On SQLite (IMMEDIATE
    # transactions) it also keeps two of the citizen's messages arriving at the same moment from both
    # opening a case; on PostgreSQL that can still happen, and staff merge the two.
    with transaction.atomic():
        if incoming.supported:
            inbound.case = case_for(institution, incoming)
        received = receive(inbound)
        if not received.created:
            return True
        notes = [*incoming.problems, *problems] if incoming.supported else [*problems]
        if token_refused:
            notes.append(_token_note())
        elif pending:
            notes.append("media not fetched yet: Graph is unavailable")
        if notes:
            message = received.message
            message.last_error = "; ".join(filter(None, [message.last_error, *notes]))
            message.save(update_fields=["last_error"])
        if received.case is not None and token_refused:
            services.comment(received.case, actor=None, public=False, note=_token_note())
        if received.case is not None and incoming.latitude is not None:
            _place(received.case, incoming)
        if incoming.changed_number:
            _note_number_change(institution, incoming)
        if not incoming.supported and not incoming.silent:
            _tell_unsupported(institution, phone_number_id, incoming.wa_id)
    return not pending


def case_for(institution: Institution, incoming: Incoming) -> Case | None:
    """The case a citizen's WhatsApp message belongs to, or None for a new case.

    In order: the case of the message they edited or replied to (WhatsApp's "reply" quotes it, also a
    message of a closed case); a case of theirs whose tracking number they wrote (only their own: the
    case's citizen has this phone number); a case of theirs waiting for their answer; the case of the last
    message between us in the last 24 hours, if it is still open. A resolved or closed case takes a plain
    text within 24 hours of our last message about it ("thank you", "it is not done"); a new photo or place
    is a new problem and opens a new case.
    """
    history = Message.objects.filter(
        channel=Channel.WHATSAPP, institution=institution, address=incoming.wa_id, case__isnull=False
    ).select_related("case")
    for quoted_id in (incoming.edits, incoming.context_id):
        quoted = history.filter(external_id=quoted_id).first() if quoted_id else None
        if quoted is not None and quoted.case is not None:
            return current_case(quoted.case)
    phone = _phone(incoming.phone)
    numbers = find_tracking_numbers(incoming.text)
    if phone and numbers:
        named = (
            Case.objects.filter(institution=institution, tracking_number__in=numbers, citizen__phone=phone)
            .order_by("-received_at")
            .first()
        )
        if named is not None:
            return current_case(named)
    waiting = (
        Case.objects.filter(
            pk__in=history.values("case"), institution=institution, status=Status.WAITING_CITIZEN
        )
        .order_by("-updated_at")
        .first()
    )
    if waiting is not None:
        return waiting
    last = (
        history.filter(created_at__gte=timezone.now() - SERVICE_WINDOW).order_by("-created_at", "-pk").first()
    )
    if last is None or last.case is None:
        return None
    case = current_case(last.case)
    if case.status in ACTIVE_STATUSES:
        return case
    if (
        case.status in (Status.RESOLVED, Status.CLOSED)
        and last.direction == Message.Direction.OUT
        and not incoming.brings_something
    ):
        return case
    return None


def _place(case: Case, incoming: Incoming) -> None:
    """A location sent after the photo places the case, unless it is placed already.

    Through the domain function every late location takes (services.set_location): the point, the il,
    ilçe and mahalle it lies in, the address WhatsApp showed, and the area routing and territory check
    that follow its "locate" event. A case that has a point keeps it.
    """
    if incoming.latitude is None or incoming.longitude is None:
        return
    services.set_location(
        case,
        latitude=incoming.latitude,
        longitude=incoming.longitude,
        address_text=incoming.place.replace("\n", ", "),
    )


def _note_number_change(institution: Institution, incoming: Incoming) -> None:
    """Meta says the citizen changed number: a private note on their latest case, nothing more.

    Nobody's record is merged or rewritten on this notice: the new number proves itself when its owner
    writes from it (cases.citizens).
    """
    latest = (
        Message.objects.filter(
            channel=Channel.WHATSAPP, institution=institution, address=incoming.wa_id, case__isnull=False
        )
        .select_related("case")
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None or latest.case is None:
        return
    change = incoming.changed_number
    with _site_language():
        note = _(
            "WhatsApp reports that the citizen changed number or account (%(old)s → %(new)s). Nothing "
            "was merged; messages from the new number are matched when the citizen writes."
        ) % {
            "old": change.get("old") or "?",
            "new": change.get("new_wa_id") or change.get("new_user_id") or "?",
        }
    services.comment(current_case(latest.case), actor=None, public=False, note=note)


def _fetch_pending_media(message: Message, graph: Graph) -> bool:
    """Media Graph could not hand over before (Meta's next delivery, or the periodic task): try again."""
    if not message.data.get("pending_media") or message.case_id is None:
        return True
    with transaction.atomic():
        locked = Message.objects.select_for_update(of=("self",)).select_related("case").get(pk=message.pk)
        case = locked.case
        if case is None:
            return True
        still, errors, token_refused = [], [], False
        for item in locked.data.get("pending_media") or []:
            try:
                data = graph.fetch_media(item["id"])
            except GraphError as error:
                if error.temporary or error.token_refused:
                    still.append(item)
                    token_refused |= error.token_refused
                else:
                    errors.append(str(error))
                continue
            try:
                add_attachment(case, data, name=item.get("name", ""), public=True)
            except ValidationError as error:
                errors.append("; ".join(error.messages))
        locked.data = {key: value for key, value in locked.data.items() if key != "pending_media"}
        if still:
            locked.data["pending_media"] = still
        waiting = (_token_note() if token_refused else "media not fetched yet") if still else ""
        locked.last_error = "; ".join(filter(None, [*errors, waiting]))
        locked.save(update_fields=["data", "last_error"])
    return not still


def fetch_all_pending(limit: int = PENDING_BATCH) -> int:
    """Try the media of every message still waiting for it; returns how many messages are complete now."""
    conf = config()
    if not conf["ACCESS_TOKEN"]:
        return 0
    waiting = Message.objects.filter(
        channel=Channel.WHATSAPP,
        direction=Message.Direction.IN,
        case__isnull=False,
        data__has_key="pending_media",
    ).order_by("created_at")[:limit]
    done = 0
    with Graph(conf) as graph:
        for message in waiting:
            done += _fetch_pending_media(message, graph)
    return done


def _tell_unsupported(institution: Institution, phone_number_id: str, wa_id: str) -> None:
    """A polite word to a citizen whose message we cannot read (a sticker, an empty reply…)."""
    if sender_for(Channel.WHATSAPP) is None:
        return
    told_recently = Message.objects.filter(
        channel=Channel.WHATSAPP,
        direction=Message.Direction.OUT,
        address=wa_id,
        template=UNSUPPORTED_REPLY,
        created_at__gte=timezone.now() - UNSUPPORTED_REPLY_INTERVAL,
    ).exists()
    if told_recently:
        return
    with _site_language():
        body = _(
            "Sorry, we cannot read this kind of message. Please write to us, or send a photo, a video, "
            "a voice message, a document or your location."
        )
    reply = Message.objects.create(
        direction=Message.Direction.OUT,
        channel=Channel.WHATSAPP,
        state=Message.State.QUEUED,
        institution=institution,
        address=wa_id,
        body=body,
        template=UNSUPPORTED_REPLY,
        next_attempt_at=timezone.now(),
        data={"phone_number_id": phone_number_id},
    )
    from kentmasa.channels.tasks import send_message

    transaction.on_commit(lambda: send_message.enqueue(reply.pk))
