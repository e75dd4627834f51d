"""Data subjects' applications (KVKK m.11, m.13, m.14): the domain functions.

A case of kind ``data_subject_request`` gets its record here when it opens (any channel: the desk, e-mail or
KEP, the public form, staff), with the 30-day clock of m.13 on the statutory calendar (calendar days; a last
day on a holiday moves to the next working day) and the officers told. Views and the periodic task call these;
each refuses with :class:`RequestError` (translated, nothing written).

**Identity before anything.** Nothing is exported, corrected or erased before the person's identity is proven:

- at the desk with an identity document (the desk's own check when the application is made there, or a member
  of staff ticking it later with the document's type; the staff member is recorded);
- by a verified phone together with the TC kimlik no: the code goes only to the phone a record of this
  institution already holds *as verified* and whose TC kimlik no is the one given (an unverified phone or a
  typed one never finds a record);
- by KEP (an application that came by e-mail from a ``.kep.tr`` address) or e-Devlet, where the institution
  has them (:class:`~kentmasa.privacy.models.requests.ProofChannels`).

**Whose data.** The proven record, the records of the institution holding the proven TC kimlik no as proven,
and records a member of staff linked after a check (logged). Never by a matching phone or e-mail.

**KADES.** A KADES case (and the police incident behind it) is never in an export that leaves the desk, and
nothing is sent to the contact of a person who has a KADES case: her answer is handed at the desk.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kentmasa.cases import clock as case_clock
from kentmasa.cases import phone_codes
from kentmasa.cases import services as cases
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Citizen, Event, Kind
from kentmasa.channels import replies
from kentmasa.deadlines import Duration, TimeUnit
from kentmasa.directory.models import User
from kentmasa.lib import tckimlik
from kentmasa.notify import tell
from kentmasa.notify.rules import institution_administrators
from kentmasa.privacy.models.requests import (
    DataSubjectRequest,
    Decision,
    Delivery,
    IdentityMethod,
    PersonLink,
    ProofChannels,
    RequestType,
)

log = logging.getLogger(__name__)

TERM = Duration(30, TimeUnit.DAYS)  # KVKK m.13/2: "en kısa sürede ve en geç otuz gün içinde"
WARN_BEFORE = dt.timedelta(days=5)  # the officers hear on day 25
EXPORT_DAYS = 30  # how long the person's export link works
FREE_PAGES = 10  # Tebliğ m.7/1: free up to ten pages, 1 TL for each page beyond
FEE_PER_PAGE = Decimal("1.00")
MAX_RECORDS = 50  # records of one person shown and exported
MAX_CASES = 500  # cases of one person exported (a person with more is answered at the desk, in parts)
PERMISSION = "privacy.handle_data_subject_requests"
# Notification kinds (kentmasa.notify.kinds): a new application, and one near its 30 days.
NOTIFY_NEW = "kvkk_request"
NOTIFY_DEADLINE = "kvkk_deadline"
DESK_CHANNELS = {Channel.DESK, Channel.MOBILE_DESK}

DOCUMENTS = {
    "id_card": "nüfus cüzdanı / kimlik kartı",
    "driving_licence": "sürücü belgesi",
    "passport": "pasaport",
}
CORRECTABLE = ("name", "address", "phone", "email")
# The answer's closing paragraph (KVKK m.14), in the institution's language.
COMPLAINT_NOTE = (
    "Başvurunuzun reddedilmesi, verilen cevabı yetersiz bulmanız veya süresinde cevap verilmemesi "
    "hâlinde; cevabı öğrendiğiniz tarihten itibaren otuz gün ve her hâlde başvuru tarihinden itibaren "
    "altmış gün içinde Kişisel Verileri Koruma Kurulu'na şikâyette bulunabilirsiniz (6698 sayılı Kanun m.14)."
)
WHAT_TO_BRING = (
    "KVKK başvurunuz alındı; en geç 30 gün içinde cevaplanacaktır. Kişisel verilerinizi vermeden, "
    "düzeltmeden ya da silmeden önce kimliğinizi kanıtlamanız gerekir: nüfus cüzdanı, sürücü belgesi ya da "
    "pasaportunuzla başvuru masamıza gelin. Kurumumuzda doğrulanmış bir cep telefonunuz varsa, bizi arayıp "
    "T.C. kimlik numaranızı ve telefonunuza gönderilecek kodu söyleyerek de kanıtlayabilirsiniz."
)
DECISION_TR = {"granted": "Kabul edildi", "partly": "Kısmen kabul edildi", "refused": "Reddedildi"}
TYPE_TR = {
    "learn": "Kişisel verilerinin işlenip işlenmediğini öğrenme (m.11/a)",
    "information": "İşlenmişse buna ilişkin bilgi talep etme (m.11/b)",
    "purpose": "İşlenme amacını ve amacına uygun kullanılıp kullanılmadığını öğrenme (m.11/c)",
    "third_parties": "Yurt içinde veya yurt dışında aktarıldığı üçüncü kişileri bilme (m.11/ç)",
    "correction": "Eksik veya yanlış işlenmişse düzeltilmesini isteme (m.11/d)",
    "erasure": "Silinmesini veya yok edilmesini isteme (m.11/e, m.7)",
    "notify_third_parties": "Düzeltme/silme işlemlerinin aktarıldığı üçüncü kişilere bildirilmesi (m.11/f)",
    "automated": "Otomatik sistemlerle analiz sonucu aleyhe bir sonuca itiraz (m.11/g)",
    "compensation": "Kanuna aykırı işleme sebebiyle zararın giderilmesini talep etme (m.11/ğ)",
}


class RequestError(Exception):
    """A refused step; ``message`` is translated and safe to show; nothing was written."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


