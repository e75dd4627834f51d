"""The decision and its letter, the extension, the 12th-day warning, the fee, the deemed refusal, objections
and the yearly report, told as Ayşe's request to Esenler goes through them."""

import datetime as dt
from decimal import Decimal

import pytest

from kentmasa.cases.models import Case, Status
from kentmasa.foi import fees, report, services
from kentmasa.foi.models import Objection, Stage, YearlyTally
from kentmasa.foi.services import FoiError, Identity
from kentmasa.foi.tests.conftest import AYSE_TC, at
from kentmasa.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def processing(open_request, elif_):
    request = open_request()
    identity = Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email="ayse@example.com")
    services.accept(request, actor=elif_, identity=identity, now=at("2026-06-02T09:00+03:00"))
    request.refresh_from_db()
    return request


def case_of(request):
    return Case.objects.get(pk=request.case_id)


# -- decision and letter -----------------------------------------------------------------------------------


def test_a_refusal_must_cite_its_ground_and_a_withheld_part_its_reason(processing, elif_):
    with pytest.raises(FoiError) as refused:
        services.decide(processing, actor=elif_, decision="refused", answer="Verilemez.", ground_keys=[])
    assert refused.value.code == "grounds"
    with pytest.raises(FoiError) as refused:
        services.decide(processing, actor=elif_, decision="partly", answer="Kısmen.", ground_keys=["m21"])
    assert refused.value.code == "withheld"
    with pytest.raises(FoiError):
        services.decide(processing, actor=elif_, decision="refused", answer="x", ground_keys=["m99"])
    processing.refresh_from_db()
    assert processing.stage == Stage.PROCESSING and not processing.letter


