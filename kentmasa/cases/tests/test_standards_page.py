"""The service standard, visible to citizens (issue 15 §4): each institution's imported standards table with
its first and second application places on /standartlar/<kurum>/, the form's hint with the deadline before
sending, and the deadline and where to go on the receipt, the tracking page, the desk receipt and the SMS.

Kayseri's and the Eskişehir police's tables are the real seeds 002 and 000, imported as an administrator
imports them (kentmasa.directory.importers).
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kentmasa.cases import services, standards
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Case, Channel, Kind
from kentmasa.channels import replies
from kentmasa.channels.models import Message
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import Category, ClosedDay, Institution, Service, Unit
from kentmasa.directory.tests import KAYSERI, POLICE, seed_text
from kentmasa.lib.sms.encoding import segments

pytestmark = pytest.mark.django_db

# A Monday in Istanbul (13:15); 15 working days later is Monday 24 August 2026 (no holiday in between).
MONDAY = dt.datetime(2026, 8, 3, 10, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def public_settings(settings):
    settings.KENTMASA_PUBLIC_RATE = "1000/d"
    settings.KENTMASA_STANDARD_HINT_RATE = "1000/m"
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_PUBLIC_URL = "https://basvuru.kentmasa.gov.tr"


@pytest.fixture
def clock(monkeypatch):
    """Time that moves only when the test says so (the form, the hint and open_case all read timezone.now)."""

    class Clock:
        now = MONDAY

    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def kayseri(other_institution):
    result = import_standards(other_institution, seed_text(KAYSERI))
    assert result.ok, result.problems
    return other_institution


@pytest.fixture
def police(db):
    institution = Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )
    result = import_standards(institution, seed_text(POLICE))
    assert result.ok, result.problems
    return institution


def table_rows(page: str) -> list[list[str]]:
    """Each row of the page's tables as its cells' text."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", page, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def hint(client, institution, konu="", tur=""):
    return client.get(reverse("standards:hint", args=[institution.slug]), {"konu": konu, "tur": tur})


# --- the standards page


def test_kayseri_s_page_prints_its_imported_table_and_both_application_places(client, kayseri):
    response = client.get(reverse("standards:table", args=["kayseri"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="tr">' in page
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page)
    assert heads == [
        "Sıra No",
        "Hizmetin Adı",
        "Başvuruda İstenilen Belgeler",
        "Hizmetin Tamamlanma Süresi (En Geç)",
    ]
    rows = table_rows(page)
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert rows[0][1] == "4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları"
    assert rows[0][2].startswith("4982 sayılı yasa gereği elektronik ortamda")
    assert rows[0][3] == "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"
    assert rows[6] == [
        "7",
        "Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları",
        "1- Web sayfası, mobil uygulama, e-posta, sosyal medya kanalıyla gelen yazılı başvurular",
        "10 GÜN",
    ]
    for service in Service.objects.filter(institution=kayseri):
        assert f'id="hizmet-{service.pk}"' in page
    # The regulation's sentence, then the first and the second place with every detail the table gave.
    assert "ilk müracaat yerine ya da ikinci müracaat yerine başvurunuz." in page
    first, second = page.index("İlk Müracaat Yeri"), page.index("İkinci Müracaat Yeri")
    assert page.index("</table>") < first < second
    first_block, second_block = page[first:second], page[second:]
    for text in (
        "Halkla İlişkiler Müdürlüğü",
        "Oğuz BAYHAN",
        "Mustafa Kemal Paşa Bul. No:15 K.Sinan /Kayseri",
        "0 352 666 38 02",
        "obayhan@kayseri.bel.tr",
    ):
        assert text in first_block, text
    for text in ("Fatih ÇAĞAN", "Halkla İlişkiler Şube Müdürü", "fcagan@kayseri.bel.tr"):
        assert text in second_block, text
    assert "Oğuz BAYHAN" not in second_block
    # Linked from the public form and from the footer of every citizen page of the institution.
    form = client.get(reverse("public:form", args=["kayseri"])).content.decode()
    assert f'href="{reverse("standards:table", args=["kayseri"])}' in form


def test_the_police_table_shows_its_rows_and_places_with_fax_and_no_kades_incident(client, police):
    haber_merkezi = Unit.objects.create(institution=police, name="Haber Merkezi")
    kades = Category.objects.create(institution=police, name="KADES", unit=haber_merkezi, public=False)
    services.open_case(
        institution=police, channel=Channel.KADES, subject="KADES ihbarı: Zeynep Arslan", category=kades
    )

    page = client.get(reverse("standards:table", args=[police.slug])).content.decode()

    rows = table_rows(page)
    assert [row[1] for row in rows][:4] == [
        "155 POLİS İMDAT İHBAR HATTI",
        "eskisehir155@egm.gov.tr Elektronik Posta Hizmeti",
        "SMS",
        "KADES",
    ]
    assert "10 dakika içinde ilgili yerlere ulaştırır" in rows[0][3]
    for text in (
        "Murat DAĞ",
        "Şube Müdürü",
        "Kamuran TURAN",
        "İl Emniyet Müdür Yardımcısı",
        "(222) 230 64 20",
    ):
        assert text in page, text
    assert "Zeynep" not in page and "ihbarı" not in page


def test_the_list_offers_institutions_with_a_table_and_never_an_external_body(client, kayseri, police):
    external = Institution.objects.create(slug="bedas", name="BEDAŞ", kind=Institution.Kind.EXTERNAL)
    Service.objects.create(institution=external, name="Arıza", completion_time="1 GÜN")
    Institution.objects.create(slug="tablosuz", name="Tablosuz Belediye", kind=Institution.Kind.DISTRICT)

    page = client.get(reverse("standards:index")).content.decode()

    assert "Kayseri Büyükşehir Belediyesi" in page and "Eskişehir İl Emniyet Müdürlüğü" in page
    assert "7 hizmet" in page
    assert "BEDAŞ" not in page and "Tablosuz" not in page
    assert client.get(reverse("standards:table", args=["bedas"])).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/standartlar/yok/",
        "/standartlar/%2e%2e%2f%2e%2e%2fetc/",
        "/standartlar/kayseri%00/",
        "/standartlar/kayseri'%20OR%201=1--/",
        "/standartlar/" + "a" * 5000 + "/",
        "/standartlar/%F0%9F%92%A5/",
        "/standartlar/yok/sure/?konu=1",
    ],
)
def test_an_unknown_or_hostile_slug_is_not_found_never_an_error(client, kayseri, path):
    assert client.get(path).status_code in (400, 404)  # a NUL is refused before any view


