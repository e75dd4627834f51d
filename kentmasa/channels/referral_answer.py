"""The answer to a CİMER / Açık Kapı / BİMER referral (kentmasa.channels.referrals records them).

The answer (``<tracking>/cevap.pdf`` and ``cevap.txt``) is a letter in the layout of Turkish official
correspondence, made once the case is resolved, rejected with a reason or redirected to the competent body;
the unit manager signs it (else the first application place of the service). The first export is stamped
on the referral and noted on the timeline.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access, services
from kentmasa.cases.models import Case, Channel, Status
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.channels import receipts
from kentmasa.channels.models import Referral
from kentmasa.directory.models import User
from kentmasa.lib import turkish

R = User.Role
SYSTEM_NAMES_TR = {
    Referral.System.CIMER: "Cumhurbaşkanlığı İletişim Merkezi (CİMER)",
    Referral.System.ACIK_KAPI: "İçişleri Bakanlığı Açık Kapı",
    Referral.System.BIMER: "Başbakanlık İletişim Merkezi (BİMER)",
}
SYSTEM_SHORT_TR = {
    Referral.System.CIMER: "CİMER",
    Referral.System.ACIK_KAPI: "Açık Kapı",
    Referral.System.BIMER: "BİMER",
}
# Statuses in which the institution has something to send back.
ANSWERED = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.REDIRECTED)


def answer_body(case: Case) -> str | None:
    """The text of the answer, or None while the institution has not answered."""
    if case.status not in ANSWERED:
        return None
    opening = "İlgi başvurunuz Kurumumuzca incelenmiştir."
    if case.resolution.strip():
        return f"{opening}\n{case.resolution.strip()}"
    if case.rejection_reason.strip():
        reason = case.rejection_reason.strip()
        return f"{opening}\nBaşvurunuz aşağıdaki gerekçeyle yerine getirilememiştir:\n{reason}"
    if case.status == Status.REDIRECTED and case.redirected_to:
        # Law 3071 art. 5: a petition for another authority is sent there and the petitioner told.
        return (
            "İlgi başvurunuzun konusu Kurumumuzun görev alanı dışında kaldığından başvurunuz "
            f"{case.redirected_to} kurumuna iletilmiştir."
        )
    return None


def official_name(name: str) -> str:
    """How Turkish letters write a person: given names as they are, the surname in capitals."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    return " ".join([*words[:-1], turkish.upper(words[-1])])


def manager_title(unit_name: str) -> str:
    """The title of a unit's head: "Fen İşleri Müdürlüğü" → "Fen İşleri Müdürü", "… Daire Başkanlığı" →
    "… Daire Başkanı"."""
    for office, title in (("Müdürlüğü", "Müdürü"), ("Başkanlığı", "Başkanı"), ("Amirliği", "Amiri")):
        if unit_name.endswith(office):
            return unit_name[: -len(office)] + title
    return f"{unit_name} Yöneticisi"


def signer_for(case: Case) -> tuple[str, str]:
    """The unit manager signs; without one, the first application place of the service; else blank."""
    unit = case.unit
    if unit is not None:
        manager = User.objects.filter(role=R.UNIT_MANAGER, units=unit, is_active=True).order_by("pk").first()
        if manager is not None:
            return official_name(manager.get_full_name() or manager.get_username()), manager_title(unit.name)
    place = case.service.first_application_place if case.service is not None else None
    if place is not None and place.person_name:
        return official_name(place.person_name), place.title or place.office
    return "", manager_title(unit.name) if unit is not None else ""


def build_letter(case: Case, referral: Referral, body: str) -> receipts.Letter:
    citizen = case.citizen
    addressee = [
        f"Sayın {official_name(citizen.name)}" if citizen and citizen.name else "Sayın Başvuru Sahibi"
    ]
    if citizen and citizen.address:
        addressee.append(citizen.address)
    signer_name, signer_title = signer_for(case)
    system = Referral.System(referral.system)
    return receipts.Letter(
        institution=turkish.upper(case.institution.name),
        unit=case.unit.name if case.unit is not None else "",
        number=format_tracking_number(case.tracking_number),
        date=timezone.localdate().strftime("%d.%m.%Y"),
        subject=f"{SYSTEM_SHORT_TR[system]} başvurunuz (No: {referral.external_ref})",
        addressee=addressee,
        reference=(
            f"{referral.reached_at:%d.%m.%Y} tarihinde Kurumumuza ulaşan {referral.external_ref} numaralı "
            f"{SYSTEM_NAMES_TR[system]} başvurunuz."
        ),
        body=body,
        signer_name=signer_name,
        signer_title=signer_title,
    )


def _answer(request: StaffRequest, tracking_number: str, as_pdf: bool) -> HttpResponse:
    user = request.user
    number = clean_tracking_number(tracking_number) or tracking_number
    # Never a KADES case's: the letter reaches the applicant through the referring system.
    cases = (
        access.visible_cases(user)
        .exclude(channel=Channel.KADES)
        .select_related("institution", "citizen", "unit", "service__first_application_place", "referral")
    )
    case = get_object_or_404(cases, tracking_number=number, referral__isnull=False)
    referral = case.referral
    body = answer_body(case)
    if body is None:
        messages.error(
            request,
            _("The case has no answer yet: resolve it, reject it with a reason or redirect it first."),
        )
        return redirect("cases:detail", tracking_number=case.tracking_number)
    letter = build_letter(case, referral, body)
    content = receipts.letter_pdf(letter) if as_pdf else letter.as_text().encode("utf-8")
    with transaction.atomic():
        first = Referral.objects.filter(pk=referral.pk, answer_exported_at__isnull=True).update(
            answer_exported_at=timezone.now()
        )
        if first:
            system = SYSTEM_SHORT_TR[Referral.System(referral.system)]
            services.comment(
                case,
                actor=user,
                note=f"{system} sistemine yüklenecek cevap yazısı hazırlandı.",
                public=False,
            )
    extension = "pdf" if as_pdf else "txt"
    response = HttpResponse(
        content, content_type="application/pdf" if as_pdf else "text/plain; charset=utf-8"
    )
    disposition = "inline" if as_pdf else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="cevap-{case.tracking_number}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def answer_pdf(request: StaffRequest, tracking_number: str) -> HttpResponse:
    return _answer(request, tracking_number, as_pdf=True)


@staff_required
def answer_txt(request: StaffRequest, tracking_number: str) -> HttpResponse:
    return _answer(request, tracking_number, as_pdf=False)
