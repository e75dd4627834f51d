"""Ayşe works the Beyaz Masa: she checks identity papers, scans petitions and proxies, and prints receipts."""

import io
import re
import zlib

import pytest
import segno
from django.urls import reverse
from PIL import Image

from kentmasa.cases.models import Attachment, Case, Citizen, Event
from kentmasa.cases.tracking import format_tracking_number
from kentmasa.directory.models import User

pytestmark = pytest.mark.django_db

DESK = "/kanal/masa/"
APPLICANT_TC = "10000000146"
REPRESENTATIVE_TC = "12345678950"


# -- reading what a PDF says -----------------------------------------------------------------------------
# fpdf2 compresses page streams and writes text in a Unicode TrueType font as glyph ids; the ToUnicode map
# of each font says which character each id is. These helpers undo both, enough for fpdf2's own output.


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}


def _stream(body: bytes) -> bytes:
    # Sliced by /Length: compressed bytes may themselves end in what looks like a line break.
    match = re.search(rb"stream\r?\n", body)
    length = re.search(rb"/Length (\d+)", body[: match.start()]) if match else None
    if length is None:
        return b""
    data = body[match.end() : match.end() + int(length.group(1))]
    return zlib.decompress(data) if b"/FlateDecode" in body[: match.start()] else data