# -- who -------------------------------------------------------------------------------------------------


def is_officer(user: object, institution_id: int | None) -> bool:
    """Handles KVKK applications of the institution: its administrators and those given the permission
    ("Can handle KVKK applications", e.g. the KVKK contact person), and superusers."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if institution_id is None or user.institution_id != institution_id:
        return False
    return user.role == User.Role.ADMINISTRATOR or user.has_perm(PERMISSION)


def officers(institution_id: int) -> list[User]:
    """Who is told of a new application and of the near deadline: the holders of the permission (directly
    or by group) and the administrators of the institution, at most 20."""
    perm = Q(user_permissions__codename="handle_data_subject_requests") | Q(
        groups__permissions__codename="handle_data_subject_requests"
    )
    holders = list(
        User.objects.filter(perm, institution_id=institution_id, is_active=True)
        .distinct()
        .order_by("pk")[:20]
    )
    seen = {user.pk for user in holders}
    return holders + [user for user in institution_administrators(institution_id) if user.pk not in seen]


def visible(user: object) -> list[int] | None:
    """The institutions whose applications ``user`` handles (None: all, a superuser without one)."""
    if not isinstance(user, User) or not user.is_active:
        return []
    if user.is_superuser and user.institution_id is None:
        return None
    return [user.institution_id] if user.institution_id and is_officer(user, user.institution_id) else []


# -- opening ---------------------------------------------------------------------------------------------


def create_for(case: Case) -> DataSubjectRequest | None:
    """The KVKK record of a case just opened as a data subject's application (in the opening's
    transaction): the 30-day deadline on the case, the day-25 warning, KEP proof, the officers told."""
    if case.kind != Kind.DATA_SUBJECT_REQUEST or case.channel == Channel.KADES:
        return None
    calendar = case_clock.calendar_for(case)
    due = calendar.due(case.received_at, TERM)
    request, created = DataSubjectRequest.objects.get_or_create(
        case=case,
        defaults={
            "institution_id": case.institution_id,
            "received_at": case.received_at,
            "due_at": due,
            "warn_at": due - WARN_BEFORE,
            "subject": case.citizen,
        },
    )
    if not created:
        return request
    cases.set_deadline(case, due_at=due, actor=None, reason="kvkk_m13", note="KVKK m.13: 30 gün")
    if _came_by_kep(case) and _channels(case.institution_id).kep:
        _prove(request, IdentityMethod.KEP, by=None, tc="", citizen=case.citizen, document="")
    elif case.channel not in DESK_CHANNELS:
        # The applicant reads it on the tracking page: what to bring before anything of theirs is given.
        cases.comment(case, actor=None, public=True, note=WHAT_TO_BRING, data={"kvkk": "identity_needed"})
    link = reverse("privacy:request", args=[request.pk])
    text = _("New KVKK application %(number)s: to be answered by %(due)s.") % {
        "number": case.tracking_display,
        "due": timezone.localtime(due).strftime("%d.%m.%Y"),
    }
    tell.tell(officers(case.institution_id), NOTIFY_NEW, text, case=case, link=link)
    return request


def on_desk_check(case: Case, record: dict) -> None:
    """The desk recorded its identity check on the opening (kentmasa.channels.desk): the person (or their
    representative, with the document of representation scanned) showed an identity document to the member
    of staff, and the TC kimlik no was typed from it. That proves the application."""
    request = DataSubjectRequest.objects.filter(case=case).first()
    if request is None or request.proven or not record.get("identity_seen"):
        return
    citizen = case.citizen
    tc = (citizen.tc_kimlik or "") if citizen is not None else ""
    if not tckimlik.is_valid(tc):
        return  # a representative without the person's own number: staff prove it on the page
    seen_by = record.get("seen_by")
    by = User.objects.filter(pk=seen_by).first() if isinstance(seen_by, int) else None
    _prove(
        request,
        IdentityMethod.DESK,
        by=by,
        tc=tc,
        citizen=citizen,
        document=str(record.get("identity_document") or ""),
    )


def _came_by_kep(case: Case) -> bool:
    if case.channel != Channel.EMAIL:
        return False
    contacts = replies.given_contacts(case) or {}
    address = contacts.get(Channel.EMAIL, "").lower()
    if not (address.endswith(".kep.tr") and "@" in address):
        return False
    # The From must have passed DMARC at our mail server (kentmasa.channels.email): a forged KEP sender
    # proves nothing.
    sender = case.citizen
    return sender is not None and sender.email_verified and sender.email.lower() == address


def _channels(institution_id: int) -> ProofChannels:
    return ProofChannels.objects.filter(institution_id=institution_id).first() or ProofChannels(
        institution_id=institution_id
    )


# -- identity --------------------------------------------------------------------------------------------


def _lock(request: DataSubjectRequest) -> DataSubjectRequest:
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",))
        .select_related("case", "case__institution", "case__citizen", "subject")
        .get(pk=request.pk)
    )


def _fresh(request: DataSubjectRequest) -> DataSubjectRequest:
    """The application as the database holds it now (a caller may hold a copy from before a step)."""
    return DataSubjectRequest.objects.select_related(
        "case", "case__institution", "case__citizen", "subject"
    ).get(pk=request.pk)


def _clean_tc(value: str) -> str:
    tc = tckimlik.clean(value or "")
    if not tckimlik.is_valid(tc):
        raise RequestError(
            _("The TC identity no is not valid: check the 11 digits on the identity document."), "tc_kimlik"
        )
    return tc


def _proven_record(institution_id: int, tc: str) -> Citizen | None:
    return Citizen.objects.filter(
        institution_id=institution_id, tc_kimlik=tc, tc_kimlik_verified=True
    ).first()


def _prove(
    request: DataSubjectRequest,
    method: str,
    *,
    by: User | None,
    tc: str,
    citizen: Citizen | None,
    document: str,
    now: dt.datetime | None = None,
) -> DataSubjectRequest:
    now = now or timezone.now()
    request.identity_method = method
    request.identity_document = document
    request.identity_by = by
    request.identity_at = now
    request.subject_tc = tc
    request.subject = citizen
    request.save(
        update_fields=[
            "identity_method",
            "identity_document",
            "identity_by",
            "identity_at",
            "subject_tc",
            "subject",
        ]
    )
    labels = dict(IdentityMethod.choices)
    note = f"KVKK başvurusu: kimlik doğrulandı ({labels[method]})."
    if document:
        note += f" Belge: {DOCUMENTS.get(document, document)}."
    cases.record_event(
        request.case,
        "kvkk_identity",
        actor=by,
        note=note,
        data={"method": method, "document": document, "citizen": citizen.pk if citizen else None},
        now=now,
    )
    return request


def prove_at_desk(
    request: DataSubjectRequest, *, by: User, document: str, tc_kimlik: str
) -> DataSubjectRequest:
    """The person came to the desk: the member of staff saw the identity document and typed its number."""
    _check_officer(by, request)
    if document not in DOCUMENTS:
        raise RequestError(_("Choose the identity document you saw."), "document")
    tc = _clean_tc(tc_kimlik)
    with transaction.atomic():
        locked = _lock(request)
        _check_open(locked)
        citizen = _proven_record(locked.institution_id, tc)
        if citizen is None and locked.case.citizen is not None and locked.case.citizen.tc_kimlik == tc:
            citizen = locked.case.citizen
        return _prove(locked, IdentityMethod.DESK, by=by, tc=tc, citizen=citizen, document=document)


def _phone_record(institution_id: int, tc: str) -> Citizen | None:
    """The record holding this TC kimlik no *as proven* and a phone proven to be its holder's; never an
    unverified one. A typed TC kimlik no with someone's own verified phone (the public form) proves only that
    he holds the phone, not that he is the number's holder: the code would go to him."""
    return (
        Citizen.objects.filter(
            institution_id=institution_id, tc_kimlik=tc, tc_kimlik_verified=True, phone_verified=True
        )
        .exclude(phone="")
        .order_by("pk")
        .first()
    )