def test_the_sms_short_link_leads_to_the_table(client, kayseri):
    response = client.get(f"/hs/{kayseri.pk}")
    assert response.status_code == 302 and response["Location"] == "/standartlar/kayseri/"
    assert client.get("/hs/999999").status_code == 404
    assert client.get("/hs/" + "9" * 30).status_code == 404


def test_a_long_table_comes_in_bounded_pages_and_a_row_opens_its_page(
    client, institution, places, django_assert_max_num_queries
):
    for number in range(1, 231):
        Service.objects.create(
            institution=institution,
            number=number,
            name=f"Hizmet {number:03d}",
            completion_time="15 GÜN",
            first_application_place=places[0],
            second_application_place=places[1],
        )
    url = reverse("standards:table", args=[institution.slug])

    with django_assert_max_num_queries(12):
        first = client.get(url).content.decode()
    third = client.get(url, {"sayfa": "3"}).content.decode()
    wanted = Service.objects.get(institution=institution, number=150)
    second = client.get(url, {"hizmet": str(wanted.pk)}).content.decode()

    assert [row[0] for row in table_rows(first)] == [str(n) for n in range(1, 101)]
    assert [row[0] for row in table_rows(third)] == [str(n) for n in range(201, 231)]
    assert table_rows(second)[0][0] == "101" and f'id="hizmet-{wanted.pk}"' in second
    assert "230 satırın 1–100 arası" in first and 'rel="next"' in first and 'rel="prev"' not in first
    # Each page still ends with the places.
    assert "Ayşe Yılmaz" in third and "Mehmet Demir" in third
    for junk in ("abc", "-1", "0", "999", "1" * 40, "²", "1²", "٣"):  # "²".isdigit(), int("²") fails
        response = client.get(url, {"sayfa": junk, "hizmet": junk})
        assert response.status_code == 200, junk


# --- the form's hint


