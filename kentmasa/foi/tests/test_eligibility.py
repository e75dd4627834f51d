"""The eligibility check (2 iş günü), incomplete applications, conversion to a petition, forwarding."""

from typing import Any

import pytest

from kentmasa.cases.models import Case, Event, Kind, Status
from kentmasa.foi import services
from kentmasa.foi.models import FoiRequest, Stage, YearlyTally
from kentmasa.foi.services import FoiError, Identity
from kentmasa.foi.tests.conftest import AYSE_TC, RECEIVED, at

pytestmark = pytest.mark.django_db


def electronic(**kwargs: Any) -> Identity:
    values: dict[str, Any] = {"name": "Ayşe Kaya", "tc_kimlik": AYSE_TC, "email": "ayse@example.com"}
    values.update(kwargs)
    return Identity(**values)


def test_an_information_request_gets_its_4982_record_and_the_2_day_check_clock(
    open_request, foi_unit, foi_service
):
    request = open_request()
    assert request.stage == Stage.CHECKING
    assert request.check_due_at == at("2026-06-03T17:30+03:00")  # 2 iş günü after Monday's receipt
    assert request.silence_at == at("2026-07-01T17:30+03:00")  # İYUK m.10: 30 days
    case = request.case
    assert case.service == foi_service and case.unit == foi_unit  # the information service's category
    assert case.due_at == at("2026-06-22T17:30+03:00")  # 15 iş günü
    assert YearlyTally.objects.get(institution=case.institution, year=2026).received == 1


def test_an_ordinary_case_gets_none(make_case, foi_settings):
    case = make_case()
    assert not FoiRequest.objects.filter(case=case).exists()


def test_a_complete_email_request_runs_15_working_days_from_receipt(open_request, elif_, ayse):
    request = open_request()
    now = at("2026-06-02T09:00+03:00")
    services.accept(request, actor=elif_, identity=electronic(), now=now)
    request.refresh_from_db()
    case = request.case
    assert request.stage == Stage.PROCESSING
    assert request.clock_started_at == RECEIVED
    assert request.warn_at == at("2026-06-16T17:30+03:00")  # the close of the 11th iş günü
    assert case.due_at == at("2026-06-22T17:30+03:00")
    ayse.refresh_from_db()
    assert ayse.tc_kimlik == AYSE_TC
    shown = case.events.get(action="foi_complete")
    assert shown.public and "22.06.2026" in shown.note and shown.actor == elif_


@pytest.mark.parametrize(
    ("identity", "missing"),
    [
        (electronic(tc_kimlik=""), ["tc_kimlik"]),
        (electronic(tc_kimlik="12345678901"), ["tc_kimlik_invalid"]),
        (electronic(name="", email="", tc_kimlik=AYSE_TC), ["name", "contact"]),
        (Identity(name="Ayşe Kaya", paper=True), ["signature", "address"]),
        (
            Identity(applicant_kind="legal", name="Can Ak", email="a@b.c"),
            ["legal_title", "signatory_authority"],
        ),
    ],
)
def test_what_the_regulation_asks_of_each_kind_of_application(open_request, elif_, identity, missing):
    request = open_request()
    with pytest.raises(FoiError) as refused:
        services.accept(request, actor=elif_, identity=identity, now=at("2026-06-02T09:00+03:00"))
    assert refused.value.missing == missing
    request.refresh_from_db()
    assert request.stage == Stage.CHECKING and request.clock_started_at is None


def test_a_paper_petition_with_signature_and_address_needs_no_tc_number(open_request, elif_):
    request = open_request(channel="desk")
    identity = Identity(name="Ayşe Kaya", signed=True, address="Gül Sok. No:4 Esenler", paper=True)
    services.accept(request, actor=elif_, identity=identity, now=at("2026-06-02T09:00+03:00"))
    request.refresh_from_db()
    assert request.stage == Stage.PROCESSING and request.signed


