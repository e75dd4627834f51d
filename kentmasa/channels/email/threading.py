"""Which case a mail continues: the one its In-Reply-To/References or its subject's tracking number names.

Both are believed from a proven sender: a From address that passed DMARC at our own mail server
(``ParsedMail.sender_proven``) and is the case citizen's address (or one that already wrote on the case).
Message-IDs in general are no secret (they travel in every copy of a mail, to every recipient and every
list), and neither are tracking numbers; a stranger's mail opens a case of its own instead of speaking on
somebody else's. One exception holds without DMARC: an In-Reply-To naming a mail *we* sent, from the
address we sent it to (our Message-ID went to that mailbox alone).
"""

from __future__ import annotations

from kentmasa.cases.models import Case, Channel
from kentmasa.cases.queries import current_case
from kentmasa.cases.tracking import find_tracking_numbers
from kentmasa.channels.email.parse import ParsedMail
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution


def _referenced(institution: Institution, mail: ParsedMail) -> list[Case]:
    """The institution's cases one of whose mails (ours or the citizen's) this mail names, nearest first."""
    references = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    if not references:
        return []
    keys = references + [f"{ref} {institution.slug}" for ref in references]
    known = {
        message.external_id: message.case
        for message in Message.objects.filter(
            channel=Channel.EMAIL, institution=institution, external_id__in=keys, case__isnull=False
        ).select_related("case", "case__citizen")
    }
    found: list[Case] = []
    for ref in references:
        for key in (ref, f"{ref} {institution.slug}"):
            case = known.get(key)
            if case is not None and case not in found:
                found.append(case)
    return found


def _own(cases: list[Case], mail: ParsedMail) -> Case | None:
    """The first of ``cases`` that is the sender's own: her address is the citizen's, or wrote on it."""
    if not cases:
        return None
    wrote = set(
        Message.objects.filter(
            case__in=cases,
            channel=Channel.EMAIL,
            direction=Message.Direction.IN,
            address__iexact=mail.sender,
        ).values_list("case_id", flat=True)
    )
    for case in cases:
        citizen = case.citizen if case.citizen_id else None
        if (citizen is not None and citizen.email.lower() == mail.sender.lower()) or case.pk in wrote:
            return case
    return None


def _answer_to_our_mail(institution: Institution, mail: ParsedMail) -> Case | None:
    """The case of the mail *we* sent to this very address and that this mail's In-Reply-To names.

    Without DMARC the From line proves nothing by itself, but our own Message-ID went to one mailbox only
    (the citizen's, never to a list): a reply that names it from that same address comes from whoever
    reads that mailbox. References are not enough (they carry the citizen's own Message-IDs, which travel
    wherever she copied her mail), and a different From never threads.
    """
    if not mail.in_reply_to or not mail.sender:
        return None
    ours = (
        Message.objects.filter(
            channel=Channel.EMAIL,
            institution=institution,
            direction=Message.Direction.OUT,
            external_id__in=list(mail.in_reply_to),
            address__iexact=mail.sender,
            case__isnull=False,
        )
        .select_related("case", "case__citizen")
        .order_by("-pk")
        .first()
    )
    return current_case(ours.case) if ours is not None and ours.case is not None else None


def find_case(institution: Institution, mail: ParsedMail) -> Case | None:
    """The institution's case this proven sender's mail answers, or None for a new matter.

    A reply names one of the case's mails in In-Reply-To or References; failing that, the subject
    carries the tracking number of one of the sender's own cases.
    """
    if not mail.sender_proven:
        return _answer_to_our_mail(institution, mail)
    own = _own(_referenced(institution, mail), mail)
    if own is None:
        numbers = find_tracking_numbers(mail.subject)
        if numbers:
            cases = list(
                Case.objects.filter(institution=institution, tracking_number__in=numbers).select_related(
                    "citizen"
                )
            )
            own = _own(cases, mail)
    return current_case(own) if own is not None else None