def send_phone_code(request: DataSubjectRequest, *, by: User, tc_kimlik: str, client_ip: str) -> str:
    """Send a one-time code to the verified phone of the record with this TC kimlik no (the masked number
    is returned, for staff to say "the code went to 0532 *** ** 67")."""
    _check_officer(by, request)
    request = _fresh(request)
    _check_open(request)
    tc = _clean_tc(tc_kimlik)
    citizen = _phone_record(request.institution_id, tc)
    if citizen is None:
        raise RequestError(
            _(
                "No record of this institution holds a verified phone with this TC identity no. "
                "The person must prove their identity at the desk with an identity document."
            ),
            "no_phone",
        )
    try:
        phone_codes.request_code(request.case.institution, citizen.phone, client_ip)
    except phone_codes.CodeRefused as error:
        raise RequestError(str(error), "code_refused") from error
    return citizen.masked_phone


def prove_by_phone(request: DataSubjectRequest, *, by: User, tc_kimlik: str, code: str) -> DataSubjectRequest:
    """The person read back the code sent to their verified phone: proven, with that record as theirs."""
    _check_officer(by, request)
    tc = _clean_tc(tc_kimlik)
    code = "".join((code or "").split())
    if not code.isascii() or not code.isdigit() or len(code) > 8:
        raise RequestError(_("Type the 6-digit code."), "code")
    citizen = _phone_record(request.institution_id, tc)
    if citizen is None or not phone_codes.confirm(request.case.institution, citizen.phone, code):
        raise RequestError(_("The code is wrong or has expired."), "code")
    with transaction.atomic():
        locked = _lock(request)
        _check_open(locked)
        return _prove(locked, IdentityMethod.PHONE, by=by, tc=tc, citizen=citizen, document="")


