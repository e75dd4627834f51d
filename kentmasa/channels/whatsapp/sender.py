"""Answers on WhatsApp (:class:`WhatsAppSender`, the reply half of the channel; see kentmasa.channels.base).

Text, or an image when a photographed problem is resolved and the team attached a photo (the before/after
collage, :mod:`kentmasa.channels.whatsapp.collage`). Meta lets a business write freely only within 24 hours
of the citizen's last message (the customer service window); outside it the approved template named in
settings is sent instead, with the tracking number — as a named parameter (``parameter_name``) when the
template was approved with named variables. A citizen known only by a username is written to by the
business-scoped user id (Graph's ``recipient`` field, see :meth:`Graph.send`).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kentmasa.cases.models import Attachment, Case, Channel
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels.base import SendError, Sent
from kentmasa.channels.models import Message
from kentmasa.channels.whatsapp import collage
from kentmasa.channels.whatsapp.conf import MAX_CAPTION, MAX_TEXT, SERVICE_WINDOW, config
from kentmasa.channels.whatsapp.graph import REENGAGEMENT_REQUIRED, UNDELIVERABLE, Graph, GraphError
from kentmasa.channels.whatsapp.parse import USER_ID

log = logging.getLogger(__name__)

RESOLVE_ACTIONS = ("resolve", "resolve_on_the_spot")


def window_open(message: Message, now: dt.datetime | None = None) -> bool:
    """Whether the citizen wrote to this institution's WhatsApp line within the last 24 hours."""
    last = (
        Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.IN,
            address=message.address,
            institution=message.institution_id,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return last is not None and last > (now or timezone.now()) - SERVICE_WINDOW


def _sending_number(message: Message, conf: dict) -> str:
    """The business number to answer from: the one the citizen wrote to, else the institution's."""
    numbers = conf["PHONE_NUMBERS"] or {}
    candidates = [message.data.get("phone_number_id")]
    candidates += [
        data.get("phone_number_id")
        for data in Message.objects.filter(
            channel=Channel.WHATSAPP,
            direction=Message.Direction.IN,
            address=message.address,
            institution=message.institution_id,
        )
        .order_by("-created_at")
        .values_list("data", flat=True)[:1]
        if isinstance(data, dict)
    ]
    for candidate in candidates:
        if candidate and candidate in numbers:
            return str(candidate)
    slug = message.institution.slug if message.institution is not None else None
    for number_id, number_slug in numbers.items():
        if number_slug == slug:
            return str(number_id)
    raise SendError("no WhatsApp number is configured for this institution", permanent=True)


def before_and_after(case: Case) -> tuple[Attachment, Attachment] | None:
    """The citizen's first photo (else a field team's first "before" photo) and the latest "after" photo a
    field team took on a work order (kentmasa.field), else staff's latest photo that is not a "before" one;
    when both exist and may be shown."""
    photos = case.attachments.filter(kind=Attachment.Kind.PHOTO, public=True)
    before = (
        photos.filter(uploaded_by__isnull=True).order_by("created_at", "pk").first()
        or photos.filter(work_order_photo__phase="before").order_by("created_at", "pk").first()
    )
    after = (
        photos.filter(work_order_photo__phase="after").order_by("-created_at", "-pk").first()
        or photos.filter(uploaded_by__isnull=False)
        .exclude(work_order_photo__phase="before")
        .order_by("-created_at", "-pk")
        .first()
    )
    if before is None or after is None:
        return None
    return before, after


def collage_for(message: Message) -> bytes | None:
    """The before/after picture for a resolved case reported with a photo, or None."""
    if message.template not in RESOLVE_ACTIONS or message.case is None:
        return None
    case = message.case
    pair = before_and_after(case)
    if pair is None:
        return None
    try:
        images = []
        for attachment in pair:
            with attachment.file.open("rb") as stored:
                images.append(stored.read())
        with translation.override(settings.LANGUAGE_CODE):
            resolved = timezone.localtime(case.resolved_at or timezone.now()).strftime("%d.%m.%Y")
            caption = _("%(institution)s · Case %(number)s · resolved on %(date)s") % {
                "institution": case.institution.name,
                "number": format_tracking_number(case.tracking_number),
                "date": resolved,
            }
            labels = (pgettext("collage label", "BEFORE"), pgettext("collage label", "AFTER"))
        return collage.make_collage(images[0], images[1], caption, labels=labels)
    except (OSError, ValueError) as error:
        log.warning("no collage for case %s: %s", case.pk, error)
        return None


class WhatsAppSender:
    """Answers on WhatsApp: text, the before/after collage, or the template outside the window."""

    channel = Channel.WHATSAPP

    def can_reach(self, message: Message) -> bool:
        """A phone number's digits, or the user id of a citizen who shares only a username."""
        return message.address.isdigit() or bool(USER_ID.match(message.address))

    def send(self, message: Message) -> Sent:
        conf = config()
        if not conf["ACCESS_TOKEN"]:
            raise SendError("WhatsApp is not configured (no access token)", permanent=True)
        if not self.can_reach(message):
            raise SendError(f"not a WhatsApp id: {message.address!r}", permanent=True)
        number = _sending_number(message, conf)
        with Graph(conf) as graph:
            return self._send(graph, number, message, conf)

    def _send(self, graph: Graph, number: str, message: Message, conf: dict) -> Sent:
        try:
            if message.data.get("outside_window") or not window_open(message):
                return self._send_template(graph, number, message, conf)
            try:
                return self._send_freely(graph, number, message)
            except GraphError as error:
                if error.code != REENGAGEMENT_REQUIRED:
                    raise
                return self._send_template(graph, number, message, conf)
        except GraphError as error:
            if error.code == UNDELIVERABLE:
                raise SendError(
                    f"{error} (the number cannot receive WhatsApp messages)", permanent=True
                ) from error
            raise SendError(str(error), permanent=not error.temporary) from error

    def _send_freely(self, graph: Graph, number: str, message: Message) -> Sent:
        picture = collage_for(message)
        if picture is not None and message.case is not None:
            media_id = graph.upload(number, picture, "image/jpeg", f"{message.case.tracking_number}.jpg")
            content = {"type": "image", "image": {"id": media_id, "caption": message.body[:MAX_CAPTION]}}
            wamid = graph.send(number, message.address, content)
            _record(message, sent_as="image", media_id=media_id, phone_number_id=number)
        else:
            content = {"type": "text", "text": {"preview_url": False, "body": message.body[:MAX_TEXT]}}
            wamid = graph.send(number, message.address, content)
            _record(message, sent_as="text", phone_number_id=number)
        return Sent(external_id=wamid)

    def _send_template(self, graph: Graph, number: str, message: Message, conf: dict) -> Sent:
        if message.case is None:
            raise SendError("more than 24 hours since the citizen wrote; nothing to announce", permanent=True)
        if not conf["TEMPLATE_NAME"]:
            raise SendError(
                "more than 24 hours since the citizen wrote and no approved template is configured",
                permanent=True,
            )
        parameter = {"type": "text", "text": format_tracking_number(message.case.tracking_number)}
        if conf.get("TEMPLATE_PARAMETER"):
            # A template approved with named variables ({{takip_no}}) is refused without the name.
            parameter["parameter_name"] = conf["TEMPLATE_PARAMETER"]
        content = {
            "type": "template",
            "template": {
                "name": conf["TEMPLATE_NAME"],
                "language": {"code": conf["TEMPLATE_LANGUAGE"] or "tr"},
                "components": [{"type": "body", "parameters": [parameter]}],
            },
        }
        wamid = graph.send(number, message.address, content)
        _record(message, sent_as="template", phone_number_id=number)
        return Sent(external_id=wamid)


def _record(message: Message, **data: str) -> None:
    """Note how a message went (text, image, template) beside what the send task records."""
    message.data = {**message.data, **data}
    Message.objects.filter(pk=message.pk).update(data=message.data)
