"""One received SMS into a case: which institution it reached and which case it answers.

:func:`receive_sms` is called by the webhook (:mod:`.views`) and by Netgsm's inbox poll (:mod:`.netgsm`);
it hands an :class:`~kentmasa.cases.intake.Inbound` to the one intake and is idempotent on the
provider's message id.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from kentmasa.cases.intake import Inbound
from kentmasa.cases.models import Case, Channel, Kind, Status
from kentmasa.cases.queries import current_case
from kentmasa.cases.tracking import find_tracking_numbers
from kentmasa.channels import edge
from kentmasa.channels.intake import Received, receive
from kentmasa.channels.models import Message
from kentmasa.channels.sms.options import config
from kentmasa.directory.models import Institution
from kentmasa.lib import phones

log = logging.getLogger(__name__)


def _number_key(number: str) -> str:
    """The same key for every way a receiving number is written: "0 444 01 53" and "+904440153"."""
    try:
        return phones.normalize(number)
    except phones.InvalidPhone:
        return "".join(ch for ch in number if ch.isdigit())  # short codes: 155, 153


def institution_for(number: str, options: dict | None = None) -> Institution | None:
    """The institution an SMS sent to this number reaches: the configured map, else the default one."""
    options = options or config()
    found = edge.institution_for(options.get("numbers") or {}, number, normalise=_number_key)
    if found is not None:
        return found
    if options.get("institution"):
        found = Institution.objects.filter(slug=options["institution"]).first()
        if found is not None:
            return found
        log.error("KENTMASA_SMS institution: no institution %r", options["institution"])
    return Institution.objects.exclude(kind=Institution.Kind.EXTERNAL).order_by("pk").first()


def case_answered(
    institution: Institution, phone: str, text: str, options: dict | None = None
) -> Case | None:
    """The case an SMS from this number is about, if it is about one.

    A message naming a case's tracking number continues that case when the case's applicant gave this
    number (the receipt went here). Without a number, it continues a case only of an applicant whose
    number is proven (cases.citizens): a number typed on a public form by a stranger must not pull the
    owner's unrelated messages onto the stranger's case, where the stranger would read them.
    A case merged into another is continued in the one it went into (cases.queries.current_case).
    """
    options = options or config()
    cases = Case.objects.filter(institution=institution, citizen__phone=phone)
    numbers = find_tracking_numbers(text)
    if numbers:
        named = cases.filter(tracking_number__in=numbers).order_by("-received_at").first()
        if named is not None:
            return current_case(named)
    cases = cases.filter(citizen__phone_verified=True)
    waiting = cases.filter(status=Status.WAITING_CITIZEN).order_by("-updated_at").first()
    if waiting is not None:
        return current_case(waiting)
    since = timezone.now() - dt.timedelta(days=int(options.get("reply_window_days") or 0))
    last = (
        Message.objects.filter(
            channel=Channel.SMS,
            direction=Message.Direction.OUT,
            institution=institution,
            address=phone,
            case__citizen__phone=phone,
            case__citizen__phone_verified=True,
            sent_at__gte=since,
        )
        .select_related("case")
        .order_by("-sent_at", "-pk")
        .first()
    )
    return current_case(last.case) if last is not None and last.case is not None else None


def receive_sms(
    *,
    message_id: str,
    sender: str,
    text: str,
    to: str = "",
    received_at: dt.datetime | None = None,
    institution: Institution | None = None,
    data: dict | None = None,
) -> Received:
    """Record one received SMS: open a case, or thread it onto the case it answers. ``sender`` is E.164."""
    options = config()
    institution = institution or institution_for(to, options)
    if institution is None:
        raise LookupError("no institution receives SMS")
    text = (text or "").strip()
    inbound = Inbound(
        channel=Channel.SMS,
        institution=institution,
        external_id=message_id,
        address=sender,
        phone=sender,
        proven=frozenset({"phone"}),  # the operator delivered it from this number
        text=text,
        kind=Kind.TIP_OFF if institution.kind == Institution.Kind.POLICE else Kind.REQUEST,
        received_at=received_at,
        data={"to": to, **(data or {})},
    )
    if not text:
        inbound.ignore_reason = "empty SMS"
    elif not Message.objects.filter(
        channel=Channel.SMS, direction=Message.Direction.IN, external_id=message_id
    ).exists():
        inbound.case = case_answered(institution, sender, text, options)
    received = receive(inbound)
    if received.created:
        case = received.case.tracking_number if received.case is not None else "-"
        log.info("SMS %s from %s: case %s", message_id, phones.mask(sender), case)
    return received