def prove_remotely(
    request: DataSubjectRequest, *, by: User, method: str, tc_kimlik: str
) -> DataSubjectRequest:
    """KEP or e-Devlet, where the institution has them: the TC kimlik no the application gives."""
    _check_officer(by, request)
    found = _channels(request.institution_id)
    if method == IdentityMethod.KEP:
        if not found.kep or not _came_by_kep(request.case):
            raise RequestError(
                _("Only an application received by KEP, at an institution that accepts KEP, is proven so."),
                "kep",
            )
    elif method == IdentityMethod.EDEVLET:
        if not found.edevlet:
            raise RequestError(
                _("This institution does not receive applications through e-Devlet."), "edevlet"
            )
    else:
        raise RequestError(_("Choose how the identity was proven."), "method")
    tc = _clean_tc(tc_kimlik)
    with transaction.atomic():
        locked = _lock(request)
        _check_open(locked)
        citizen = _proven_record(locked.institution_id, tc) or locked.case.citizen
        return _prove(locked, method, by=by, tc=tc, citizen=citizen, document="")


def _check_officer(user: User | None, request: DataSubjectRequest) -> None:
    if user is not None and not is_officer(user, request.institution_id):
        raise RequestError(_("You are not allowed to do this on this application."), "forbidden")


def _check_open(request: DataSubjectRequest) -> None:
    if request.answered_at is not None:
        raise RequestError(_("This application has been answered."), "answered")


def require_proven(request: DataSubjectRequest) -> None:
    if not request.proven:
        raise RequestError(
            _(
                "The person's identity is not proven yet: nothing is exported, corrected or erased before. "
                "Ask them to come to the desk with an identity document, or prove it by their verified phone "
                "and TC identity no."
            ),
            "unproven",
        )


