"""Whose case is it? Territory, competence, and other bodies' matters.

- Territory: a municipality answers for its own province (metropolitan) or district (district
  municipality), a police directorate for its province. Where the case lies comes from its point
  (kentmasa.places.geocode.locate) when it has one, else from the province and district typed in.
- Competence: in a metropolitan city some services are the metropolitan municipality's and others the
  district municipality's (Law 5216 art. 7; seed 004: "İlçe Belediyelerini ilgilendiriyor ise ... İlçe
  Belediyesinin ilgili birimine ... iletir"). A Competence row says which, per category; the district
  municipality is the directory Institution of kind district whose parent is the metropolitan one and
  whose district is the ilçe the point lies in.
- Another body's matter (ExternalMatter): electricity, gas, police… by category or by keywords.

Each finding is a Referral naming the institution (or body) the case should go to; intake records it as
a RoutingFlag shown on the case page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from kentmasa.directory.models import Category, Institution
from kentmasa.places.address import area_key
from kentmasa.places.geocode import locate
from kentmasa.places.models import Area
from kentmasa.routing import cached
from kentmasa.routing import text as turkish_text
from kentmasa.routing.models import Competence, ExternalMatter, RoutingFlag

if TYPE_CHECKING:
    from kentmasa.cases.models import Case

TERRITORY = RoutingFlag.Kind.TERRITORY
COMPETENCE = RoutingFlag.Kind.COMPETENCE
EXTERNAL = RoutingFlag.Kind.EXTERNAL


@dataclass(frozen=True)
class Whereabouts:
    """The il, ilçe and mahalle a case lies in, by name and (when known) by Area id."""

    province: str = ""
    district: str = ""
    neighbourhood: str = ""
    province_id: int | None = None
    district_id: int | None = None
    neighbourhood_id: int | None = None
    from_point: bool = False

    @property
    def area_ids(self) -> frozenset[int]:
        ids = (self.province_id, self.district_id, self.neighbourhood_id)
        return frozenset(i for i in ids if i is not None)

    @property
    def known(self) -> bool:
        return bool(self.province or self.district)

    def describe(self) -> str:
        """ "Seyhan / Adana" (the mahalle first when known)."""
        return " / ".join(part for part in (self.neighbourhood, self.district, self.province) if part)


def _area_id(kind: str, name: str, parent_id: int | None) -> int | None:
    key = area_key(name) if name else ""
    if not key:
        return None
    areas = Area.objects.filter(kind=kind, name_key=key)
    if parent_id is not None:
        areas = areas.filter(parent_id=parent_id)
    found = list(areas.values_list("pk", flat=True)[:2])
    return found[0] if len(found) == 1 else None


def where(
    *,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    province: str = "",
    district: str = "",
    neighbourhood: str = "",
) -> Whereabouts:
    """Where a case lies: from its point when the point is inside a known area, else from the names typed."""
    if latitude is not None and longitude is not None:
        location = locate(float(latitude), float(longitude))
        if location is not None:
            return Whereabouts(
                province=location.province,
                district=location.district,
                neighbourhood=location.neighbourhood,
                province_id=location.province_id,
                district_id=location.district_id,
                neighbourhood_id=location.neighbourhood_id,
                from_point=True,
            )
    province, district, neighbourhood = (
        (province or "").strip(),
        (district or "").strip(),
        (neighbourhood or ""),
    )
    province_id = _area_id(Area.Kind.PROVINCE, province, None)
    district_id = _area_id(Area.Kind.DISTRICT, district, province_id) if district else None
    neighbourhood_id = (
        _area_id(Area.Kind.NEIGHBOURHOOD, neighbourhood, district_id)
        if neighbourhood and district_id is not None
        else None
    )
    return Whereabouts(
        province=province,
        district=district,
        neighbourhood=neighbourhood.strip(),
        province_id=province_id,
        district_id=district_id,
        neighbourhood_id=neighbourhood_id,
    )


def where_case(case: Case) -> Whereabouts:
    return where(
        latitude=case.latitude,
        longitude=case.longitude,
        province=case.province,
        district=case.district,
        neighbourhood=case.neighbourhood,
    )


def same_name(a: str, b: str) -> bool:
    """ "Çukurova", "ÇUKUROVA" and "Çukurova İlçesi" name the same place."""
    return bool(a and b) and area_key(a) == area_key(b)


@dataclass(frozen=True)
class Referral:
    """A finding: the case should go elsewhere. target is None when that institution is not in the system."""

    kind: str
    target: Institution | None = None
    body_name: str = ""
    place: str = ""
    reason: str = ""
    matter: ExternalMatter | None = None

    @property
    def destination(self) -> str:
        return self.target.name if self.target is not None else self.body_name


def institution_for(whereabouts: Whereabouts, like: Institution) -> Institution | None:
    """The institution in the system that answers for that place, of the same sort as ``like``.

    A police directorate's counterpart is the police directorate of the province; a municipality's is the
    district municipality of the ilçe when it is in the system, else the metropolitan municipality of the
    province.
    """
    others = Institution.objects.exclude(pk=like.pk)
    if like.kind == Institution.Kind.POLICE:
        candidates = [
            i
            for i in others.filter(kind=Institution.Kind.POLICE)
            if same_name(i.province, whereabouts.province)
        ]
        return candidates[0] if candidates else None
    if like.kind == Institution.Kind.EXTERNAL:
        return None
    municipalities = list(
        others.filter(kind__in=[Institution.Kind.DISTRICT, Institution.Kind.METROPOLITAN]).order_by("pk")
    )
    in_province = [
        i for i in municipalities if not whereabouts.province or same_name(i.province, whereabouts.province)
    ]
    if whereabouts.district:
        for institution in in_province:
            if institution.kind == Institution.Kind.DISTRICT and same_name(
                institution.district, whereabouts.district
            ):
                return institution
    if whereabouts.province:
        for institution in in_province:
            if institution.kind == Institution.Kind.METROPOLITAN:
                return institution
    return None


def territory(institution: Institution, whereabouts: Whereabouts) -> Referral | None:
    """A Referral when the case lies outside the institution's province (or district, for a district
    municipality); None inside it, or when where it lies is not known."""
    if institution.kind == Institution.Kind.EXTERNAL or not whereabouts.known:
        return None
    outside = False
    if (
        institution.province
        and whereabouts.province
        and not same_name(institution.province, whereabouts.province)
    ):
        outside = True
    if (
        institution.kind == Institution.Kind.DISTRICT
        and institution.district
        and whereabouts.district
        and not same_name(institution.district, whereabouts.district)
    ):
        outside = True
    if not outside:
        return None
    return Referral(
        kind=TERRITORY,
        target=institution_for(whereabouts, institution),
        place=whereabouts.describe(),
    )


def district_municipality(metropolitan: Institution, district: str) -> Institution | None:
    """The district municipality under this metropolitan municipality for the named ilçe."""
    if not district:
        return None
    for candidate in Institution.objects.filter(kind=Institution.Kind.DISTRICT, parent=metropolitan):
        if same_name(candidate.district, district):
            return candidate
    return None


def competence(
    institution: Institution, category: Category | None, whereabouts: Whereabouts
) -> Referral | None:
    """A Referral when the category is the other tier's matter: a metropolitan municipality's district-level
    category goes to the district municipality of the point's ilçe; a district municipality's
    metropolitan-level category goes to its parent."""
    if category is None:
        return None
    row = cached.competence(institution.pk, category.pk)
    if row is None:
        return None
    if institution.kind == Institution.Kind.METROPOLITAN and row.level == Competence.Level.DISTRICT:
        return Referral(
            kind=COMPETENCE,
            target=district_municipality(institution, whereabouts.district),
            place=whereabouts.describe(),
            reason=row.note,
        )
    if institution.kind == Institution.Kind.DISTRICT and row.level == Competence.Level.METROPOLITAN:
        return Referral(
            kind=COMPETENCE,
            target=institution.parent,
            place=whereabouts.describe(),
            reason=row.note,
        )
    return None


def external_matter(institution: Institution, category: Category | None, words: str) -> ExternalMatter | None:
    """The other body's matter this case is: one named for its category first, else the one whose
    keywords the text contains (the most keywords found, then the oldest)."""
    matters = cached.external_matters(institution.pk)
    if category is not None:
        for matter in matters:
            if matter.category_id == category.pk:
                return matter
    folded = turkish_text.folded(words)
    best, best_count = None, 0
    for matter in matters:
        count = len(turkish_text.matches_keywords(folded, matter.keywords))
        if count > best_count:
            best, best_count = matter, count
    return best


def external(institution: Institution, category: Category | None, words: str) -> Referral | None:
    matter = external_matter(institution, category, words)
    if matter is None:
        return None
    return Referral(kind=EXTERNAL, body_name=matter.body_name, reason=matter.reason, matter=matter)