def _unescape(text: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] != 0x5C:
            out.append(text[i])
            i += 1
            continue
        following = text[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", text[i + 1 :])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += escapes.get(following, following)
            i += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text of an fpdf2 PDF, one line per text object."""
    objects = _objects(pdf)
    maps = {}
    for number, body in objects.items():
        found = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if found and b"/Type /Font" in body:
            cmap = _stream(objects[int(found.group(1))])
            maps[number] = {
                int(cid, 16): chr(int(code, 16))
                for cid, code in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4,})>", cmap)
            }
    names = {}
    for body in objects.values():
        for found in re.finditer(rb"/(F\d+) (\d+) 0 R", body):
            names[found.group(1)] = int(found.group(2))
    lines = []
    for body in objects.values():
        content = _stream(body) if b"stream" in body else b""
        if b" Tf" not in content:
            continue
        font: dict = {}
        line: list[str] = []
        for found in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)|\bET\b", content, re.S):
            if found.group(1):
                font_object = names.get(found.group(1))
                font = maps.get(font_object, {}) if font_object is not None else {}
            elif found.group(0) == b"ET":
                if line:
                    lines.append("".join(line))
                line = []
            else:
                raw = _unescape(found.group(2))
                line.append(
                    "".join(
                        font.get(int.from_bytes(raw[i : i + 2], "big"), "�") for i in range(0, len(raw), 2)
                    )
                )
    return "\n".join(lines)


def pdf_words(pdf: bytes) -> str:
    """The text with every run of white space as one space, so where a line wrapped does not matter."""
    return " ".join(pdf_text(pdf).split())


def pdf_images(pdf: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image embedded in the PDF."""
    return [
        (int(w), int(h))
        for body in _objects(pdf).values()
        if b"/Subtype /Image" in body
        for w, h in [
            (re.search(rb"/Width (\d+)", body).group(1), re.search(rb"/Height (\d+)", body).group(1))
        ]
    ]


# -- scans -----------------------------------------------------------------------------------------------


def scanned_pdf(title: str = "Dilekçe") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% " + title.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def scanned_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 60), (250, 250, 245)).save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ayse(operator, client):
    operator.first_name, operator.last_name = "Ayşe", "Demir"
    operator.save()
    client.force_login(operator)
    return operator


def desk_data(category, **overrides) -> dict:
    data = {
        "citizen": "",
        "citizen_name": "Mehmet Kaya",
        "citizen_phone": "0532 123 45 67",
        "citizen_tc_kimlik": APPLICANT_TC,
        "citizen_email": "",
        "category": str(category.pk),
        "category_search": category.name,
        "kind": "petition",
        "channel": "desk",
        "mobile_desk_stop": "",
        "subject": "Sokağımızdaki çukur kapatılsın",
        "description": "Menderes Mahallesi Atışalanı Caddesi 12 önünde derin çukur.",
        "province": "İstanbul",
        "district": "Esenler",
        "neighbourhood": "Menderes",
        "street": "Atışalanı Cad.",
        "building_no": "12",
        "address_text": "",
        "latitude": "",
        "longitude": "",
        "priority": "2",
        "identity_document": "id_card",
        "identity_seen": "on",
        "representative_name": "",
        "representative_tc_kimlik": "",
        "proxy_document": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_desk_page_shows_the_identity_check(ayse, client):
    page = client.get(DESK)
    assert page.status_code == 200
    html = page.content.decode()
    for name in (
        "identity_seen",
        "identity_document",
        "on_behalf",
        "proxy_scan",
        "petition",
        "mobile_desk_stop",
    ):
        assert f'name="{name}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_representative_applies_with_a_scanned_petition_and_power_of_attorney(
    ayse, client, category, roads
):
    data = desk_data(
        category,
        citizen_tc_kimlik="",  # the applicant is not here; the representative's identity is checked
        identity_document="driving_licence",
        on_behalf="on",
        representative_name="Ali Kaya",
        representative_tc_kimlik="123 456 789 50",
        proxy_document="power_of_attorney",
        proxy_scan=upload(scanned_pdf("Vekaletname"), "vekaletname.pdf"),
        petition=upload(scanned_jpeg(), "dilekce.jpg"),
    )
    response = client.post(DESK, data)

    assert response.status_code == 302 and response["Location"] == DESK
    case = Case.objects.get()
    assert (case.channel, case.kind, case.category, case.unit, case.created_by) == (
        "desk",
        "petition",
        category,
        roads,
        ayse,
    )
    assert case.citizen.name == "Mehmet Kaya" and case.citizen.phone == "+905321234567"
    files = {a.original_name: a for a in case.attachments.all()}
    assert set(files) == {"vekaletname.pdf", "dilekce.jpg"}
    assert files["vekaletname.pdf"].content_type == "application/pdf"
    assert files["dilekce.jpg"].content_type == "image/jpeg"
    assert not any(a.public for a in files.values())

    opened = case.events.get(action="open")
    record = opened.data["desk"]
    assert record["identity_seen"] is True
    assert (record["identity_document"], record["in_person"], record["seen_by"]) == (
        "driving_licence",
        "representative",
        ayse.pk,
    )
    assert record["petition_attachment"] == files["dilekce.jpg"].pk
    assert record["representative"] == {
        "name": "Ali Kaya",
        "tc_kimlik": REPRESENTATIVE_TC,
        "proxy_document": "power_of_attorney",
        "proxy_attachment": files["vekaletname.pdf"].pk,
    }
    assert {a.event_id for a in files.values()} == {opened.pk}

    note = case.events.get(action="comment")
    assert not note.public
    assert "Ali Kaya (TC 123******50)" in note.note and "vekaletname" in note.note
    assert REPRESENTATIVE_TC not in note.note
    assert "Dilekçe tarandı" in note.note

    page = client.get(DESK).content.decode()
    assert format_tracking_number(case.tracking_number) in page
    assert reverse("channels:desk_receipt", args=[case.tracking_number]) in page


def test_the_applicant_in_person_shows_an_identity_card(ayse, client, category):
    response = client.post(DESK, desk_data(category, petition=upload(scanned_pdf(), "dilekce.pdf")))

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.citizen.tc_kimlik == APPLICANT_TC
    record = case.events.get(action="open").data["desk"]
    assert (record["in_person"], record["identity_document"]) == ("applicant", "id_card")
    assert "representative" not in record
    assert case.attachments.get().original_name == "dilekce.pdf"


def assert_nothing_written():
    assert not Case.objects.exists()
    assert not Citizen.objects.exists()
    assert not Event.objects.exists()
    assert not Attachment.objects.exists()


def test_without_the_identity_confirmation_nothing_is_written(ayse, client, category, media):
    data = desk_data(category, petition=upload(scanned_pdf(), "dilekce.pdf"))
    del data["identity_seen"]
    response = client.post(DESK, data)

    assert response.status_code == 400
    assert "Confirm that you have seen the identity document" in response.content.decode() or (
        "kimlik belgesini gördüğünüzü" in response.content.decode()
    )
    assert response.context["form"].has_error("identity_seen")
    assert_nothing_written()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_an_applicant_in_person_needs_a_valid_tc_kimlik_no(ayse, client, category):
    response = client.post(DESK, desk_data(category, citizen_tc_kimlik=""))
    assert response.status_code == 400 and response.context["form"].has_error("citizen_tc_kimlik")

    response = client.post(DESK, desk_data(category, citizen_tc_kimlik="10000000145"))
    assert response.context["form"].has_error("citizen_tc_kimlik", "tc_kimlik_checksum")
    assert_nothing_written()


def test_a_representative_needs_their_own_identity_and_the_scanned_proxy(ayse, client, category):
    response = client.post(
        DESK,
        desk_data(category, on_behalf="on", representative_name="Ali Kaya", proxy_document="guardianship"),
    )
    form = response.context["form"]
    assert response.status_code == 400
    assert form.has_error("representative_tc_kimlik") and form.has_error("proxy_scan")
    assert_nothing_written()


def test_a_proxy_scan_without_a_representative_is_refused(ayse, client, category):
    response = client.post(
        DESK, desk_data(category, proxy_scan=upload(scanned_pdf("Vekaletname"), "vekaletname.pdf"))
    )
    assert response.status_code == 400 and response.context["form"].has_error("on_behalf")
    assert_nothing_written()


def test_only_scans_are_accepted_as_petitions(ayse, client, category):
    response = client.post(
        DESK, desk_data(category, petition=upload(b"just some text\n" * 10, "dilekce.txt"))
    )
    assert response.status_code == 400 and response.context["form"].has_error("petition")
    assert_nothing_written()


def test_the_mobile_desk_records_its_stop_and_remembers_it(ayse, client, category):
    response = client.post(DESK, desk_data(category, channel="mobile_desk"))
    assert response.status_code == 400 and response.context["form"].has_error("mobile_desk_stop")
    assert_nothing_written()

    client.post(DESK, desk_data(category, channel="mobile_desk", mobile_desk_stop="Menderes Mah. pazar yeri"))
    case = Case.objects.get()
    assert case.channel == "mobile_desk"
    assert case.events.get(action="open").data["desk"]["stop"] == "Menderes Mah. pazar yeri"
    form = client.get(DESK).context["form"]
    assert (form["channel"].value(), form["mobile_desk_stop"].value()) == (
        "mobile_desk",
        "Menderes Mah. pazar yeri",
    )


def test_unit_staff_do_not_work_the_desk(road_staff, client):
    client.force_login(road_staff)
    assert client.get(DESK).status_code == 403


# -- the receipt -----------------------------------------------------------------------------------------


def test_the_receipt_is_a_pdf_with_the_numbers_the_deadline_and_a_qr_code(ayse, client, category, settings):
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.esenler.bel.tr"
    client.post(
        DESK,
        desk_data(
            category,
            channel="mobile_desk",
            mobile_desk_stop="Menderes Mah. pazar yeri",
            on_behalf="on",
            citizen_tc_kimlik="",
            representative_name="Ali Kaya",
            representative_tc_kimlik=REPRESENTATIVE_TC,
            proxy_document="power_of_attorney",
            proxy_scan=upload(scanned_pdf("Vekaletname"), "vekaletname.pdf"),
        ),
    )
    case = Case.objects.get()

    response = client.get(reverse("channels:desk_receipt", args=[case.tracking_number]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_words(pdf)
    track_url = f"https://basvuru.esenler.bel.tr/basvuru/takip/?no={case.tracking_number}"
    due = case.due_at.astimezone(case.received_at.tzinfo)
    for expected in (
        "Esenler Belediyesi",
        "Mobil Beyaz Masa – Menderes Mah. pazar yeri · Başvuru Alındı Belgesi",
        format_tracking_number(case.tracking_number),
        case.verification_code,
        "Mehmet Kaya",
        "Ali Kaya (vekaletname)",
        "Sokağımızdaki çukur kapatılsın",
        "Yol çökmesi / çukur",
        "Fen İşleri Müdürlüğü",
        "(hizmet standardı: 15 iş günü)",
        "Ayşe Demir",
        track_url,
        "6698 sayılı Kişisel Verilerin Korunması Kanunu",
    ):
        assert expected in text, expected
    from django.utils import timezone

    assert timezone.localtime(case.received_at).strftime("%d.%m.%Y %H:%M") in text
    # A standard in working days: the date alone, as Turks write it.
    assert f"Son cevap tarihi {timezone.localtime(due):%d.%m.%Y} (hizmet standardı: 15 iş günü)" in text
    # Where to go when it is missed: the first and second application places, then the standards page.
    assert (
        "Süre aşılırsa İlk müracaat yeri: Ayşe Yılmaz, Fen İşleri Müdürü, Tel: 0212 440 11 90 "
        "İkinci müracaat yeri: Mehmet Demir, Belediye Başkan Yardımcısı, Tel: 0212 440 11 91 "
        "Hizmet standartları: https://basvuru.esenler.bel.tr/standartlar/esenler/"
    ) in text
    qr = segno.make(track_url, error="m", micro=False)
    side = qr.symbol_size(scale=6, border=2)
    assert side in pdf_images(pdf)


def test_only_staff_who_see_the_case_get_its_receipt(make_case, client, park_staff, road_staff):
    case = make_case()
    url = reverse("channels:desk_receipt", args=[case.tracking_number])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(park_staff)
    assert client.get(url).status_code == 404
    client.force_login(road_staff)
    response = client.get(url)
    assert response.status_code == 200 and format_tracking_number(case.tracking_number) in pdf_text(
        response.content
    )


def test_a_receipt_for_another_institutions_case_is_not_found(
    make_case, client, make_user, other_institution
):
    case = make_case()
    stranger = make_user(User.Role.OPERATOR, "kayseri_operator", institution_=other_institution)
    client.force_login(stranger)
    assert client.get(reverse("channels:desk_receipt", args=[case.tracking_number])).status_code == 404