def set_types(request: DataSubjectRequest, *, by: User, types: list[str]) -> DataSubjectRequest:
    _check_officer(by, request)
    request = _fresh(request)
    valid = {value for value, _label in RequestType.choices}
    chosen = [value for value, _label in RequestType.choices if value in set(types)]
    if not chosen or any(value not in valid for value in types):
        raise RequestError(_("Choose at least one right of article 11."), "types")
    with transaction.atomic():
        locked = _lock(request)
        _check_open(locked)
        locked.types = chosen
        locked.save(update_fields=["types"])
        cases.record_event(
            locked.case,
            "kvkk_types",
            actor=by,
            note="; ".join(TYPE_TR[v] for v in chosen),
            data={"types": chosen},
        )
    return locked


# -- the person's records --------------------------------------------------------------------------------


def records(request: DataSubjectRequest) -> list[Citizen]:
    """Every record of the person in the institution: the proven one, those holding the proven TC kimlik no
    as proven, and those staff linked. Empty before the identity is proven."""
    if not request.proven:
        return []
    ids: list[int] = []
    if request.subject_id:
        ids.append(request.subject_id)
    if request.subject_tc:
        ids += Citizen.objects.filter(
            institution_id=request.institution_id, tc_kimlik=request.subject_tc, tc_kimlik_verified=True
        ).values_list("pk", flat=True)[:MAX_RECORDS]
    ids += PersonLink.objects.filter(request=request).values_list("citizen_id", flat=True)[:MAX_RECORDS]
    unique = list(dict.fromkeys(ids))[:MAX_RECORDS]
    return list(Citizen.objects.filter(pk__in=unique, institution_id=request.institution_id).order_by("pk"))


def link_record(request: DataSubjectRequest, *, by: User, citizen_id: int, reason: str) -> PersonLink:
    """Staff checked that a further record is the person's (e.g. the same name and address, a case they
    remember): linked, with what was checked, on the application's timeline."""
    _check_officer(by, request)
    request = _fresh(request)
    require_proven(request)
    reason = (reason or "").strip()
    if not reason or "\x00" in reason or len(reason) > 300:
        raise RequestError(_("Write what you checked (at most 300 characters)."), "reason")
    citizen = Citizen.objects.filter(pk=citizen_id, institution_id=request.institution_id).first()
    if citizen is None:
        raise RequestError(_("No such record in this institution."), "citizen")
    with transaction.atomic():
        link, _created = PersonLink.objects.get_or_create(
            request=request, citizen=citizen, defaults={"by": by, "at": timezone.now(), "reason": reason}
        )
        cases.record_event(
            request.case,
            "kvkk_link",
            actor=by,
            note=f"KVKK başvurusu: kayıt #{citizen.pk} kişiyle ilişkilendirildi. Denetlenen: {reason}",
            data={"citizen": citizen.pk},
        )
    return link


def person_cases(request: DataSubjectRequest, *, with_kades: bool = False) -> list[Case]:
    """The cases of the person's records (newest first, bounded); KADES cases only when asked."""
    people = records(request)
    found = Case.objects.filter(citizen__in=people, institution_id=request.institution_id)
    if not with_kades:
        found = found.exclude(channel=Channel.KADES)
    return list(
        found.select_related("category", "unit", "citizen").order_by("-received_at", "-pk")[:MAX_CASES]
    )


def is_kades_person(request: DataSubjectRequest) -> bool:
    """Whether the person has a KADES case here (or her number or TC kimlik no is on one): nothing may be
    sent to her contact."""
    from kentmasa.channels import silence
    from kentmasa.emergency.models import Incident

    people = records(request) or ([request.case.citizen] if request.case.citizen else [])
    if Case.objects.filter(citizen__in=people, channel=Channel.KADES).exists():
        return True
    institution = request.case.institution
    if any(silence.kades_number(institution, person.phone) for person in people if person.phone):
        return True
    tcs = {request.subject_tc, *(person.tc_kimlik or "" for person in people)} - {""}
    return (
        bool(tcs)
        and Incident.objects.filter(
            case__institution_id=request.institution_id, person_tc_kimlik__in=tcs
        ).exists()
    )


# -- correction ------------------------------------------------------------------------------------------


