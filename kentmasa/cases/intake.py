"""One way in: whatever brings a new case hands an ``Inbound`` to ``open_from``.

A channel adapter (SMS, WhatsApp, e-mail, X, Open311), the API, the public form, the desk, the console and
the referral form each describe what arrived as an ``Inbound`` — the text, who sent it and what is proven
about them, the category, service, unit, place and anything else it carries — and ``open_from`` records
it in one transaction:

1. the citizen: the one staff picked (``citizen``), filled in with what they recorded, else the record
   that a *proven* identifier finds, else a new one (``kentmasa.cases.citizens``: typed contact data never
   joins an existing record);
2. the case, through ``services.open_case`` (its deadline capped by ``due_cap``, ``opening`` kept on its
   "open" event).

It returns the case and raises ``services.TransitionError`` (nothing written) when the case is refused.
Media and the channel's own records (messages, referrals) stay with the caller, inside the same
transaction when the caller opens one around this call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.citizens import NOTHING, fill_in, find_or_create_citizen
from kentmasa.cases.models import Case, Channel, Citizen, Kind, Priority
from kentmasa.directory.models import Category, Institution, Service, Unit, User


@dataclass
class Media:
    """A file that came with a message (a photo, a scan)."""

    data: bytes
    name: str = ""


@dataclass
class Inbound:
    """What arrived: one message of a channel, one form, one referral.

    Channel adapters fill the message fields (``external_id``, ``address``, ``thread_key``, ``case``,
    ``media``, ``ignore_reason``, ``data``) for kentmasa.channels.intake.receive; the forms and the API
    leave them empty and call ``open_from`` themselves.
    """

    channel: str
    institution: Institution
    external_id: str = ""  # the provider's message id ("" where the channel has none)
    address: str = ""  # who sent it: E.164 phone, e-mail address, WhatsApp or X user id
    text: str = ""  # the message, or the description of the case
    subject: str = ""
    # The citizen: their name and identifiers (cleaned), their postal address, and which identifiers are
    # proven to be theirs (cases.citizens: STAFF for what staff recorded; an SMS or WhatsApp sender's
    # number; an e-mail that passed DMARC at our mail server). Only proven ones find an existing record.
    name: str = ""
    phone: str = ""  # cleaned E.164, when the channel knows it
    email: str = ""
    tc_kimlik: str = ""
    postal_address: str = ""
    proven: frozenset[str] = NOTHING
    citizen: Citizen | None = None  # picked by staff (the console's look-up); what they recorded fills it in
    # The case.
    kind: str = Kind.REQUEST
    category: Category | None = None
    service: Service | None = None
    unit: Unit | None = None
    priority: int = Priority.NORMAL
    several_institutions: bool = False
    location: dict = field(default_factory=dict)  # services.LOCATION_FIELDS: il, ilçe, mahalle, street…
    latitude: float | None = None  # a point the channel read (joins ``location``)
    longitude: float | None = None
    received_at: dt.datetime | None = None
    actor: User | None = None  # the member of staff who records it; None for the citizen themselves
    due_cap: dt.datetime | None = None  # a deadline the case must not run past (a referring system's)
    opening: dict = field(default_factory=dict)  # kept on the "open" event's data
    follows: Case | None = None  # the finished case this one carries on (too late to reopen it)
    # The message (kentmasa.channels.intake).
    thread_key: str = ""  # e.g. the e-mail's Message-ID
    case: Case | None = None  # the case this message answers, when the channel could tell
    media: list[Media] = field(default_factory=list)
    ignore_reason: str = ""  # auto-replies and bounces: recorded, never a case
    data: dict = field(default_factory=dict)  # the provider's details, kept on the message

    def point(self) -> dict:
        """``location`` with the point the channel read, if any."""
        location = dict(self.location)
        if self.latitude is not None and self.longitude is not None:
            location["latitude"], location["longitude"] = self.latitude, self.longitude
        return location


def citizen_for(inbound: Inbound) -> Citizen | None:
    """The citizen of this Inbound by the proof rule (see the module docstring); None for nobody.

    A picked record is used unless staff typed a TC kimlik no different from the one it holds: then the
    person at hand is somebody else, found or recorded by what is proven.
    """
    picked = inbound.citizen
    if picked is not None and picked.institution_id != inbound.institution.pk:
        raise services.TransitionError(_("The citizen record belongs to another institution."), "citizen")
    tc = inbound.tc_kimlik
    if picked is not None and not (tc and picked.tc_kimlik and picked.tc_kimlik != tc):
        given = {"tc_kimlik": tc, "phone": inbound.phone, "email": inbound.email}
        proven = {name: value for name, value in given.items() if name in inbound.proven}
        if fill_in(picked, name=inbound.name.strip(), address=inbound.postal_address.strip(), **proven):
            services.refresh_search_text(picked)
        return picked
    return find_or_create_citizen(
        inbound.institution,
        name=inbound.name,
        tc_kimlik=tc,
        phone=inbound.phone,
        email=inbound.email,
        address=inbound.postal_address,
        proven=inbound.proven,
    )


def contacts_given(inbound: Inbound, citizen: Citizen | None = None) -> dict[str, str]:
    """{"sms": phone, "email": address}: the contacts the citizen gave with this case — what arrived with it
    (the sender, the phone and e-mail given, proven or not), and for a record staff picked in the look-up
    (they vouch it is the person at hand) what that record holds for a contact not given. Kept on the "open"
    event: answers and the feedback question go only to these (kentmasa.channels.replies, kentmasa.feedback),
    never to contact data the record holds from other cases. An unproven address given here reaches only
    this case: it never joins the record (kentmasa.cases.citizens) nor redirects another case's messages."""
    given: dict[str, str] = {
        str(channel): value
        for channel, value in (
            (Channel.SMS, inbound.phone.strip()),
            (Channel.EMAIL, inbound.email.strip().lower()),
        )
        if value
    }
    picked = inbound.citizen
    if picked is not None and inbound.actor is not None and citizen is not None and citizen.pk == picked.pk:
        for channel, value in ((Channel.SMS, citizen.phone), (Channel.EMAIL, citizen.email)):
            if value:
                given.setdefault(str(channel), value)
    return given


def open_from(inbound: Inbound) -> Case:
    """Open the case this Inbound describes, with its citizen, in one transaction (see the module)."""
    with transaction.atomic():
        citizen = citizen_for(inbound)
        return services.open_case(
            institution=inbound.institution,
            channel=inbound.channel,
            kind=inbound.kind,
            subject=inbound.subject,
            description=inbound.text,
            citizen=citizen,
            category=inbound.category,
            service=inbound.service,
            unit=inbound.unit,
            priority=inbound.priority,
            received_at=inbound.received_at,
            several_institutions=inbound.several_institutions,
            actor=inbound.actor,
            location=inbound.point(),
            due_cap=inbound.due_cap,
            opening_data={**inbound.opening, "contacts": contacts_given(inbound, citizen)}
            if citizen
            else inbound.opening,
            follows=inbound.follows,
        )