def test_the_hint_gives_the_deadline_the_case_gets_when_sent_at_that_moment(client, clock, category, service):
    answer = hint(client, category.institution, str(category.pk))

    body = answer.json()
    assert answer.status_code == 200 and "no-cache" in answer["Cache-Control"]
    assert body["ok"] is True and body["service"] == "Yol bakım ve onarım talepleri"
    assert body["standard"] == "15 iş günü" and body["due"] == "24.08.2026"
    assert (
        body["text"] == "Hizmet standardı: 15 iş günü. Başvurunuzu şimdi gönderirseniz son tarih: 24.08.2026."
    )
    assert body["url"] == f"/standartlar/esenler/?hizmet={service.pk}#hizmet-{service.pk}"

    response = client.post(
        reverse("public:form", args=["esenler"]),
        {
            "kind": Kind.REQUEST,
            "category": category.pk,
            "subject": "Yolda çukur",
            "text": "Okulun önünde büyük bir çukur var.",
            "phone": "0532 123 45 67",
            "kvkk": "on",
        },
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.received_at == MONDAY
    assert timezone.localtime(case.due_at).isoformat() == body["due_at"]


def test_an_information_request_runs_through_administrative_leave_in_the_hint_as_in_its_case(
    client, clock, category
):
    # Wednesday 5 August 2026 is administrative leave: the institution's own standard skips it, the period of
    # Law 4982 runs through it (kentmasa.cases.clock.is_statutory).
    ClosedDay.objects.create(institution=category.institution, date=dt.date(2026, 8, 5), reason="Köprü günü")

    request = hint(client, category.institution, str(category.pk), tur=Kind.REQUEST).json()
    information = hint(client, category.institution, str(category.pk), tur=Kind.INFORMATION_REQUEST).json()

    assert (request["due"], information["due"]) == ("25.08.2026", "24.08.2026")
    response = client.post(
        reverse("public:form", args=["esenler"]),
        {
            "kind": Kind.INFORMATION_REQUEST,
            "category": category.pk,
            "subject": "Yol harcamaları",
            "text": "2025 yılında mahallemizdeki yol harcamalarını öğrenmek istiyorum.",
            "name": "Ayşe Kaya",
            "tc_kimlik": "10000000146",
            "phone": "0532 123 45 67",
            "kvkk": "on",
        },
    )
    assert response.status_code == 302
    assert timezone.localtime(Case.objects.get().due_at).isoformat() == information["due_at"]


def test_the_hint_follows_the_real_calendar_bayram_and_half_day(client, clock, category):
    # Tuesday 26 May 2026 is the arife of Kurban Bayramı (a half day), 27–30 May the bayram: a 3 working day
    # standard asked on the arife runs Monday 1, Tuesday 2 and Wednesday 3 June.
    service = category.service
    service.completion_time = "3 İŞ GÜNÜ"
    service.save()
    clock.now = dt.datetime(2026, 5, 26, 9, 0, tzinfo=dt.UTC)

    body = hint(client, category.institution, str(category.pk)).json()

    assert body["due"] == "03.06.2026"
    assert body["due_at"] == "2026-06-03T17:30:00+03:00"


def test_a_standard_in_minutes_is_given_with_its_time(client, clock, police):
    emergency = Category.objects.create(
        institution=police, name="İhbar", service=Service.objects.get(institution=police, number=1)
    )

    body = hint(client, police, str(emergency.pk)).json()

    assert body["forwarding"] is True and body["standard"] == "10 dakika"
    assert body["due"] == "03.08.2026 13:25"  # 10:15 UTC is 13:15 in Istanbul
    assert body["text"] == (
        "Hizmet standardı: 10 dakika içinde ilgili birime ulaştırılır. Şimdi gönderirseniz son tarih: "
        "03.08.2026 13:25."
    )


def test_without_topics_the_hint_gives_the_web_channel_s_row(client, clock, kayseri):
    body = hint(client, kayseri).json()

    assert body["service"] == "Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları"
    assert body["standard"] == "10 gün" and body["due"] == "13.08.2026"


def test_bad_input_to_the_hint_gets_a_turkish_400_and_never_an_error(client, category, other_institution):
    hidden = Category.objects.create(institution=category.institution, name="KADES", public=False)
    foreign = Category.objects.create(institution=other_institution, name="Kayseri konusu")
    for konu in ("abc", "-1", "1.5", "9" * 40, str(hidden.pk), str(foreign.pk), "٣", "1 OR 1=1", "²", "1²"):
        response = hint(client, category.institution, konu)
        assert response.status_code == 400, konu
        assert response.json() == {"ok": False, "message": "Listeden bir konu seçin."}
    for tur in ("petition", "kades", "x" * 500):
        response = hint(client, category.institution, str(category.pk), tur=tur)
        assert response.status_code == 400
        assert response.json()["message"] == "Listeden bir başvuru türü seçin."
    missing = client.get(reverse("standards:hint", args=["yok"]), {"konu": "1"})
    assert missing.status_code == 404 and missing.json()["ok"] is False
    assert client.post(reverse("standards:hint", args=["esenler"])).status_code == 405


def test_the_hint_is_rate_limited_per_address(client, settings, category):
    settings.KENTMASA_STANDARD_HINT_RATE = "3/m"
    answers = [hint(client, category.institution, str(category.pk)) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3]["Retry-After"] == "60"
    assert answers[3].json()["message"] == "Bağlantınızdan çok fazla istek geldi. Lütfen bir dakika bekleyin."


def test_without_script_a_form_sent_back_shows_the_hint_of_its_topic(client, clock, category):
    response = client.post(reverse("public:form", args=["esenler"]), {"category": category.pk, "kvkk": "on"})

    page = response.content.decode()
    assert response.status_code == 200 and not Case.objects.exists()
    assert "Başvurunuzu şimdi gönderirseniz son tarih: 24.08.2026." in page
    assert 'data-url="/standartlar/esenler/sure/"' in page


def test_a_superscript_topic_posted_to_the_form_is_a_form_error_never_a_500(client, category):
    """ "²".isdigit() is True but int("²") fails: the form, sent back with its error, and the no-script
    "send code" button (which copies the topic into the form it shows again) both answer, nothing is saved."""
    for topic in ("²", "1²", "³³"):
        response = client.post(
            reverse("public:form", args=["esenler"]),
            {"category": topic, "subject": "Çukur", "text": "Kaldırımda çukur var.", "kvkk": "on"},
        )
        assert response.status_code in (200, 400), topic
        assert "category" in response.context["form"].errors
        sent_back = client.post(
            reverse("public:phone_code", args=["esenler"]), {"category": topic, "phone": "0532 123 45 67"}
        )
        assert sent_back.status_code in (200, 400, 429), topic
        assert "Başvurunuzu şimdi gönderirseniz" not in sent_back.content.decode()
    assert not Case.objects.exists()


# --- the receipt, the tracking page, the desk receipt and the SMS


def applied(client, category, phone="0532 123 45 67") -> Case:
    client.post(
        reverse("public:form", args=[category.institution.slug]),
        {
            "kind": Kind.COMPLAINT,
            "category": category.pk,
            "subject": "Kaldırımda çukur",
            "text": "Okul önündeki kaldırımda büyük bir çukur var.",
            "phone": phone,
            "kvkk": "on",
        },
    )
    return Case.objects.get()


def tracked(client, case: Case) -> str:
    """The tracking page, looked up with the number and code as the citizen does (weeks after applying the
    session that applied has long expired)."""
    response = client.post(
        reverse("public:track"), {"number": case.tracking_number, "code": case.verification_code}
    )
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_the_receipt_gives_the_deadline_and_where_to_go(client, clock, category):
    case = applied(client, category)

    page = client.get(reverse("public:receipt")).content.decode()

    assert 'id="receipt-deadline">24.08.2026 (hizmet standardı: 15 iş günü)' in page
    places = re.search(r'<ul id="case-standard-places">(.*?)</ul>', page, re.S)
    assert places is not None
    items = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li>(.*?)</li>", places[1], re.S)
    ]
    assert items == [
        "İlk Müracaat Yeri: Ayşe Yılmaz, Fen İşleri Müdürü, 0212 440 11 90",
        "İkinci Müracaat Yeri: Mehmet Demir, Belediye Başkan Yardımcısı, 0212 440 11 91",
    ]
    assert f"/standartlar/esenler/?hizmet={case.service_id}#hizmet-{case.service_id}" in page


