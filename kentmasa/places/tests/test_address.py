"""Address text as operators and citizens type it, split into its parts (pure: no database)."""

from dataclasses import dataclass

import pytest

from kentmasa.places.address import Address, area_display_name, area_key, match, parse

VECTORS = [
    (
        "Cumhuriyet Mah. Atatürk Cad. No:12 D:3 Melikgazi/Kayseri",
        Address(
            neighbourhood="Cumhuriyet Mahallesi",
            street="Atatürk Caddesi",
            building_no="12",
            door_no="3",
            district="Melikgazi",
            province="Kayseri",
        ),
    ),
    (
        # All lower case, no dots or colons, no Turkish letters, as typed on a phone.
        "cumhuriyet mh ataturk cd no 12 daire 3 melikgazi kayseri",
        Address(
            neighbourhood="Cumhuriyet Mahallesi",
            street="Ataturk Caddesi",
            building_no="12",
            door_no="3",
            district="Melikgazi",
            province="Kayseri",
        ),
    ),
    (
        # Upper case with İ and I: Turkish casing gives "İnönü" and "Işık", not "Inönü" and "Işik".
        "İNÖNÜ MAHALLESİ IŞIK SOKAĞI NO:5 KAT:2 DAİRE:7 SEYHAN / ADANA",
        Address(
            neighbourhood="İnönü Mahallesi",
            street="Işık Sokağı",
            building_no="5",
            floor="2",
            door_no="7",
            district="Seyhan",
            province="Adana",
        ),
    ),
    (
        "Sarıyakup Mh. 1453 Sk. No:4/2 Seyhan/Adana",
        Address(
            neighbourhood="Sarıyakup Mahallesi",
            street="1453. Sokak",
            building_no="4",
            door_no="2",
            district="Seyhan",
            province="Adana",
        ),
    ),
    (
        "Kurtuluş Mahallesi, Gazipaşa Bulv. Güneş Apt. No: 21 Kat: 3 D: 9, Seyhan, Adana",
        Address(
            neighbourhood="Kurtuluş Mahallesi",
            street="Gazipaşa Bulvarı",
            building="Güneş Apartmanı",
            building_no="21",
            floor="3",
            door_no="9",
            district="Seyhan",
            province="Adana",
        ),
    ),
    (
        "Menemenci mah. Turhan Cemal Beriker Blv. No.170 Seyhan",
        Address(
            neighbourhood="Menemenci Mahallesi",
            street="Turhan Cemal Beriker Bulvarı",
            building_no="170",
            district="Seyhan",
        ),
    ),
    (
        "Tuna Mahallesi Gül Sokak A Blok No:8 İç Kapı No:14 Esenler/İstanbul",
        Address(
            neighbourhood="Tuna Mahallesi",
            street="Gül Sokağı",
            block="A",
            building_no="8",
            door_no="14",
            district="Esenler",
            province="İstanbul",
        ),
    ),
    (
        # Only the street and a bare number after it: the number is the building's.
        "Atatürk Caddesi 45/6",
        Address(street="Atatürk Caddesi", building_no="45", door_no="6"),
    ),
    (
        # No street at all, and the province alone at the end.
        "Yavuzlar Mah. No:3 istanbul",
        Address(neighbourhood="Yavuzlar Mahallesi", building_no="3", province="İstanbul"),
    ),
    (
        "Gevhernesibe Mahallesi Sivas Caddesi Kocasinan KAYSERİ",
        Address(
            neighbourhood="Gevhernesibe Mahallesi",
            street="Sivas Caddesi",
            district="Kocasinan",
            province="Kayseri",
        ),
    ),
    (
        # A province named first, before the mahalle, is the province.
        "Kayseri Melikgazi, Hunat Mah. Seyyid Burhaneddin Blv. No:2",
        Address(
            neighbourhood="Hunat Mahallesi",
            street="Seyyid Burhaneddin Bulvarı",
            building_no="2",
            district="Melikgazi",
            province="Kayseri",
        ),
    ),
    (
        "Çukurova mh. 80237 sk no12 d5 zemin kat",
        Address(
            neighbourhood="Çukurova Mahallesi",
            street="80237. Sokak",
            building_no="12",
            door_no="5",
            floor="Zemin",
        ),
    ),
    (
        "ISPARTALI MH. IRMAK CD. NO:1 ÇUKUROVA/ADANA",
        Address(
            neighbourhood="Ispartalı Mahallesi",
            street="Irmak Caddesi",
            building_no="1",
            district="Çukurova",
            province="Adana",
        ),
    ),
    (
        # Two streets: the avenue, then the side street the door opens on.
        "Yeşilyurt Mah. Kenan Evren Bulvarı 2013 Sokak No:7 Çukurova/Adana",
        Address(
            neighbourhood="Yeşilyurt Mahallesi",
            street="Kenan Evren Bulvarı 2013. Sokak",
            building_no="7",
            district="Çukurova",
            province="Adana",
        ),
    ),
    (
        "Cumhuriyet Meydanı No:1 Sivas",
        Address(street="Cumhuriyet Meydanı", building_no="1", province="Sivas"),
    ),
    ("", Address()),
]


@pytest.mark.parametrize(("text", "expected"), VECTORS, ids=[text[:40] or "empty" for text, _ in VECTORS])
def test_address_text_is_split_into_its_parts(text, expected):
    assert parse(text) == expected


def test_a_parsed_address_prints_in_the_official_form():
    address = parse("cumhuriyet mh. atatürk cd. no 12 d 3 melikgazi kayseri")
    assert str(address) == "Cumhuriyet Mahallesi Atatürk Caddesi No:12 D:3 Melikgazi/Kayseri"


@pytest.mark.parametrize(
    ("official", "display", "key"),
    [
        ("Sarıyakup Mh.", "Sarıyakup Mahallesi", "sariyakup"),
        ("Gevhernesibe Mah.", "Gevhernesibe Mahallesi", "gevhernesibe"),
        ("Seymen Mahallesi", "Seymen Mahallesi", "seymen"),
        ("19 Mayıs Mh.", "19 Mayıs Mahallesi", "19 mayis"),
        ("Helete", "Helete", "helete"),  # a village named without its type word
        ("İNCİRLİK Mh.", "İNCİRLİK Mahallesi", "incirlik"),
        ("Seyhan", "Seyhan", "seyhan"),
    ],
)
def test_area_names_get_a_display_form_and_a_matching_key(official, display, key):
    assert area_display_name(official) == display
    assert area_key(official) == key


@dataclass
class _Area:
    name_key: str
    district: str


def test_match_picks_the_one_mahalle_the_address_names():
    areas = [_Area("sariyakup", "Seyhan"), _Area("kurtulus", "Seyhan"), _Area("ataturk", "Yüreğir")]
    assert match(parse("SARIYAKUP MAH. No:3"), areas) is areas[0]
    assert match(parse("Atatürk Mh."), areas) is areas[2]


def test_match_gives_up_when_no_mahalle_or_several_fit():
    areas = [_Area("ataturk", "Yüreğir"), _Area("ataturk", "Ceyhan")]
    assert match(parse("Atatürk Mah."), areas) is None  # two districts have one: the caller narrows first
    assert match(parse("Kurtuluş Mah."), areas) is None
    assert match(parse("Gazipaşa Bulv. No:4"), areas) is None  # no mahalle in the text