def test_refused_with_its_ground_remedies_and_the_letter(processing, elif_, client, settings):
    settings.KENTMASA_PUBLIC_URL = "https://kentmasa.esenler.bel.tr"
    services.decide(
        processing,
        actor=elif_,
        decision="refused",
        answer="İstenen ihale dosyası soruşturma kapsamındadır.",
        ground_keys=["m19"],
        now=at("2026-06-10T11:00+03:00"),
    )
    processing.refresh_from_db()
    case = case_of(processing)
    assert case.status == Status.RESOLVED
    assert "m.19 – İdari soruşturmaya ilişkin bilgi veya belgeler" in case.resolution
    assert "15 gün içinde Bilgi Edinme Değerlendirme Kurulu" in case.resolution
    assert "idare mahkemesinde" in case.resolution
    link = f"https://kentmasa.esenler.bel.tr/bilgi-edinme/yanit/{processing.letter_key}/"
    assert f"Cevap yazısı: {link}" in case.resolution
    response = client.get(f"/bilgi-edinme/yanit/{processing.letter_key}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get("/bilgi-edinme/yanit/yok-boyle-bir-anahtar/").status_code == 404
    tally = YearlyTally.objects.get(institution=case.institution, year=2026)
    assert (tally.received, tally.refused) == (1, 1)


def test_the_letter_is_on_the_letterhead_and_names_the_grounds(processing, elif_, institution):
    from kentmasa.foi import letter

    institution.address, institution.phone = "Oruç Reis Mah. Tekstilkent Cad. Esenler", "0212 440 11 00"
    institution.save()
    processing.decision, processing.answer, processing.withheld = (
        "partly",
        "Bedel: 1.200.000 TL.",
        "Yüklenici adı",
    )
    processing.grounds = ["m23"]
    shaped = letter.letter_for(processing, signer=elif_, now=at("2026-06-10T11:00+03:00"))
    assert shaped.institution == "ESENLER BELEDİYESİ" and shaped.unit == "Bilgi Edinme Servisi"
    assert "Oruç Reis Mah." in shaped.footer and "0212 440 11 00" in shaped.footer
    assert shaped.addressee[0] == "Sayın AYŞE KAYA"
    assert "m.23 – Ticari sır" in shaped.body and "Verilmeyen bölümler" in shaped.body
    assert shaped.signer_name == "Hakan Öztürk"
    assert letter.letter_pdf_for(processing, signer=elif_, now=at("2026-06-10T11:00+03:00")).startswith(
        b"%PDF"
    )


# -- extension and the 12th day ----------------------------------------------------------------------------


def test_extended_before_day_15_with_its_reason_and_she_is_told(processing, ali, roads, elif_):
    services.forward_to_unit(processing, actor=elif_, unit=roads, now=at("2026-06-02T10:00+03:00"))
    services.extend(
        processing,
        actor=ali,
        reason="Bilgi Fen İşleri arşivinden temin edilecek.",
        now=at("2026-06-15T10:00+03:00"),
    )
    processing.refresh_from_db()
    case = case_of(processing)
    assert case.due_at == at("2026-07-13T17:30+03:00")  # 30 iş günü
    told = case.events.get(action="foi_extended")
    assert told.public and told.note == "Bilgi Fen İşleri arşivinden temin edilecek."
    with pytest.raises(FoiError):  # once only
        services.extend(processing, actor=ali, reason="Tekrar", now=at("2026-06-16T10:00+03:00"))


def test_no_extension_after_the_15_days(processing, elif_):
    with pytest.raises(FoiError) as refused:
        services.extend(processing, actor=elif_, reason="Geç kaldık", now=at("2026-06-22T17:31+03:00"))
    assert refused.value.code == "late"
    assert case_of(processing).due_at == at("2026-06-22T17:30+03:00")


def test_on_the_12th_day_the_unit_is_warned_by_name_once(processing, elif_, roads, ali, riza):
    services.forward_to_unit(processing, actor=elif_, unit=roads, now=at("2026-06-02T10:00+03:00"))
    assert services.warn_units(now=at("2026-06-16T17:00+03:00")) == 0  # not yet
    assert services.warn_units(now=at("2026-06-16T17:31+03:00")) == 1
    told = set(Notification.objects.filter(kind="foi_deadline").values_list("user__username", flat=True))
    assert {"ali", "riza", "elif"} <= told
    assert services.warn_units(now=at("2026-06-17T09:00+03:00")) == 0  # idempotent
    assert case_of(processing).events.filter(action="foi_unit_warning").count() == 1


def test_no_warning_when_nothing_was_needed_from_elsewhere_or_it_was_extended(
    open_request, processing, elif_, roads
):
    other = open_request()
    services.accept(other, actor=elif_, identity=Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email="a@b.c"))
    services.ask_opinion(processing, actor=elif_, of="İSKİ", now=at("2026-06-03T10:00+03:00"))
    services.extend(
        processing, actor=elif_, reason="İSKİ görüşü bekleniyor", now=at("2026-06-04T10:00+03:00")
    )
    assert services.warn_units(now=at("2026-06-17T09:00+03:00")) == 0
    assert not Notification.objects.filter(kind="foi_deadline").exists()


# -- the fee -----------------------------------------------------------------------------------------------


def test_the_cost_beyond_the_first_ten_pages():
    rates = fees.Rates(
        bw_page=Decimal("9.56"),
        colour_page=Decimal("19.43"),
        research_page=Decimal("1"),
        research_cap=Decimal("5"),
        disc=Decimal("25"),
        postage=Decimal("40"),
    )
    assert fees.cost(fees.Order(bw_pages=10, by_post=True), rates).total == 0  # postage included
    cost = fees.cost(fees.Order(bw_pages=20, colour_pages=4, by_post=True), rates)
    # The 4 colour pages and 6 black-and-white ones are free; 14 × 9.56 + research (capped 5) + postage.
    assert cost.total == Decimal("178.84")
    assert fees.lira(Decimal("1234.5")) == "1.234,50 TL"
    with pytest.raises(ValueError):
        fees.Order(bw_pages=-1)