def correct(request: DataSubjectRequest, *, by: User, citizen_id: int, changes: dict[str, str]) -> list[str]:
    """Correct the person's name, address, phone or e-mail on one of their records (m.11/d).

    The search text of their cases follows; the application's timeline (private) names the fields changed,
    never their old or new values. A phone or e-mail corrected on the person's word is proven only when
    they stood at the desk with an identity document."""
    from kentmasa.lib import phones

    _check_officer(by, request)
    request = _fresh(request)
    require_proven(request)
    _check_open(request)
    citizen = next((person for person in records(request) if person.pk == citizen_id), None)
    if citizen is None:
        raise RequestError(_("This record is not among the person's records."), "citizen")
    values: dict[str, str] = {}
    for name in CORRECTABLE:
        if name not in changes:
            continue
        value = (changes[name] or "").strip()
        if "\x00" in value or len(value) > (400 if name == "address" else 200):
            raise RequestError(_("The value of “%(field)s” is too long or not text.") % {"field": name}, name)
        if name == "phone" and value:
            try:
                value = phones.normalize(value)
            except phones.InvalidPhone as error:
                raise RequestError(_("The phone number is not valid."), "phone") from error
        if name == "email" and value:
            from django.core.validators import validate_email

            try:
                validate_email(value)
            except Exception as error:
                raise RequestError(_("The e-mail address is not valid."), "email") from error
            if len(value) > 254:
                raise RequestError(_("The e-mail address is not valid."), "email")
        if value != (getattr(citizen, name) or ""):
            values[name] = value
    if not values:
        raise RequestError(_("Nothing to correct: the values are the same."), "same")
    at_desk = request.identity_method == IdentityMethod.DESK
    with transaction.atomic():
        locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
        for name, value in values.items():
            setattr(locked, name, value)
            if name in ("phone", "email"):
                setattr(locked, f"{name}_verified", bool(value) and at_desk)
        locked.save()
        cases.refresh_search_text(locked)
        changed = sorted(values)
        cases.record_event(
            request.case,
            "kvkk_correction",
            actor=by,
            note=f"KVKK m.11/d: kayıt #{locked.pk} düzeltildi ({', '.join(changed)}).",
            data={"citizen": locked.pk, "fields": changed},
        )
    return sorted(values)


# -- erasure ---------------------------------------------------------------------------------------------


@dataclass
class PlanLine:
    case: Case
    keep: bool
    reason: str


def erasure_plan(request: DataSubjectRequest) -> list[PlanLine]:
    """What erasure would do with each of the person's cases, and why (m.7 with m.5/2-ç, m.28); a case the
    retention schedule holds (a legal hold, an information request in progress, merged into an open case,
    another KVKK application of the person) is kept with its reason (kentmasa.privacy.retention.holds)."""
    from kentmasa.privacy import retention

    lines = []
    found = person_cases(request, with_kades=True)
    held = retention.holds([case.pk for case in found], besides=request.pk)
    for case in found:
        if case.pk == request.case_id:
            reason = "Bu başvurunun kendisi: cevabın verildiğinin kanıtı olarak saklanır (KVKK m.13, m.14)."
            lines.append(PlanLine(case, True, reason))
        elif case.channel == Channel.KADES:
            reason = "KADES / polis kaydı: adli ve kolluk görevi için saklanır (KVKK m.28/1-ç)."
            lines.append(PlanLine(case, True, reason))
        elif case.status in ACTIVE_STATUSES:
            reason = "Açık başvuru: kurumun cevap verme yükümlülüğü sürüyor (KVKK m.5/2-ç)."
            lines.append(PlanLine(case, True, reason))
        elif case.kind in case_clock.STATUTORY_KINDS:
            reason = (
                "Kanuni süreli başvuru (4982 / 3071): itiraz ve dava süreleri için saklanır "
                "(KVKK m.5/2-ç, e)."
            )
            lines.append(PlanLine(case, True, reason))
        elif case.pk in held:
            lines.append(PlanLine(case, True, held[case.pk]))
        else:
            lines.append(PlanLine(case, False, "Kapanmış başvuru: anonimleştirilir (KVKK m.7)."))
    return lines


