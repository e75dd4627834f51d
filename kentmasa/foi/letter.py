"""The answer to an information request: an official letter on the institution's letterhead (its name,
unit, address, phone and e-mail from the directory) as a PDF, laid out by kentmasa.channels.receipts, and
the short resolution text the applicant is sent with its link.

Always in Turkish: it is official correspondence. A refusal or a withheld part names its grounds and the
remedies (Law 4982 art. 12, 13).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kentmasa.channels import receipts
from kentmasa.directory.models import User
from kentmasa.foi import access, grounds
from kentmasa.foi.models import Decision, FoiRequest
from kentmasa.lib import turkish

DECISION_SENTENCES = {
    Decision.GRANTED: "Bilgi edinme başvurunuz kabul edilmiştir.",
    Decision.PARTLY: (
        "Bilgi edinme başvurunuz kısmen kabul edilmiştir: 4982 sayılı Kanun'un 9. maddesi uyarınca gizli "
        "olan bölümler ayrılarak kalan bilgi ve belgeler verilmiştir."
    ),
    Decision.REFUSED: "Bilgi edinme başvurunuz reddedilmiştir.",
}


def _grounds_text(request: FoiRequest) -> str:
    labels = grounds.labels(list(request.grounds or []))
    return "Hukuki dayanak: " + "; ".join(labels) + "." if labels else ""


def resolution_text(request: FoiRequest, letter_url: str) -> str:
    """What the applicant reads in the SMS / e-mail and on the tracking page."""
    parts = [DECISION_SENTENCES[Decision(request.decision)], request.answer.strip()]
    if request.decision == Decision.PARTLY and request.withheld:
        parts.append(f"Verilmeyen bölümler: {request.withheld.strip()}")
    if request.decision in (Decision.PARTLY, Decision.REFUSED):
        parts += [_grounds_text(request), grounds.REMEDIES]
    if letter_url:
        parts.append(f"Cevap yazısı: {letter_url}")
    return "\n".join(part for part in parts if part)


def letter_for(request: FoiRequest, *, signer: User | None, now: dt.datetime) -> receipts.Letter:
    case = request.case
    institution = case.institution
    found = access.settings_of(institution.pk)
    citizen = case.citizen
    addressee = [f"Sayın {turkish.upper(citizen.name) if citizen and citizen.name else 'Başvuru Sahibi'}"]
    if request.legal_title:
        addressee.insert(0, request.legal_title)
    if citizen is not None and citizen.address:
        addressee.append(citizen.address)
    elif citizen is not None and citizen.email:
        addressee.append(citizen.email)
    body = [DECISION_SENTENCES[Decision(request.decision)], request.answer.strip()]
    if request.decision == Decision.PARTLY and request.withheld:
        body.append(f"Verilmeyen bölümler ve gerekçesi: {request.withheld.strip()}")
    if request.decision in (Decision.PARTLY, Decision.REFUSED):
        body += [_grounds_text(request), grounds.REMEDIES]
    if request.extended_at is not None and request.extension_reason:
        body.append(
            f"Cevap süresi {timezone.localtime(request.extended_at):%d.%m.%Y} tarihinde 30 iş gününe "
            f"uzatılmıştı (gerekçe: {request.extension_reason})."
        )
    footer = " · ".join(part for part in (institution.address, institution.phone, institution.email) if part)
    if found is not None and (found.signer_name or found.signer_title):
        signer_name, signer_title = found.signer_name, found.signer_title
    elif signer is not None:
        signer_name, signer_title = signer.get_full_name() or signer.get_username(), ""
    else:
        signer_name, signer_title = "", ""
    unit = found.unit.name if found is not None else (case.unit.name if case.unit is not None else "")
    return receipts.Letter(
        institution=turkish.upper(institution.name),
        unit=unit,
        number=f"{case.tracking_display} / 4982",
        date=timezone.localtime(now).strftime("%d.%m.%Y"),
        subject="Bilgi edinme başvurunuz",
        addressee=addressee,
        reference=(
            f"{timezone.localtime(request.received_at):%d.%m.%Y} tarihli ve {case.tracking_display} "
            f"numaralı bilgi edinme başvurunuz ({case.subject})."
        ),
        body="\n".join(part for part in body if part),
        signer_name=signer_name,
        signer_title=signer_title,
        footer=footer,
    )


def letter_pdf_for(request: FoiRequest, *, signer: User | None, now: dt.datetime) -> bytes:
    return receipts.letter_pdf(letter_for(request, signer=signer, now=now))
