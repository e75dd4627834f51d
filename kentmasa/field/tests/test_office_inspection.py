"""Adana's Derman loop on Esenler's test world: Zeynep of the parks team inspects the pothole case that Asfalt
Ekibi 1 works, writes her findings with two photos on /saha/tutanak/<case>/, signs with her name and title,
and the report becomes a PDF in Turkish attached to the case (internal), a line on the timeline, and a
notification to the roads unit by name. Sent twice it is written once; the parks unit's staff cannot write on
a roads case; bad input writes nothing."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases.models import Attachment, Event
from kentmasa.channels.tests.test_desk import pdf_images, pdf_words
from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import User
from kentmasa.field import pdf
from kentmasa.field.models import FieldAction, InspectionReport
from kentmasa.field.tests import api_world
from kentmasa.field.tests.api_world import gps_exif, jpeg
from kentmasa.notify.models import Notification

FINDINGS = "Çukur 1,5 m çapında, 20 cm derinliğinde; yağmur suyu birikiyor. Şerit işaretleri silinmiş."
RECOMMENDATION = "Sıcak asfalt yama ve şerit çizgisi yenilenmeli; çevre güvenlik şeridiyle çevrilmeli."


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


@pytest.fixture
def inspected(world):
    """The case with Asfalt Ekibi 1's work order and Park Ekibi's inspection work order (Zeynep's team)."""
    case = world.case(
        subject="Güngören Caddesi'nde çökme",
        location={"neighbourhood": "Menderes", "street": "Güngören Cd.", "building_no": "12"},
    )
    world.order(case)
    order = world.order(case, team=world.park_team, instructions="Yerinde tespit yapıp tutanak tutun.")
    return case, order


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(case):
    return reverse("field:office_inspection", args=[case.pk])


def report_form(order=None, **more):
    data = {
        "client_id": str(uuid.uuid4()),
        "work_order": order.pk if order else "",
        "inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "Güngören Cd. No:12 önü",
        "latitude": "41.043210",
        "longitude": "28.877654",
        "findings": FINDINGS,
        "recommendation": RECOMMENDATION,
        "signer_name": "Zeynep Ak",
        "signer_title": "Saha Ekibi Sorumlusu (Derman)",
    }
    data.update(more)
    return data


def photos():
    return [
        SimpleUploadedFile(
            "cukur.jpg", jpeg(size=(320, 240), exif=gps_exif(41.0441, 28.8781)), content_type="image/jpeg"
        ),
        SimpleUploadedFile("serit.jpg", jpeg((30, 30, 200), size=(240, 320)), content_type="image/jpeg"),
    ]


def test_zeynep_writes_signs_and_sends_the_report(client, world, inspected):
    case, order = inspected
    signed_in(client, world.zeynep)
    page = client.get(url(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tespit tutanağı" in text and 'value="Zeynep Ak"' in text
    assert "Park Ekibi" in text  # her team's work order to link it to
    response = client.post(url(case), {**report_form(order), "photos": photos()})
    assert response.status_code == 302
    report = InspectionReport.objects.get()
    assert (report.case, report.work_order, report.signed_by, report.sent_to) == (
        case,
        order,
        world.zeynep,
        world.roads,
    )
    assert report.signer_title == "Saha Ekibi Sorumlusu (Derman)" and report.findings == FINDINGS
    assert report.photos.count() == 2
    attached = report.pdf
    assert attached.case == case and not attached.public and attached.content_type == "application/pdf"
    assert attached.original_name == f"tutanak-{case.tracking_number}-1.pdf"
    data = attached.file.open("rb").read()
    assert data.startswith(b"%PDF")
    words = pdf_words(data)
    for expected in (
        "Esenler Belediyesi",
        "TESPİT TUTANAĞI (BİLGİ FORMU)",
        case.tracking_display,
        "Güngören Caddesi'nde çökme",
        "Yol çökmesi / çukur",
        "Adres Menderes Mah. Güngören Cd. No:12 Sorumlu birim",
        "Fen İşleri Müdürlüğü",
        "41,043210; 28,877654",
        "Park Ekibi",
        "Çukur 1,5 m çapında, 20 cm derinliğinde; yağmur suyu birikiyor.",
        "Sıcak asfalt yama ve şerit çizgisi yenilenmeli",
        "Zeynep Ak",
        "Saha Ekibi Sorumlusu (Derman)",
        "fotoğrafın konumu",
        "telefonun konumu",
        "İmza:",
    ):
        assert expected in words, expected
    assert len(pdf_images(data)) == 2
    # The photos are on the case too, internal, with their place.
    stored = {a.original_name: a for a in report.photos.all()}
    assert stored["cukur.jpg"].position_source == "photo" and stored["serit.jpg"].position_source == "phone"
    assert all(not a.public for a in stored.values())
    # The timeline and the unit told by name.
    event = Event.objects.get(case=case, action="inspection_report")
    assert event.actor == world.zeynep and not event.public
    assert (
        event.note
        == "Zeynep Ak tarafından düzenlenen 1 numaralı tespit tutanağı Fen İşleri Müdürlüğü birimine "
        "gönderildi."
    )
    assert attached.event == event
    told = Notification.objects.filter(kind="inspection_report", case=case)
    assert sorted(n.user.username for n in told if n.user) == ["road_boss"]  # the case has no assignee
    named = Event.objects.get(case=case, action="notified", data__kind="inspection_report")
    assert "Kemal Öz" in named.note
    # Back on the form, the report is listed.
    assert f'id="report-pdf-{report.pk}"' in client.get(url(case)).content.decode()


def test_the_case_s_assignee_is_told_and_the_unit_s_mailbox_gets_an_e_mail(client, world, inspected):
    case, order = inspected
    from kentmasa.cases import services as cases

    world.roads.email = "fen@esenler.bel.tr"
    world.roads.save()
    cases.assign(case, actor=world.manager, assignee=world.clerk)
    signed_in(client, world.zeynep).post(url(case), report_form(order))
    told = Notification.objects.filter(kind="inspection_report", case=case)
    assert sorted(n.user.username if n.user else n.address for n in told) == [
        "fen@esenler.bel.tr",
        "road_clerk",
    ]


def test_the_same_report_sent_twice_is_written_once(client, world, inspected):
    case, order = inspected
    data = report_form(order)
    signed_in(client, world.zeynep)
    assert client.post(url(case), data).status_code == 302
    again = client.post(url(case), data, follow=True)
    assert "Bu tutanak zaten gönderildi." in again.content.decode()
    assert InspectionReport.objects.count() == 1
    assert Attachment.objects.filter(case=case, content_type="application/pdf").count() == 1
    assert Event.objects.filter(case=case, action="inspection_report").count() == 1
    assert FieldAction.objects.get(user=world.zeynep).kind == "inspection"
    client.post(url(case), report_form(order, findings="İkinci ziyaret: çukur büyümüş."))
    second = InspectionReport.objects.order_by("pk").last()
    assert second.pdf.original_name == f"tutanak-{case.tracking_number}-2.pdf"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"findings": ""}, "findings"),
        ({"findings": "x\x00"}, "findings"),
        ({"signer_name": ""}, "signer_name"),
        ({"inspected_at": "geçen hafta"}, "inspected_at"),
        ({"inspected_at": "2999-01-01T10:00"}, "inspected_at"),
        ({"latitude": "41.1"}, None),
        ({"work_order": "999999"}, "work_order"),
        ({"work_order": str(2**70)}, "work_order"),
        ({"client_id": "x"}, None),
        ({"findings": "x" * 8001}, "findings"),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(client, world, inspected, change, field):
    case, order = inspected
    data = {**report_form(order), **change}
    if "latitude" in change:
        data["longitude"] = ""
    response = signed_in(client, world.zeynep).post(url(case), data)
    assert response.status_code == 400
    if field:
        assert f'id="field-{field}"' in response.content.decode()
    assert not InspectionReport.objects.exists() and not Attachment.objects.exists()


def test_a_text_file_as_a_photo_writes_nothing(client, world, inspected):
    case, order = inspected
    bad = SimpleUploadedFile("rapor.jpg", b"this is not a photo", content_type="image/jpeg")
    response = signed_in(client, world.zeynep).post(url(case), {**report_form(order), "photos": [bad]})
    assert response.status_code == 400 and "rapor.jpg" in response.content.decode()
    assert not InspectionReport.objects.exists() and not Attachment.objects.exists()


def test_who_may_write_on_which_case(client, world, inspected, make_user, other_institution):
    case, _order = inspected
    park_staff = make_user(User.Role.UNIT_STAFF, "park_clerk", units=[world.parks])
    signed_in(client, park_staff)
    assert client.get(url(case)).status_code == 404
    assert client.post(url(case), report_form()).status_code == 404
    operator = make_user(User.Role.OPERATOR, "beyazmasa")
    assert signed_in(client, operator).get(url(case)).status_code == 403  # sees the case, inspects nothing
    other_case = world.case(subject="Başka bir iş")
    assert signed_in(client, world.zeynep).get(url(other_case)).status_code == 404  # not her team's
    for pk in (0, 2**63, 2**80):
        assert client.get(reverse("field:office_inspection", args=[pk])).status_code == 404
    # The roads unit's own staff may write one too (without a work order of theirs to pick).
    page = signed_in(client, world.clerk).get(url(case)).content.decode()
    assert 'id="field-work_order"' in page  # unit staff may link any of the case's work orders
    assert not InspectionReport.objects.exists()


def test_the_pdf_prints_turkish_letters_with_the_dejavu_font():
    document = pdf.report_pdf(
        pdf.Report(
            institution="Adana Büyükşehir Belediyesi",
            unit="Yol Bakım Şube Müdürlüğü",
            tracking_number="26-0000001-5",
            subject="Çığ, ağaç ve şişe: İĞDIR ÖĞÜŞ",
            category="—",
            address="—",
            inspected_at="04.12.2026 10:42",
            place="Reşatbey Mah.",
            coordinates="",
            findings="ç ğ ı İ ö ş ü Ç Ğ I İ Ö Ş Ü",
            recommendation="",
            signer_name="Hatice Korkmaz",
            signer_title="",
            signed_at="04.12.2026 11:00",
        )
    )
    words = pdf_words(document)
    assert "Çığ, ağaç ve şişe: İĞDIR ÖĞÜŞ" in words and "ç ğ ı İ ö ş ü Ç Ğ I İ Ö Ş Ü" in words
    assert "Öneri" not in words  # no recommendation, no heading
    assert pdf.font_dir().joinpath(pdf.REGULAR).is_file()
