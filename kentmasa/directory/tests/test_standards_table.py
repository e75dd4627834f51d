"""Reading service standards tables: the three real seed tables, then the ways copies go wrong."""

from kentmasa.deadlines import Duration, TimeUnit
from kentmasa.directory.standards_table import ApplicationPlaceBlock, Problem, read_standards_table

from . import ESENLER, KAYSERI, POLICE, seed_text

MINUTES, DAYS, BUSINESS_DAYS = TimeUnit.MINUTES, TimeUnit.DAYS, TimeUnit.BUSINESS_DAYS


# -- the Eskişehir police table: long sentences for completion times -----------------------------------


def test_the_police_table_reads_completely():
    table = read_standards_table(seed_text(POLICE))

    assert table.problems == ()
    assert table.title == "MUHABERE ELEKTRONİK ŞUBE MÜDÜRLÜĞÜ KAMU HİZMET STANDARTLARI"
    assert [row.number for row in table.rows] == [1, 2, 3, 4, 5]
    assert [row.name for row in table.rows] == [
        "155 POLİS İMDAT İHBAR HATTI",
        "eskisehir155@egm.gov.tr Elektronik Posta Hizmeti",
        "SMS",
        "KADES",
        "KGYS (Kent Güvenlik Yönetim Sistemi)-PTS",
    ]


def test_the_155_line_must_forward_within_ten_minutes():
    first = read_standards_table(seed_text(POLICE)).rows[0]

    assert first.line == 7
    assert first.completion_time == (
        "İhbarların 155 Polis imdat Hattına bildirilmesinden itibaren 10 dakika içinde ilgili yerlere "
        "ulaştırır."
    )
    assert first.standard.standard == Duration(10, MINUTES)
    # The numbered items of the documents cell each start a line; "155" inside the text does not.
    assert first.documents.split("\n") == [
        "155 Polis İmdat İhbar Hattı Telefon aracılığı ile Hizmet verdiğiinden Başvuruda Belge "
        "istenmemektedir.",
        "1- 155 Polis İmdat İhbar Hattı telefonuna vatandaş tarafından emniyet teşkilatının görev alanı "
        "ile ilgili yapılacak ihbar, müracaat ve şikâyetleri kabul edip, kayıtlarını tutmak, ilgili "
        "birimlere iletmek, sistemlerin verimli ve güvenli kullanılması için gerekli tedbirleri almakla "
        "görevlidir. 155 hattına bildirilen ihbarlar görevli personel tarafından en kısa süre "
        "içerisinde ilgili birime yönlendirilerek sonuca ulaştırır.",
        "2- Vatandaşın mağdur olduğu ihbar konusu emniyet teşkilatı görev alanı dışında ise ilgili "
        "yönlendirilerek mağduriyetinin giderilmesi sağlanır.",
    ]


def test_police_rows_without_a_time_immediate_and_retention_are_kept_as_written():
    rows = read_standards_table(seed_text(POLICE)).rows

    email = rows[1]
    assert email.completion_time == "Gönderilen e-posta değerlendirilmek üzere ilgili birime ulaştırılır."
    assert not email.standard.has_deadline
    kades = rows[3]
    assert kades.standard.immediate
    assert kades.standard.standard is None
    cameras = rows[4]
    assert cameras.line == 11
    assert cameras.completion_time.endswith("ortalama 10 gün içerisinde otomatik olarak silinmektedir.")
    assert cameras.standard.retention == Duration(10, DAYS)
    assert not cameras.standard.has_deadline
    assert cameras.documents.split("\n")[1].startswith("2-Plaka Tanıma Sisteminde çalıntı, aranan")


