"""The citizen pages: Ayşe applies from her phone, follows her application, and nobody else sees it."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from kentmasa.cases import services
from kentmasa.cases.attachments import add_attachment
from kentmasa.cases.models import Attachment, Case, Channel, Citizen, Event, Kind, Status
from kentmasa.cases.tracking import format_tracking_number, make_tracking_number
from kentmasa.directory.models import Category, Institution
from kentmasa.lib import phones

AYSE_PHONE = "0532 123 45 67"
VALID_TC = "10000000146"


@pytest.fixture(autouse=True)
def public_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Generous by default; the rate-limit tests lower it. The rate is part of the counter's key,
    # and the database cache lives in each test's transaction, so tests never share counts.
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.LANGUAGE_CODE = "tr"


@pytest.fixture
def form_url(institution):
    return reverse("public:form", args=[institution.slug])


@pytest.fixture
def ayse(institution, db):
    return Citizen.objects.create(institution=institution, name="Ayşe Kaya", phone="+905321234567")


def photo_with_gps() -> bytes:
    """A PNG as a phone would send it: EXIF with the camera make and the GPS position of Ayşe's home."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefon"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 2.0, 3.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (28.0, 53.0, 20.0)
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    data = out.getvalue()
    assert (
        Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    )  # the test photo really has GPS
    return data


