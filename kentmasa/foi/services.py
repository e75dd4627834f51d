"""The steps of a Law 4982 information request. Views and tasks call these; each checks who may do it and
the stage the request is in, changes the case only through kentmasa.cases.services (in the same
transaction), raises the yearly figures, and raises FoiError (translated, nothing written) when refused.

What the applicant hears goes through the case's public events and kentmasa.channels.replies (on the
channels the answer rules ask for): the missing items and the fee as questions to the citizen (the clock
stops: ``ask_citizen``), the extension as ``foi_extended``, the decision as the resolution with the answer
letter's link, forwarding to another institution as ``redirect``, a conversion or withdrawal as ``reject``
with its reason. A case transition the member of staff's role does not cover (the information service's
staff forwarding or rejecting) is made by the system, and the foi event beside it names who did it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import access as case_access
from kentmasa.cases import services as cases
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Kind, Status
from kentmasa.directory.models import Unit, User
from kentmasa.foi import access, clock, fees, grounds, letter
from kentmasa.foi.models import (
    OPEN_STAGES,
    ApplicantKind,
    Decision,
    FeeTable,
    FoiRequest,
    FoiSettings,
    Objection,
    Stage,
    YearlyTally,
)
from kentmasa.lib import tckimlik

log = logging.getLogger(__name__)

PAPER_CHANNELS = {Channel.DESK, Channel.MOBILE_DESK}


class FoiError(Exception):
    """A refused step. ``message`` is translated and safe to show; nothing was written."""

    def __init__(self, message: str, code: str = "invalid", missing: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.missing = missing or []


# -- the figures -------------------------------------------------------------------------------------------


def bump(request: FoiRequest, name: str, by: int = 1) -> None:
    """Raise one figure of the request's year (the year it arrived) in the caller's transaction."""
    if name not in YearlyTally.FIELDS:
        raise ValueError(name)
    year = timezone.localtime(request.received_at).year
    key = {"institution_id": request.institution_id, "year": year}
    if not YearlyTally.objects.filter(**key).exists():
        try:
            with transaction.atomic():
                YearlyTally.objects.create(**key)
        except IntegrityError:
            pass  # made at the same moment by another step
    YearlyTally.objects.filter(**key).update(**{name: F(name) + by})


# -- opening -----------------------------------------------------------------------------------------------


def create_for(case: Case) -> FoiRequest | None:
    """The 4982 record of a case just opened as an information request (in the opening's transaction).

    None where the institution has no information service set up (FoiSettings), and never for KADES (no
    such case can be one; the guard stays). The request's category, when the
    institution names one and the case came without, gives it the 4982 service and the information
    service's unit (cases.services.categorise)."""
    if case.kind != Kind.INFORMATION_REQUEST or case.channel == Channel.KADES:
        return None
    found = access.settings_of(case.institution_id)
    if found is None:
        return None  # the institution has not set up its information service (admin: FoiSettings)
    request, created = FoiRequest.objects.get_or_create(
        case=case,
        defaults={
            "institution_id": case.institution_id,
            "received_at": case.received_at,
            "check_due_at": clock.check_due(case),
            "silence_at": clock.silence_at(case, case.received_at),
        },
    )
    if not created:
        return request
    request.silence_warn_at = _before(request.silence_at)
    request.save(update_fields=["silence_warn_at"])
    bump(request, "received")
    if found.category_id is not None and case.category_id is None:
        category = found.category
        if category is not None and category.active:
            try:
                cases.categorise(case, category=category, actor=None, source="router")
            except cases.TransitionError:
                log.warning("information request %s could not be given its category", case.pk)
    return request


def _before(moment: dt.datetime | None) -> dt.datetime | None:
    return moment - clock.SILENCE_WARNING_BEFORE if moment is not None else None


# -- helpers -----------------------------------------------------------------------------------------------


def _lock(request: FoiRequest) -> FoiRequest:
    return (
        FoiRequest.objects.select_for_update(of=("self",))
        .select_related("case", "case__institution", "case__citizen", "case__unit", "institution")
        .get(pk=request.pk)
    )


def _as(actor: User | None, case: Case, transition: str) -> User | None:
    """The actor the case's transition is recorded under: the member of staff where their role covers it,
    else the system (the foi event beside it names them)."""
    if actor is not None and case_access.may_perform(actor, case, transition):
        return actor
    return None


def _require(request: FoiRequest, *stages: str) -> None:
    if request.stage not in stages:
        raise FoiError(
            _("This is not possible while the information request is “%(stage)s”.")
            % {"stage": request.get_stage_display()},
            "stage",
        )


def _check_office(actor: User | None, request: FoiRequest) -> None:
    if actor is not None and not access.is_office(actor, request.institution_id):
        raise FoiError(_("Only the information service may do this."), "forbidden")


def _check_seen(actor: User | None, request: FoiRequest) -> None:
    if actor is not None and not access.may_see(actor, request):
        raise FoiError(_("You are not allowed to do this on this request."), "forbidden")


def _record(
    request: FoiRequest,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    public: bool = False,
    data: dict | None = None,
    now: dt.datetime,
) -> None:
    case = Case.objects.get(pk=request.case_id)
    cases.record_event(case, action, actor=actor, note=note, public=public, data=data or {}, now=now)


def _date(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y") if moment is not None else ""


# -- the eligibility check ---------------------------------------------------------------------------------


@dataclass
class Identity:
    """What the information service read from the application (Yönetmelik art. 9–10)."""

    applicant_kind: str = ApplicantKind.PERSON
    name: str = ""
    tc_kimlik: str = ""
    address: str = ""
    email: str = ""
    signed: bool = False
    legal_title: str = ""
    signatory_authority: str = ""
    paper: bool = False  # a written petition (desk, post) rather than an electronic application
    problems: list[str] = field(default_factory=list)


MISSING_LABELS = {
    "name": "Adınız ve soyadınız",
    "tc_kimlik": "T.C. kimlik numaranız (elektronik başvurularda zorunludur)",
    "tc_kimlik_invalid": "Geçerli bir T.C. kimlik numarası (yazdığınız numara doğrulanamadı)",
    "signature": "İmzanız (yazılı başvurularda dilekçe imzalı olmalıdır)",
    "address": "Oturma yeri veya iş adresiniz",
    "contact": "Size ulaşabileceğimiz bir adres (posta veya e-posta adresi)",
    "legal_title": "Tüzel kişinin unvanı",
    "signatory_authority": "Başvuruyu imzalayan kişinin yetki belgesi",
    "subject": "İstediğiniz bilgi veya belgenin açık tanımı",
}


def missing_items(identity: Identity) -> list[str]:
    """What the regulation asks of this kind of application and is not there (keys of MISSING_LABELS)."""
    missing: list[str] = []
    if identity.applicant_kind == ApplicantKind.LEGAL:
        if not identity.legal_title.strip():
            missing.append("legal_title")
        if not identity.signatory_authority.strip():
            missing.append("signatory_authority")
    if not identity.name.strip():
        missing.append("name")
    if identity.paper:
        if not identity.signed:
            missing.append("signature")
        if not identity.address.strip():
            missing.append("address")
    else:
        number = tckimlik.clean(identity.tc_kimlik)
        if identity.applicant_kind == ApplicantKind.PERSON:
            if not number:
                missing.append("tc_kimlik")
            elif not tckimlik.is_valid(number):
                missing.append("tc_kimlik_invalid")
        if not identity.address.strip() and not identity.email.strip():
            missing.append("contact")
    return missing


def accept(
    request: FoiRequest, *, actor: User | None, identity: Identity, now: dt.datetime | None = None
) -> FoiRequest:
    """The application is complete: the law's 15 iş günü run from its receipt, or from the moment it was
    completed when it was incomplete. Refused (FoiError with ``missing``) while anything is missing."""
    now = now or timezone.now()
    missing = missing_items(identity)
    if missing:
        raise FoiError(
            _("The application is not complete: %(missing)s.")
            % {"missing": "; ".join(MISSING_LABELS[key] for key in missing)},
            "incomplete",
            missing,
        )
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        _require(locked, Stage.CHECKING, Stage.INCOMPLETE)
        case = locked.case
        if case.channel == Channel.KADES:
            raise FoiError(_("Not possible for this case."), "kades")
        was_incomplete = locked.stage == Stage.INCOMPLETE
        if case.status == Status.WAITING_CITIZEN:
            case = cases.citizen_answered(
                case, actor=None, answer=_("The missing items of the application were received."), now=now
            )
        start = now if was_incomplete else locked.received_at
        locked.stage = Stage.PROCESSING
        locked.checked_at, locked.checked_by = now, actor
        locked.missing = []
        locked.applicant_kind = identity.applicant_kind
        locked.legal_title = identity.legal_title.strip()[:300]
        locked.signatory_authority = identity.signatory_authority.strip()[:300]
        locked.signed = identity.signed
        locked.clock_started_at = start
        locked.warn_at = clock.warning_at(case, start)
        locked.silence_at = clock.silence_at(case, start)
        locked.silence_warn_at = _before(locked.silence_at)
        locked.save()
        _fill_citizen(case, identity)
        due = clock.answer_due(case, start)
        cases.set_deadline(
            case,
            due_at=due,
            actor=actor,
            reason="4982_complete",
            data={"clock_started_at": start.isoformat()},
            now=now,
        )
        _record(
            locked,
            "foi_complete",
            actor=actor,
            public=True,
            note=_("Your application was checked and taken into processing; the answer is due by %(due)s.")
            % {"due": _date(due)},
            data={"due": due.isoformat()},
            now=now,
        )
    return locked


def _fill_citizen(case: Case, identity: Identity) -> None:
    """What the service read from the application fills the applicant's empty fields (never overwrites)."""
    citizen = case.citizen
    if citizen is None:
        return
    changed = []
    number = tckimlik.clean(identity.tc_kimlik)
    if not citizen.name and identity.name.strip():
        citizen.name = identity.name.strip()[:200]
        changed.append("name")
    if not citizen.tc_kimlik and number and tckimlik.is_valid(number):
        citizen.tc_kimlik = number
        changed.append("tc_kimlik")
    if not citizen.address and identity.address.strip():
        citizen.address = identity.address.strip()[:400]
        changed.append("address")
    if changed:
        citizen.save(update_fields=[*changed, "name_key"])
        cases.refresh_search_text(citizen)


def mark_incomplete(
    request: FoiRequest,
    *,
    actor: User | None,
    missing: list[str],
    note: str = "",
    now: dt.datetime | None = None,
) -> FoiRequest:
    """The applicant is told what is missing, on their channel; the request is not processed (no clock)
    until it is complete (Yönetmelik: incomplete applications are not processed)."""
    now = now or timezone.now()
    unknown = [key for key in missing if key not in MISSING_LABELS]
    if not missing or unknown:
        raise FoiError(_("Choose what is missing from the list."), "missing")
    items = "; ".join(MISSING_LABELS[key] for key in missing)
    question = (
        "Bilgi edinme başvurunuz 4982 sayılı Kanun ve Bilgi Edinme Hakkı Kanununun Uygulanmasına İlişkin "
        f"Esas ve Usuller Hakkında Yönetmelik uyarınca eksiktir. Eksik olanlar: {items}. Başvurunuz "
        "bunlar tamamlanana kadar işleme alınamaz; 15 iş günlük süre başvurunuz tamamlandığında başlar."
    )
    if note.strip():
        question += " " + note.strip()
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        _require(locked, Stage.CHECKING, Stage.INCOMPLETE)
        case = locked.case
        if case.status not in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS):
            raise FoiError(_("The applicant has already been asked and has not answered yet."), "waiting")
        cases.ask_citizen(case, actor=_as(actor, case, "ask_citizen"), question=question, now=now)
        locked.stage = Stage.INCOMPLETE
        locked.missing = list(missing)
        locked.checked_at, locked.checked_by = now, actor
        # Not an application in law until it is complete: no deemed refusal runs meanwhile.
        locked.silence_at = locked.silence_warn_at = None
        locked.save()
        _record(locked, "foi_incomplete", actor=actor, data={"missing": list(missing)}, now=now)
    return locked


def convert(
    request: FoiRequest,
    *,
    actor: User | None,
    reason: str,
    unit: Unit | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Not a request for information (a complaint, a wish, a petition): it is taken as a petition under
    Law 3071 (a new case that follows this one) and this one is closed, the applicant told why."""
    now = now or timezone.now()
    if not reason.strip():
        raise FoiError(_("Write why this is not an information request."), "reason")
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        _require(locked, Stage.CHECKING, Stage.INCOMPLETE)
        case = locked.case
        if unit is not None and unit.institution_id != case.institution_id:
            raise FoiError(_("That unit does not belong to this institution."), "unit")
        petition = open_from(
            Inbound(
                channel=case.channel,
                institution=case.institution,
                citizen=case.citizen,
                kind=Kind.PETITION,
                subject=case.subject,
                text=case.description,
                unit=unit,
                actor=actor,
                follows=case,
                opening={"converted_from": case.tracking_number},
            )
        )
        text = (
            f"Başvurunuz 4982 sayılı Bilgi Edinme Hakkı Kanunu kapsamında bir bilgi veya belge talebi "
            f"niteliğinde değildir ({reason.strip()}). 3071 sayılı Dilekçe Hakkının Kullanılmasına Dair "
            f"Kanun uyarınca {petition.tracking_display} numaralı dilekçe olarak işleme alınmıştır; "
            "bundan sonra onu bu numarayla takip edebilirsiniz."
        )
        cases.reject(case, actor=_as(actor, case, "reject"), reason=text, now=now)
        locked.stage = Stage.CONVERTED
        locked.converted_to = petition
        locked.checked_at, locked.checked_by = now, actor
        locked.save()
        bump(locked, "received", -1)
        bump(locked, "converted")
        _record(
            locked, "foi_converted", actor=actor, note=reason.strip(), data={"petition": petition.pk}, now=now
        )
    return petition


# -- forwarding --------------------------------------------------------------------------------------------


def forward_to_unit(
    request: FoiRequest, *, actor: User | None, unit: Unit, note: str = "", now: dt.datetime | None = None
) -> FoiRequest:
    """To the unit of the institution that holds the information (Adana: within 2 iş günü)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        _require(locked, Stage.PROCESSING)
        case = locked.case
        if unit.institution_id != case.institution_id or not unit.active:
            raise FoiError(_("Choose an active unit of this institution."), "unit")
        if case.unit_id == unit.pk:
            raise FoiError(_("The request is already with that unit."), "unit")
        if case.status not in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS):
            raise FoiError(_("Not possible while the applicant is awaited."), "waiting")
        cases.transfer(case, actor=_as(actor, case, "transfer"), unit=unit, note=note, now=now)
        locked.holder_unit = unit
        locked.save(update_fields=["holder_unit"])
        _record(locked, "foi_forwarded_unit", actor=actor, note=note, data={"unit": unit.pk}, now=now)
    return locked


def ask_opinion(
    request: FoiRequest, *, actor: User | None, of: str, now: dt.datetime | None = None
) -> FoiRequest:
    """Another unit's or institution's information or opinion is needed: the reason for an extension."""
    now = now or timezone.now()
    if not of.strip():
        raise FoiError(_("Write whose opinion was asked."), "of")
    with transaction.atomic():
        locked = _lock(request)
        _check_seen(actor, locked)
        _require(locked, Stage.PROCESSING)
        locked.opinion_asked_at = locked.opinion_asked_at or now
        locked.opinion_from = of.strip()[:300]
        locked.save(update_fields=["opinion_asked_at", "opinion_from"])
        _record(locked, "foi_opinion", actor=actor, note=locked.opinion_from, now=now)
    return locked


def forward_out(
    request: FoiRequest, *, actor: User | None, to: str, note: str = "", now: dt.datetime | None = None
) -> FoiRequest:
    """The information is held by another institution: the application is sent there and the applicant
    told (art. 7; Yönetmelik); the case is closed here with that reason."""
    now = now or timezone.now()
    to = to.strip()
    if not to:
        raise FoiError(_("Write the institution the application is sent to."), "to")
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        _require(locked, Stage.CHECKING, Stage.PROCESSING)
        case = locked.case
        reason = note.strip() or _("The information asked for is held by %(to)s.") % {"to": to}
        cases.redirect(case, actor=_as(actor, case, "redirect"), to=to, note=reason, now=now)
        locked.stage = Stage.FORWARDED
        locked.forwarded_to = to[:300]
        locked.forwarded_at = now
        locked.save()
        bump(locked, "forwarded")
        _record(locked, "foi_forwarded_out", actor=actor, note=reason, data={"to": to}, now=now)
    return locked


# -- the extension -----------------------------------------------------------------------------------------


def extend(
    request: FoiRequest, *, actor: User | None, reason: str, now: dt.datetime | None = None
) -> FoiRequest:
    """To 30 iş günü, any time before the 15 days end, with its reason; the applicant is told at once
    (art. 11: in writing, before the 15 days end) on the answer channels (``foi_extended``)."""
    now = now or timezone.now()
    if not reason.strip():
        raise FoiError(_("Write the reason for the extension."), "reason")
    with transaction.atomic():
        locked = _lock(request)
        _check_seen(actor, locked)
        _require(locked, Stage.PROCESSING)
        case = locked.case
        if locked.extended_at is not None:
            raise FoiError(_("The time has already been extended."), "extended")
        if case.due_at is None or case.due_at <= now:
            raise FoiError(_("The 15 working days are over: the time can no longer be extended."), "late")
        if case.status not in ACTIVE_STATUSES:
            raise FoiError(_("Not possible on a finished case."), "status")
        due = clock.extended_due(case, case.due_at)
        cases.set_deadline(
            case, due_at=due, actor=actor, reason="4982_extended", note=reason.strip(), now=now
        )
        locked.extended_at = now
        locked.extension_reason = reason.strip()
        locked.save(update_fields=["extended_at", "extension_reason"])
        _record(
            locked,
            "foi_extended",
            actor=actor,
            public=True,
            note=reason.strip(),
            data={"due": due.isoformat()},
            now=now,
        )
    return locked


# -- the fee -----------------------------------------------------------------------------------------------


def fee_table(request: FoiRequest, now: dt.datetime) -> FeeTable | None:
    year = timezone.localtime(now).year
    return FeeTable.objects.filter(institution_id=request.institution_id, year=year).first()


def tell_fee(
    request: FoiRequest, *, actor: User | None, order: fees.Order, now: dt.datetime | None = None
) -> FoiRequest:
    """The cost of access from the year's fee table is told to the applicant; the clock stops until the
    proof of payment arrives (the case waits for the citizen), at most 15 iş günü."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(request)
        _check_seen(actor, locked)
        _require(locked, Stage.PROCESSING)
        case = locked.case
        table = fee_table(locked, now)
        if table is None:
            raise FoiError(
                _("The institution has no fee table for %(year)s.") % {"year": timezone.localtime(now).year},
                "table",
            )
        cost = fees.cost(order, table.rates())
        if cost.total <= 0:
            raise FoiError(_("Nothing to charge: the first 10 pages are free, postage included."), "free")
        if case.status not in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS):
            raise FoiError(_("Not possible while the applicant is awaited."), "waiting")
        due = clock.fee_due(case, now)
        items = "; ".join(label for label, _amount in cost.lines)
        question = (
            "İstediğiniz bilgi ve belgelere erişim ücreti, Bilgi ve Belgeye Erişim Ücreti Genel Tebliği "
            f"uyarınca {fees.lira(cost.total)} olarak hesaplanmıştır ({items}; "
            "ilk 10 sayfa ücretsizdir). Ödemeyi yaptığınızı gösteren belgeyi "
            f"{_date(due)} tarihine kadar (15 iş günü) iletiniz; iletilmezse başvurunuzdan vazgeçmiş "
            "sayılırsınız. Ücret bildirimiyle cevap süresi durur."
        )
        cases.ask_citizen(case, actor=_as(actor, case, "ask_citizen"), question=question, now=now)
        locked.stage = Stage.AWAITING_FEE
        locked.fee_amount = cost.total
        locked.fee_detail = {**cost.as_data(), "order": order.__dict__, "year": table.year}
        locked.fee_told_at = now
        locked.fee_due_at = due
        locked.save()
        _record(locked, "foi_fee", actor=actor, note=cost.as_text(), data=locked.fee_detail, now=now)
    return locked


def fee_paid(
    request: FoiRequest, *, actor: User | None, note: str = "", now: dt.datetime | None = None
) -> FoiRequest:
    """Proof of payment arrived: the clock runs again, moved by the time it stood."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(request)
        _check_seen(actor, locked)
        _require(locked, Stage.AWAITING_FEE)
        case = locked.case
        if case.status == Status.WAITING_CITIZEN:
            cases.citizen_answered(
                case, actor=None, answer=note.strip() or _("Proof of payment received."), now=now
            )
        stood = now - (locked.fee_told_at or now)
        locked.stage = Stage.PROCESSING
        locked.fee_paid_at = now
        if locked.silence_at is not None:
            locked.silence_at += stood
            locked.silence_warn_at = _before(locked.silence_at)
        if locked.warn_at is not None:
            locked.warn_at += stood
        locked.save()
        _record(locked, "foi_fee_paid", actor=actor, public=True, note=note.strip(), now=now)
    return locked


def expire_fees(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Periodic: no proof of payment within 15 iş günü → the request counts as withdrawn, the applicant
    told (the case is closed with that reason). Idempotent: each row is claimed by its stage."""
    now = now or timezone.now()
    done = 0
    ids = list(
        FoiRequest.objects.filter(stage=Stage.AWAITING_FEE, fee_due_at__lte=now)
        .order_by("fee_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            claimed = FoiRequest.objects.filter(pk=pk, stage=Stage.AWAITING_FEE).update(
                stage=Stage.WITHDRAWN, withdrawn_at=now
            )
            if not claimed:
                continue
            request = FoiRequest.objects.select_related("case").get(pk=pk)
            case = request.case
            reason = (
                "Erişim ücretinin ödendiğini gösteren belge, ücretin bildirildiği "
                f"{_date(request.fee_told_at)} tarihinden itibaren 15 iş günü içinde iletilmediğinden, "
                "Bilgi Edinme Hakkı Kanununun Uygulanmasına İlişkin Esas ve Usuller Hakkında Yönetmelik "
                "uyarınca başvurunuzdan vazgeçmiş sayıldınız."
            )
            if case.status in ACTIVE_STATUSES:
                cases.reject(case, actor=None, reason=reason, now=now)
            bump(request, "withdrawn")
            _record(request, "foi_withdrawn", actor=None, now=now)
            done += 1
    return done


# -- the decision and its letter ---------------------------------------------------------------------------


def public_letter_url(request: FoiRequest) -> str:
    path = reverse("foi:letter_public", args=[request.letter_key])
    base = settings.KENTMASA_PUBLIC_URL.rstrip("/") if settings.KENTMASA_PUBLIC_URL else ""
    return base + path


def decide(
    request: FoiRequest,
    *,
    actor: User | None,
    decision: str,
    answer: str,
    withheld: str = "",
    ground_keys: list[str] | None = None,
    now: dt.datetime | None = None,
) -> FoiRequest:
    """Granted, partly granted or refused. A refusal or a withheld part cites its grounds (articles 7–8
    and 15–28, from the list) and states the remedies (art. 12, 13). The answer letter is made on the
    institution's letterhead, kept with the request, and its link goes to the applicant with the answer."""
    now = now or timezone.now()
    keys = list(dict.fromkeys(ground_keys or []))
    if decision not in Decision.values:
        raise FoiError(_("Choose the decision."), "decision")
    if not answer.strip():
        raise FoiError(_("Write the answer."), "answer")
    if grounds.unknown(keys):
        raise FoiError(_("Choose the legal grounds from the list."), "grounds")
    if decision in (Decision.PARTLY, Decision.REFUSED) and not keys:
        raise FoiError(_("A refusal or a withheld part must cite its legal ground."), "grounds")
    if decision == Decision.PARTLY and not withheld.strip():
        raise FoiError(_("Write which parts are withheld and why."), "withheld")
    if decision == Decision.GRANTED:
        keys, withheld = [], ""
    with transaction.atomic():
        locked = _lock(request)
        _check_seen(actor, locked)
        _require(locked, Stage.PROCESSING)
        case = locked.case
        if case.channel == Channel.KADES:
            raise FoiError(_("Not possible for this case."), "kades")
        if case.status not in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS):
            raise FoiError(_("Not possible while the applicant is awaited."), "waiting")
        locked.decision = decision
        locked.decided_at = now
        locked.decided_by = actor
        locked.answer = answer.strip()
        locked.withheld = withheld.strip()
        locked.grounds = keys
        locked.stage = Stage.DECIDED
        pdf = letter.letter_pdf_for(locked, signer=actor, now=now)
        locked.letter.save(f"bilgi-edinme-{case.tracking_number}.pdf", ContentFile(pdf), save=False)
        locked.save()
        resolution = letter.resolution_text(locked, public_letter_url(locked))
        cases.resolve(case, actor=_as(actor, case, "resolve"), resolution=resolution, now=now)
        bump(locked, {"granted": "granted", "partly": "partly", "refused": "refused"}[decision])
        _record(
            locked,
            "foi_decision",
            actor=actor,
            note=locked.get_decision_display(),
            data={"decision": decision, "grounds": keys},
            now=now,
        )
    return locked


# -- objections --------------------------------------------------------------------------------------------


def record_objection(
    request: FoiRequest,
    *,
    actor: User | None,
    lodged_on: dt.date,
    to: str = Objection.To.KURUL,
    now: dt.datetime | None = None,
) -> Objection:
    """The applicant objected to the Kurul (or went to court) against a refusal, a withheld part or the
    deemed refusal. Whether it came within 15 days of the notice is recorded; the Kurul's 30 iş günü run
    from the day it was lodged."""
    now = now or timezone.now()
    if to not in Objection.To.values:
        raise FoiError(_("Choose where the objection went."), "to")
    if lodged_on > timezone.localdate(now):
        raise FoiError(_("The objection cannot be lodged in the future."), "lodged_on")
    with transaction.atomic():
        locked = _lock(request)
        _check_office(actor, locked)
        refused = locked.decision in (Decision.PARTLY, Decision.REFUSED)
        if not refused and locked.silence_recorded_at is None:
            raise FoiError(
                _("Only a refusal, a withheld part or a deemed refusal can be objected to."), "decision"
            )
        notice = locked.decided_at if refused else locked.silence_recorded_at
        if notice is not None and lodged_on < timezone.localtime(notice).date():
            raise FoiError(_("The objection cannot come before the decision."), "lodged_on")
        in_time = notice is None or lodged_on <= timezone.localtime(notice).date() + dt.timedelta(
            days=grounds.OBJECTION_DAYS
        )
        lodged_at = dt.datetime.combine(lodged_on, dt.time(12, 0), tzinfo=timezone.get_current_timezone())
        first = not locked.objections.exists()
        objection = Objection.objects.create(
            request=locked,
            to=to,
            lodged_on=lodged_on,
            in_time=in_time,
            kurul_due_at=clock.kurul_due(locked.case, lodged_at) if to == Objection.To.KURUL else None,
            recorded_by=actor,
            recorded_at=now,
        )
        if first:
            bump(locked, "objected")
        _record(
            locked,
            "foi_objection",
            actor=actor,
            public=True,
            note=objection.get_to_display(),
            data={"objection": objection.pk, "lodged_on": lodged_on.isoformat(), "in_time": in_time},
            now=now,
        )
    return objection


def record_kurul_decision(
    objection: Objection,
    *,
    actor: User | None,
    outcome: str,
    decided_on: dt.date,
    followed: str = "",
    now: dt.datetime | None = None,
) -> Objection:
    now = now or timezone.now()
    if outcome not in Objection.Outcome.values:
        raise FoiError(_("Choose the decision."), "outcome")
    if decided_on < objection.lodged_on or decided_on > timezone.localdate(now):
        raise FoiError(_("The decision's date must lie between the objection and today."), "decided_on")
    with transaction.atomic():
        locked_request = _lock(objection.request)
        _check_office(actor, locked_request)
        row = Objection.objects.select_for_update().get(pk=objection.pk)
        row.outcome = outcome
        row.decided_on = decided_on
        row.followed = followed.strip()
        row.save(update_fields=["outcome", "decided_on", "followed"])
        _record(
            locked_request,
            "foi_kurul_decision",
            actor=actor,
            public=True,
            note=f"{row.get_outcome_display()}. {row.followed}".strip(),
            data={"objection": row.pk, "outcome": outcome},
            now=now,
        )
    return row


# -- the sweeps (periodic, idempotent) ---------------------------------------------------------------------


def _unit_people(unit: Unit | None, limit: int = 50) -> list[User]:
    if unit is None:
        return []
    staff = list(
        User.objects.filter(units=unit, is_active=True, role__in=list(User.UNIT_ROLES)).order_by("pk")[:limit]
    )
    return [*staff, *unit.managers()]


def _deadline_people(request: FoiRequest, near: list[User]) -> list[User]:
    """Who hears of a deadline of the law: ``near`` (the case's unit), the information service's staff and
    managers (FoiSettings.unit), and the institution's administrators when that leaves nobody — so a request
    with no unit, or a unit without a manager, still reaches a named person."""
    from kentmasa.notify.rules import institution_administrators

    service = FoiSettings.objects.filter(institution_id=request.institution_id).select_related("unit").first()
    people = [*near, *(_unit_people(service.unit) if service is not None else [])]
    if not people:
        people = institution_administrators(request.institution_id)
    distinct: dict[int, User] = {}
    for person in people:
        distinct.setdefault(person.pk, person)
    return list(distinct.values())


def warn_units(now: dt.datetime | None = None, limit: int = 200) -> int:
    """On the 12th iş günü: a request sent to another unit, or whose opinion was asked elsewhere, without an
    extension sent: its unit (staff and managers, by name) is warned that the applicant must be told of
    an extension before the 15 days end."""
    from kentmasa.notify.tell import tell

    now = now or timezone.now()
    rows = list(
        FoiRequest.objects.filter(
            stage=Stage.PROCESSING, warned_at__isnull=True, extended_at__isnull=True, warn_at__lte=now
        )
        .order_by("warn_at")
        .values_list("pk", "holder_unit_id", "opinion_asked_at")[:limit]
    )
    done = 0
    for pk, holder, opinion in rows:
        if holder is None and opinion is None:
            # Nothing was needed from elsewhere: no extension to consider; never looked at again.
            FoiRequest.objects.filter(pk=pk, warned_at__isnull=True).update(warned_at=now)
            continue
        with transaction.atomic():
            if not FoiRequest.objects.filter(pk=pk, warned_at__isnull=True).update(warned_at=now):
                continue
            request = FoiRequest.objects.select_related("case", "case__unit", "holder_unit").get(pk=pk)
            case = request.case
            found = access.settings_of(request.institution_id)
            people = _unit_people(case.unit)
            if found is not None and found.unit_id != case.unit_id:
                people += _unit_people(found.unit)
            text = _(
                "Information request %(number)s: its 15 working days end on %(due)s and no extension was "
                "sent. If the answer needs another unit's information, extend it and tell the applicant now."
            ) % {"number": case.tracking_display, "due": _date(case.due_at)}
            told = tell(
                people, "foi_deadline", text, case=case, link=reverse("foi:detail", args=[request.pk])
            )
            _record(
                request,
                "foi_unit_warning",
                actor=None,
                note=text,
                data={"told": [n.user_id for n in told]},
                now=now,
            )
            done += 1
    return done


def sweep_silence(now: dt.datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """İYUK m.10: the unit and its manager, and the information service, are told 3 days before an application
    would be deemed refused; once the 30 days pass unanswered it is recorded (the figures count it; the
    objection opens) and they are told again (the institution's administrators when nobody else)."""
    from kentmasa.notify.tell import tell

    now = now or timezone.now()
    running = [Stage.CHECKING, Stage.PROCESSING]
    warned = 0
    for pk in list(
        FoiRequest.objects.filter(
            stage__in=running,
            silence_warned_at__isnull=True,
            silence_recorded_at__isnull=True,
            silence_warn_at__lte=now,
        )
        .order_by("silence_warn_at")
        .values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            if not FoiRequest.objects.filter(pk=pk, silence_warned_at__isnull=True).update(
                silence_warned_at=now
            ):
                continue
            request = FoiRequest.objects.select_related("case", "case__unit").get(pk=pk)
            case = request.case
            text = _(
                "Information request %(number)s will be deemed refused in law (İYUK art. 10) on %(day)s "
                "unless it is answered by then."
            ) % {"number": case.tracking_display, "day": _date(request.silence_at)}
            people = _deadline_people(request, _unit_people(case.unit))
            told = tell(
                people, "foi_deadline", text, case=case, link=reverse("foi:detail", args=[request.pk])
            )
            _record(
                request,
                "foi_silence_warning",
                actor=None,
                note=text,
                data={"told": [n.user_id for n in told]},
                now=now,
            )
            warned += 1
    recorded = 0
    for pk in list(
        FoiRequest.objects.filter(stage__in=running, silence_recorded_at__isnull=True, silence_at__lte=now)
        .order_by("silence_at")
        .values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            if not FoiRequest.objects.filter(pk=pk, silence_recorded_at__isnull=True).update(
                silence_recorded_at=now
            ):
                continue
            request = FoiRequest.objects.select_related("case", "case__unit").get(pk=pk)
            case = request.case
            bump(request, "silence")
            text = _(
                "Information request %(number)s was not answered within 30 days of the application: it "
                "counts as refused in law (İYUK art. 10). The applicant may object or go to court; answer it "
                "all the same."
            ) % {"number": case.tracking_display}
            managers = case.unit.managers() if case.unit is not None else []
            tell(
                _deadline_people(request, managers),
                "foi_deadline",
                text,
                case=case,
                link=reverse("foi:detail", args=[request.pk]),
            )
            _record(request, "foi_silence", actor=None, note=text, now=now)
            recorded += 1
    return warned, recorded


def open_requests_count(institution_id: int) -> int:
    return FoiRequest.objects.filter(institution_id=institution_id, stage__in=list(OPEN_STAGES)).count()