def test_police_application_places_are_one_below_the_other():
    table = read_standards_table(seed_text(POLICE))

    assert table.first_place == ApplicationPlaceBlock(
        line=15,
        rank=1,
        office="",
        person_name="Murat DAĞ",
        title="Şube Müdürü",
        address="Esentepe Mah.Çevre Yolu Üzeri No:358 Tepebaşı",
        phone="(222) 230 27 73",
        fax="(222) 230 64 20",
        email="eskisehir155@egm.gov.tr",
    )
    assert table.second_place == ApplicationPlaceBlock(
        line=24,
        rank=2,
        office="",
        person_name="Kamuran TURAN",
        title="İl Emniyet Müdür Yardımcısı",
        address="Esentepe Mah.Çevre Yolu Üzeri No:358 Tepebaşı",
        phone="(222) 230 27 73",
        fax="(222) 230 64 20",
        email="eskisehir155@egm.gov.tr",
    )


# -- the Esenler table: the title again after the rows, places side by side ----------------------------


def test_the_esenler_table_reads_completely():
    table = read_standards_table(seed_text(ESENLER))

    assert table.problems == ()
    assert len(table.rows) == 9
    first, last = table.rows[0], table.rows[-1]
    assert (first.line, first.number, first.name, first.completion_time) == (
        7,
        1,
        "Cumhurbaşkanlığı İletişim Merkezi (CİMER)",
        "30 Gün",
    )
    assert first.standard.standard == Duration(30, DAYS)
    assert first.documents == (
        "1. CİMER Genel Sistemi Başvuru Evrakı\n"
        "2. Vatandaşlarımızın yaptığı istek, şikayet, öneri ve temennilerin CİMER sistemi üzerinden "
        "takibi ve gerekli yazışmaların ve sevklerin yapılarak sonlandırılması işlemlerinin tümünü kapsar."
    )
    assert (last.line, last.number, last.name, last.completion_time) == (
        15,
        9,
        "Halkla İlişkiler - ESTİM (Mobil İletişim)",
        "15 GÜN",
    )
    assert last.documents.count("\n") == 2


def test_esenler_ten_d_is_ten_minutes_and_a_phone_number_is_not_a_list_item():
    rows = read_standards_table(seed_text(ESENLER)).rows

    refreshments = rows[6]
    assert (refreshments.name, refreshments.completion_time) == (
        "Halkla İlişkiler - ESTİM (İkram Noktası)",
        "10 D",
    )
    assert refreshments.standard.standard == Duration(10, MINUTES)
    call_centre = rows[4]
    assert call_centre.documents.split("\n")[1].startswith(
        "2. 444 00 73 olan ESTİM Çağrı Merkezi Hattı 365gün"
    )


def test_esenler_application_places_are_side_by_side():
    table = read_standards_table(seed_text(ESENLER))

    assert table.first_place == ApplicationPlaceBlock(
        line=21,
        rank=1,
        office="Halkla İlişkiler Müdürlüğü",
        person_name="Ercan ZENGİN",
        title="Halkla İlişkiler Müdürü",
        address="Birlik Mah. Mehmet Akif İnan Cad. No:6-8/ ESENLER/İST",
        phone="444 00 73/1010",
        fax="0212 440 11 90",
        email="e.zengin@esenler.bel.tr",
    )
    assert table.second_place == ApplicationPlaceBlock(
        line=21,
        rank=2,
        office="Belediye Başkan Yardımcısı",
        person_name="Aydın POLAT",
        title="Belediye Başkan Yardımcısı",
        address="Birlik Mah. Mehmet Akif İnan Cad. No:6-8/ ESENLER",
        phone="444 00 73",
        fax="",
        email="a.polat@esenler.bel.tr",
    )


# -- the Kayseri table: a longer time for applications that concern several institutions ---------------


def test_the_kayseri_table_reads_completely():
    table = read_standards_table(seed_text(KAYSERI))

    assert table.problems == ()
    assert len(table.rows) == 7
    last = table.rows[-1]
    assert (last.line, last.number, last.name, last.completion_time, last.documents) == (
        12,
        7,
        "Web Sayfası, Mobil Uygulama, E-Posta, Sosyal Medya Başvuruları",
        "10 GÜN",
        "1- Web sayfası, mobil uygulama, e-posta, sosyal medya kanalıyla gelen yazılı başvurular",
    )
    assert last.standard.standard == Duration(10, DAYS)


