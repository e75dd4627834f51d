"""The administrator imports an institution's service standards table from the command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import ApplicationPlace, Institution, Service

from . import ESENLER, KAYSERI, POLICE, seed_path, seed_text

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_standards", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def kayseri(other_institution):
    return other_institution


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet",
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )


def broken_copy(tmp_path, number: str, old: str, new: str):
    text = seed_text(number)
    assert old in text
    path = tmp_path / "tablo.txt"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_kayseri_imports_its_seven_services_and_two_application_places(kayseri):
    out, err = run(str(seed_path(KAYSERI)), "--institution", "kayseri")

    assert err == ""
    assert out.splitlines() == [
        "Kayseri Büyükşehir Belediyesi: 7 hizmet içe aktarıldı (7 yeni, 0 güncellendi, 0 değişmedi); "
        "2 müracaat yeri (2 yeni, 0 güncellendi, 0 değişmedi).",
        # Each row's clock and the channels proposed from its name (kentmasa.directory.channel_rows).
        "1. “4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları”: tamamlanma süresi.",
        "2. “CİMER Başvuruları”: tamamlanma süresi; kanal: CİMER önerildi.",
        "3. “Açık Kapı Başvuruları”: tamamlanma süresi; kanal: Açık Kapı önerildi.",
        "4. “Beyaz Masa”: tamamlanma süresi; kanal: Masa (yüz yüze) önerildi.",
        "5. “Beyaz Masa Mobil”: tamamlanma süresi; kanal: Mobil masa önerildi.",
        "6. “ALO 153 Kayseri İletişim Merkezi”: tamamlanma süresi; kanal: Telefon önerildi.",
        "7. “Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları”: tamamlanma süresi; "
        "kanallar: Web formu, Mobil uygulama, E-posta, Sosyal medya önerildi.",
        "Okunan süre türlerini ve önerilen kanalları yönetim panelinden denetleyin.",
    ]
    first_place = ApplicationPlace.objects.get(institution=kayseri, person_name="Oğuz BAYHAN")
    second_place = ApplicationPlace.objects.get(institution=kayseri, person_name="Fatih ÇAĞAN")
    assert (first_place.office, first_place.title, first_place.email) == (
        "Halkla İlişkiler Müdürlüğü",
        "",
        "obayhan@kayseri.bel.tr",
    )
    assert second_place.title == "Halkla İlişkiler Şube Müdürü"

    information = Service.objects.get(institution=kayseri, number=1)
    assert information.name == "4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları"
    assert information.completion_time == (
        "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"
    )
    assert information.standard.extended.describe_tr() == "30 iş günü"
    assert information.documents.startswith("4982 sayılı yasa gereği elektronik ortamda")
    assert information.first_application_place == first_place
    assert information.second_application_place == second_place
    assert list(Service.objects.filter(institution=kayseri).values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]


def test_every_seed_table_imports_without_hand_editing(police, institution, kayseri):
    for number, target, services in ((POLICE, police, 5), (ESENLER, institution, 9), (KAYSERI, kayseri, 7)):
        out, _ = run(str(seed_path(number)), "--institution", target.slug)

        assert f"{services} hizmet içe aktarıldı ({services} yeni, 0 güncellendi, 0 değişmedi)" in out
        assert Service.objects.filter(institution=target).count() == services
        assert ApplicationPlace.objects.filter(institution=target).count() == 2

    kades = Service.objects.get(institution=police, name="KADES")
    assert kades.standard.immediate
    refreshments = Service.objects.get(institution=institution, number=7)
    assert refreshments.completion_time == "10 D"
    assert refreshments.first_application_place.person_name == "Ercan ZENGİN"
    assert refreshments.second_application_place.person_name == "Aydın POLAT"


def test_importing_the_same_table_twice_changes_nothing(kayseri):
    run(str(seed_path(KAYSERI)), "--institution", "kayseri")
    before = list(Service.objects.order_by("pk").values())

    out, _ = run(str(seed_path(KAYSERI)), "--institution", "kayseri")

    assert (
        "7 hizmet içe aktarıldı (0 yeni, 0 güncellendi, 7 değişmedi); "
        "2 müracaat yeri (0 yeni, 0 güncellendi, 2 değişmedi)" in out
    )
    assert list(Service.objects.order_by("pk").values()) == before
    assert ApplicationPlace.objects.count() == 2


def test_a_changed_row_is_updated_in_place(kayseri, tmp_path):
    run(str(seed_path(KAYSERI)), "--institution", "kayseri")
    white_desk = Service.objects.get(institution=kayseri, name="Beyaz Masa")
    changed = broken_copy(
        tmp_path, KAYSERI, "3- İletişim bilgileri\t10 GÜN\n5", "3- İletişim bilgileri\t7 İŞ GÜNÜ\n5"
    )

    out, _ = run(str(changed), "--institution", "kayseri")

    assert "7 hizmet içe aktarıldı (0 yeni, 1 güncellendi, 6 değişmedi)" in out
    white_desk.refresh_from_db()
    assert white_desk.completion_time == "7 İŞ GÜNÜ"
    assert Service.objects.filter(institution=kayseri).count() == 7
    assert Service.objects.get(name="Beyaz Masa Mobil").completion_time == "10 GÜN"


def test_a_new_manager_becomes_a_new_application_place_for_every_service(kayseri, tmp_path):
    run(str(seed_path(KAYSERI)), "--institution", "kayseri")
    changed = broken_copy(tmp_path, KAYSERI, "İsim : Oğuz BAYHAN", "İsim : Zeynep KAYA")

    out, _ = run(str(changed), "--institution", "kayseri")

    assert "7 hizmet içe aktarıldı (0 yeni, 7 güncellendi, 0 değişmedi); 2 müracaat yeri (1 yeni" in out
    new_place = ApplicationPlace.objects.get(person_name="Zeynep KAYA")
    assert set(Service.objects.values_list("first_application_place", flat=True)) == {new_place.pk}


def test_an_updated_phone_number_updates_the_place(kayseri, tmp_path):
    run(str(seed_path(KAYSERI)), "--institution", "kayseri")
    changed = broken_copy(
        tmp_path,
        KAYSERI,
        "Tel : 0 352 666 38 02\nE-posta : fcagan",
        "Tel : 0 352 666 38 99\nE-posta : fcagan",
    )

    out, _ = run(str(changed), "--institution", "kayseri")

    assert "2 müracaat yeri (0 yeni, 1 güncellendi, 1 değişmedi)" in out
    assert ApplicationPlace.objects.get(person_name="Fatih ÇAĞAN").phone == "0 352 666 38 99"


def test_a_broken_copy_is_reported_by_line_and_writes_nothing(kayseri, tmp_path):
    broken = broken_copy(
        tmp_path,
        KAYSERI,
        "Açık Kapı' dan gelen başvurular\t15 GÜN",
        "Açık Kapı' dan gelen başvurular\tonbeş gün",
    )

    with pytest.raises(CommandError) as raised:
        run(str(broken), "--institution", "kayseri")

    assert str(raised.value) == "1 sorun bulundu; hiçbir şey kaydedilmedi."
    assert raised.value.returncode == 1
    assert Service.objects.count() == 0
    assert ApplicationPlace.objects.count() == 0


def test_problems_go_to_stderr_one_line_each(kayseri, tmp_path, capsys):
    broken = broken_copy(
        tmp_path,
        KAYSERI,
        "Açık Kapı' dan gelen başvurular\t15 GÜN",
        "Açık Kapı' dan gelen başvurular\tonbeş gün",
    )
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("E-posta : fcagan@kayseri.bel.tr", "E-posta : fcagan")
    )

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_standards", str(broken), "--institution", "kayseri", stderr=err)

    assert err.getvalue().splitlines() == [
        'satır 8: 3 numaralı satır (Açık Kapı Başvuruları): Tamamlanma süresi okunamadı: "onbeş gün"',
        "satır 28: İkinci müracaat yeri, e-posta “fcagan”: Geçerli bir e-posta adresi girin.",
    ]


def test_a_broken_copy_leaves_an_earlier_import_untouched(kayseri, tmp_path):
    run(str(seed_path(KAYSERI)), "--institution", "kayseri")
    before = list(Service.objects.order_by("pk").values())
    broken = broken_copy(tmp_path, KAYSERI, "3- İletişim bilgileri\t10 GÜN\n5", "3- İletişim bilgileri\t\n5")
    broken.write_text(broken.read_text(encoding="utf-8").replace("CİMER Başvuruları", "CİMER Başvuru"))

    with pytest.raises(CommandError):
        run(str(broken), "--institution", "kayseri")

    assert list(Service.objects.order_by("pk").values()) == before


def test_a_value_too_long_for_the_directory_is_a_problem_on_its_line(kayseri, tmp_path):
    broken = broken_copy(
        tmp_path, KAYSERI, "7\tWeb Sayfası,", "7\t" + "Çok uzun hizmet adı " * 20 + "Web Sayfası,"
    )

    result = import_standards(kayseri, broken.read_text(encoding="utf-8"))

    assert not result.ok
    assert [problem.line for problem in result.problems] == [12]
    assert result.problems[0].message.startswith("7 numaralı satır, hizmetin adı: ")
    assert "300" in result.problems[0].message
    assert Service.objects.count() == 0


def test_an_unknown_institution_is_refused(kayseri):
    with pytest.raises(CommandError) as raised:
        run(str(seed_path(KAYSERI)), "--institution", "ankara")

    assert str(raised.value) == (
        "“ankara” kısa adlı bir kurum yok. Kurumu önce yönetim panelinden ekleyin; kayıtlı kurumlar: kayseri."
    )
    assert Service.objects.count() == 0


def test_a_missing_or_non_utf8_file_is_refused(kayseri, tmp_path):
    with pytest.raises(CommandError, match="okunamadı"):
        run(str(tmp_path / "yok.txt"), "--institution", "kayseri")

    latin = tmp_path / "latin.txt"
    latin.write_bytes(seed_text(KAYSERI).encode("iso-8859-9"))
    with pytest.raises(CommandError, match="UTF-8 değil"):
        run(str(latin), "--institution", "kayseri")


def test_a_dry_run_says_what_would_happen_and_writes_nothing(kayseri):
    out, _ = run(str(seed_path(KAYSERI)), "--institution", "kayseri", "--dry-run")

    assert "Deneme, hiçbir şey kaydedilmedi: 7 hizmet içe aktarıldı (7 yeni" in out
    assert Service.objects.count() == 0
    assert ApplicationPlace.objects.count() == 0


def test_services_the_table_no_longer_lists_are_kept_and_counted(kayseri, service):
    result = import_standards(kayseri, seed_text(KAYSERI))

    # The conftest service belongs to Esenler, so Kayseri has nothing extra yet.
    assert result.not_in_table == []
    Service.objects.create(institution=kayseri, name="Eski hizmet", completion_time="5 GÜN")

    result = import_standards(kayseri, seed_text(KAYSERI))

    assert result.not_in_table == ["Eski hizmet"]
    assert result.summary().endswith("Tabloda olmayan 1 hizmete dokunulmadı.")
    assert Service.objects.filter(institution=kayseri, name="Eski hizmet").exists()