def erase(request: DataSubjectRequest, *, by: User, ground: str) -> list[PlanLine]:
    """Anonymise the person's closed cases that no legal duty keeps (kentmasa.privacy.anonymise); the
    plan, with the ground of each kept case, goes on the application's timeline."""
    from kentmasa.privacy import anonymise

    _check_officer(by, request)
    request = _fresh(request)
    require_proven(request)
    _check_open(request)
    if RequestType.ERASURE not in (request.types or []):
        raise RequestError(
            _("The application does not ask for erasure (art. 11/e): nothing is erased."), "not_asked"
        )
    ground = (ground or "").strip()
    if "\x00" in ground or len(ground) > 1000:
        raise RequestError(_("The legal ground is too long or not text."), "ground")
    plan = erasure_plan(request)
    for line in plan:
        if not line.keep:
            anonymise.anonymise_case(
                line.case, by=by, reason="KVKK m.11/e başvurusu " + request.case.tracking_display
            )
    erased = [line.case.tracking_display for line in plan if not line.keep]
    kept = [f"{line.case.tracking_display}: {line.reason}" for line in plan if line.keep]
    note = "KVKK m.7 / m.11/e: " + (
        f"anonimleştirilen: {', '.join(erased)}" if erased else "anonimleştirilen yok"
    )
    if kept:
        note += "\nSaklanan: " + "; ".join(kept)
    if ground:
        note += f"\nHukuki dayanak: {ground}"
    with transaction.atomic():
        DataSubjectRequest.objects.filter(pk=request.pk).update(erased_at=timezone.now())
        cases.record_event(
            request.case, "kvkk_erasure", actor=by, note=note, data={"erased": erased, "kept": len(kept)}
        )
    return plan


# -- the answer ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    decisions: dict[str, dict] = field(default_factory=dict)  # type -> {"decision": ..., "ground": ...}
    delivery: str = Delivery.DESK
    text: str = ""
    media_cost: Decimal = Decimal("0")


def fee(pages: int | None, media_cost: Decimal = Decimal("0")) -> Decimal:
    """Tebliğ m.7: free up to ten pages, 1 TL for each page beyond; on a medium (CD, USB) its cost."""
    extra = max((pages or 0) - FREE_PAGES, 0)
    return FEE_PER_PAGE * extra + (media_cost or Decimal("0"))


def proven_targets(request: DataSubjectRequest) -> list[tuple[str, str]]:
    """The answer's targets that are proven to be the person's (the proven record's verified phone or e-mail,
    or the KEP address the application came from); the rest would not be used."""
    targets = replies.reply_targets(request.case)
    people = records(request)
    phones = {p.phone for p in people if p.phone and p.phone_verified}
    emails = {p.email.lower() for p in people if p.email and p.email_verified}
    if request.identity_method == IdentityMethod.KEP:
        kep = (replies.given_contacts(request.case) or {}).get(Channel.EMAIL, "")
        if kep:
            emails.add(kep.lower())
    return [
        (channel, address)
        for channel, address in targets
        if (channel == Channel.SMS and address in phones)
        or (channel == Channel.EMAIL and address.lower() in emails)
    ]