def test_tracking_shows_the_places_in_full_only_once_the_deadline_has_passed(client, clock, category, places):
    first, _second = places
    first.address, first.email = "Menderes Mah. Atışalanı Cad. No:6 Esenler", "a.yilmaz@esenler.bel.tr"
    first.save()
    case = applied(client, category)
    assert case.due_at is not None

    clock.now = case.due_at  # the last moment of the standard
    before = tracked(client, case)
    clock.now = case.due_at + dt.timedelta(minutes=1)
    after = tracked(client, case)

    assert 'id="track-deadline">24.08.2026<' in before
    assert 'data-missed="false"' in before and 'href="/standartlar/esenler/?hizmet=' in before
    assert "Menderes Mah. Atışalanı" not in before and "a.yilmaz@esenler.bel.tr" not in before
    assert 'data-missed="true"' in after
    assert "Hizmet standardındaki süre aşıldı" in after
    for text in (
        "Ayşe Yılmaz",
        "Fen İşleri Müdürü",
        "Menderes Mah. Atışalanı Cad. No:6 Esenler",
        "0212 440 11 90",
        "a.yilmaz@esenler.bel.tr",
        "Mehmet Demir",
        "0212 440 11 91",
    ):
        assert text in after, text


def test_a_case_answered_in_time_never_shows_the_places(client, clock, category, road_staff):
    case = applied(client, category)
    services.resolve(case, actor=road_staff, resolution="Kapatıldı.")
    assert case.due_at is not None
    clock.now = case.due_at + dt.timedelta(days=30)

    page = tracked(client, case)

    assert 'data-missed="false"' in page and "Hizmet standardındaki süre aşıldı" not in page


