"""Which case a mail continues: the one its In-Reply-To/References or its subject's tracking number names."""

from __future__ import annotations

from kentmasa.cases.models import Case, Channel
from kentmasa.cases.queries import current_case
from kentmasa.cases.tracking import find_tracking_numbers
from kentmasa.channels.email.parse import ParsedMail
from kentmasa.channels.models import Message
from kentmasa.directory.models import Institution


def find_case(institution: Institution, mail: ParsedMail) -> Case | None:
    """The institution's case this mail answers, or None for a new matter.

    A reply names one of the case's mails in In-Reply-To or References (ours or the citizen's); failing
    that, the subject carries the tracking number of one of the sender's own cases — believed only when
    the From address passed DMARC at our mail server (``sender_proven``), since anyone can write a From
    line and tracking numbers are not secret.
    """
    references = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    if references:
        keys = references + [f"{ref} {institution.slug}" for ref in references]
        known = {
            message.external_id: message.case
            for message in Message.objects.filter(
                channel=Channel.EMAIL, institution=institution, external_id__in=keys, case__isnull=False
            ).select_related("case", "case__citizen")
        }
        for ref in references:
            for key in (ref, f"{ref} {institution.slug}"):
                if key in known:
                    return current_case(known[key])
    numbers = find_tracking_numbers(mail.subject) if mail.sender_proven else []
    if numbers:
        cases = list(
            Case.objects.filter(institution=institution, tracking_number__in=numbers).select_related(
                "citizen"
            )
        )
        # Only the case's own citizen (or an address that already wrote on that case) may continue it by
        # quoting its number: tracking numbers are not secret, and a stranger must not answer for someone
        # else, nor redirect the answer to themselves. Anybody else's mail becomes a new case.
        wrote = set(
            Message.objects.filter(
                case__in=cases,
                channel=Channel.EMAIL,
                direction=Message.Direction.IN,
                address__iexact=mail.sender,
            ).values_list("case_id", flat=True)
        )
        own = [
            case
            for case in cases
            if (case.citizen_id and case.citizen.email.lower() == mail.sender.lower()) or case.pk in wrote
        ]
        if own:
            return current_case(own[0])
    return None
