"""The demo installation `manage.py load_demo` builds: four institutions, their staff, a few hundred cases.

What is real and what is made up:

- The service standards of Eskişehir İl Emniyet Müdürlüğü (155), Esenler Belediyesi and Kayseri Büyükşehir
  Belediyesi are the real tables of seeds 000–002, read by `importers.import_standards` exactly as an
  administrator would import them.
- Adana Büyükşehir Belediyesi is set up the way seed 004 describes its Alo 153 (call centre, WhatsApp line,
  the Derman field team, e-mail, social media, the Law 4982 information service). Its units are the kind a
  metropolitan municipality has; its service standards table (completion times, documents) is an
  ILLUSTRATIVE set-up written for the demo, not a table Adana published.
- Neighbourhoods and their boundaries are real (the tr-admin GeoJSON under SHARED_DIR); every case lies at a
  random point inside its mahalle. People, phone numbers, TC kimlik numbers (valid checksums, random digits)
  and case texts are invented.

Cases are not written into the tables: each one is played through the real domain functions of
kentmasa.cases.services (open, assign, start, ask the citizen, resolve, close, reject, redirect, transfer,
merge, reopen) and the overdue sweep of kentmasa.escalation runs whenever a deadline passes, so the
timelines, deadlines and escalations are what the application itself produces.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import json
import os
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from shapely.geometry import Point, shape
from stdnum.tr import tckimlik

from kentmasa.cases import services
from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import OPEN_STATUSES, Case, Channel, Citizen, Event, Kind, Priority, Status
from kentmasa.channels import replies
from kentmasa.demo.content import (
    CHANNEL_MIXES,
    FEEDBACK_CALLS,
    FEEDBACK_NOTES,
    FEMALE_NAMES,
    GENERIC_REJECTION,
    LANDMARKS,
    MALE_NAMES,
    MOBILE_PREFIXES,
    NAMED_STREETS,
    POLICE_RESOLUTIONS,
    POLICE_TEXTS,
    SURNAMES,
    TOPICS,
    Topic,
)
from kentmasa.directory.importers import import_standards
from kentmasa.directory.models import ApplicationPlace, Category, Institution, Service, Team, Unit, User
from kentmasa.escalation.services import SECOND_STEP_AFTER, sweep
from kentmasa.lib import phones, turkish
from kentmasa.places.importer import import_tr_admin

DEFAULT_PASSWORD = "kentmasa-demo"
PASSWORD_ENV = "KENTMASA_DEMO_PASSWORD"
DEFAULT_CASES = 300
DAYS_OF_HISTORY = 60
RANDOM_SEED = 153  # Alo 153

R = User.Role


class DemoError(Exception):
    """The demo cannot be built (a data file is missing, a seed table does not import)."""


# ================================================================================================
# The three institutions whose real standards tables are imported from the seeds
# ================================================================================================


@dataclass(frozen=True)
class SeedInstitution:
    slug: str
    name: str
    kind: str
    seed: str  # the seed file's number, e.g. "000"
    publishing_unit: str  # the unit that publishes the table; its services are assigned to it
    province: str
    district: str = ""
    parent: str = ""  # slug
    phone: str = ""
    email: str = ""
    address: str = ""
    # (unit, parent unit or "")
    units: tuple[tuple[str, str], ...] = ()
    # (team, unit, kind)
    teams: tuple[tuple[str, str, str], ...] = ()
    # (category, row number of the imported service, unit, keywords)
    categories: tuple[tuple[str, int, str, str], ...] = ()
    # Categories only staff record, never offered on public forms (Category.public)
    staff_only: frozenset[str] = frozenset()


ESKISEHIR = SeedInstitution(
    slug="eskisehir-emniyet",
    name="Eskişehir İl Emniyet Müdürlüğü",
    kind=Institution.Kind.POLICE,
    seed="000",
    publishing_unit="Muhabere Elektronik Şube Müdürlüğü",
    province="Eskişehir",
    phone="(222) 230 27 73",
    email="eskisehir155@egm.gov.tr",
    address="Esentepe Mah. Çevre Yolu Üzeri No:358 Tepebaşı/Eskişehir",
    units=(
        ("Muhabere Elektronik Şube Müdürlüğü", ""),
        ("Asayiş Şube Müdürlüğü", ""),
        ("Trafik Denetleme Şube Müdürlüğü", ""),
    ),
    teams=(
        ("Yunus Ekibi 1", "Asayiş Şube Müdürlüğü", Team.Kind.POLICE),
        ("Yunus Ekibi 2", "Asayiş Şube Müdürlüğü", Team.Kind.POLICE),
        ("Asayiş Ekibi Odunpazarı", "Asayiş Şube Müdürlüğü", Team.Kind.POLICE),
        ("Asayiş Ekibi Tepebaşı", "Asayiş Şube Müdürlüğü", Team.Kind.POLICE),
        ("Trafik Ekibi 1", "Trafik Denetleme Şube Müdürlüğü", Team.Kind.POLICE),
    ),
    categories=(
        ("Kavga / darp ihbarı", 1, "Asayiş Şube Müdürlüğü", "kavga darp bıçak yaralama tartışma"),
        ("Hırsızlık ihbarı", 1, "Asayiş Şube Müdürlüğü", "hırsız hırsızlık çalındı kapı kırıldı"),
        ("Gürültü ve rahatsızlık ihbarı", 1, "Asayiş Şube Müdürlüğü", "gürültü müzik rahatsızlık bağırma"),
        ("Şüpheli şahıs / araç", 1, "Asayiş Şube Müdürlüğü", "şüpheli şahıs araç paket"),
        ("Trafik kazası", 1, "Trafik Denetleme Şube Müdürlüğü", "kaza trafik çarpışma yaralı"),
        (
            "Trafik ihlali / hatalı park",
            1,
            "Trafik Denetleme Şube Müdürlüğü",
            "hatalı park yol kapatma makas",
        ),
        ("KADES yardım çağrısı", 4, "Asayiş Şube Müdürlüğü", "kades şiddet koruma kararı panik"),
        ("E-posta ile ihbar", 2, "Muhabere Elektronik Şube Müdürlüğü", "e-posta ihbar"),
        ("SMS ile ihbar", 3, "Muhabere Elektronik Şube Müdürlüğü", "sms mesaj ihbar"),
        (
            "KGYS kamera kaydı talebi",
            5,
            "Muhabere Elektronik Şube Müdürlüğü",
            "kamera kayıt görüntü kgys pts",
        ),
    ),
    # KADES alerts come from the app of a woman under protection; footage requests from investigators.
    staff_only=frozenset({"KADES yardım çağrısı", "KGYS kamera kaydı talebi"}),
)

ESENLER = SeedInstitution(
    slug="esenler",
    name="Esenler Belediyesi",
    kind=Institution.Kind.DISTRICT,
    seed="001",
    publishing_unit="Halkla İlişkiler Müdürlüğü",
    province="İstanbul",
    district="Esenler",
    parent="istanbul-bb",
    phone="444 00 73",
    address="Birlik Mah. Mehmet Akif İnan Cad. No:6-8 Esenler/İstanbul",
    units=(
        ("Halkla İlişkiler Müdürlüğü", ""),
        ("Fen İşleri Müdürlüğü", ""),
        ("Temizlik İşleri Müdürlüğü", ""),
        ("Park ve Bahçeler Müdürlüğü", ""),
        ("Zabıta Müdürlüğü", ""),
    ),
    teams=(
        ("ESTİM Saha Ekibi", "Halkla İlişkiler Müdürlüğü", Team.Kind.FIELD),
        ("Fen İşleri Yol Ekibi", "Fen İşleri Müdürlüğü", Team.Kind.FIELD),
    ),
    categories=(
        ("CİMER başvurusu", 1, "Halkla İlişkiler Müdürlüğü", "cimer cumhurbaşkanlığı iletişim merkezi"),
        ("Bilgi edinme başvurusu", 3, "Halkla İlişkiler Müdürlüğü", "bilgi edinme 4982"),
        ("Yol ve kaldırım", 4, "Fen İşleri Müdürlüğü", "çukur asfalt kaldırım yol"),
        ("Çöp ve temizlik", 5, "Temizlik İşleri Müdürlüğü", "çöp konteyner temizlik"),
        ("Park bakımı", 5, "Park ve Bahçeler Müdürlüğü", "park bank oyun grubu ağaç"),
        ("Zabıta şikayeti", 5, "Zabıta Müdürlüğü", "gürültü seyyar işgal"),
        ("Danışma ve yönlendirme", 6, "Halkla İlişkiler Müdürlüğü", "danışma bilgi yönlendirme"),
        ("Mobil iletişim başvurusu", 9, "Halkla İlişkiler Müdürlüğü", "sms mobil uygulama web"),
    ),
)

KAYSERI = SeedInstitution(
    slug="kayseri-bb",
    name="Kayseri Büyükşehir Belediyesi",
    kind=Institution.Kind.METROPOLITAN,
    seed="002",
    publishing_unit="Halkla İlişkiler Şube Müdürlüğü",
    province="Kayseri",
    phone="153",
    address="Mustafa Kemal Paşa Bul. No:15 Kocasinan/Kayseri",
    units=(
        ("Halkla İlişkiler Müdürlüğü", ""),
        ("Halkla İlişkiler Şube Müdürlüğü", "Halkla İlişkiler Müdürlüğü"),
        ("Fen İşleri Dairesi Başkanlığı", ""),
        ("Park ve Bahçeler Dairesi Başkanlığı", ""),
        ("Ulaşım Planlama ve Raylı Sistem Dairesi Başkanlığı", ""),
    ),
    teams=(("Beyaz Masa Mobil Ekibi", "Halkla İlişkiler Şube Müdürlüğü", Team.Kind.FIELD),),
    categories=(
        ("Bilgi edinme başvurusu", 1, "Halkla İlişkiler Şube Müdürlüğü", "bilgi edinme 4982"),
        ("CİMER başvurusu", 2, "Halkla İlişkiler Şube Müdürlüğü", "cimer"),
        ("Açık Kapı başvurusu", 3, "Halkla İlişkiler Şube Müdürlüğü", "açık kapı valilik"),
        ("Yol ve asfalt", 6, "Fen İşleri Dairesi Başkanlığı", "çukur asfalt yol kaldırım"),
        ("Park ve yeşil alan", 4, "Park ve Bahçeler Dairesi Başkanlığı", "park ağaç çim"),
        (
            "Tramvay ve otobüs",
            7,
            "Ulaşım Planlama ve Raylı Sistem Dairesi Başkanlığı",
            "tramvay otobüs sefer durak",
        ),
    ),
)

SEED_INSTITUTIONS = (ESKISEHIR, ESENLER, KAYSERI)

# ================================================================================================
# Adana Büyükşehir Belediyesi: the municipality the demo's cases belong to (seed 004)
# ================================================================================================

ADANA_SLUG = "adana-bb"

# (unit, parent unit or "", staff login, manager login). A top-level unit (daire başkanlığı) names its
# manager; its şube müdürlükleri name their staff. ASKİ is legally a separate administration attached to
# the metropolitan municipality, but Alo 153 records and follows its complaints like a department's (seed
# 004, article 10 c), so here it is a unit; an installation can make it an external institution instead
# and transfer its cases there.
ADANA_UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("Basın Yayın ve Halkla İlişkiler Dairesi Başkanlığı", "", "", "halkla.mudur"),
    ("Halkla İlişkiler Şube Müdürlüğü", "Basın Yayın ve Halkla İlişkiler Dairesi Başkanlığı", "halkla", ""),
    ("Bilgi Edinme Servisi", "Halkla İlişkiler Şube Müdürlüğü", "bilgiedinme", ""),
    ("Fen İşleri Dairesi Başkanlığı", "", "", "mudur"),
    ("Yol Bakım Şube Müdürlüğü", "Fen İşleri Dairesi Başkanlığı", "birim", ""),
    ("Elektrik ve Aydınlatma Şube Müdürlüğü", "Fen İşleri Dairesi Başkanlığı", "aydinlatma", ""),
    ("Park ve Bahçeler Dairesi Başkanlığı", "", "", "park.mudur"),
    ("Park Bakım ve Onarım Şube Müdürlüğü", "Park ve Bahçeler Dairesi Başkanlığı", "park", ""),
    ("Ağaçlandırma ve Peyzaj Şube Müdürlüğü", "Park ve Bahçeler Dairesi Başkanlığı", "agac", ""),
    ("Çevre Koruma ve Kontrol Dairesi Başkanlığı", "", "", "cevre.mudur"),
    ("Temizlik İşleri Şube Müdürlüğü", "Çevre Koruma ve Kontrol Dairesi Başkanlığı", "temizlik", ""),
    ("Atık Yönetimi Şube Müdürlüğü", "Çevre Koruma ve Kontrol Dairesi Başkanlığı", "atik", ""),
    ("Zabıta Dairesi Başkanlığı", "", "zabita", "zabita.mudur"),
    ("Ulaşım Planlama ve Raylı Sistem Dairesi Başkanlığı", "", "", "ulasim.mudur"),
    ("Toplu Taşıma Şube Müdürlüğü", "Ulaşım Planlama ve Raylı Sistem Dairesi Başkanlığı", "ulasim", ""),
    (
        "Raylı Sistem İşletme Şube Müdürlüğü",
        "Ulaşım Planlama ve Raylı Sistem Dairesi Başkanlığı",
        "metro",
        "",
    ),
    ("ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)", "", "aski", "aski.mudur"),
    ("Sağlık İşleri Dairesi Başkanlığı", "", "", "saglik.mudur"),
    ("Veteriner İşleri Şube Müdürlüğü", "Sağlık İşleri Dairesi Başkanlığı", "veteriner", ""),
    ("Vektörle Mücadele Şube Müdürlüğü", "Sağlık İşleri Dairesi Başkanlığı", "ilaclama", ""),
    ("Sosyal Hizmetler Dairesi Başkanlığı", "", "sosyal", "sosyal.mudur"),
    ("İtfaiye Dairesi Başkanlığı", "", "itfaiye", "itfaiye.mudur"),
)

DERMAN = "Alo 153 Saha Ekibi (Derman)"

# (team, unit, member login)
ADANA_TEAMS: tuple[tuple[str, str, str], ...] = (
    (DERMAN, "Halkla İlişkiler Şube Müdürlüğü", "derman"),
    ("Yol Bakım Ekibi 1 (Seyhan–Çukurova)", "Yol Bakım Şube Müdürlüğü", "saha"),
    ("Yol Bakım Ekibi 2 (Yüreğir–Sarıçam)", "Yol Bakım Şube Müdürlüğü", "ekip.yol2"),
    ("Aydınlatma Ekibi", "Elektrik ve Aydınlatma Şube Müdürlüğü", "ekip.aydinlatma"),
    ("Park Bakım Ekibi", "Park Bakım ve Onarım Şube Müdürlüğü", "ekip.park"),
    ("Ağaç Budama Ekibi", "Ağaçlandırma ve Peyzaj Şube Müdürlüğü", "ekip.budama"),
    ("Cadde Süpürme Ekibi", "Temizlik İşleri Şube Müdürlüğü", "ekip.temizlik"),
    ("Konteyner Ekibi", "Atık Yönetimi Şube Müdürlüğü", "ekip.konteyner"),
    ("Zabıta Ekibi Seyhan", "Zabıta Dairesi Başkanlığı", "ekip.zabita1"),
    ("Zabıta Ekibi Yüreğir", "Zabıta Dairesi Başkanlığı", "ekip.zabita2"),
    ("Su Arıza Ekibi", "ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)", "ekip.su"),
    ("Kanal Açma Ekibi (Vidanjör)", "ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)", "ekip.kanal"),
    ("Sokak Hayvanları Ekibi", "Veteriner İşleri Şube Müdürlüğü", "ekip.veteriner"),
    ("İlaçlama Ekibi", "Vektörle Mücadele Şube Müdürlüğü", "ekip.ilaclama"),
    ("Sosyal İnceleme Ekibi", "Sosyal Hizmetler Dairesi Başkanlığı", "ekip.sosyal"),
    ("Önleme ve Denetim Ekibi", "İtfaiye Dairesi Başkanlığı", "ekip.itfaiye"),
)

# Adana's application places. The first is the Halkla İlişkiler Şube Müdürü as seed 004 names him.
ADANA_ADDRESS = "Reşatbey Mah. Atatürk Cad. Seyhan/Adana"
ADANA_FIRST_PLACE = {
    "office": "Halkla İlişkiler Şube Müdürlüğü",
    "person_name": "Hasan Aydoğan",
    "title": "Şube Müdürü",
    "address": ADANA_ADDRESS,
    "phone": "153 (dahili 3773)",
    "email": "hasan.aydogan@adana.bel.tr",
}
ADANA_SECOND_PLACE = {
    "office": "Basın Yayın ve Halkla İlişkiler Dairesi Başkanlığı",
    "person_name": "",
    "title": "Daire Başkanı",
    "address": ADANA_ADDRESS,
    "phone": "153",
    "email": "",
}

_ID_DOCS = "1- T.C. Kimlik numarası 2- İletişim bilgileri (telefon, adres)"
_PLACE_DOCS = _ID_DOCS + " 3- Adres veya konum; varsa fotoğraf"

# ILLUSTRATIVE: Adana's standards table below is a plausible set-up for the demo, not a published table.
# The times follow the law where there is one (4982: 15/30 iş günü; 3071: 30 gün) and are otherwise what a
# metropolitan call centre commonly promises: hours for urgent water, sewage and zabıta matters, working
# days for repairs. (key, row, name, unit, documents, completion time)
ADANA_SERVICES: tuple[tuple[str, int, str, str, str, str], ...] = (
    (
        "alo153",
        1,
        "Alo 153 Çağrı Merkezi – Bilgi ve Yönlendirme",
        "Halkla İlişkiler Şube Müdürlüğü",
        "Belge istenmez.",
        "1 GÜN",
    ),
    (
        "bilgi_edinme",
        2,
        "4982 Sayılı Kanun Kapsamında Bilgi Edinme Başvuruları",
        "Bilgi Edinme Servisi",
        "1- Ad, soyad, imza 2- T.C. Kimlik numarası 3- Yerleşim yeri veya iş adresi "
        "4- Elektronik başvurularda e-posta adresi 5- Tüzel kişilerde yetki belgesi",
        "15 İŞ GÜNÜ *BİLGİ VE BELGENİN BAŞKA BİR BİRİMDEN VEYA KURUMDAN TEMİNİ GEREKEN "
        "BAŞVURULARDA 30 İŞ GÜNÜ",
    ),
    (
        "dilekce",
        3,
        "3071 Sayılı Kanun Kapsamında Dilekçe ve CİMER Başvuruları",
        "Halkla İlişkiler Şube Müdürlüğü",
        "1- Ad, soyad, imza 2- İş veya ikametgâh adresi",
        "30 Gün",
    ),
    (
        "yol",
        4,
        "Yol, Kaldırım ve Asfalt Bakım Onarım Talepleri",
        "Yol Bakım Şube Müdürlüğü",
        _PLACE_DOCS,
        "10 İŞ GÜNÜ",
    ),
    (
        "yol_acil",
        5,
        "Yol Çökmesi ve Tehlikeli Çukur İhbarları",
        "Yol Bakım Şube Müdürlüğü",
        _PLACE_DOCS,
        "48 saat",
    ),
    (
        "aydinlatma",
        6,
        "Park ve Yeşil Alan Aydınlatma Arızaları",
        "Elektrik ve Aydınlatma Şube Müdürlüğü",
        _PLACE_DOCS,
        "3 İŞ GÜNÜ",
    ),
    (
        "park",
        7,
        "Park, Oyun Grubu ve Spor Aleti Bakım Onarım Talepleri",
        "Park Bakım ve Onarım Şube Müdürlüğü",
        _PLACE_DOCS,
        "10 İŞ GÜNÜ",
    ),
    (
        "agac",
        8,
        "Ağaç Budama ve Kesim Talepleri",
        "Ağaçlandırma ve Peyzaj Şube Müdürlüğü",
        _PLACE_DOCS,
        "15 İŞ GÜNÜ",
    ),
    (
        "temizlik",
        9,
        "Cadde ve Meydan Temizliği Şikayetleri",
        "Temizlik İşleri Şube Müdürlüğü",
        _PLACE_DOCS,
        "24 saat",
    ),
    (
        "konteyner",
        10,
        "Çöp Konteyneri Talep ve Şikayetleri",
        "Atık Yönetimi Şube Müdürlüğü",
        _PLACE_DOCS,
        "5 İŞ GÜNÜ",
    ),
    (
        "zabita",
        11,
        "Zabıta Şikayetleri (Gürültü, Seyyar Satıcı, İşgal)",
        "Zabıta Dairesi Başkanlığı",
        _PLACE_DOCS,
        "2 saat",
    ),
    (
        "denetim",
        12,
        "İşyeri ve Gıda Denetimi Talepleri",
        "Zabıta Dairesi Başkanlığı",
        _PLACE_DOCS,
        "5 İŞ GÜNÜ",
    ),
    (
        "ulasim",
        13,
        "Toplu Taşıma Şikayet ve Önerileri",
        "Toplu Taşıma Şube Müdürlüğü",
        _ID_DOCS + " 3- Hat numarası, tarih ve saat",
        "7 İŞ GÜNÜ",
    ),
    ("hat", 14, "Otobüs Hattı ve Durak Talepleri", "Toplu Taşıma Şube Müdürlüğü", _ID_DOCS, "30 Gün"),
    (
        "metro",
        15,
        "Metro Hizmetleri Şikayet ve Önerileri",
        "Raylı Sistem İşletme Şube Müdürlüğü",
        _ID_DOCS,
        "7 İŞ GÜNÜ",
    ),
    (
        "su",
        16,
        "Su Kesintisi ve Su Arızası İhbarları",
        "ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)",
        _PLACE_DOCS,
        "24 saat",
    ),
    (
        "kanal",
        17,
        "Kanalizasyon Tıkanıklığı ve Taşması İhbarları",
        "ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)",
        _PLACE_DOCS,
        "24 saat",
    ),
    (
        "abonelik",
        18,
        "Su Faturası ve Abonelik İşlemleri",
        "ASKİ Genel Müdürlüğü (Su ve Kanalizasyon)",
        _ID_DOCS + " 3- Abone numarası",
        "10 İŞ GÜNÜ",
    ),
    (
        "hayvan",
        19,
        "Sokak Hayvanları ve Yaralı Hayvan İhbarları",
        "Veteriner İşleri Şube Müdürlüğü",
        _PLACE_DOCS,
        "48 saat",
    ),
    (
        "ilaclama",
        20,
        "Sivrisinek ve Haşere İlaçlama Talepleri",
        "Vektörle Mücadele Şube Müdürlüğü",
        _PLACE_DOCS,
        "3 İŞ GÜNÜ",
    ),
    (
        "sosyal",
        21,
        "Sosyal Yardım Başvuruları",
        "Sosyal Hizmetler Dairesi Başkanlığı",
        _ID_DOCS + " 3- Hane halkı bilgileri",
        "30 Gün",
    ),
    (
        "evde_bakim",
        22,
        "Engelli ve Yaşlı Evde Bakım Hizmetleri",
        "Sosyal Hizmetler Dairesi Başkanlığı",
        _ID_DOCS + " 3- Sağlık kurulu raporu",
        "15 İŞ GÜNÜ",
    ),
    (
        "itfaiye",
        23,
        "Yangın Önleme ve Baca Denetimi Talepleri",
        "İtfaiye Dairesi Başkanlığı",
        _PLACE_DOCS,
        "5 İŞ GÜNÜ",
    ),
)


POLICE_REDIRECT = "Eskişehir Büyükşehir Belediyesi Alo 153 (emniyet görev alanı dışında)"
# The crews of the other police teams ("yunus" is Yunus Ekibi 1, among the memorable logins).
POLICE_TEAM_MEMBERS = {
    "Yunus Ekibi 2": "ekip.yunus2",
    "Asayiş Ekibi Odunpazarı": "ekip.odunpazari",
    "Asayiş Ekibi Tepebaşı": "ekip.tepebasi",
    "Trafik Ekibi 1": "ekip.trafik",
}


# ================================================================================================
# Neighbourhoods
# ================================================================================================


@dataclass
class Mahalle:
    province: str
    district: str
    name: str
    boundary: dict  # the GeoJSON geometry (Polygon or MultiPolygon)

    @functools.cached_property
    def geometry(self) -> Any:
        # Built on first use: the demo touches a few hundred of the il's mahalles, not all of them.
        return shape(self.boundary)

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """(latitude, longitude), six decimals as cases store them, strictly inside the boundary."""
        min_x, min_y, max_x, max_y = self.geometry.bounds
        for _ in range(500):
            lon = round(rng.uniform(min_x, max_x), 6)
            lat = round(rng.uniform(min_y, max_y), 6)
            if self.geometry.contains(Point(lon, lat)):
                return lat, lon
        inside = self.geometry.representative_point()
        return round(inside.y, 6), round(inside.x, 6)

    @property
    def spoken_name(self) -> str:
        """ "Sarıyakup Mh." → "Sarıyakup Mahallesi", for case texts."""
        for short in (" Mh.", " Mah."):
            if self.name.endswith(short):
                return self.name[: -len(short)] + " Mahallesi"
        return self.name


def _read_geojson(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)["features"]
    except OSError as error:
        raise DemoError(f"{path} okunamadı: {error.strerror}") from error


def _data_dir() -> Path:
    return Path(settings.SHARED_DIR) / "data" / "tr-admin"


@functools.cache
def _district_names() -> dict[tuple[int, int], str]:
    """(il plate code, ilçe id) → ilçe name; the mahalle features carry only the ids."""
    return {
        (feature["properties"].get("cityId"), feature["properties"]["id"]): feature["properties"]["name"]
        for feature in _read_geojson(_data_dir() / "ilceler-5-il.geojson")
    }


def load_mahalleler(
    province: str, city_id: int, file_name: str, central: tuple[str, ...]
) -> tuple[list[Mahalle], list[Mahalle]]:
    """The mahalles of one il from the tr-admin GeoJSON, split into central districts and the rest."""
    districts = _district_names()
    inner, outer = [], []
    for feature in _read_geojson(_data_dir() / file_name):
        props = feature["properties"]
        district = districts.get((city_id, props.get("townId")), "")
        mahalle = Mahalle(province, district, props["name"], feature["geometry"])
        (inner if district in central else outer).append(mahalle)
    if not inner:
        raise DemoError(f"{file_name}: {', '.join(central)} ilçelerinde mahalle bulunamadı")
    return inner, outer


ADANA_CENTRAL = ("Seyhan", "Yüreğir", "Çukurova", "Sarıçam")
ESKISEHIR_CENTRAL = ("Odunpazarı", "Tepebaşı")
# The district municipalities Alo 153 forwards district matters to (seed 004: "İlçe Belediyesinin ilgili
# birimine sistem üzerinden iletir"). Only the four central ones are in the demo.
ADANA_DISTRICT_MUNICIPALITIES = {
    "Seyhan": "seyhan-belediyesi",
    "Yüreğir": "yuregir-belediyesi",
    "Çukurova": "cukurova-belediyesi",
    "Sarıçam": "saricam-belediyesi",
}
DISTRICT_CLEANING_UNIT = "Temizlik İşleri Müdürlüğü"

# ================================================================================================
# Logins
# ================================================================================================


@dataclass(frozen=True)
class StaffSpec:
    username: str
    role: str
    institution: str  # slug; "" for the superuser
    first_name: str
    last_name: str
    unit: str = ""
    team: str = ""
    memorable: bool = False


# The logins a demo is shown with, one for every role. Every other unit and team login is listed after them.
MEMORABLE_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("operator", R.OPERATOR, ADANA_SLUG, "Zeynep", "Arslan", memorable=True),
    StaffSpec("sosyalmedya", R.OPERATOR, ADANA_SLUG, "Burak", "Tekin", memorable=True),
    StaffSpec(
        "birim", R.UNIT_STAFF, ADANA_SLUG, "Emre", "Kılıç", unit="Yol Bakım Şube Müdürlüğü", memorable=True
    ),
    StaffSpec(
        "mudur",
        R.UNIT_MANAGER,
        ADANA_SLUG,
        "Serkan",
        "Aydın",
        unit="Fen İşleri Dairesi Başkanlığı",
        memorable=True,
    ),
    StaffSpec("geribildirim", R.FEEDBACK_OPERATOR, ADANA_SLUG, "Elif", "Güneş", memorable=True),
    StaffSpec(
        "saha",
        R.FIELD_TEAM,
        ADANA_SLUG,
        "Murat",
        "Bozkurt",
        team="Yol Bakım Ekibi 1 (Seyhan–Çukurova)",
        memorable=True,
    ),
    StaffSpec("derman", R.FIELD_TEAM, ADANA_SLUG, "Hatice", "Korkmaz", team=DERMAN, memorable=True),
    StaffSpec("polis", R.POLICE_OPERATOR, ESKISEHIR.slug, "Kemal", "Doğan", memorable=True),
    StaffSpec("yunus", R.FIELD_TEAM, ESKISEHIR.slug, "Volkan", "Çetin", team="Yunus Ekibi 1", memorable=True),
    StaffSpec("yonetici", R.ADMINISTRATOR, ADANA_SLUG, "Derya", "Ünal", memorable=True),
    StaffSpec("esenler", R.OPERATOR, ESENLER.slug, "Merve", "Polat", memorable=True),
    StaffSpec("kayseri", R.OPERATOR, KAYSERI.slug, "Osman", "Keskin", memorable=True),
)
SUPERUSER = "admin"


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    institution: str
    where: str  # unit or team
    memorable: bool


@dataclass
class DemoResult:
    loaded: bool  # False when the demo was already there and nothing was written
    password: str | None  # None when the stored passwords are no longer the configured one
    logins: list[Login]
    imports: list[tuple[str, str]] = field(default_factory=list)  # (institution, import summary)
    statuses: list[tuple[str, int]] = field(default_factory=list)  # (status label, cases)
    totals: dict[str, int] = field(default_factory=dict)


def demo_password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD


def is_loaded() -> bool:
    # Everything is written in one transaction, so the last institution created stands for all of it.
    return Institution.objects.filter(slug=ADANA_SLUG).exists()


def load_demo(cases: int = DEFAULT_CASES, *, now: dt.datetime | None = None) -> DemoResult:
    """Build the demo unless it is already there. Idempotent: a second call only reads."""
    password = demo_password()
    if is_loaded():
        operator = User.objects.filter(username="operator").first()
        still_valid = operator is not None and operator.check_password(password)
        return _result(loaded=False, password=password if still_valid else None)
    if cases < 0:
        raise DemoError("Başvuru sayısı negatif olamaz.")
    now = now or timezone.now()
    # History is replayed, not lived: nobody is sent an SMS or e-mail for it.
    with replies.suppressed(), transaction.atomic():
        builder = _Builder(password, now)
        imports = builder.build_directory()
        # kentmasa.places: boundaries before cases, so located cases get their mahalle, ilçe and il.
        import_tr_admin(_data_dir(), cities=(1, 26, 34, 38, 46), mahalle_files=["mahalleler-adana.geojson"])
        builder.build_staff()
        builder.play_cases(cases)
    result = _result(loaded=True, password=password)
    result.imports = imports
    return result


def _result(*, loaded: bool, password: str | None) -> DemoResult:
    cases = Case.objects.all()
    statuses = dict(cases.values_list("status").annotate(n=Count("pk")))
    return DemoResult(
        loaded=loaded,
        password=password,
        logins=_logins(),
        statuses=[(str(label), statuses.get(value, 0)) for value, label in Status.choices],
        totals={
            "cases": cases.count(),
            "overdue": cases.filter(overdue_since__isnull=False, status__in=OPEN_STATUSES).count(),
            "escalations": Event.objects.filter(action="escalate").count(),
            "citizens": Citizen.objects.count(),
        },
    )


def _logins() -> list[Login]:
    memorable = [spec.username for spec in MEMORABLE_STAFF]
    users = {
        user.username: user
        for user in User.objects.select_related("institution").prefetch_related("units", "teams")
    }
    order = [*memorable, SUPERUSER, *sorted(set(users) - set(memorable) - {SUPERUSER})]
    logins = []
    for username in order:
        user = users.get(username)
        if user is None:
            continue
        where = ", ".join([unit.name for unit in user.units.all()] + [team.name for team in user.teams.all()])
        role = "süper kullanıcı (/admin/)" if user.is_superuser else str(User.Role(user.role).label)
        logins.append(
            Login(
                username,
                role,
                user.institution.name if user.institution else "—",
                where,
                username in memorable or username == SUPERUSER,
            )
        )
    return logins


# ================================================================================================
# Building
# ================================================================================================


@dataclass
class _Person:
    name: str
    female: bool
    tc_kimlik: str
    phone: str
    email: str
    home: Mahalle
    address: str


@dataclass
class _CaseSpec:
    story: str
    institution: Institution
    category: Category
    subject: str
    description: str
    kind: str
    priority: int
    channel: str
    mahalle: Mahalle
    location: dict
    received_at: dt.datetime
    recorded_at: dt.datetime
    citizen: dict | None
    topic: Topic | None = None
    first_unit: Unit | None = None  # the unit an operator wrongly sent it to (transfer stories)
    duplicate_of: _CaseSpec | None = None
    case: Case | None = None

    @property
    def police(self) -> bool:
        return self.institution.kind == Institution.Kind.POLICE


# The steps of each story after the case is opened (the name says the status it ends in).
STORIES: dict[str, tuple[str, ...]] = {
    "fresh": (),
    "stale": (),
    "assigned": ("assign",),
    "assigned_team": ("dispatch",),
    "in_progress": ("assign", "start"),
    "in_progress_late": ("assign", "start", "derman_dispatch", "derman_note", "start"),
    "waiting": ("assign", "ask"),
    "answered_closed": ("assign", "ask", "answer", "resolve", "feedback_close"),
    "resolved": ("assign", "start", "resolve"),
    "resolved_field": ("dispatch", "team_start", "team_resolve"),
    "closed": ("assign", "start", "resolve", "feedback_close"),
    "closed_field": ("dispatch", "team_start", "team_resolve", "feedback_close"),
    "late_closed": ("assign", "start", "resolve_late", "feedback_close"),
    "on_the_spot": ("on_the_spot", "operator_close"),
    "rejected": ("assign", "reject"),
    "rejected_closed": ("assign", "reject", "operator_close"),
    "redirected": ("redirect",),
    "redirected_closed": ("redirect", "operator_close"),
    "merged": ("merge",),
    "transferred": ("transfer", "assign", "start"),
    "transferred_out": ("transfer_out",),
    "reopened": ("assign", "start", "resolve", "feedback_close", "reopen"),
    # police 155
    "police_closed": ("dispatch", "team_start", "team_resolve", "operator_close"),
    "police_resolved": ("dispatch", "team_start", "team_resolve"),
}

# The cases of Adana cycle through this plan, so even a small demo has every status; "merged" takes two
# cases (the report that carries on and its duplicate).
ADANA_PLAN = (
    "closed",
    "fresh",
    "closed_field",
    "in_progress",
    "resolved",
    "waiting",
    "on_the_spot",
    "assigned",
    "rejected",
    "redirected",
    "merged",
    "closed",
    "transferred",
    "late_closed",
    "stale",
    "closed",
    "answered_closed",
    "resolved_field",
    "in_progress_late",
    "rejected_closed",
    "closed",
    "reopened",
    "assigned_team",
    "transferred_out",
    "redirected_closed",
    "closed_field",
    "on_the_spot",
    "closed",
)
POLICE_PLAN = (
    "police_closed",
    "fresh",
    "kades",
    "redirected_closed",
    "police_closed",
    "assigned_team",
    "police_resolved",
    "police_closed",
)

# How long ago (in days) a story's case came in.
AGES: dict[str, tuple[float, float]] = {
    "fresh": (0.02, 0.5),
    "stale": (0.3, 20),
    "assigned": (0.3, 12),
    "assigned_team": (0.3, 8),
    "in_progress": (0.5, 15),
    "in_progress_late": (15, 45),
    "waiting": (1, 20),
    "resolved": (1, 10),
    "police_resolved": (0.2, 5),
    "transferred": (0.5, 10),
    "transferred_out": (1, 20),
    "reopened": (10, 50),
}
POLICE_AGES = {"fresh": (0.004, 0.03), "assigned_team": (0.01, 0.1)}
DEFAULT_AGE = (1, DAYS_OF_HISTORY)


class _Builder:
    def __init__(self, password: str, now: dt.datetime):
        self.now = now
        self.password_hash = make_password(password)  # hashed once: the same password for every login
        self.institutions: dict[str, Institution] = {}
        self.units: dict[tuple[str, str], Unit] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.users: dict[str, User] = {}
        self.staff_of_unit: dict[int, User] = {}
        self.manager_of_unit: dict[int, User] = {}
        self.teams_of_unit: dict[int, list[Team]] = {}
        self.member_of_team: dict[int, User] = {}
        self.adana_services: dict[str, Service] = {}  # by ADANA_SERVICES key
        self.adana_categories: dict[str, Category] = {}  # by Topic key

    # -- directory -------------------------------------------------------------------------------------------

    def _institution(self, slug: str, **values) -> Institution:
        institution, _ = Institution.objects.get_or_create(slug=slug, defaults=values)
        self.institutions[slug] = institution
        return institution

    def _unit(self, institution: Institution, name: str, parent: str = "") -> Unit:
        unit, _ = Unit.objects.get_or_create(
            institution=institution,
            name=name,
            defaults={"parent": self.units[institution.slug, parent] if parent else None},
        )
        self.units[institution.slug, name] = unit
        return unit

    def _team(self, institution: Institution, name: str, unit: str, kind: str = Team.Kind.FIELD) -> Team:
        team, _ = Team.objects.get_or_create(
            unit=self.units[institution.slug, unit], name=name, defaults={"kind": kind}
        )
        self.teams[institution.slug, name] = team
        self.teams_of_unit.setdefault(team.unit_id, []).append(team)
        return team

    def build_directory(self) -> list[tuple[str, str]]:
        self._institution(
            "istanbul-bb",
            name="İstanbul Büyükşehir Belediyesi",
            kind=Institution.Kind.METROPOLITAN,
            province="İstanbul",
            phone="153",
        )
        imports = [self._build_seed_institution(seed) for seed in SEED_INSTITUTIONS]
        self._build_adana()
        return imports

    def _build_seed_institution(self, seed: SeedInstitution) -> tuple[str, str]:
        institution = self._institution(
            seed.slug,
            name=seed.name,
            kind=seed.kind,
            province=seed.province,
            district=seed.district,
            parent=self.institutions.get(seed.parent),
            phone=seed.phone,
            email=seed.email,
            address=seed.address,
        )
        result = import_standards(institution, read_seed(seed.seed))
        if not result.ok:
            problems = "; ".join(str(problem) for problem in result.problems)
            raise DemoError(f"{seed.name}: tohum {seed.seed} içe aktarılamadı: {problems}")
        for name, parent in seed.units:
            self._unit(institution, name, parent)
        for name, unit, kind in seed.teams:
            self._team(institution, name, unit, kind)
        publisher = self.units[seed.slug, seed.publishing_unit]
        Service.objects.filter(institution=institution, unit__isnull=True).update(unit=publisher)
        services_by_row = {service.number: service for service in institution.services.all()}
        for name, row, unit, keywords in seed.categories:
            Category.objects.get_or_create(
                institution=institution,
                name=name,
                defaults={
                    "service": services_by_row[row],
                    "unit": self.units[seed.slug, unit],
                    "keywords": keywords,
                    "public": name not in seed.staff_only,
                },
            )
        return seed.name, result.summary()

    def _build_adana(self) -> None:
        adana = self._institution(
            ADANA_SLUG,
            name="Adana Büyükşehir Belediyesi",
            kind=Institution.Kind.METROPOLITAN,
            province="Adana",
            phone="153",
            email="alo153@adana.bel.tr",
            address=ADANA_ADDRESS,
        )
        for district, slug in ADANA_DISTRICT_MUNICIPALITIES.items():
            municipality = self._institution(
                slug,
                name=f"{district} Belediyesi",
                kind=Institution.Kind.DISTRICT,
                parent=adana,
                province="Adana",
                district=district,
            )
            self._unit(municipality, DISTRICT_CLEANING_UNIT)
        for name, parent, _staff, _manager in ADANA_UNITS:
            self._unit(adana, name, parent)
        for name, unit, _member in ADANA_TEAMS:
            self._team(adana, name, unit)
        first = ApplicationPlace.objects.create(institution=adana, **ADANA_FIRST_PLACE)
        second = ApplicationPlace.objects.create(institution=adana, **ADANA_SECOND_PLACE)
        self.adana_services = {
            key: Service.objects.create(
                institution=adana,
                unit=self.units[ADANA_SLUG, unit],
                number=row,
                name=name,
                documents=documents,
                completion_time=completion_time,
                first_application_place=first,
                second_application_place=second,
            )
            for key, row, name, unit, documents, completion_time in ADANA_SERVICES
        }
        for topic in TOPICS:
            service = self.adana_services[topic.service]
            self.adana_categories[topic.key] = Category.objects.create(
                institution=adana,
                name=topic.name,
                service=service,
                unit=self.units[ADANA_SLUG, topic.unit] if topic.unit else service.unit,
                keywords=topic.keywords,
            )

    # -- staff -----------------------------------------------------------------------------------------------

    def _user(self, spec: StaffSpec) -> User:
        institution = self.institutions[spec.institution] if spec.institution else None
        user = User.objects.create(
            username=spec.username,
            password=self.password_hash,
            role=spec.role,
            institution=institution,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
        if spec.unit:
            unit = self.units[spec.institution, spec.unit]
            user.units.add(unit)
            if spec.role == R.UNIT_MANAGER:
                for unit_id in unit.subtree_ids():
                    self.manager_of_unit.setdefault(unit_id, user)
            else:
                self.staff_of_unit.setdefault(unit.pk, user)
        if spec.team:
            team = self.teams[spec.institution, spec.team]
            user.teams.add(team)
            self.member_of_team.setdefault(team.pk, user)
        self.users[spec.username] = user
        return user

    def build_staff(self) -> None:
        rng = random.Random(RANDOM_SEED + 1)
        specs = list(MEMORABLE_STAFF)
        taken = {spec.username for spec in specs}

        def person() -> tuple[str, str]:
            return rng.choice(FEMALE_NAMES + MALE_NAMES), rng.choice(SURNAMES)

        for name, _parent, staff, manager in ADANA_UNITS:
            if manager and manager not in taken:
                specs.append(StaffSpec(manager, R.UNIT_MANAGER, ADANA_SLUG, *person(), unit=name))
            if staff and staff not in taken:
                specs.append(StaffSpec(staff, R.UNIT_STAFF, ADANA_SLUG, *person(), unit=name))
        for name, _unit, member in ADANA_TEAMS:
            if member not in taken:
                specs.append(StaffSpec(member, R.FIELD_TEAM, ADANA_SLUG, *person(), team=name))
        for name, member in POLICE_TEAM_MEMBERS.items():
            specs.append(StaffSpec(member, R.FIELD_TEAM, ESKISEHIR.slug, *person(), team=name))
        for spec in specs:
            self._user(spec)
        User.objects.create(
            username=SUPERUSER,
            password=self.password_hash,
            role=R.ADMINISTRATOR,
            is_staff=True,
            is_superuser=True,
            first_name="Sistem",
            last_name="Yöneticisi",
        )

    # -- cases -----------------------------------------------------------------------------------------------

    def play_cases(self, count: int) -> None:
        if count == 0:
            return
        rng = random.Random(RANDOM_SEED)
        adana_inner, adana_outer = load_mahalleler("Adana", 1, "mahalleler-adana.geojson", ADANA_CENTRAL)
        specs = _Planner(self, rng, adana_inner, adana_outer).adana_cases(count)
        police_count = max(4, round(count / 15))
        eskisehir = load_mahalleler("Eskişehir", 26, "mahalleler-eskisehir.geojson", ESKISEHIR_CENTRAL)
        specs += _Planner(self, rng, *eskisehir).police_cases(police_count)
        _Player(self, random.Random(RANDOM_SEED + 2), self.now).play(specs)


def read_seed(number: str) -> str:
    """The text of seed `number` ("000") from SHARED_DIR/seeds."""
    found = sorted((Path(settings.SHARED_DIR) / "seeds").glob(f"{number}_*.txt"))
    if not found:
        raise DemoError(f"Tohum dosyası bulunamadı: {Path(settings.SHARED_DIR) / 'seeds'}/{number}_*.txt")
    return found[0].read_text(encoding="utf-8")


# ================================================================================================
# Planning: who reports what, where, when, on which channel
# ================================================================================================


class _Planner:
    def __init__(self, builder: _Builder, rng: random.Random, inner: list[Mahalle], outer: list[Mahalle]):
        self.builder = builder
        self.rng = rng
        self.now = builder.now
        self.inner, self.outer = inner, outer
        # A handful of busy neighbourhoods, so the map and the neighbourhood report have something to show.
        self.hotspots = rng.sample(inner, min(6, len(inner)))
        self.people: list[_Person] = []
        self.tc_numbers: set[str] = set()
        self.phones: set[str] = set()

    # -- places and people -----------------------------------------------------------------------------------

    def mahalle(self, central_only: bool = False) -> Mahalle:
        roll = self.rng.random()
        if roll < 0.2:
            return self.rng.choice(self.hotspots)
        if central_only or roll < 0.85 or not self.outer:
            return self.rng.choice(self.inner)
        return self.rng.choice(self.outer)

    def street(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(NAMED_STREETS)
        return f"{self.rng.randint(1, 99)}{self.rng.randint(100, 999)} Sokak"  # Adana-style numbered streets

    def _tc_kimlik(self) -> str:
        while True:
            body = str(self.rng.randint(1, 9)) + "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            number = body + tckimlik.calc_check_digits(body)
            if number not in self.tc_numbers:
                self.tc_numbers.add(number)
                return number

    def _mobile(self) -> str:
        while True:
            raw = f"0{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 9999999):07d}"
            try:
                number = phones.normalize(raw)
            except phones.InvalidPhone:
                continue
            if number not in self.phones:
                self.phones.add(number)
                return number

    def person(self, mahalle: Mahalle, female: bool | None = None) -> _Person:
        """Someone who has reported before (about one case in three), or a new person living in `mahalle`."""
        if self.people and female is None and self.rng.random() < 0.33:
            return self.rng.choice(self.people)
        female = self.rng.random() < 0.5 if female is None else female
        first = self.rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = self.rng.choice(SURNAMES)
        login = turkish.fold(f"{first}.{last}").replace(" ", "")
        address = (
            f"{mahalle.spoken_name} {self.street()} No:{self.rng.randint(1, 120)} "
            f"{mahalle.district}/{mahalle.province}"
        )
        found = _Person(
            f"{first} {last}",
            female,
            self._tc_kimlik(),
            self._mobile(),
            f"{login}{self.rng.randint(1, 99)}@example.com",
            mahalle,
            address,
        )
        self.people.append(found)
        return found

    def identity(self, person: _Person, channel: str, kind: str) -> dict | None:
        """What the channel tells us about the person (a tweet gives a name at most; the desk sees the ID)."""
        full = {
            "name": person.name,
            "tc_kimlik": person.tc_kimlik,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
        }
        if kind in (Kind.INFORMATION_REQUEST, Kind.PETITION):  # Law 4982 art. 6 / Law 3071 art. 4
            return full
        by_channel = {
            Channel.PHONE: ("name", "phone") + (("tc_kimlik",) if self.rng.random() < 0.6 else ()),
            Channel.WHATSAPP: ("name", "phone"),
            Channel.SMS: ("phone",),
            Channel.EMAIL: ("name", "email"),
            Channel.SOCIAL: ("name",),
            Channel.WEB: ("name", "tc_kimlik", "phone", "email"),
            Channel.MOBILE: ("name", "tc_kimlik", "phone", "email"),
            Channel.DESK: ("name", "tc_kimlik", "phone", "address"),
            Channel.CIMER: ("name", "tc_kimlik", "email", "address"),
            Channel.KADES: ("name", "tc_kimlik", "phone"),
        }
        if channel == Channel.SOCIAL and self.rng.random() < 0.4:
            return None  # an anonymous account
        return {key: full[key] for key in by_channel.get(channel, ("name", "phone"))}

    def received_at(self, ages: tuple[float, float]) -> dt.datetime:
        """A moment `ages` days ago; more of them in the day than at night, as call centres see."""
        age = dt.timedelta(days=self.rng.uniform(*ages))
        moment = self.now - age
        if age > dt.timedelta(days=1):
            local = timezone.localtime(moment)
            hour = self.rng.choices(
                range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 8, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]
            )[0]
            moment = local.replace(hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59))
        return min(moment, self.now - dt.timedelta(minutes=2))

    def channel(self, mix: str) -> str:
        channels, weights = zip(*CHANNEL_MIXES[mix], strict=True)
        return self.rng.choices(channels, weights=weights)[0]

    def texts(
        self, options: tuple[tuple[str, str], ...], mahalle: Mahalle, street: str, number: str
    ) -> tuple[str, str]:
        subject, description = self.rng.choice(options)
        street2 = self.street()
        fill = {
            "mahalle": mahalle.spoken_name,
            "street": street,
            "street2": street2,
            "no": number,
            "landmark": self.rng.choice(LANDMARKS),
            "hour": f"{self.rng.randint(7, 22):02d}:{self.rng.choice(['00', '15', '30', '45'])}",
        }
        return subject.format(**fill), description.format(**fill)

    # -- Adana -----------------------------------------------------------------------------------------------

    def _topic_for(self, story: str) -> Topic:
        if story == "on_the_spot":
            pool = [t for t in TOPICS if t.mode == "on_the_spot"]
        elif story in ("redirected", "redirected_closed"):
            pool = [t for t in TOPICS if t.mode == "redirect"]
        elif story == "transferred":
            pool = [t for t in TOPICS if t.misrouted_to]
        elif story == "transferred_out":
            pool = [t for t in TOPICS if t.key == "cop"]
        elif story == "merged":
            pool = [t for t in TOPICS if t.duplicates]
        elif story in ("rejected", "rejected_closed"):
            pool = [t for t in TOPICS if t.mode == "general" and t.rejection] + [
                t for t in TOPICS if t.mode == "general"
            ]
        else:
            pool = [t for t in TOPICS if t.mode == "general"]
        return self.rng.choices(pool, weights=[t.weight for t in pool])[0]

    def _adana_spec(
        self,
        story: str,
        topic: Topic,
        *,
        received_at: dt.datetime | None = None,
        mahalle: Mahalle | None = None,
    ) -> _CaseSpec:
        builder = self.builder
        if mahalle is None:
            mahalle = self.mahalle(central_only=story == "transferred_out")
            person = self.person(mahalle)
            if person.home is not mahalle and self.rng.random() < 0.5 and story != "transferred_out":
                mahalle = person.home  # people mostly report about where they live
        else:
            person = self.person(mahalle)
        street, number = self.street(), str(self.rng.randint(1, 150))
        subject, description = self.texts(topic.texts, mahalle, street, number)
        channel = self.channel(topic.channels)
        received = received_at or self.received_at(AGES.get(story, DEFAULT_AGE))
        # Calls are recorded while the caller is on the line; messages wait a little for an operator.
        delay = 1 if channel in (Channel.PHONE, Channel.DESK) else self.rng.randint(3, 40)
        lat, lon = mahalle.random_point(self.rng)
        priority = topic.priority
        if priority == Priority.HIGH and self.rng.random() < 0.15:
            priority = Priority.URGENT
        category = builder.adana_categories[topic.key]
        return _CaseSpec(
            story=story,
            institution=builder.institutions[ADANA_SLUG],
            category=category,
            subject=subject,
            description=description,
            kind=topic.kind,
            priority=priority,
            channel=channel,
            mahalle=mahalle,
            location={
                "latitude": lat,
                "longitude": lon,
                "province": mahalle.province,
                "district": mahalle.district,
                "neighbourhood": mahalle.name,
                "street": street,
                "building_no": number,
                "address_text": f"{mahalle.spoken_name} {street} No:{number} {mahalle.district}/Adana",
            },
            received_at=received,
            recorded_at=min(received + dt.timedelta(minutes=delay), self.now),
            citizen=self.identity(person, channel, topic.kind),
            topic=topic,
            first_unit=builder.units[ADANA_SLUG, topic.misrouted_to] if story == "transferred" else None,
        )

    def adana_cases(self, count: int) -> list[_CaseSpec]:
        specs: list[_CaseSpec] = []
        plan = itertools.cycle(ADANA_PLAN)
        while len(specs) < count:
            story = next(plan)
            if story == "merged" and count - len(specs) < 2:
                story = "closed"
            topic = self._topic_for(story)
            if story != "merged":
                specs.append(self._adana_spec(story, topic))
                continue
            # The same burst pipe reported twice: the first report carries on, the second is merged into it.
            original = self._adana_spec("in_progress", topic)
            duplicate = self._adana_spec(
                "merged",
                topic,
                mahalle=original.mahalle,
                # After the first report was recorded, so there is a case to merge into.
                received_at=min(
                    original.recorded_at + dt.timedelta(minutes=self.rng.randint(20, 360)),
                    self.now - dt.timedelta(minutes=2),
                ),
            )
            duplicate.duplicate_of = original
            specs += [original, duplicate]
        return specs

    # -- Eskişehir 155 ---------------------------------------------------------------------------------------

    def police_cases(self, count: int) -> list[_CaseSpec]:
        builder = self.builder
        police = builder.institutions[ESKISEHIR.slug]
        categories = {category.name: category for category in police.categories.all()}
        ordinary = [name for name in POLICE_TEXTS if name != "KADES yardım çağrısı"]
        specs = []
        plan = itertools.cycle(POLICE_PLAN)
        for _ in range(count):
            story = next(plan)
            channel = self.channel("police")
            if story == "kades":
                name, story, channel = "KADES yardım çağrısı", "police_closed", Channel.KADES
            else:
                name = self.rng.choice(ordinary)
            category = categories[name]
            mahalle = self.mahalle()
            person = self.person(mahalle, female=True if channel == Channel.KADES else None)
            street, number = self.street(), str(self.rng.randint(1, 150))
            subject, description = self.texts(POLICE_TEXTS[name], mahalle, street, number)
            received = self.received_at(POLICE_AGES.get(story, DEFAULT_AGE))
            lat, lon = mahalle.random_point(self.rng)
            specs.append(
                _CaseSpec(
                    story=story,
                    institution=police,
                    category=category,
                    subject=subject,
                    description=description,
                    kind=Kind.TIP_OFF,
                    priority=Priority.URGENT if channel == Channel.KADES else Priority.HIGH,
                    channel=channel,
                    mahalle=mahalle,
                    location={
                        "latitude": lat,
                        "longitude": lon,
                        "province": mahalle.province,
                        "district": mahalle.district,
                        "neighbourhood": mahalle.name,
                        "street": street,
                        "building_no": number,
                    },
                    received_at=received,
                    recorded_at=received,
                    citizen=self.identity(person, channel, Kind.TIP_OFF),
                )
            )
        return specs


# ================================================================================================
# Playing: every case through the domain functions, in the order things happened
# ================================================================================================

# Whose hours a step keeps: OFFICE is daytime work (feedback calls, Derman), UNIT_HOURS follows the unit
# (working hours, or round the clock for services promised in hours), None is the 24-hour call centre.
OFFICE = "office"
UNIT_HOURS = "unit"
HOUR = 60
DAY = 24 * HOUR
_Step = tuple[dt.datetime | dt.timedelta, Callable[[], Any], str | None]


class _Player:
    """A small discrete-event simulation: every case's story is a generator of timed steps, overdue sweeps
    are scheduled as deadlines pass, and all of it runs in time order on a simulated clock: each step is
    handed the moment it happens (the domain functions take `now=`)."""

    def __init__(self, builder: _Builder, rng: random.Random, now: dt.datetime):
        self.b = builder
        self.rng = rng
        self.now = now
        self.latest = now - dt.timedelta(minutes=1)
        self.sequence = itertools.count()
        self.users = builder.users
        self.sweep_ticks: set[dt.datetime] = set()

    def play(self, specs: list[_CaseSpec]) -> None:
        heap: list = []
        for spec in specs:
            self._advance(heap, self._story(spec), None, None)
        while heap:
            at, _, generator, action = heapq.heappop(heap)
            result = action(at)
            if generator is None:  # an overdue sweep: a day later the next step of the ladder may be due
                if result.first or result.second:
                    self._plan_sweep(heap, at + SECOND_STEP_AFTER)
                continue
            if isinstance(result, Case) and result.due_at is not None:
                self._plan_sweep(heap, result.due_at)
            self._advance(heap, generator, result, at)
        sweep(self.now)

    def _plan_sweep(self, heap: list, due: dt.datetime) -> None:
        """Sweep the minute after `due`, as the periodic job (every minute) would find it then.

        Sweeping only when a deadline or the ladder's next step can have come gives the same escalations as
        sweeping every minute of the simulated weeks, at a fraction of the cost.
        """
        tick = due.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        if tick > self.latest or tick in self.sweep_ticks:
            return
        self.sweep_ticks.add(tick)
        heapq.heappush(heap, (tick, next(self.sequence), None, lambda now: sweep(now)))

    def _advance(self, heap: list, generator: Generator, result: Any, previous: dt.datetime | None) -> None:
        try:
            when, action, office_hours = generator.send(result)
        except StopIteration:
            return
        at = when if isinstance(when, dt.datetime) else previous + when
        if office_hours:
            at = self._office_hours(at)
        at = self._fit(previous or at, at)
        heapq.heappush(heap, (at, next(self.sequence), generator, action))

    def _fit(self, previous: dt.datetime, wanted: dt.datetime) -> dt.datetime:
        """Keep the story in order and in the past: a step that would lie in the future happens sooner."""
        wanted = max(wanted, previous)
        if wanted <= self.latest:
            return wanted
        if previous >= self.latest:
            return previous
        return previous + (self.latest - previous) * self.rng.uniform(0.3, 0.9)

    def _office_hours(self, at: dt.datetime) -> dt.datetime:
        """Staff act during working hours: move a moment outside them to the next opening."""
        calendar = self.b.institutions[ADANA_SLUG].business_calendar()
        local = timezone.localtime(at)
        day = local.date()
        hours = calendar.working_hours(day)
        if hours and hours[0] <= local < hours[1]:
            return at
        if hours is None or local >= hours[1]:
            day = calendar.next_working_day(day)
            hours = calendar.working_hours(day)
        return hours[0] + dt.timedelta(minutes=self.rng.randint(5, 120))

    # -- the story of one case -------------------------------------------------------------------------------

    def _story(self, spec: _CaseSpec) -> Generator:
        case = yield spec.recorded_at, lambda now: self._open(spec), False
        for step in STORIES[spec.story]:
            when, action, hours = getattr(self, f"_{step}")(spec, case)
            office = hours == OFFICE or (hours == UNIT_HOURS and not self._quick(case))
            case = yield when, action, office

    def _open(self, spec: _CaseSpec) -> Case:
        citizen = (
            find_or_create_citizen(spec.institution, **spec.citizen, proven=STAFF) if spec.citizen else None
        )
        # Web, mobile, SMS and CİMER applications arrive by themselves; the rest an operator records.
        recorded_by_staff = spec.channel not in (Channel.WEB, Channel.MOBILE, Channel.SMS, Channel.CIMER)
        spec.case = services.open_case(
            institution=spec.institution,
            channel=spec.channel,
            subject=spec.subject,
            description=spec.description,
            kind=spec.kind,
            citizen=citizen,
            category=spec.category,
            unit=spec.first_unit,
            priority=spec.priority,
            received_at=spec.received_at,
            actor=self._operator(spec) if recorded_by_staff else None,
            location=spec.location,
        )
        return spec.case

    @staticmethod
    def _quick(case: Case) -> bool:
        """Services promised in minutes or hours (water, sewage, zabıta, 155): worked day and night, fast."""
        standard = case.service.standard.standard if case.service else None
        return standard is not None and standard.unit.elapsed

    # -- who does it -----------------------------------------------------------------------------------

    def _operator(self, spec: _CaseSpec) -> User:
        if spec.police:
            return self.users["polis"]
        if spec.channel in (Channel.WHATSAPP, Channel.EMAIL, Channel.SOCIAL):
            return self.users["sosyalmedya"]
        return self.users["operator"]

    def _staff(self, case: Case) -> User:
        return self.b.staff_of_unit.get(case.unit_id) or self.b.manager_of_unit[case.unit_id]

    def _manager(self, case: Case) -> User:
        return self.b.manager_of_unit[case.unit_id]

    def _team(self, case: Case) -> Team | None:
        teams = [team for team in self.b.teams_of_unit.get(case.unit_id, []) if team.name != DERMAN]
        if not teams and case.unit and case.unit.parent_id:
            teams = self.b.teams_of_unit.get(case.unit.parent_id, [])
        return self.rng.choice(teams) if teams else None

    def _field_worker(self, case: Case) -> User:
        member = self.b.member_of_team.get(case.team_id) if case.team_id else None
        return member or self._staff(case)

    def _minutes(self, low: float, high: float) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.uniform(low, high))

    def _delay(self, case: Case, quick: tuple[float, float], slow: tuple[float, float]) -> dt.timedelta:
        """Minutes until the next step: an hours-standard case moves at the pace its standard demands."""
        return self._minutes(*(quick if self._quick(case) else slow))

    def _resolution(self, spec: _CaseSpec) -> str:
        if spec.police:
            return self.rng.choice(POLICE_RESOLUTIONS)
        if spec.topic and spec.topic.resolutions:
            return self.rng.choice(spec.topic.resolutions)
        return "Talebiniz ilgili birimimizce yerine getirilmiştir."

    def _resolve_at(self, case: Case, late: bool) -> dt.datetime | dt.timedelta:
        if case.due_at is None:
            return self._minutes(3 * DAY, 10 * DAY) if late else self._minutes(HOUR, 5 * DAY)
        if late:
            return case.due_at + self._delay(case, (HOUR, 12 * HOUR), (HOUR, 4 * DAY))
        return case.received_at + (case.due_at - case.received_at) * self.rng.uniform(0.3, 0.95)

    # -- the steps: each returns when, what, and whose hours it keeps (OFFICE, UNIT_HOURS or None) -------

    def _assign(self, spec, case) -> _Step:
        staff, manager = self._staff(case), self._manager(case)
        team = self._team(case) if self.rng.random() < 0.4 else None
        return (
            self._delay(case, (5, 45), (10, 8 * HOUR)),
            lambda now: services.assign(case, actor=manager, assignee=staff, team=team, now=now),
            UNIT_HOURS,
        )

    def _dispatch(self, spec, case) -> _Step:
        team = self._team(case)
        if spec.police:
            polis = self.users["polis"]
            note = f"{team} yönlendirildi."
            return (
                self._minutes(1, 8),
                lambda now: services.assign(case, actor=polis, team=team, note=note, now=now),
                None,
            )
        staff = self._staff(case)
        return (
            self._delay(case, (5, 40), (10, 6 * HOUR)),
            lambda now: services.assign(case, actor=staff, assignee=staff, team=team, now=now),
            UNIT_HOURS,
        )

    def _start(self, spec, case) -> _Step:
        staff = self._staff(case)
        return (
            self._delay(case, (10, HOUR), (HOUR, 3 * DAY)),
            lambda now: services.start(case, actor=staff, now=now),
            UNIT_HOURS,
        )

    def _team_start(self, spec, case) -> _Step:
        worker = self._field_worker(case)
        delay = self._minutes(2, 12) if spec.police else self._delay(case, (10, HOUR), (30, 2 * DAY))
        return (
            delay,
            lambda now: services.start(case, actor=worker, note="Ekip yola çıktı.", now=now),
            UNIT_HOURS,
        )

    def _resolve(self, spec, case) -> _Step:
        staff, text = self._staff(case), self._resolution(spec)
        return (
            self._resolve_at(case, late=False),
            lambda now: services.resolve(case, actor=staff, resolution=text, now=now),
            UNIT_HOURS,
        )

    def _resolve_late(self, spec, case) -> _Step:
        staff, text = self._staff(case), self._resolution(spec)
        return (
            self._resolve_at(case, late=True),
            lambda now: services.resolve(case, actor=staff, resolution=text, now=now),
            UNIT_HOURS,
        )

    def _team_resolve(self, spec, case) -> _Step:
        worker, text = self._field_worker(case), self._resolution(spec)
        when = self._minutes(15, 90) if spec.police else self._resolve_at(case, late=False)
        return when, lambda now: services.resolve(case, actor=worker, resolution=text, now=now), UNIT_HOURS

    def _feedback_close(self, spec, case) -> _Step:
        # Feedback operators call citizens back in the daytime, whatever the unit's hours.
        note = FEEDBACK_NOTES.get(spec.channel) or self.rng.choice(FEEDBACK_CALLS)
        feedback = self.users["geribildirim"]
        return (
            self._minutes(3 * HOUR, 3 * DAY),
            lambda now: services.close(case, actor=feedback, note=note, now=now),
            OFFICE,
        )

    def _operator_close(self, spec, case) -> _Step:
        operator = self._operator(spec)
        return self._minutes(2, HOUR), lambda now: services.close(case, actor=operator, now=now), None

    def _on_the_spot(self, spec, case) -> _Step:
        operator, text = self._operator(spec), self._resolution(spec)
        return (
            self._minutes(1, 6),
            lambda now: services.resolve_on_the_spot(case, actor=operator, resolution=text, now=now),
            None,
        )

    def _ask(self, spec, case) -> _Step:
        staff = self._staff(case)
        if spec.kind == Kind.INFORMATION_REQUEST:
            question = "Talep ettiğiniz belgelerin hangi yıla ve hangi ihaleye ait olduğunu belirtiniz."
        else:
            question = "Yerinde inceleme için açık adres tarifi ve mümkünse fotoğraf göndermeniz rica olunur."
        return (
            self._delay(case, (15, 2 * HOUR), (HOUR, 2 * DAY)),
            lambda now: services.ask_citizen(case, actor=staff, question=question, now=now),
            UNIT_HOURS,
        )

    def _answer(self, spec, case) -> _Step:
        operator = self._operator(spec)
        answer = "Vatandaş geri dönüş yaptı; adres tarifini ve fotoğrafları iletti."
        return (
            self._minutes(2 * HOUR, 3 * DAY),
            lambda now: services.citizen_answered(case, actor=operator, answer=answer, now=now),
            None,
        )

    def _reject(self, spec, case) -> _Step:
        manager = self._manager(case)
        reason = spec.topic.rejection if spec.topic and spec.topic.rejection else GENERIC_REJECTION
        return (
            self._delay(case, (30, 3 * HOUR), (HOUR, 4 * DAY)),
            lambda now: services.reject(case, actor=manager, reason=reason, now=now),
            UNIT_HOURS,
        )

    def _redirect(self, spec, case) -> _Step:
        operator = self._operator(spec)
        to = POLICE_REDIRECT if spec.police else spec.topic.redirect_to
        note = "Konu kurumumuzun görev alanı dışındadır; vatandaş ilgili kuruma yönlendirildi."
        return (
            self._minutes(2, 30),
            lambda now: services.redirect(case, actor=operator, to=to, note=note, now=now),
            None,
        )

    def _merge(self, spec, case) -> _Step:
        operator, original = self._operator(spec), spec.duplicate_of
        note = "Aynı konuda daha önce açılmış kayıt bulunduğundan birleştirildi."
        return (
            self._minutes(10, 3 * HOUR),
            lambda now: services.merge(case, actor=operator, into=original.case, note=note, now=now),
            None,
        )

    def _transfer(self, spec, case) -> _Step:
        operator, unit = self._operator(spec), spec.category.unit
        note = f"Konu {unit} görev alanındadır; kayıt yanlış birime açılmıştı."
        return (
            self._delay(case, (10, HOUR), (20, DAY)),
            lambda now: services.transfer(case, actor=operator, unit=unit, note=note, now=now),
            None,
        )

    def _transfer_out(self, spec, case) -> _Step:
        operator = self._operator(spec)
        slug = ADANA_DISTRICT_MUNICIPALITIES[spec.mahalle.district]
        municipality, unit = self.b.institutions[slug], self.b.units[slug, DISTRICT_CLEANING_UNIT]
        note = f"Mahalle içi çöp toplama {municipality} sorumluluğundadır; kayıt ilçe belediyesine iletildi."
        return (
            self._minutes(10, HOUR),
            lambda now: services.transfer(
                case, actor=operator, institution=municipality, unit=unit, note=note, now=now
            ),
            None,
        )

    def _reopen(self, spec, case) -> _Step:
        feedback = self.users["geribildirim"]
        note = "Geri aramada vatandaş sorunun devam ettiğini bildirdi; kayıt yeniden açıldı."
        return (
            self._minutes(DAY, 4 * DAY),
            lambda now: services.reopen(case, actor=feedback, note=note, now=now),
            OFFICE,
        )

    def _derman_dispatch(self, spec, case) -> _Step:
        # Seed 004: when a unit does not answer, the Derman team goes back to the place and reports again.
        operator, derman = self._operator(spec), self.b.teams[ADANA_SLUG, DERMAN]
        if case.due_at:
            when = case.due_at + self._minutes(2 * HOUR, 2 * DAY)
        else:
            when = self._minutes(5 * DAY, 8 * DAY)
        note = "Birimden yanıt gelmedi; Derman saha ekibi yerinde incelemeye gönderildi."
        return (
            when,
            lambda now: services.assign(case, actor=operator, team=derman, note=note, now=now),
            OFFICE,
        )

    def _derman_note(self, spec, case) -> _Step:
        member = self.users["derman"]
        note = (
            "Yerinde incelendi: sorun devam ediyor. Fotoğraflar çekildi, tutanak düzenlenerek birime "
            "yeniden iletildi ve birim uyarıldı."
        )

        def act(now: dt.datetime) -> Case:
            services.comment(case, actor=member, note=note, now=now)
            return case

        return self._minutes(HOUR, DAY), act, OFFICE