def test_kayseri_information_requests_have_an_extended_time():
    first = read_standards_table(seed_text(KAYSERI)).rows[0]

    assert (first.line, first.number, first.name) == (
        6,
        1,
        "4982 Sayılı Yasa Gereği Bilgi Edinme Başvuruları",
    )
    assert (
        first.completion_time
        == "15 İŞ GÜNÜ *BİRDEN FAZLA KURUM VE KURULUŞU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"
    )
    assert first.standard.standard == Duration(15, BUSINESS_DAYS)
    assert first.standard.extended == Duration(30, BUSINESS_DAYS)
    assert first.documents.split("\n") == [
        "4982 sayılı yasa gereği elektronik ortamda yapılan bilgi edinme başvurularında:",
        "1- T.C. Kimlik numarası (Gerçek kişilerde)",
        "2- Tüzel Kişilik başvurularında yetki belgesi (Vatandaşın kamu kurum ve kuruluşları vasıtasıyla "
        "elektronik ortamda istediği bilgilerden belediye başkanlığımıza ulaşan talepler ilgili kuruma cevap "
        "vermek kaydıyla) Yazılı bilgi edinme başvurularında:",
        "3- Dilekçe (T.C. Kimlik No belirtilmiş adres ve telefon bilgileri)",
    ]


def test_kayseri_application_places_name_their_office_and_may_leave_a_field_empty():
    table = read_standards_table(seed_text(KAYSERI))

    assert table.first_place == ApplicationPlaceBlock(
        line=16,
        rank=1,
        office="Halkla İlişkiler Müdürlüğü",
        person_name="Oğuz BAYHAN",
        title="",
        address="Mustafa Kemal Paşa Bul. No:15 K.Sinan /Kayseri",
        phone="0 352 666 38 02",
        fax="",
        email="obayhan@kayseri.bel.tr",
    )
    assert table.second_place.office == "Halkla İlişkiler Şube Müdürlüğü"
    assert table.second_place.person_name == "Fatih ÇAĞAN"
    assert table.second_place.title == "Halkla İlişkiler Şube Müdürü"
    assert table.second_place.email == "fcagan@kayseri.bel.tr"


# -- copies that wrap, break pages and carry text around the table -------------------------------------

HEADER = "SIRA NO\tHİZMETİN ADI\tBAŞVURUDA İSTENEN BELGELER\tHİZMETİN TAMAMLANMA SÜRESİ\n"
PLACES = """
İlk Müracaat Yeri : Halkla İlişkiler Müdürlüğü
İsim : Oğuz BAYHAN
İkinci Müracaat Yeri : Halkla İlişkiler Şube Müdürlüğü
İsim : Fatih ÇAĞAN
"""