def test_an_incomplete_request_is_not_processed_and_its_clock_starts_when_complete(open_request, elif_):
    request = open_request()
    services.mark_incomplete(request, actor=elif_, missing=["tc_kimlik"], now=at("2026-06-02T09:00+03:00"))
    request.refresh_from_db()
    case = request.case
    assert request.stage == Stage.INCOMPLETE and request.silence_at is None
    assert case.status == Status.WAITING_CITIZEN and case.paused_at is not None
    asked = case.events.get(action="ask_citizen")
    assert asked.public and "T.C. kimlik numaranız" in asked.note and "işleme alınamaz" in asked.note
    # She sends her number on Friday: the 15 iş günü run from then.
    services.accept(request, actor=elif_, identity=electronic(), now=at("2026-06-05T10:00+03:00"))
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.clock_started_at == at("2026-06-05T10:00+03:00")
    assert case.due_at == at("2026-06-26T17:30+03:00")
    assert case.status == Status.IN_PROGRESS and case.paused_at is None
    assert request.silence_at == at("2026-07-06T17:30+03:00")  # 5 July is a Sunday: the next working day


def test_only_the_information_service_checks(open_request, ali):
    request = open_request()
    with pytest.raises(FoiError) as refused:
        services.accept(request, actor=ali, identity=electronic(), now=at("2026-06-02T09:00+03:00"))
    assert refused.value.code == "forbidden"


def test_a_complaint_is_taken_as_a_petition_and_she_is_told_why(open_request, elif_, roads):
    request = open_request()
    petition = services.convert(
        request,
        actor=elif_,
        reason="sokaktaki çukurla ilgili bir şikâyet",
        unit=roads,
        now=at("2026-06-02T09:00+03:00"),
    )
    request.refresh_from_db()
    case = request.case
    assert petition.kind == Kind.PETITION and petition.follows == case and petition.unit == roads
    assert petition.citizen == case.citizen
    assert request.stage == Stage.CONVERTED and request.converted_to == petition
    assert case.status == Status.REJECTED
    assert petition.tracking_display in case.rejection_reason and "3071" in case.rejection_reason
    tally = YearlyTally.objects.get(institution=case.institution, year=2026)
    assert (tally.received, tally.converted) == (0, 1)
    assert not FoiRequest.objects.filter(case=petition).exists()


def test_held_by_another_institution_it_is_sent_there_and_closed_here(open_request, elif_):
    request = open_request()
    services.forward_out(
        request, actor=elif_, to="İstanbul Su ve Kanalizasyon İdaresi", now=at("2026-06-02T09:00+03:00")
    )
    request.refresh_from_db()
    case = request.case
    assert case.status == Status.REDIRECTED and case.redirected_to == "İstanbul Su ve Kanalizasyon İdaresi"
    assert Event.objects.filter(case=case, action="redirect", public=True).exists()
    assert request.stage == Stage.FORWARDED
    assert YearlyTally.objects.get(institution=case.institution, year=2026).forwarded == 1
    with pytest.raises(FoiError):
        services.forward_out(request, actor=elif_, to="Başka", now=at("2026-06-02T09:05+03:00"))


def test_forwarded_to_the_unit_holding_the_information(open_request, elif_, roads, ali):
    request = open_request()
    services.accept(request, actor=elif_, identity=electronic(), now=at("2026-06-02T09:00+03:00"))
    services.forward_to_unit(
        request, actor=elif_, unit=roads, note="İhale dosyası sizde", now=at("2026-06-02T10:00+03:00")
    )
    request.refresh_from_db()
    case = Case.objects.get(pk=request.case_id)
    assert case.unit == roads and request.holder_unit == roads
    assert case.due_at == at("2026-06-22T17:30+03:00")  # the clock keeps running within the institution
    from kentmasa.foi import access

    assert access.may_see(ali, request)


def test_without_an_information_service_set_up_no_record_is_made(institution, ayse):
    from kentmasa.cases import services as cases

    case = cases.open_case(
        institution=institution, channel="email", kind=Kind.INFORMATION_REQUEST, subject="Bilgi", citizen=ayse
    )
    assert not FoiRequest.objects.filter(case=case).exists()
