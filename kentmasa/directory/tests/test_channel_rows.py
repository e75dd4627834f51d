"""Rows of a standards table that stand for channels: what their names propose, which row a case takes on
the real tables of seeds 000 (Eskişehir police: 155, e-mail, SMS, KADES) and 002 (Kayseri: CİMER 15 days,
Beyaz Masa 10 days…), and the administrator's form, which lets a channel stand for one row only."""

import pytest
from django.urls import reverse

from kentmasa.directory import channel_rows
from kentmasa.directory.channel_rows import pick, proposals_for_table, propose_channels, service_for
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import Institution, Service
from kentmasa.directory.standards_table import read_standards_table

from . import ESENLER, KAYSERI, POLICE, seed_text

# What each seed row's name proposes, as the importer reads the tables.
SEED_PROPOSALS = {
    POLICE: [
        ["phone"],  # 155 POLİS İMDAT İHBAR HATTI
        ["email"],  # eskisehir155@egm.gov.tr Elektronik Posta Hizmeti: the 155 of the address is no 155 line
        ["sms"],
        ["kades"],
        [],  # KGYS (Kent Güvenlik Yönetim Sistemi)-PTS
    ],
    ESENLER: [
        ["cimer"],  # Cumhurbaşkanlığı İletişim Merkezi (CİMER)
        ["bimer"],  # Başbakanlık İletişim Merkezi (BİMER)
        [],  # Halkla İlişkiler - ESTİM (Bilgi Edinme)
        ["desk"],  # … (Çözüm Masası)
        ["phone"],  # … (Çağrı Merkezi)
        [],  # … (Danışma)
        [],  # … (İkram Noktası)
        ["field"],  # … (Saha Çalışmaları)
        [],  # … (Mobil İletişim): not the mobile app
    ],
    KAYSERI: [
        [],  # 4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları
        ["cimer"],
        ["acik_kapi"],
        ["desk"],  # Beyaz Masa
        ["mobile_desk"],  # Beyaz Masa Mobil: the mobile desk, not the desk too
        ["phone"],  # ALO 153 Kayseri İletişim Merkezi
        [
            "web",
            "mobile",
            "email",
            "social",
        ],  # Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları
    ],
}


@pytest.mark.parametrize("seed", sorted(SEED_PROPOSALS))
def test_the_names_of_the_seed_rows_propose_their_channels(seed):
    rows = read_standards_table(seed_text(seed)).rows

    assert [propose_channels(row.name) for row in rows] == SEED_PROPOSALS[seed]


@pytest.mark.parametrize(
    ("name", "channels"),
    [
        ("Alo 153 Çağrı Merkezi", ["phone"]),
        ("ÇAĞRI MERKEZİ", ["phone"]),
        ("cagri merkezi", ["phone"]),
        ("Elektronik posta ile başvurular", ["email"]),
        ("SMS ve WhatsApp hattı", ["sms", "whatsapp"]),
        ("KADES Başvuruları", ["kades"]),
        ("Açık Kapı", ["acik_kapi"]),
        ("AÇIK KAPI", ["acik_kapi"]),
        ("Çözüm Masası", ["desk"]),
        ("Beyaz Masa Mobil", ["mobile_desk"]),
        ("Mobil Uygulamalar", ["mobile"]),
        ("Sosyal Medya", ["social"]),
        ("Saha Çalışmaları", ["field"]),
        # Whole words only: a longer word or an address that merely contains one is no channel.
        ("Smsler", []),
        ("eskisehir155@egm.gov.tr", []),
        ("Kadesli", []),
        ("1553 sayılı karar", []),
        ("Sahaf", []),
        ("İmar durum belgesi", []),
        ("", []),
    ],
)
def test_channel_words_are_read_folded_and_whole(name, channels):
    assert propose_channels(name) == channels