def application(category, **overrides) -> dict:
    data = {
        "kind": Kind.COMPLAINT,
        "category": category.pk if category else "",
        "subject": "Kaldırımda çukur",
        "text": "Menderes Mahallesi'nde okul önündeki kaldırımda büyük bir çukur var, çocuklar düşüyor.",
        "latitude": "41.038210",
        "longitude": "28.889120",
        "province": "İstanbul",
        "district": "Esenler",
        "neighbourhood": "Menderes",
        "street": "Atışalanı Caddesi",
        "building_no": "12",
        "name": "Ayşe Kaya",
        "phone": AYSE_PHONE,
        "email": "",
        "tc_kimlik": "",
        "kvkk": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Citizen.objects.count(), Attachment.objects.count(), Event.objects.count()


def error_codes(response, field: str) -> set[str]:
    return {error.code for error in response.context["form"].errors.as_data().get(field, [])}


def look_up(client: Client, number: str, code: str):
    return client.post(reverse("public:track"), {"number": number, "code": code})


def not_found_message(response) -> str:
    match = re.search(r'<p[^>]*id="track-error"[^>]*>(.*?)</p>', response.content.decode(), re.S)
    assert match, "the generic not-found message is missing"
    return match.group(1).strip()


# --- choosing the institution


def test_the_list_offers_municipalities_and_police_but_not_external_bodies(
    client, institution, other_institution
):
    Institution.objects.create(slug="bedas", name="BEDAŞ Elektrik Dağıtım", kind=Institution.Kind.EXTERNAL)

    response = client.get(reverse("public:form"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Esenler Belediyesi" in page and "Kayseri Büyükşehir Belediyesi" in page
    assert "BEDAŞ" not in page
    assert client.get(reverse("public:form", args=["bedas"])).status_code == 404


def test_with_a_single_institution_the_list_goes_straight_to_its_form(client, institution, form_url):
    response = client.get(reverse("public:form"))

    assert response.status_code == 302 and response["Location"] == form_url


def test_the_form_offers_the_institutions_active_topics(client, institution, category, roads, form_url):
    Category.objects.create(institution=institution, name="Eski konu", unit=roads, active=False)

    page = client.get(form_url).content.decode()

    assert "Yol çökmesi / çukur" in page
    assert "Eski konu" not in page
    assert 'id="locate-button"' in page and 'name="latitude"' in page
    assert reverse("public:kvkk") + "?kurum=esenler" in page
    assert 'name="kvkk"' in page and "csrfmiddlewaretoken" in page


# --- applying


def test_ayse_applies_with_a_photo_and_gets_her_numbers(client, category, roads, service, form_url):
    photo = SimpleUploadedFile("IMG_2041.png", photo_with_gps(), content_type="image/png")

    response = client.post(form_url, {**application(category), "photo": photo})

    assert response.status_code == 302 and response["Location"] == reverse("public:receipt")
    case = Case.objects.get()
    assert case.channel == Channel.WEB and case.kind == Kind.COMPLAINT and case.status == Status.NEW
    assert (case.category, case.unit, case.service) == (category, roads, service)
    assert case.due_at is not None
    assert str(case.latitude) == "41.038210" and str(case.longitude) == "28.889120"
    assert (case.neighbourhood, case.street, case.building_no) == ("Menderes", "Atışalanı Caddesi", "12")
    assert case.citizen.name == "Ayşe Kaya" and case.citizen.phone == "+905321234567"
    opened = case.events.get()
    assert opened.action == "open" and opened.public
    attachment = case.attachments.get()
    assert attachment.event == opened and attachment.public and attachment.uploaded_by is None
    assert attachment.original_name == "IMG_2041.png"
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info

    receipt = client.get(response["Location"])
    page = receipt.content.decode()
    assert receipt.status_code == 200
    assert format_tracking_number(case.tracking_number) in page
    assert case.verification_code in page
    # A standard in working days is due at the end of a day: the date as Turks write it, no time.
    assert timezone.localtime(case.due_at).strftime("%d.%m.%Y") in page
    assert timezone.localtime(case.due_at).strftime("%d.%m.%Y %H:%M") not in page
    assert reverse("public:track_case", args=[case.tracking_number]) in page
    assert "no-cache" in receipt["Cache-Control"] or "no-store" in receipt["Cache-Control"]


def test_the_receipt_belongs_to_the_browser_that_applied(client, category, form_url):
    client.post(form_url, application(category))
    case = Case.objects.get()

    stranger = Client()
    receipt = stranger.get(reverse("public:receipt"))
    tracking_page = stranger.get(reverse("public:track_case", args=[case.tracking_number]))

    assert receipt.status_code == 302 and receipt["Location"] == reverse("public:track")
    assert tracking_page.status_code == 302 and tracking_page["Location"].startswith(reverse("public:track"))
    assert case.verification_code not in stranger.get(tracking_page["Location"]).content.decode()


def test_a_wrong_tc_kimlik_is_shown_next_to_its_field_and_nothing_is_written(client, category, form_url):
    before = counts()

    response = client.post(form_url, application(category, tc_kimlik="12345678901"))

    assert response.status_code == 200
    assert error_codes(response, "tc_kimlik") == {"tc_kimlik_checksum"}
    assert 'id="id_tc_kimlik_error"' in response.content.decode()
    assert counts() == before


def test_a_valid_tc_kimlik_is_kept(client, category, form_url):
    client.post(form_url, application(category, tc_kimlik="100 000 001 46"))

    assert Case.objects.get().citizen.tc_kimlik == VALID_TC


def test_a_text_file_named_jpg_is_refused_and_nothing_is_written(client, category, form_url, settings):
    before = counts()
    fake = SimpleUploadedFile(
        "foto.jpg", b"Bu bir fotograf degil, duz metin.\n" * 20, content_type="image/jpeg"
    )

    response = client.post(form_url, {**application(category), "photo": fake})

    assert response.status_code == 200
    assert error_codes(response, "photo") == {"file_type"}
    assert counts() == before
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_a_broken_image_is_refused_and_nothing_is_written(client, category, form_url):
    before = counts()
    broken = SimpleUploadedFile("foto.png", photo_with_gps()[:60], content_type="image/png")

    response = client.post(form_url, {**application(category), "photo": broken})

    assert error_codes(response, "photo") == {"image_unreadable"}
    assert counts() == before


def test_the_kvkk_acknowledgement_is_required(client, category, form_url):
    before = counts()

    response = client.post(form_url, application(category, kvkk=None))

    assert error_codes(response, "kvkk") == {"required"}
    assert counts() == before


def test_a_phone_or_an_email_is_needed_to_get_an_answer(client, category, form_url):
    before = counts()

    response = client.post(form_url, application(category, phone="", email=""))

    assert error_codes(response, "phone") == {"contact"} and error_codes(response, "email") == {"contact"}
    assert counts() == before


def test_an_invalid_phone_number_is_refused(client, category, form_url):
    response = client.post(form_url, application(category, phone="0532 12"))

    assert error_codes(response, "phone") == {"phone"}
    assert Case.objects.count() == 0


def test_a_tip_off_may_be_anonymous(client, category, form_url):
    response = client.post(form_url, application(category, kind=Kind.TIP_OFF, name="", phone="", email=""))

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == Kind.TIP_OFF and case.citizen is None
    receipt = client.get(response["Location"]).content.decode()
    assert 'id="receipt-anonymous"' in receipt and case.verification_code in receipt


def test_an_information_request_names_the_person(client, category, form_url):
    response = client.post(form_url, application(category, kind=Kind.INFORMATION_REQUEST, name=""))

    assert error_codes(response, "name") == {"foi_name"}
    assert error_codes(response, "tc_kimlik") == {"foi_tc_kimlik"}
    assert Case.objects.count() == 0

    response = client.post(form_url, application(category, kind=Kind.INFORMATION_REQUEST, tc_kimlik=VALID_TC))
    assert response.status_code == 302


def test_a_topic_is_required_when_the_institution_has_topics(client, category, form_url):
    response = client.post(form_url, application(None))

    assert error_codes(response, "category") == {"required"}
    assert Case.objects.count() == 0


def test_a_typed_phone_alone_does_not_join_a_known_citizen(client, category, form_url, ayse):
    # Without the SMS code anyone could type Ayşe's number (test_citizen_proof has the code's story).
    client.post(form_url, application(category, name="Ayşe Kaya", phone="+90 532 123 4567"))

    assert Case.objects.get().citizen != ayse
    assert Citizen.objects.count() == 2


def test_the_honeypot_catches_form_filling_bots(client, category, form_url):
    response = client.post(form_url, application(category, website="http://spam.example"))

    assert error_codes(response, "website") == {"honeypot"}
    assert Case.objects.count() == 0


def test_the_form_is_protected_against_cross_site_posts(category, form_url):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(form_url, application(category))

    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_too_many_applications_from_one_address_get_429(client, category, form_url, settings):
    settings.KENTMASA_PUBLIC_RATE = "2/d"

    first = client.post(form_url, application(category, kvkk=None))
    second = client.post(form_url, application(category, kvkk=None))
    third = client.post(form_url, application(category))

    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 429
    assert third["Retry-After"] == "86400"
    assert 'id="rate-limited"' in third.content.decode()
    assert Case.objects.count() == 0
    assert client.get(form_url).status_code == 200  # reading the form is never limited


# --- tracking


def test_tracking_shows_the_public_timeline_and_the_answer_only(client, make_case, road_staff, ayse):
    case = make_case(citizen=ayse)
    services.comment(case, actor=road_staff, note="İç not: müteahhit firmayla görüşülecek.", public=False)
    services.start(case, actor=road_staff)
    services.resolve(case, actor=road_staff, resolution="Çukur asfaltla kapatıldı, teşekkür ederiz.")
    spaced = " ".join([case.tracking_number[:2], case.tracking_number[2:-1], case.tracking_number[-1]])

    response = look_up(client, spaced, case.verification_code)

    assert response.status_code == 302
    assert response["Location"] == reverse("public:track_case", args=[case.tracking_number])
    page = client.get(response["Location"]).content.decode()
    assert 'id="track-status"' in page and 'id="track-resolution"' in page
    assert "Çukur asfaltla kapatıldı, teşekkür ederiz." in page
    assert "müteahhit" not in page
    assert road_staff.username not in page and road_staff.first_name not in page
    # No personal data on the public page: neither her name nor her number in any way it is written (the
    # bare "532" could be the microseconds of a timestamp).
    national = ayse.phone[3:]
    # (The first application place's Ayşe Yılmaz is on it: the answer came after the deadline.)
    assert "Ayşe Kaya" not in page and "Kaya" not in page
    assert not any(form in page for form in (national, national[-7:], phones.display(ayse.phone)))
    assert re.findall(r'data-action="(\w+)"', page) == ["open", "start", "resolve"]
    assert "18.03.2026 10:00" in page  # received, in Istanbul time


def test_tracking_shows_the_reason_for_a_rejection_and_where_a_case_was_redirected(
    client, make_case, road_manager
):
    manager = road_manager
    rejected, redirected = make_case(), make_case()
    services.reject(
        rejected, actor=manager, reason="Talep özel mülk içinde; belediyenin görev alanı dışında."
    )
    services.redirect(redirected, actor=manager, to="BEDAŞ Elektrik Dağıtım", note="Hat arızası kontrolü")

    look_up(client, rejected.tracking_number, rejected.verification_code)
    look_up(client, redirected.tracking_number, redirected.verification_code)

    rejected_page = client.get(reverse("public:track_case", args=[rejected.tracking_number])).content.decode()
    redirected_page = client.get(
        reverse("public:track_case", args=[redirected.tracking_number])
    ).content.decode()
    assert 'id="track-rejection"' in rejected_page and "görev alanı dışında" in rejected_page
    assert "BEDAŞ Elektrik Dağıtım" in redirected_page
    assert "Hat arızası kontrolü" not in redirected_page  # the staff note of a redirect stays inside


def test_tracking_shows_time_left_for_an_open_case(client, category, form_url):
    client.post(form_url, application(category))
    case = Case.objects.get()

    page = client.get(reverse("public:track_case", args=[case.tracking_number])).content.decode()

    assert re.search(r'id="track-remaining"[^>]*>\d+ iş günü kaldı<', page)
    assert f'id="track-deadline">{timezone.localtime(case.due_at):%d.%m.%Y}<' in page


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, make_case):
    case = make_case()
    wrong_code = f"{(int(case.verification_code) + 1) % 10**6:06d}"
    unknown = make_tracking_number(2026, 9_999_999)

    with_wrong_code = look_up(client, format_tracking_number(case.tracking_number), wrong_code)
    with_unknown_number = look_up(client, format_tracking_number(unknown), case.verification_code)
    other_digit = "1" if case.tracking_number.endswith("0") else "0"  # a wrong check digit, whatever the id
    with_mistyped_number = look_up(client, case.tracking_number[:-1] + other_digit, case.verification_code)

    assert (
        with_wrong_code.status_code
        == with_unknown_number.status_code
        == with_mistyped_number.status_code
        == 200
    )
    assert (
        not_found_message(with_wrong_code)
        == not_found_message(with_unknown_number)
        == not_found_message(with_mistyped_number)
    )
    for response in (with_wrong_code, with_unknown_number, with_mistyped_number):
        assert case.subject not in response.content.decode()
        assert response.context["form"].errors == {}


def test_the_code_of_one_case_does_not_open_another(client, make_case):
    mine, theirs = make_case(subject="Benim çukurum"), make_case(subject="Komşunun gürültü şikayeti")

    cross = look_up(client, theirs.tracking_number, mine.verification_code)
    look_up(client, mine.tracking_number, mine.verification_code)
    their_page = client.get(reverse("public:track_case", args=[theirs.tracking_number]))
    my_page = client.get(reverse("public:track_case", args=[mine.tracking_number]))

    assert "Komşunun" not in cross.content.decode()
    not_found_message(cross)
    assert their_page.status_code == 302
    assert "Komşunun" not in client.get(their_page["Location"]).content.decode()
    assert my_page.status_code == 200 and "Benim çukurum" in my_page.content.decode()


def test_guessing_codes_is_stopped_by_the_rate_limit(client, make_case, settings):
    settings.KENTMASA_PUBLIC_RATE = "3/d"
    case = make_case()
    wrong_code = f"{(int(case.verification_code) + 1) % 10**6:06d}"

    guesses = [look_up(client, case.tracking_number, wrong_code).status_code for _ in range(3)]
    blocked = look_up(client, case.tracking_number, case.verification_code)

    assert guesses == [200, 200, 200]
    assert blocked.status_code == 429 and 'id="rate-limited"' in blocked.content.decode()
    assert case.subject not in blocked.content.decode()
    other_address = Client(REMOTE_ADDR="203.0.113.7")
    assert look_up(other_address, case.tracking_number, case.verification_code).status_code == 302


def test_forgetting_closes_the_look_up_on_this_device(client, make_case):
    case = make_case()
    look_up(client, case.tracking_number, case.verification_code)
    case_url = reverse("public:track_case", args=[case.tracking_number])
    assert client.get(case_url).status_code == 200

    client.post(reverse("public:forget"))

    assert client.get(case_url).status_code == 302


def test_only_the_citizens_own_photos_are_shown(client, category, form_url, road_staff):
    client.post(form_url, {**application(category), "photo": SimpleUploadedFile("a.png", photo_with_gps())})
    case = Case.objects.get()
    own = case.attachments.get()
    staff_photo = add_attachment(case, photo_with_gps(), actor=road_staff, name="saha.png")

    page = client.get(reverse("public:track_case", args=[case.tracking_number])).content.decode()

    assert reverse("public:photo", args=[case.tracking_number, own.pk]) in page
    assert reverse("public:photo", args=[case.tracking_number, staff_photo.pk]) not in page
    assert client.get(reverse("public:photo", args=[case.tracking_number, own.pk])).status_code == 200
    assert client.get(reverse("public:photo", args=[case.tracking_number, staff_photo.pk])).status_code == 404
    assert Client().get(reverse("public:photo", args=[case.tracking_number, own.pk])).status_code == 404


# --- KVKK and languages


def test_the_kvkk_notice_names_the_institution_and_the_rights(client, institution):
    institution.address = "Menderes Mah. Atışalanı Cad. No:7 Esenler/İstanbul"
    institution.email = "kvkk@esenler.bel.tr"
    institution.save()

    page = client.get(reverse("public:kvkk"), {"kurum": "esenler"}).content.decode()

    # The institution published no notice: the built-in text, saved as its version 1 (kentmasa.privacy).
    text = re.search(r'id="kvkk-text">(.*?)</div>', page, re.S).group(1)
    assert "Veri sorumlusu: Esenler Belediyesi" in text and "Atışalanı Cad." in text
    assert "KVKK m.11" in text and "zararın giderilmesini" in text  # art. 11 (a)–(ğ), the last one
    assert "5/2" in page and "6698" in page and 'id="kvkk-version"' in page
    # Without an institution: the general page names the rights (a)–(ğ).
    general = client.get(reverse("public:kvkk")).content.decode()
    rights = re.search(r'<ol type="a" id="kvkk-rights">(.*?)</ol>', general, re.S).group(1)
    assert rights.count("<li>") == 9


def test_the_pages_are_turkish_by_default_and_english_on_request(client, institution, form_url):
    assert '<html lang="tr">' in client.get(form_url).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": form_url})

    assert '<html lang="en">' in client.get(form_url).content.decode()
