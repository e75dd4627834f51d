"""One person across channels: matched by TC kimlik no first, then phone, then e-mail.

Matching stays inside one institution (see Citizen): a municipality's operator never finds, or fills
in, what a citizen told the police.
"""

from django.db import IntegrityError, transaction

from kentmasa.cases.models import Case, Citizen


def find_citizen(institution, *, tc_kimlik: str = "", phone: str = "", email: str = "") -> Citizen | None:
    """The institution's record of the person these identifiers belong to. Arguments must be cleaned.

    A TC kimlik no is decisive. A phone number or e-mail address matches only a citizen without a
    different TC kimlik no, so two people sharing a family phone are not merged by accident.
    """
    citizens = Citizen.objects.filter(institution=institution)
    if tc_kimlik:
        found = citizens.filter(tc_kimlik=tc_kimlik).first()
        if found is not None:
            return found
    for field, value in (("phone", phone), ("email", email.lower() if email else "")):
        if not value:
            continue
        candidates = citizens.filter(**{field: value}).order_by("-created_at")
        if tc_kimlik:
            candidates = candidates.filter(tc_kimlik__isnull=True)
        found = candidates.first()
        if found is not None:
            return found
    return None


def find_or_create_citizen(
    institution, *, name: str = "", tc_kimlik: str = "", phone: str = "", email: str = "", address: str = ""
) -> Citizen | None:
    """Find the person or record a new one, filling in what we did not know; None for nobody.

    Two requests recording the same new TC kimlik no at once (a double-submitted form) meet at the
    unique constraint; the loser retries and finds the winner's record.
    """
    email = email.strip().lower()
    if not (name or tc_kimlik or phone or email):
        return None
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _find_or_create(institution, name.strip(), tc_kimlik, phone, email, address.strip())
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _find_or_create(institution, name, tc_kimlik, phone, email, address) -> Citizen:
    citizen = find_citizen(institution, tc_kimlik=tc_kimlik, phone=phone, email=email)
    if citizen is None:
        return Citizen.objects.create(
            institution=institution,
            name=name,
            tc_kimlik=tc_kimlik or None,
            phone=phone,
            email=email,
            address=address,
        )
    changed = []
    for field, value in (("name", name), ("phone", phone), ("email", email), ("address", address)):
        if value and not getattr(citizen, field):
            setattr(citizen, field, value)
            changed.append(field)
    if tc_kimlik and not citizen.tc_kimlik:
        citizen.tc_kimlik = tc_kimlik
        changed.append("tc_kimlik")
    if changed:
        citizen.save()
        if set(changed) - {"address"}:
            refresh_search_text(citizen)
    return citizen


def refresh_search_text(citizen: Citizen) -> None:
    """Rebuild the search text of the citizen's cases after what we know about them changed."""
    for case in Case.objects.filter(citizen=citizen).select_related("citizen"):
        text = case.build_search_text()
        if text != case.search_text:
            Case.objects.filter(pk=case.pk).update(search_text=text)