def test_a_channel_two_rows_name_is_proposed_for_neither():
    proposals, ambiguous = proposals_for_table(["Alo 153", "155 İhbar Hattı", "E-posta", "Bilgi edinme"])

    assert proposals == {"E-posta": ["email"]}
    assert ambiguous == {"phone"}


def test_a_channel_a_row_already_has_is_not_proposed_again():
    proposals, ambiguous = proposals_for_table(["SMS", "E-posta"], taken={"sms"})

    assert proposals == {"E-posta": ["email"]}
    assert ambiguous == {"sms"}


def test_every_proposed_channel_is_a_channel_cases_can_come_by(db):
    assert {value for value, _label in channel_rows.channel_choices()} >= channel_rows.CHANNELS


# -- which row a case takes ----------------------------------------------------------------------------------


def _imported(slug: str, seed: str, kind: str) -> Institution:
    institution = Institution.objects.create(slug=slug, name=slug.title(), kind=kind)
    result = import_standards(institution, seed_text(seed))
    assert result.ok, result.problems
    return institution


def _row(institution: Institution, number: int) -> Service:
    return Service.objects.get(institution=institution, number=number)


@pytest.fixture
def police(db):
    return _imported("eskisehir-emniyet", POLICE, Institution.Kind.POLICE)


@pytest.fixture
def kayseri(db):
    return _imported("kayseri-bb", KAYSERI, Institution.Kind.METROPOLITAN)


def test_seed_000_a_police_call_takes_the_row_of_its_channel(police):
    call_row, email_row, sms_row, kades_row, footage_row = (_row(police, n) for n in range(1, 6))
    assert (call_row.channels, email_row.channels, sms_row.channels, kades_row.channels) == (
        ["phone"],
        ["email"],
        ["sms"],
        ["kades"],
    )
    # A category of the 155 line ("Kavga / darp ihbarı"), reported by each channel.
    assert service_for(police, "phone", call_row) == call_row
    assert service_for(police, "sms", call_row) == sms_row
    assert service_for(police, "email", call_row) == email_row
    assert service_for(police, "kades", call_row) == kades_row
    # A channel no row stands for keeps the category's row; no category: the channel's row, if any.
    assert service_for(police, "whatsapp", call_row) == call_row
    assert service_for(police, "sms", None) == sms_row
    assert service_for(police, "web", None) is None
    # Camera footage requests are a topic row: whatever the channel, they keep it.
    assert footage_row.channels == []
    assert service_for(police, "phone", footage_row) == footage_row


def test_seed_002_cimer_takes_15_days_where_beyaz_masa_takes_10(kayseri):
    cimer, acik_kapi, beyaz_masa = _row(kayseri, 2), _row(kayseri, 3), _row(kayseri, 4)
    assert (cimer.completion_time, beyaz_masa.completion_time) == ("15 GÜN", "10 GÜN")
    web_row, call_centre = _row(kayseri, 7), _row(kayseri, 6)

    # A park complaint (its category points at the Beyaz Masa row) brought by each way in.
    assert service_for(kayseri, "desk", beyaz_masa) == beyaz_masa
    assert service_for(kayseri, "cimer", beyaz_masa) == cimer
    assert service_for(kayseri, "acik_kapi", beyaz_masa) == acik_kapi
    assert service_for(kayseri, "phone", beyaz_masa) == call_centre
    assert service_for(kayseri, "email", beyaz_masa) == web_row
    assert service_for(kayseri, "mobile", beyaz_masa) == web_row
    assert service_for(kayseri, "mobile_desk", beyaz_masa) == _row(kayseri, 5)


def test_a_specific_topic_row_beats_the_channel_row(kayseri):
    information = _row(kayseri, 1)  # 4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları: 15 iş günü
    assert information.channels == []

    assert service_for(kayseri, "cimer", information) == information
    assert service_for(kayseri, "email", information) == information


