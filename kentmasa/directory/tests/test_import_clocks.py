"""The standards importer reads each row's clock from its completion time and proposes its channels from its
name, on the real tables of seeds 000, 001 and 002; it never overwrites what the administrator set, and the
data migration does the same for services that existed before."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import Institution, Service

from . import ESENLER, KAYSERI, POLICE, seed_path, seed_text

pytestmark = pytest.mark.django_db

FORWARDING, COMPLETION = Service.Clock.FORWARDING, Service.Clock.COMPLETION


def rows(institution: Institution) -> list:
    return list(
        Service.objects.filter(institution=institution)
        .order_by("number")
        .values_list("number", "clock", "channels")
    )


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet", name="Eskişehir İl Emniyet Müdürlüğü", kind=Institution.Kind.POLICE
    )


@pytest.fixture
def kayseri(other_institution):
    return other_institution


def test_seed_000_the_155_sms_e_mail_and_kades_rows_time_forwarding(police):
    result = import_standards(police, seed_text(POLICE))

    assert result.ok
    assert rows(police) == [
        (1, FORWARDING, ["phone"]),  # "10 dakika içinde ilgili yerlere ulaştırır"
        (2, FORWARDING, ["email"]),  # "ilgili birime ulaştırılır": the institution's forwarding minutes
        (3, FORWARDING, ["sms"]),
        (4, FORWARDING, ["kades"]),  # "anlık olarak Haber Merkezine bildirilmekte"
        (5, COMPLETION, []),  # camera recordings "silinmektedir": a retention period
    ]
    assert [line for line in result.report_lines() if line.startswith(("1.", "3.", "5."))] == [
        "1. “155 POLİS İMDAT İHBAR HATTI”: ilgili birime ulaştırma süresi; kanal: Telefon önerildi.",
        "3. “SMS”: ilgili birime ulaştırma süresi; kanal: SMS önerildi.",
        "5. “KGYS (Kent Güvenlik Yönetim Sistemi)-PTS”: tamamlanma süresi.",
    ]


def test_seed_001_every_esenler_row_times_completion(institution):
    import_standards(institution, seed_text(ESENLER))

    assert rows(institution) == [
        (1, COMPLETION, ["cimer"]),
        (2, COMPLETION, ["bimer"]),
        (3, COMPLETION, []),
        (4, COMPLETION, ["desk"]),
        (5, COMPLETION, ["phone"]),
        (6, COMPLETION, []),
        (7, COMPLETION, []),
        (8, COMPLETION, ["field"]),
        (9, COMPLETION, []),
    ]


def test_seed_002_kayseri_rows_stand_for_their_channels(kayseri):
    import_standards(kayseri, seed_text(KAYSERI))

    assert rows(kayseri) == [
        (1, COMPLETION, []),
        (2, COMPLETION, ["cimer"]),
        (3, COMPLETION, ["acik_kapi"]),
        (4, COMPLETION, ["desk"]),
        (5, COMPLETION, ["mobile_desk"]),
        (6, COMPLETION, ["phone"]),
        (7, COMPLETION, ["web", "mobile", "email", "social"]),
    ]


def test_a_second_import_leaves_what_the_administrator_chose_and_says_so(police):
    import_standards(police, seed_text(POLICE))
    # The administrator decides SMS are timed to completion and takes the e-mail row's channel away.
    Service.objects.filter(institution=police, number=3).update(clock=COMPLETION, channels=[])
    Service.objects.filter(institution=police, number=2).update(channels=["email", "web"])

    result = import_standards(police, seed_text(POLICE))

    assert result.services.unchanged == 5
    assert rows(police)[1:3] == [(2, FORWARDING, ["email", "web"]), (3, COMPLETION, [])]
    lines = result.report_lines()
    assert (
        "3. “SMS”: tabloya göre ilgili birime ulaştırma süresi, kanal: SMS; kayıtlı ayara dokunulmadı "
        "(tamamlanma süresi, kanal yok)."
    ) in lines
    assert (
        "2. “eskisehir155@egm.gov.tr Elektronik Posta Hizmeti”: tabloya göre ilgili birime ulaştırma süresi, "
        "kanal: E-posta; kayıtlı ayara dokunulmadı (ilgili birime ulaştırma süresi, kanallar: E-posta, "
        "Web formu)."
    ) in lines
    assert (
        "1. “155 POLİS İMDAT İHBAR HATTI”: tabloya göre ilgili birime ulaştırma süresi, kanal: Telefon; "
        "kayıtlı ayarla aynı." in lines
    )
    assert "Okunan süre türlerini ve önerilen kanalları yönetim panelinden denetleyin." not in lines


def test_a_channel_another_row_already_has_is_not_proposed_to_a_new_row(kayseri):
    Service.objects.create(
        institution=kayseri, name="Eski CİMER satırı", completion_time="30 Gün", channels=["cimer"]
    )

    result = import_standards(kayseri, seed_text(KAYSERI))

    assert Service.objects.get(institution=kayseri, number=2).channels == []
    assert result.unproposed == ["cimer"]
    assert "2. “CİMER Başvuruları”: tamamlanma süresi." in result.report_lines()
    assert (
        "Önerilmeyen kanallar: CİMER (tabloda birden fazla satır adlandırıyor ya da kurumun başka bir "
        "satırında kayıtlı); yönetim panelinden seçin."
    ) in result.report_lines()


def test_a_channel_two_rows_of_the_table_name_is_left_to_the_administrator(police):
    text = seed_text(POLICE).replace("\n4\tKADES\t", "\n4\tSMS ve KADES\t")  # row 4 names SMS as well
    assert "SMS ve KADES" in text

    result = import_standards(police, text)

    assert result.ok, result.problems
    assert rows(police)[2:4] == [(3, FORWARDING, []), (4, FORWARDING, ["kades"])]
    assert result.unproposed == ["sms"]


def test_the_command_prints_each_row_s_clock_and_channels(police):
    out = StringIO()
    call_command(
        "import_standards", str(seed_path(POLICE)), "--institution", police.slug, "--dry-run", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Eskişehir İl Emniyet Müdürlüğü: Deneme, hiçbir şey kaydedilmedi: 5 hizmet")
    assert lines[1:6] == [
        "1. “155 POLİS İMDAT İHBAR HATTI”: ilgili birime ulaştırma süresi; kanal: Telefon önerilecekti.",
        "2. “eskisehir155@egm.gov.tr Elektronik Posta Hizmeti”: ilgili birime ulaştırma süresi; "
        "kanal: E-posta önerilecekti.",
        "3. “SMS”: ilgili birime ulaştırma süresi; kanal: SMS önerilecekti.",
        "4. “KADES”: ilgili birime ulaştırma süresi; kanal: KADES önerilecekti.",
        "5. “KGYS (Kent Güvenlik Yönetim Sistemi)-PTS”: tamamlanma süresi.",
    ]
    assert not Service.objects.exists()


# -- the data migration for services that existed before --------------------------------------------------


def _migration():
    return importlib.import_module("kentmasa.directory.migrations.0007_service_clocks_and_channels")


def test_the_data_migration_gives_existing_services_their_clocks_and_channels_once(police, kayseri):
    import_standards(police, seed_text(POLICE))
    import_standards(kayseri, seed_text(KAYSERI))
    # As a database from before the two clocks: every row on the defaults.
    Service.objects.update(clock=COMPLETION, channels=[])
    # …except Kayseri, whose administrator already chose a channel: its rows keep theirs.
    Service.objects.filter(institution=kayseri, number=4).update(channels=["desk", "phone"])

    _migration().set_clocks_and_channels(apps, None)

    assert rows(police) == [
        (1, FORWARDING, ["phone"]),
        (2, FORWARDING, ["email"]),
        (3, FORWARDING, ["sms"]),
        (4, FORWARDING, ["kades"]),
        (5, COMPLETION, []),
    ]
    assert [channels for _, _, channels in rows(kayseri)] == [[], [], [], ["desk", "phone"], [], [], []]

    before = rows(police) + rows(kayseri)
    _migration().set_clocks_and_channels(apps, None)
    assert rows(police) + rows(kayseri) == before