def test_the_fee_stops_the_clock_and_payment_starts_it_again(processing, elif_, fee_table):
    services.tell_fee(
        processing, actor=elif_, order=fees.Order(bw_pages=25), now=at("2026-06-08T10:00+03:00")
    )
    processing.refresh_from_db()
    case = case_of(processing)
    assert processing.stage == Stage.AWAITING_FEE and processing.fee_amount == Decimal("158.40")
    assert processing.fee_due_at == at("2026-06-29T17:30+03:00")
    assert case.status == Status.WAITING_CITIZEN and case.paused_at == at("2026-06-08T10:00+03:00")
    assert "158,40 TL" in case.events.get(action="ask_citizen").note
    services.fee_paid(processing, actor=elif_, note="Dekont 2026/118", now=at("2026-06-10T10:00+03:00"))
    processing.refresh_from_db()
    case = case_of(processing)
    assert processing.stage == Stage.PROCESSING and case.status == Status.IN_PROGRESS
    assert case.due_at == at("2026-06-24T17:30+03:00")  # two working days later
    assert processing.silence_at == at("2026-07-03T17:30+03:00")


def test_no_fee_table_or_nothing_to_charge_changes_nothing(processing, elif_, fee_table):
    with pytest.raises(FoiError) as refused:
        services.tell_fee(
            processing, actor=elif_, order=fees.Order(bw_pages=8), now=at("2026-06-08T10:00+03:00")
        )
    assert refused.value.code == "free"
    with pytest.raises(FoiError) as refused:
        services.tell_fee(
            processing, actor=elif_, order=fees.Order(bw_pages=80), now=at("2027-01-08T10:00+03:00")
        )
    assert refused.value.code == "table"
    assert case_of(processing).status == Status.NEW and case_of(processing).paused_at is None


def test_no_proof_of_payment_in_15_working_days_counts_as_withdrawn(processing, elif_, fee_table):
    services.tell_fee(
        processing, actor=elif_, order=fees.Order(bw_pages=25), now=at("2026-06-08T10:00+03:00")
    )
    assert services.expire_fees(now=at("2026-06-29T17:00+03:00")) == 0
    assert services.expire_fees(now=at("2026-06-29T17:31+03:00")) == 1
    assert services.expire_fees(now=at("2026-06-30T09:00+03:00")) == 0
    processing.refresh_from_db()
    case = case_of(processing)
    assert processing.stage == Stage.WITHDRAWN and case.status == Status.REJECTED
    assert "vazgeçmiş sayıldınız" in case.rejection_reason
    assert YearlyTally.objects.get(institution=case.institution, year=2026).withdrawn == 1


# -- the deemed refusal ------------------------------------------------------------------------------------


def test_the_deemed_refusal_is_warned_before_and_recorded_once(processing, roads, riza, ali, elif_):
    services.forward_to_unit(processing, actor=elif_, unit=roads, now=at("2026-06-02T10:00+03:00"))
    assert services.sweep_silence(now=at("2026-06-28T17:00+03:00")) == (0, 0)
    assert services.sweep_silence(now=at("2026-06-28T17:31+03:00")) == (1, 0)
    warned = set(Notification.objects.filter(kind="foi_deadline").values_list("user__username", flat=True))
    assert warned == {"ali", "riza", "elif"}  # the unit and the information service
    assert services.sweep_silence(now=at("2026-07-01T17:31+03:00")) == (0, 1)
    refused = Notification.objects.filter(kind="foi_deadline", text__contains="30 gün")
    assert set(refused.values_list("user__username", flat=True)) == {"riza", "elif"}
    assert services.sweep_silence(now=at("2026-07-02T09:00+03:00")) == (0, 0)
    processing.refresh_from_db()
    assert processing.silence_recorded_at == at("2026-07-01T17:31+03:00")
    assert YearlyTally.objects.get(institution=processing.institution, year=2026).silence == 1
    # Still to be answered; the objection is open.
    assert case_of(processing).status == Status.NEW
    objection = services.record_objection(processing, actor=elif_, lodged_on=dt.date(2026, 7, 6))
    assert objection.in_time