WRAPPED = """\
T.C. KAYSERİ BÜYÜKŞEHİR BELEDİYESİ
Bu tablo, kamu hizmet standartları gereği hizmetin adını ve tamamlanma süresini gösterir.

FEN İŞLERİ DAİRE BAŞKANLIĞI
KAMU HİZMET STANDARTLARI TABLOSU

SIRA NO\tHİZMETİN ADI\tBAŞVURUDA İSTENEN BELGELER\tHİZMETİN TAMAMLANMA
\t\t\tSÜRESİ (EN GEÇ)
1\tYol Bakım ve Onarım Talepleri\t1- Dilekçe
2- T.C. Kimlik numarası\t15 İŞ GÜNÜ
*BİRDEN FAZLA KURUMU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ
2\tKazı Ruhsatı\t1- Dilekçe 2- Tapu fotokopisi\t
10 GÜN

Sayfa 1 / 2
FEN İŞLERİ DAİRE BAŞKANLIĞI KAMU HİZMET STANDARTLARI TABLOSU
SIRA NO\tHİZMETİN ADI\tBAŞVURUDA İSTENEN BELGELER\tHİZMETİN TAMAMLANMA
3\tAsfalt
Yama Talepleri\t1- Şahsen sözlü başvurular\t5 İŞ GÜNÜ

Başvuru esnasında yukarıda belirtilen belgelerin dışında belge istenmesi durumunda ilk müracaat yerine ya da \
ikinci müracaat yerine başvurunuz.

İLK MÜRACAAT YERİ
Fen İşleri Daire Başkanlığı
İsim : Ayşe YILMAZ
Unvan : Daire Başkanı
Adres : Mustafa Kemal Paşa Bul.
No:15 Kocasinan / Kayseri
Tel : 0 352 000 00 01

FEN İŞLERİ DAİRE BAŞKANLIĞI KAMU HİZMET STANDARTLARI TABLOSU
- 2 -
İKİNCİ MÜRACAAT YERİ : Genel Sekreterlik
İsim : Mehmet DEMİR
Unvan : Genel Sekreter Yardımcısı
E-posta : mdemir@example.bel.tr
"""


def test_a_wrapped_copy_with_page_breaks_and_text_before_the_table_reads_completely():
    table = read_standards_table(WRAPPED)

    assert table.problems == ()
    assert table.title == "FEN İŞLERİ DAİRE BAŞKANLIĞI KAMU HİZMET STANDARTLARI TABLOSU"
    assert [(row.line, row.number, row.name) for row in table.rows] == [
        (9, 1, "Yol Bakım ve Onarım Talepleri"),
        (12, 2, "Kazı Ruhsatı"),
        (18, 3, "Asfalt Yama Talepleri"),
    ]
    roads, digging, asphalt = table.rows
    assert roads.documents == "1- Dilekçe\n2- T.C. Kimlik numarası"
    assert roads.completion_time == "15 İŞ GÜNÜ *BİRDEN FAZLA KURUMU İLGİLENDİREN BAŞVURULARDA 30 İŞ GÜNÜ"
    assert roads.standard.extended == Duration(30, BUSINESS_DAYS)
    assert digging.documents == "1- Dilekçe\n2- Tapu fotokopisi"
    assert digging.completion_time == "10 GÜN"
    assert asphalt.standard.standard == Duration(5, BUSINESS_DAYS)


def test_a_wrapped_copy_keeps_an_office_on_its_own_line_and_a_wrapped_address():
    table = read_standards_table(WRAPPED)

    # "Fen İşleri Daire Başkanlığı" is also a line of the title: below the table it is the office.
    assert table.first_place.office == "Fen İşleri Daire Başkanlığı"
    assert table.first_place.address == "Mustafa Kemal Paşa Bul. No:15 Kocasinan / Kayseri"
    assert table.first_place.phone == "0 352 000 00 01"
    assert table.second_place.office == "Genel Sekreterlik"
    assert table.second_place.person_name == "Mehmet DEMİR"
    assert table.second_place.email == "mdemir@example.bel.tr"


def test_windows_line_ends_a_byte_order_mark_and_no_break_spaces_change_nothing():
    text = "\ufeff" + seed_text(KAYSERI).replace("\n", "\r\n").replace("15 GÜN", "15\xa0GÜN")

    table = read_standards_table(text)

    assert table.problems == ()
    assert table.rows == read_standards_table(seed_text(KAYSERI)).rows


def test_a_spreadsheet_export_quotes_multi_line_cells():
    text = (
        "S. NO\tHİZMETİN ADI\tBAŞVURUDA İSTENEN BELGELER\tHİZMETİN TAMAMLANMA SÜRESİ\n"
        '1\tBeyaz Masa\t"1- Şahsen sözlü başvurular\n2- ""Başvuru formu"""\t10 GÜN\n' + PLACES
    )

    (row,) = read_standards_table(text).rows

    assert row.documents == '1- Şahsen sözlü başvurular\n2- "Başvuru formu"'
    assert row.completion_time == "10 GÜN"


