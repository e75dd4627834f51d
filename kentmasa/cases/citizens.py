"""One person across channels — but only through identifiers proven to be theirs.

Matching stays inside one institution (see Citizen): a municipality's operator never finds, or fills
in, what a citizen told the police.

The rule (README, "How contact data is verified"): contact data that anyone could type never joins,
fills in or redirects an existing citizen's record. An identifier is *proven* when it comes from

* the sender of an SMS or WhatsApp message (the operator delivered it from that number),
* a phone number confirmed with a one-time code (``kentmasa.cases.phone_codes``),
* an e-mail whose From passed DMARC at our own mail server (``Authentication-Results``),
* a member of staff: the console, the desk with its identity check, a CİMER referral, the staff API.

A TC kimlik no typed on a public form never is. Each Citizen remembers which of its identifiers are
proven; a proven identifier finds only a record on which the same identifier is proven. Everything
unproven stays on a separate record of its own — on the case it came with — until staff link it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from kentmasa.cases.models import Citizen
from kentmasa.cases.services.search_text import refresh_search_text
from kentmasa.directory.models import Institution

IDENTIFIERS = ("tc_kimlik", "phone", "email")
STAFF = frozenset(IDENTIFIERS)  # staff checked what they recorded
NOTHING: frozenset[str] = frozenset()


def find_citizen(
    institution: Institution,
    *,
    tc_kimlik: str = "",
    phone: str = "",
    email: str = "",
    proven: Iterable[str] = STAFF,
) -> Citizen | None:
    """The institution's record on which one of these (proven) identifiers is proven too.

    A TC kimlik no is decisive. A phone number or e-mail address matches only a citizen without a
    different TC kimlik no, so two people sharing a family phone are not merged by accident.
    """
    proven = frozenset(proven)
    citizens = Citizen.objects.filter(institution=institution)
    if tc_kimlik and "tc_kimlik" in proven:
        found = citizens.filter(tc_kimlik=tc_kimlik, tc_kimlik_verified=True).first()
        if found is not None:
            return found
    for field, value in (("phone", phone), ("email", email.lower() if email else "")):
        if not value or field not in proven:
            continue
        candidates = citizens.filter(**{field: value, f"{field}_verified": True}).order_by("-created_at")
        if tc_kimlik:
            candidates = candidates.filter(tc_kimlik__isnull=True)
        found = candidates.first()
        if found is not None:
            return found
    return None


def find_or_create_citizen(
    institution: Institution,
    *,
    name: str = "",
    tc_kimlik: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    proven: Iterable[str] = NOTHING,
) -> Citizen | None:
    """The person's record, or a new one; None for nobody. Arguments must be cleaned.

    ``proven`` names the identifiers that are known to be this person's (``STAFF`` for all that staff
    recorded). With nothing proven the result is always a new record, matched to nobody. A found record
    gets only what it lacked, and only from proven identifiers (plus a name or address, which redirect
    nothing); unproven contact data is never written onto it.

    Two requests recording the same new proven TC kimlik no at once (a double-submitted form) meet at the
    unique constraint; the loser retries and finds the winner's record.
    """
    email = email.strip().lower()
    if not (name or tc_kimlik or phone or email):
        return None
    given = {"tc_kimlik": tc_kimlik, "phone": phone, "email": email}
    proven = frozenset(field for field in proven if given.get(field))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _find_or_create(institution, name.strip(), given, address.strip(), proven)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _find_or_create(
    institution: Institution, name: str, given: dict[str, str], address: str, proven: frozenset[str]
) -> Citizen:
    citizen = find_citizen(institution, **given, proven=proven) if proven else None
    if citizen is None:
        return Citizen.objects.create(
            institution=institution,
            name=name,
            tc_kimlik=given["tc_kimlik"] or None,
            phone=given["phone"],
            email=given["email"],
            address=address,
            **{f"{field}_verified": True for field in proven},
        )
    if fill_in(citizen, name=name, address=address, **{field: given[field] for field in proven}):
        refresh_search_text(citizen)
    return citizen


def fill_in(citizen: Citizen, *, name: str = "", address: str = "", **proven_identifiers: str) -> bool:
    """Give the record what it lacked: a name, an address and identifiers proven to be this person's.

    A proven identifier replaces one the record holds unproven (a stranger may have typed it: when staff
    pick such a record and record the caller's own number, the answers must go to that number) and makes
    it proven; a proven one is never overwritten. A TC kimlik no another record holds proven is left off.
    Returns whether the record changed.
    """
    changed = []
    for field, value in (("name", name), ("address", address)):
        if value and not getattr(citizen, field):
            setattr(citizen, field, value)
            changed.append(field)
    for field, value in proven_identifiers.items():
        if not value:
            continue
        if field == "email":
            value = value.lower()
        current = getattr(citizen, field) or ""
        if current and current != value and getattr(citizen, f"{field}_verified"):
            continue
        if field == "tc_kimlik" and current != value:
            taken = (
                Citizen.objects.filter(
                    institution=citizen.institution_id, tc_kimlik=value, tc_kimlik_verified=True
                )
                .exclude(pk=citizen.pk)
                .exists()
            )
            if taken:
                continue
        if current != value:
            setattr(citizen, field, value)
            changed.append(field)
        if not getattr(citizen, f"{field}_verified"):
            setattr(citizen, f"{field}_verified", True)
            changed.append(f"{field}_verified")
    if changed:
        citizen.save()
    return bool(set(changed) & {"name", *IDENTIFIERS})


def proven_of(citizen: Citizen) -> frozenset[str]:
    """The identifiers this record holds proven (what a copy of it in another institution may match by)."""
    return frozenset(field for field in IDENTIFIERS if getattr(citizen, f"{field}_verified"))
