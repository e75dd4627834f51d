"""Ayşe records what CİMER and Açık Kapı forward; the Roads unit answers; the answer goes back as a letter."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import services
from kentmasa.cases.models import Case, Citizen, Event
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.channels.models import Referral
from kentmasa.channels.referrals import end_of
from kentmasa.channels.tests.test_desk import pdf_words, scanned_pdf, upload
from kentmasa.directory.models import Category, User

pytestmark = pytest.mark.django_db

REFERRALS = "/kanal/cimer/"
RESOLUTION = "Atışalanı Caddesi üzerindeki çukur 19.03.2026 tarihinde ekiplerimizce asfaltla kapatılmıştır."


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ayse(operator, client):
    client.force_login(operator)
    return operator


@pytest.fixture
def manager(make_user, roads):
    user = make_user(User.Role.UNIT_MANAGER, "fatma", units=[roads])
    user.first_name, user.last_name = "Fatma", "Çağan"
    user.save()
    return user


def referral_data(category, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "system": "cimer",
        "external_ref": "2026/0012345",
        "reached_at": (today - dt.timedelta(days=2)).isoformat(),
        "external_due_at": (today + dt.timedelta(days=13)).isoformat(),
        "kind": "petition",
        "citizen_name": "Mehmet Kaya",
        "citizen_tc_kimlik": "10000000146",
        "citizen_phone": "0532 123 45 67",
        "citizen_email": "",
        "citizen_address": "Menderes Mah. Atışalanı Cad. No:12 Esenler/İstanbul",
        "category": str(category.pk),
        "subject": "Atışalanı Caddesindeki çukur",
        "text": "Caddemizdeki çukur aylardır kapatılmadı, lütfen gereğinin yapılmasını arz ederim.",
    }
    data.update(overrides)
    return data


def test_a_cimer_referral_opens_a_case_on_the_earlier_deadline(ayse, client, category, roads):
    data = referral_data(category, document=upload(scanned_pdf("CİMER başvuru"), "cimer.pdf"))
    response = client.post(REFERRALS, data)

    assert response.status_code == 302
    referral = Referral.objects.select_related("case").get()
    case = referral.case
    assert (case.channel, case.kind, case.category, case.unit, case.citizen.name) == (
        "cimer",
        "petition",
        category,
        roads,
        "Mehmet Kaya",
    )
    assert (referral.system, referral.external_ref, referral.institution) == (
        "cimer",
        "2026/0012345",
        case.institution,
    )
    reached = timezone.localdate() - dt.timedelta(days=2)
    assert referral.reached_at == reached
    assert timezone.localtime(case.received_at).date() == reached
    external_end = end_of(case.institution, referral.external_due_at)

    record = case.events.get(action="open").data["referral"]
    standard_due = dt.datetime.fromisoformat(record["standard_due_at"])
    # The service standard (15 working days from two days ago) ends three weeks on at the earliest; CİMER
    # asked for an answer in 13 days, so the case runs on CİMER's deadline and keeps both.
    assert standard_due > external_end
    assert case.due_at == external_end and record["due_from"] == "external"
    assert record["external_due_at"] == referral.external_due_at.isoformat()
    assert case.attachments.get().original_name == "cimer.pdf"

    page = client.get(REFERRALS).content.decode()
    assert format_tracking_number(case.tracking_number) in page and "2026/0012345" in page


def test_the_service_standard_wins_when_it_is_earlier(ayse, client, category):
    far = timezone.localdate() + dt.timedelta(days=90)
    client.post(REFERRALS, referral_data(category, external_due_at=far.isoformat()))
    case = Case.objects.get()
    record = case.events.get(action="open").data["referral"]
    assert record["due_from"] == "standard"
    assert case.due_at == dt.datetime.fromisoformat(record["standard_due_at"])
    assert case.due_at < end_of(case.institution, far)


def test_without_the_systems_deadline_the_legal_limit_applies(ayse, client, category):
    reached = timezone.localdate() - dt.timedelta(days=1)
    client.post(REFERRALS, referral_data(category, reached_at=reached.isoformat(), external_due_at=""))
    referral = Referral.objects.get()
    # Law 3071 art. 7: thirty days, moved to the next working day if it falls on a day off.
    assert (referral.external_due_at - reached).days >= 30
    assert referral.case.events.get(action="open").data["referral"]["external_due_given"] is False

    client.post(
        REFERRALS,
        referral_data(
            category,
            external_ref="2026/0099999",
            kind="information_request",
            reached_at=reached.isoformat(),
            external_due_at="",
        ),
    )
    information = Referral.objects.get(external_ref="2026/0099999")
    # Law 4982 art. 11: fifteen working days, never less than 18 calendar days, ending on a weekday.
    assert 18 <= (information.external_due_at - reached).days < 30
    assert information.external_due_at.weekday() < 5


def test_a_duplicate_reference_is_refused_and_nothing_is_written(ayse, client, category):
    client.post(REFERRALS, referral_data(category))
    first = Case.objects.get()

    response = client.post(
        REFERRALS, referral_data(category, external_ref="  2026/0012345 ", subject="Tekrar")
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["external_ref"]
    assert format_tracking_number(first.tracking_number) in errors[0]
    assert (Case.objects.count(), Referral.objects.count(), Citizen.objects.count()) == (1, 1, 1)
    assert Event.objects.filter(case__subject="Tekrar").count() == 0


def test_the_same_number_from_another_system_or_at_another_institution_is_its_own(
    ayse, client, category, make_user, other_institution
):
    client.post(REFERRALS, referral_data(category))
    assert client.post(REFERRALS, referral_data(category, system="acik_kapi")).status_code == 302

    kayseri_category = Category.objects.create(institution=other_institution, name="Yol")
    kayseri = make_user(User.Role.OPERATOR, "kayseri_operator", institution_=other_institution)
    client.force_login(kayseri)
    assert client.post(REFERRALS, referral_data(kayseri_category)).status_code == 302
    assert Referral.objects.filter(external_ref="2026/0012345").count() == 3


def test_bad_dates_are_refused(ayse, client, category):
    today = timezone.localdate()
    response = client.post(
        REFERRALS, referral_data(category, reached_at=(today + dt.timedelta(days=1)).isoformat())
    )
    assert response.status_code == 400 and response.context["form"].has_error("reached_at")
    response = client.post(
        REFERRALS,
        referral_data(category, external_due_at=(today - dt.timedelta(days=10)).isoformat()),
    )
    assert response.context["form"].has_error("external_due_at")
    assert not Case.objects.exists()


def test_unit_staff_do_not_record_referrals(road_staff, client):
    client.force_login(road_staff)
    assert client.get(REFERRALS).status_code == 403


# -- the answer ------------------------------------------------------------------------------------------


def record_referral(client, category) -> Case:
    client.post(REFERRALS, referral_data(category))
    return Case.objects.get()


def test_no_answer_before_the_case_is_answered(ayse, client, category):
    case = record_referral(client, category)
    response = client.get(reverse("channels:referral_answer_pdf", args=[case.tracking_number]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:detail", args=[case.tracking_number]
    )
    assert Referral.objects.get().answer_exported_at is None


def test_the_answer_letter_carries_the_resolution_and_the_reference(
    ayse, client, category, road_staff, manager
):
    case = record_referral(client, category)
    services.resolve(
        case,
        actor=road_staff,
        resolution=RESOLUTION,
    )

    response = client.get(reverse("channels:referral_answer_pdf", args=[case.tracking_number]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_words(response.content)
    for expected in (
        "T.C.",
        "ESENLER BELEDİYESİ",
        "Fen İşleri Müdürlüğü",
        f": {format_tracking_number(case.tracking_number)}",
        "CİMER başvurunuz (No: 2026/0012345)",
        "Sayın Mehmet KAYA",
        "Menderes Mah. Atışalanı Cad. No:12 Esenler/İstanbul",
        "2026/0012345 numaralı",
        "asfaltla kapatılmıştır.",
        "Bilgilerinize rica ederim.",
        "Fatma ÇAĞAN",
        "Fen İşleri Müdürü",
        timezone.localdate().strftime("%d.%m.%Y"),
    ):
        assert expected in text, expected
    referral = Referral.objects.get()
    assert referral.answer_exported_at is not None
    assert case.events.filter(action="comment", public=False).count() == 1

    plain = client.get(reverse("channels:referral_answer_txt", args=[case.tracking_number]))
    assert plain["Content-Type"] == "text/plain; charset=utf-8"
    body = plain.content.decode("utf-8")
    assert "Konu : CİMER başvurunuz (No: 2026/0012345)" in body
    assert RESOLUTION in body
    referral.refresh_from_db()
    assert referral.answer_exported_at is not None
    assert case.events.filter(action="comment").count() == 1  # stamped once, on the first export


def test_a_rejection_is_answered_with_its_reason(ayse, client, category, manager):
    case = record_referral(client, category)
    services.reject(case, actor=manager, reason="Konu yargı mercilerinin görevine girmektedir (3071 md. 6).")
    body = client.get(reverse("channels:referral_answer_txt", args=[case.tracking_number])).content.decode()
    assert "yerine getirilememiştir" in body and "3071 md. 6" in body


def test_staff_of_another_unit_cannot_export(ayse, client, category, road_staff, park_staff):
    case = record_referral(client, category)
    services.resolve(case, actor=road_staff, resolution="Çukur kapatıldı.")
    client.force_login(park_staff)
    assert client.get(reverse("channels:referral_answer_pdf", args=[case.tracking_number])).status_code == 404
    client.force_login(road_staff)
    assert client.get(reverse("channels:referral_answer_pdf", args=[case.tracking_number])).status_code == 200


def test_a_case_that_did_not_come_by_referral_has_no_answer_letter(ayse, client, make_case):
    case = make_case()
    assert client.get(reverse("channels:referral_answer_pdf", args=[case.tracking_number])).status_code == 404
