"""The one way in (kentmasa.cases.intake): an Inbound becomes a citizen and a case in one transaction, by the
proof rule of cases.citizens; a deadline cap and a followed case go through services.open_case."""

import datetime as dt

import pytest
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Case, Citizen, Event

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
RECEIVED = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")


def inbound(institution, **fields) -> Inbound:
    fields.setdefault("channel", "web")
    return Inbound(institution=institution, subject="Sokakta çukur var", **fields)


def test_a_proven_phone_finds_the_citizen_and_a_typed_one_never_does(institution):
    known = Citizen.objects.create(institution=institution, name="Ali Kaya", phone=PHONE, phone_verified=True)
    proven = open_from(inbound(institution, phone=PHONE, name="Ali", proven=frozenset({"phone"})))
    typed = open_from(inbound(institution, phone=PHONE, name="Başkası"))
    assert proven.citizen == known
    assert typed.citizen != known and typed.citizen is not None and not typed.citizen.phone_verified
    assert Citizen.objects.count() == 2


def test_a_picked_citizen_is_filled_in_with_what_staff_recorded(institution, operator):
    picked = Citizen.objects.create(institution=institution, name="Ayşe Demir")
    case = open_from(
        inbound(institution, citizen=picked, phone=PHONE, proven=STAFF, actor=operator, channel="phone")
    )
    picked.refresh_from_db()
    assert case.citizen == picked and (picked.phone, picked.phone_verified) == (PHONE, True)
    assert case.created_by == operator and "5321234567" in case.search_text


def test_a_picked_citizen_with_another_tc_kimlik_no_is_somebody_else(institution):
    picked = Citizen.objects.create(institution=institution, name="Ayşe Demir", tc_kimlik="10000000146")
    case = open_from(inbound(institution, citizen=picked, tc_kimlik="10000000078", proven=STAFF))
    assert case.citizen != picked and case.citizen is not None and case.citizen.tc_kimlik == "10000000078"


def test_a_citizen_of_another_institution_is_refused_and_nothing_is_written(institution, other_institution):
    stranger = Citizen.objects.create(institution=other_institution, name="Kayserili")
    with pytest.raises(services.TransitionError):
        open_from(inbound(institution, citizen=stranger, name="Kayserili"))
    assert not Case.objects.exists()


def test_category_place_and_opening_record_come_through(institution, category):
    case = open_from(
        inbound(
            institution,
            category=category,
            location={"street": "Atatürk Cd.", "address_text": "Okulun önü"},
            latitude=41.03,
            longitude=28.88,
            opening={"desk": {"identity_seen": True}},
        )
    )
    assert (case.category, case.unit, case.street) == (category, category.unit, "Atatürk Cd.")
    assert str(case.latitude) == "41.030000" and case.due_at is not None
    assert Event.objects.get(case=case, action="open").data == {
        "desk": {"identity_seen": True},
        "channel": "web",
    }


@pytest.mark.parametrize("days", [3, 60])
def test_the_deadline_is_the_earlier_of_the_standard_and_the_cap(institution, category, days):
    standard = services.standard_due(institution=institution, category=category, received_at=RECEIVED)
    assert standard is not None
    cap = RECEIVED + dt.timedelta(days=days)
    case = open_from(inbound(institution, category=category, received_at=RECEIVED, due_cap=cap))
    assert case.due_at == min(standard, cap)


def test_a_case_without_a_standard_runs_on_its_cap(institution):
    cap = timezone.now() + dt.timedelta(days=30)
    assert open_from(inbound(institution, due_cap=cap)).due_at == cap
    assert open_from(inbound(institution)).due_at is None


def test_a_case_follows_only_a_case_of_its_own_institution(institution, other_institution, make_case):
    earlier = make_case()
    later = open_from(inbound(institution, follows=earlier))
    assert later.follows == earlier and list(earlier.follow_ups.all()) == [later]
    with pytest.raises(services.TransitionError):
        open_from(inbound(other_institution, follows=earlier))


def test_the_desk_record_is_kept_once_on_the_opening(make_case):
    case = make_case()
    services.record_on_opening(case, "desk", {"stop": "Pazar yeri"})
    with pytest.raises(services.TransitionError):
        services.record_on_opening(case, "desk", {"stop": "Başka yer"})
    assert case.events.get(action="open").data["desk"] == {"stop": "Pazar yeri"}