def test_the_category_s_row_decides_alone_without_a_query(kayseri, django_assert_num_queries):
    information, cimer, beyaz_masa = _row(kayseri, 1), _row(kayseri, 2), _row(kayseri, 4)

    with django_assert_num_queries(0):
        assert service_for(kayseri, "cimer", information) == information  # a topic row
        assert service_for(kayseri, "desk", beyaz_masa) == beyaz_masa  # this channel's own row
    with django_assert_num_queries(1):
        assert service_for(kayseri, "cimer", beyaz_masa) == cimer


def test_an_institution_without_channel_rows_keeps_the_category_s_service(service, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert service_for(service.institution, "cimer", service) == service
    with django_assert_num_queries(1):
        assert service_for(service.institution, "cimer", None) is None


def test_pick_reads_a_stored_value_that_is_not_a_list_as_no_channels():
    topic = Service(name="Konu", channels={"phone": True})
    row = Service(name="SMS", channels=["sms"])

    assert pick(topic, "sms", [row]) == topic  # not a list: a topic row
    assert pick(None, "sms", [Service(name="Bozuk", channels="sms"), row]) == row


# -- the administrator ---------------------------------------------------------------------------------------


def _form_data(service: Service, **changes) -> dict:
    data = {
        "institution": service.institution_id,
        "unit": service.unit_id or "",
        "number": service.number or "",
        "name": service.name,
        "documents": service.documents,
        "completion_time": service.completion_time,
        "clock": service.clock,
        "channels": service.channels,
        "first_application_place": service.first_application_place_id or "",
        "second_application_place": service.second_application_place_id or "",
        "idle_warning_percent": "",
    }
    data.update(changes)
    return data


def test_the_service_list_shows_each_row_s_clock_and_channels(admin_client, police):
    page = admin_client.get(reverse("admin:directory_service_changelist")).text

    assert "İlgili birime ulaştırma" in page  # the 155, e-mail, SMS and KADES rows
    assert "Tamamlanma" in page  # the camera footage row
    for label in ("Telefon", "SMS", "E-posta", "KADES"):
        assert f'<td class="field-channel_names">{label}</td>' in page


def test_the_administrator_ticks_the_channels_of_a_row(admin_client, kayseri):
    information = _row(kayseri, 1)
    url = reverse("admin:directory_service_change", args=[information.pk])
    page = admin_client.get(url).text
    assert 'type="checkbox" name="channels" value="bimer"' in page

    response = admin_client.post(
        url, _form_data(information, channels=["bimer", "open311"], clock="forwarding")
    )

    assert response.status_code == 302
    information.refresh_from_db()
    assert information.channels == ["bimer", "open311"]
    assert information.clock == Service.Clock.FORWARDING


def test_the_administrator_cannot_give_a_channel_to_a_second_row(admin_client, kayseri):
    beyaz_masa, cimer = _row(kayseri, 4), _row(kayseri, 2)
    url = reverse("admin:directory_service_change", args=[beyaz_masa.pk])

    response = admin_client.post(url, _form_data(beyaz_masa, channels=["desk", "cimer"]))

    assert response.status_code == 200
    assert (
        "Bir kanal kurumun yalnızca bir satırına bağlanabilir: CİMER zaten “CİMER Başvuruları” satırında"
        in (response.text)
    )
    beyaz_masa.refresh_from_db()
    assert beyaz_masa.channels == ["desk"]
    # The same channel on a row of another institution is no conflict, nor is a row keeping its own.
    assert admin_client.post(url, _form_data(beyaz_masa, channels=["desk"])).status_code == 302
    other = _imported("esenler", ESENLER, Institution.Kind.DISTRICT)
    assert _row(other, 1).channels == ["cimer"]
    cimer.refresh_from_db()
    assert cimer.channels == ["cimer"]


def test_the_administrator_sets_the_institution_s_forwarding_minutes(admin_client, police):
    page = admin_client.get(reverse("admin:directory_institution_change", args=[police.pk])).text

    assert 'name="forwarding_minutes" value="60"' in page
    assert 'name="immediate_minutes" value="5"' in page