def answer(request: DataSubjectRequest, *, by: User, given: Answer, base_url: str = "") -> DataSubjectRequest:
    """Decide each right asked for, with its ground, and answer: on the proven channel (the case's answer
    goes out through kentmasa.channels.replies, with the export's link when access was granted) or handed
    at the desk. The answer names the complaint to the Board (m.14)."""
    _check_officer(by, request)
    request = _fresh(request)
    require_proven(request)
    _check_open(request)
    if not request.types:
        raise RequestError(_("Choose at least one right of article 11."), "types")
    decisions: dict[str, dict] = {}
    for value in request.types:
        entry = given.decisions.get(value) or {}
        decision = entry.get("decision", "")
        ground = (entry.get("ground") or "").strip()
        if decision not in Decision.values:
            raise RequestError(_("Decide every right asked for."), "decision")
        if "\x00" in ground or len(ground) > 1000:
            raise RequestError(_("The ground is too long or not text."), "ground")
        if decision != Decision.GRANTED and not ground:
            raise RequestError(_("A refusal or a partial grant needs its legal ground."), "ground")
        decisions[value] = {"decision": decision, "ground": ground}
    text = (given.text or "").strip()
    if "\x00" in text or len(text) > 4000:
        raise RequestError(_("The answer is too long or not text."), "text")
    if given.delivery not in Delivery.values:
        raise RequestError(_("Choose how the answer is given."), "delivery")
    targets: list[tuple[str, str]] = []
    if given.delivery == Delivery.CHANNEL:
        if is_kades_person(request):
            raise RequestError(
                _("Nothing is sent to this person's contact (KADES): hand the answer at the desk."), "kades"
            )
        targets = proven_targets(request)
        if not targets or len(targets) != len(replies.reply_targets(request.case)):
            raise RequestError(
                _(
                    "The case's contacts are not all proven to be the person's: hand the answer at the desk, "
                    "or correct the contacts first."
                ),
                "unproven_contact",
            )
    export_granted = any(
        decisions.get(value, {}).get("decision") in (Decision.GRANTED, Decision.PARTLY)
        for value in (RequestType.LEARN, RequestType.INFORMATION)
    )
    lines = [f"KVKK m.11 başvurunuz ({request.case.tracking_display}) sonuçlandı."]
    for value, entry in decisions.items():
        line = f"- {TYPE_TR[value]}: {DECISION_TR[entry['decision']]}"
        if entry["ground"]:
            line += f" ({entry['ground']})"
        lines.append(line)
    if text:
        lines.append(text)
    now = timezone.now()
    key = None
    if export_granted and given.delivery == Delivery.CHANNEL:
        key = secrets.token_urlsafe(32)
        link = base_url + reverse("privacy:request_export_public", args=[key])
        lines.append(f"Kişisel verileriniz ({EXPORT_DAYS} gün geçerli): {link}")
    elif export_granted:
        lines.append("Kişisel verilerinizin dökümü size masada elden verildi.")
    lines.append(COMPLAINT_NOTE)
    resolution = "\n".join(lines)
    media_cost = given.media_cost if given.media_cost and given.media_cost > 0 else Decimal("0")
    with transaction.atomic():
        locked = _lock(request)
        _check_open(locked)
        locked.decisions = decisions
        locked.answer = resolution
        locked.answered_at = now
        locked.answered_by = by
        locked.delivery = given.delivery
        locked.media_cost = media_cost
        locked.warn_at = None
        locked.export_key = key
        locked.export_until = now + dt.timedelta(days=EXPORT_DAYS) if key else None
        if export_granted and locked.export_pages is None:
            from kentmasa.privacy import export

            locked.export_pages = export.page_count(export.build(locked, for_contact=True))
        locked.save()
        case = Case.objects.get(pk=locked.case_id)
        actor = by if _may_resolve(by, case) else None
        if given.delivery == Delivery.DESK:
            # Said before the answer, in the same transaction: kentmasa.channels.replies sends it nowhere.
            cases.record_event(case, replies.HANDED_OVER, actor=by, note="KVKK cevabı masada elden verildi.")
            cases.resolve(case, actor=actor, resolution=resolution)
        else:
            cases.resolve(case, actor=actor, resolution=resolution)
            cases.record_event(
                case,
                "kvkk_answer",
                actor=by,
                note="KVKK cevabı kanıtlanmış kanaldan gönderildi: " + ", ".join(ch for ch, _a in targets),
            )
    return locked


def _may_resolve(user: User, case: Case) -> bool:
    from kentmasa.cases import access

    return access.may_perform(user, case, "resolve")


# -- the day-25 warning ----------------------------------------------------------------------------------


def warn_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Tell the officers of each unanswered application whose warning time has come (day 25), once: the row
    is claimed (warn_at cleared) before anybody is told, so several workers never warn twice."""
    now = now or timezone.now()
    warned = 0
    due = DataSubjectRequest.objects.filter(warn_at__lte=now, answered_at__isnull=True).order_by("warn_at")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            claimed = DataSubjectRequest.objects.filter(pk=pk, warn_at__isnull=False).update(warn_at=None)
            if not claimed:
                continue
            request = DataSubjectRequest.objects.select_related("case").get(pk=pk)
            text = _("KVKK application %(number)s must be answered by %(due)s (art. 13: 30 days).") % {
                "number": request.case.tracking_display,
                "due": timezone.localtime(request.due_at).strftime("%d.%m.%Y"),
            }
            tell.tell(
                officers(request.institution_id),
                NOTIFY_DEADLINE,
                text,
                case=request.case,
                link=reverse("privacy:request", args=[pk]),
                now=now,
            )
            warned += 1
    return warned


def opened_event(case: Case) -> Event | None:
    return Event.objects.filter(case=case, action="open").first()