def test_a_row_printed_column_by_column_over_two_lines():
    text = (
        "SIRA NO\tHİZMETİN ADI\tİŞLEM SÜREÇLERİ VE İSTENEN BELGELER\tHİZMETİN TAMAMLANMA SÜRESİ (EN GEÇ)\n"
        "1\tCİMER\t1. CİMER Genel Sistemi Başvuru Evrakı\t30 Gün\n"
        "\tBaşvuruları\t2. Başvuruların takibi\t\n" + PLACES
    )

    table = read_standards_table(text)

    assert table.problems == ()
    (row,) = table.rows
    assert (row.name, row.documents, row.completion_time) == (
        "CİMER Başvuruları",
        "1. CİMER Genel Sistemi Başvuru Evrakı\n2. Başvuruların takibi",
        "30 Gün",
    )


def test_a_row_number_on_a_line_of_its_own_is_not_a_page_number():
    text = (
        HEADER
        + "1\tBeyaz Masa\tDilekçe\t10 GÜN\n"
        + "2\n\tAlo 153\tDilekçe\t15 GÜN\n"
        + "7\n"  # this one is a page number: row 3 comes next
        + "3\tCİMER\tDilekçe\t30 Gün\n"
        + PLACES
    )

    table = read_standards_table(text)

    assert table.problems == ()
    assert [(row.line, row.number, row.name, row.completion_time) for row in table.rows] == [
        (2, 1, "Beyaz Masa", "10 GÜN"),
        (3, 2, "Alo 153", "15 GÜN"),
        (6, 3, "CİMER", "30 Gün"),
    ]


def test_columns_are_found_by_their_header_not_their_place():
    text = (
        "HİZMETİN ADI\tSIRA NO\tHİZMETİN TAMAMLANMA SÜRESİ\tBAŞVURUDA İSTENEN BELGELER\n"
        "1\tBeyaz Masa\t10 GÜN\t1- T.C. Kimlik numarası\n" + PLACES
    )

    # The number must come first on a row's line; a header that names the columns in another order only
    # moves the other three.
    (row,) = read_standards_table(text).rows

    assert (row.number, row.name, row.completion_time, row.documents) == (
        1,
        "Beyaz Masa",
        "10 GÜN",
        "1- T.C. Kimlik numarası",
    )


# -- what cannot be read is reported with its line, and never read as something else ---------------------


def test_an_unreadable_completion_time_is_a_problem_on_its_line():
    text = seed_text(KAYSERI).replace(
        "Açık Kapı' dan gelen başvurular\t15 GÜN", "Açık Kapı' dan gelen başvurular\tyakında"
    )

    table = read_standards_table(text)

    assert table.problems == (
        Problem(8, '3 numaralı satır (Açık Kapı Başvuruları): Tamamlanma süresi okunamadı: "yakında"'),
    )
    assert str(table.problems[0]).startswith("satır 8: 3 numaralı satır")
    assert [row.number for row in table.rows] == [1, 2, 4, 5, 6, 7]


def test_an_empty_or_zero_completion_time_is_a_problem_never_zero():
    text = HEADER + "1\tBeyaz Masa\tDilekçe\t\n2\tAlo 153\tDilekçe\t0 GÜN\n" + PLACES

    table = read_standards_table(text)

    assert table.rows == ()
    assert [(problem.line, problem.message) for problem in table.problems] == [
        (2, "1 numaralı satır (Beyaz Masa): Tamamlanma süresi boş."),
        (3, '2 numaralı satır (Alo 153): Tamamlanma süresi sıfırdan büyük olmalı: "0 GÜN"'),
    ]