class RecordingSender:
    channel = "sms"

    def can_reach(self, message):
        return True

    def send(self, message):  # pragma: no cover - the messages are only made here
        raise AssertionError("not sent in these tests")


OLD_OPEN_SMS = (
    "{{ institution }}: Başvurunuz alındı. Takip no: {{ tracking_number }}, doğrulama kodu: "
    "{{ case.verification_code }}.{% if due %} Son tarih: {{ due }}.{% endif %} {{ track_url }}"
)


@pytest.mark.parametrize("slug", ["esenler", "adana-buyuksehir-belediyesi"])
def test_the_acknowledgement_sms_gives_the_deadline_and_a_link_not_the_places(
    settings, clock, category, slug
):
    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.RecordingSender"}
    institution = category.institution
    institution.slug = slug
    institution.save()
    citizen = find_or_create_citizen(institution, name="Ayşe Kaya", phone="+905321234567")
    case = services.open_case(
        institution=institution, channel=Channel.PHONE, subject="Çukur", citizen=citizen, category=category
    )

    message = replies.make_reply(case, case.events.get(action="open"))

    assert message is not None and message.channel == "sms"
    assert "Son tarih: 24.08.2026. " in message.body
    assert f"Süre aşılırsa: https://basvuru.kentmasa.gov.tr/hs/{institution.pk} KVKK: " in message.body
    assert "Ayşe Yılmaz" not in message.body and "0212 440 11 90" not in message.body
    # What it cost before the links: the same message with the time in the deadline and no link. The
    # standard's link may add a part, and the privacy notice's link (KVKK m.10: told at collection) another.
    from kentmasa.channels import templates

    before = templates.render(
        OLD_OPEN_SMS,
        {**replies.context_for(case, case.events.get(action="open")), "due": "24.08.2026 17:30"},
    )
    for turkish_shift in (True, False):
        _, parts_before = segments(before, turkish_shift=turkish_shift)
        _, parts_now = segments(message.body, turkish_shift=turkish_shift)
        assert parts_now <= parts_before + 2, (turkish_shift, parts_before, parts_now)


def test_a_kades_case_gets_no_sms_and_is_never_on_tracking(settings, client, police):
    settings.KENTMASA_SENDERS = {"sms": f"{__name__}.RecordingSender"}
    citizen = find_or_create_citizen(police, name="Zeynep Arslan", phone="+905551112233")
    case = services.open_case(
        institution=police,
        channel=Channel.KADES,
        subject="KADES",
        citizen=citizen,
        service=Service.objects.get(institution=police, number=4),
    )

    assert replies.make_reply(case, case.events.get(action="open")) is None
    assert not Message.objects.filter(direction="out").exists()
    response = client.post(
        reverse("public:track"), {"number": case.tracking_number, "code": case.verification_code}
    )
    assert response.status_code == 200 and "Zeynep" not in response.content.decode()


def test_deadline_text_is_written_as_turks_write_it():
    due = dt.datetime(2026, 12, 5, 14, 30, tzinfo=dt.UTC)
    from kentmasa.deadlines import TimeUnit

    assert standards.deadline_text(due, TimeUnit.BUSINESS_DAYS) == "05.12.2026"
    assert standards.deadline_text(due, TimeUnit.DAYS) == "05.12.2026"
    assert standards.deadline_text(due, TimeUnit.HOURS) == "05.12.2026 17:30"
    assert standards.deadline_text(due, TimeUnit.MINUTES) == "05.12.2026 17:30"
    assert standards.deadline_text(due, None) == "05.12.2026 17:30"
    assert standards.deadline_text(None, TimeUnit.DAYS) == ""


def test_a_topic_without_a_standard_says_so_and_links_the_table(client, clock, institution, roads):
    topic = Category.objects.create(institution=institution, name="Genel", unit=roads)

    body = hint(client, institution, str(topic.pk)).json()

    assert body["service"] == "" and body["due"] == "" and body["due_at"] is None
    assert body["text"].startswith("Bu konu için hizmet standartları tablosunda bir tamamlanma süresi yok")
    assert body["url"] == "/standartlar/esenler/"
    assert standards.places_of(None) == []