def test_with_nobody_in_the_unit_or_the_service_the_administrator_hears_of_the_deemed_refusal(
    open_request, elif_, make_user, roads, foi_settings
):
    """A request whose unit has no manager and whose information service has nobody active left still
    reaches a named person: the institution's administrator, for the warning and for the deemed refusal."""
    from kentmasa.directory.models import User

    admin = make_user(User.Role.ADMINISTRATOR, "esenler_admin")
    request = open_request()
    identity = Identity(name="Ayşe Kaya", tc_kimlik=AYSE_TC, email="ayse@example.com")
    services.accept(request, actor=elif_, identity=identity, now=at("2026-06-02T09:00+03:00"))
    services.forward_to_unit(request, actor=elif_, unit=roads, now=at("2026-06-02T10:00+03:00"))
    User.objects.exclude(pk=admin.pk).update(is_active=False)  # roads has no manager; elif has left

    assert services.sweep_silence(now=at("2026-06-28T17:31+03:00")) == (1, 0)
    assert services.sweep_silence(now=at("2026-07-01T17:31+03:00")) == (0, 1)
    told = list(Notification.objects.filter(kind="foi_deadline").values_list("user__username", flat=True))
    assert told == ["esenler_admin", "esenler_admin"]


def test_a_decided_request_is_never_deemed_refused(processing, elif_):
    services.decide(
        processing,
        actor=elif_,
        decision="granted",
        answer="Bedel 1.200.000 TL.",
        now=at("2026-06-10T10:00+03:00"),
    )
    assert services.sweep_silence(now=at("2026-07-10T10:00+03:00")) == (0, 0)


# -- objections and the yearly report ----------------------------------------------------------------------


def test_an_objection_to_the_kurul_and_its_decision(processing, elif_):
    with pytest.raises(FoiError):
        services.record_objection(processing, actor=elif_, lodged_on=dt.date(2026, 6, 12))
    services.decide(
        processing,
        actor=elif_,
        decision="refused",
        answer="Verilemez.",
        ground_keys=["m16"],
        now=at("2026-06-10T10:00+03:00"),
    )
    processing.refresh_from_db()
    late = services.record_objection(
        processing, actor=elif_, lodged_on=dt.date(2026, 6, 30), now=at("2026-07-01T10:00+03:00")
    )
    assert not late.in_time
    objection = services.record_objection(
        processing, actor=elif_, lodged_on=dt.date(2026, 6, 20), now=at("2026-07-01T10:00+03:00")
    )
    # The Kurul's 30 iş günü from Saturday 20 June (15 July is a holiday).
    assert objection.in_time and objection.kurul_due_at == at("2026-08-03T17:30+03:00")
    services.record_kurul_decision(
        objection,
        actor=elif_,
        outcome=Objection.Outcome.ACCEPTED,
        decided_on=dt.date(2026, 7, 20),
        followed="Belge başvuru sahibine verildi.",
        now=at("2026-07-21T10:00+03:00"),
    )
    objection.refresh_from_db()
    assert objection.outcome == "accepted" and objection.followed == "Belge başvuru sahibine verildi."
    assert (
        YearlyTally.objects.get(institution=processing.institution, year=2026).objected == 1
    )  # once per request


def test_the_yearly_report_reads_the_rollup(processing, elif_, institution, client):
    services.decide(
        processing,
        actor=elif_,
        decision="granted",
        answer="Bedel 1.200.000 TL.",
        now=at("2026-06-10T10:00+03:00"),
    )
    figures = report.figures(institution, 2026)
    counts = {key: count for key, _label, count in figures.rows}
    assert counts["received"] == 1 and counts["granted"] == 1 and counts["refused"] == 0
    client.force_login(elif_)
    page = client.get("/bilgi-edinme/rapor/?yil=2026")
    assert page.status_code == 200 and "Yapılan başvuru sayısı" in page.content.decode()
    sheet = client.get("/bilgi-edinme/rapor/2026.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert ("Yapılan başvuru sayısı", 1) in rows
    assert client.get("/bilgi-edinme/rapor/1999.xlsx").status_code == 404
    assert client.get("/bilgi-edinme/rapor/?yil=abc").status_code == 200