def test_a_wrapped_time_is_reported_on_the_line_where_the_time_starts():
    text = HEADER + "1\tBeyaz Masa\t1- Dilekçe\n2- Kimlik\tonbeş\ngün\n" + PLACES

    (problem,) = read_standards_table(text).problems

    assert problem.line == 3
    assert "onbeş gün" in problem.message


def test_a_row_without_its_time_column_is_a_problem():
    text = HEADER + "1\tBeyaz Masa\tDilekçe\n2\tAlo 153\tDilekçe\t10 GÜN\n" + PLACES

    table = read_standards_table(text)

    assert [row.name for row in table.rows] == ["Alo 153"]
    assert table.problems == (
        Problem(
            2, "1 numaralı satırda 3 sütun var, başlıkta 4: sütun eksik. Hücreler sekmeyle ayrılmış olmalı."
        ),
    )


def test_a_missing_row_number_is_a_problem():
    text = HEADER + "1\tBeyaz Masa\tDilekçe\t10 GÜN\n3\tAlo 153\tDilekçe\t10 GÜN\n" + PLACES

    table = read_standards_table(text)

    assert table.problems == (
        Problem(3, "Sıra numarası 2 bekleniyordu, 3 bulundu; aradaki satırlar okunamamış olabilir."),
    )


def test_text_stranded_between_rows_is_a_problem_not_part_of_a_cell():
    text = HEADER + "1\tBeyaz Masa\tDilekçe\t10 GÜN\n\n*Açıklama: hafta sonu yapılan başvurular\n" + PLACES

    table = read_standards_table(text)

    assert table.rows[0].completion_time == "10 GÜN"
    assert [problem.line for problem in table.problems] == [4]
    assert "hiçbir hizmete ait değil" in table.problems[0].message


def test_a_service_named_twice_is_a_problem():
    text = HEADER + "1\tBeyaz Masa\tDilekçe\t10 GÜN\n2\tBeyaz Masa\tDilekçe\t15 GÜN\n" + PLACES

    assert read_standards_table(text).problems == (
        Problem(3, "“Beyaz Masa” adlı hizmet 1 numaralı satırda da var."),
    )


def test_a_text_without_a_table_header_is_a_problem_on_the_first_line():
    table = read_standards_table("Beyaz Masa 10 gün\nAlo 153 15 gün\n")

    assert table.rows == ()
    assert [problem.line for problem in table.problems] == [1]
    assert table.problems[0].message.startswith("Tablo başlığı bulunamadı")


def test_a_header_without_numbered_rows_is_a_problem():
    table = read_standards_table(HEADER + "Beyaz Masa\tDilekçe\t10 GÜN\n" + PLACES)

    assert table.problems == (
        Problem(1, "Tablo başlığının altında sıra numarasıyla başlayan hiçbir satır bulunamadı."),
    )


def test_missing_application_places_are_problems_on_the_last_line():
    text = seed_text(POLICE).split("İLK MÜRACAAT YERİ")[0].rstrip("\n")

    table = read_standards_table(text)

    assert len(table.rows) == 5
    assert table.problems == (
        Problem(13, "İlk müracaat yeri bulunamadı."),
        Problem(13, "İkinci müracaat yeri bulunamadı."),
    )


def test_an_unknown_field_in_the_application_places_is_a_problem():
    text = seed_text(POLICE).replace(
        "E POSTA : eskisehir155@egm.gov.tr\n\n",
        "E POSTA : eskisehir155@egm.gov.tr\nWeb Adresi : www.egm.gov.tr\n\n",
    )

    table = read_standards_table(text)

    assert table.problems == (Problem(23, "Müracaat yeri alanı tanınmadı: “Web Adresi”."),)
    assert table.first_place.email == "eskisehir155@egm.gov.tr"


def test_each_application_place_field_knows_its_line():
    place = read_standards_table(seed_text(KAYSERI)).second_place

    assert (place.line_of("person_name"), place.line_of("email"), place.line_of("fax")) == (24, 28, 23)
