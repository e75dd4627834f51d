"""One person across channels: matched by TC kimlik no first, then phone, then e-mail."""

from django.db import transaction

from kentmasa.cases.models import Citizen


def find_citizen(*, tc_kimlik: str = "", phone: str = "", email: str = "") -> Citizen | None:
    """The citizen these identifiers belong to. Arguments must already be cleaned (see validators).

    A TC kimlik no is decisive. A phone number or e-mail address matches only a citizen without a
    different TC kimlik no, so two people sharing a family phone are not merged by accident.
    """
    if tc_kimlik:
        found = Citizen.objects.filter(tc_kimlik=tc_kimlik).first()
        if found is not None:
            return found
    for field, value in (("phone", phone), ("email", email.lower() if email else "")):
        if not value:
            continue
        candidates = Citizen.objects.filter(**{field: value}).order_by("-created_at")
        if tc_kimlik:
            candidates = candidates.filter(tc_kimlik__isnull=True)
        found = candidates.first()
        if found is not None:
            return found
    return None


@transaction.atomic
def find_or_create_citizen(
    *, name: str = "", tc_kimlik: str = "", phone: str = "", email: str = "", address: str = ""
) -> Citizen | None:
    """Find the person or record a new one, filling in what we did not know; None for nobody."""
    email = email.strip().lower()
    if not (name or tc_kimlik or phone or email):
        return None
    citizen = find_citizen(tc_kimlik=tc_kimlik, phone=phone, email=email)
    if citizen is None:
        return Citizen.objects.create(
            name=name.strip(), tc_kimlik=tc_kimlik or None, phone=phone, email=email, address=address.strip()
        )
    changed = False
    for field, value in (
        ("name", name.strip()),
        ("phone", phone),
        ("email", email),
        ("address", address.strip()),
    ):
        if value and not getattr(citizen, field):
            setattr(citizen, field, value)
            changed = True
    if tc_kimlik and not citizen.tc_kimlik:
        citizen.tc_kimlik = tc_kimlik
        changed = True
    if changed:
        citizen.save()
    return citizen
