"""Plates as cameras read them and people type them (kentmasa.lib.plates): one key for one plate."""

import gc

import pytest

from kentmasa.lib import plates
from kentmasa.lib.plates import DIPLOMATIC, FOREIGN, TURKISH, UNREADABLE, Plate, normalize


@pytest.mark.parametrize(
    "written",
    ["34 ABC 123", "34abc123", "34-ABC-123", " 34.abc.123 ", "34 abc  123", "34_ABC/123", "34\u00a0ABC\t123"],
)
def test_one_plate_however_it_is_written(written):
    assert normalize(written) == Plate("34ABC123", TURKISH, "34 ABC 123")


@pytest.mark.parametrize(
    ("written", "key", "display"),
    [
        ("06 A 1234", "06A1234", "06 A 1234"),
        ("06 A 12345", "06A12345", "06 A 12345"),  # a police car
        ("26 AB 123", "26AB123", "26 AB 123"),
        ("26 AB 1234", "26AB1234", "26 AB 1234"),
        ("26 ABC 12", "26ABC12", "26 ABC 12"),
        ("26 ABC 123", "26ABC123", "26 ABC 123"),
        ("01 Z 0001", "01Z0001", "01 Z 0001"),
        ("81 YZ 999", "81YZ999", "81 YZ 999"),
    ],
)
def test_every_legal_turkish_shape(written, key, display):
    assert normalize(written) == Plate(key, TURKISH, display)


def test_the_dotted_and_dotless_i_are_the_plates_i():
    # A Turkish keyboard gives "ı" or "i" for the plate's I, and "İ" in upper case.
    assert {normalize(text).key for text in ("26 ıab 12", "26 iab 12", "26 İAB 12", "26 IAB 12")} == {
        "26IAB12"
    }
    assert normalize("26 iab 12").kind == TURKISH


@pytest.mark.parametrize(
    "written",
    [
        "00 ABC 123",  # no il 00
        "82 ABC 123",  # nor 82
        "34 A 123",  # one letter takes four or five digits
        "34 AB 12",  # two letters three or four
        "34 ABC 1234",  # three letters two or three
        "34 ABCD 12",
        "34 AQ 123",  # no Q, W or X on a Turkish plate
        "34 WX 123",
        "3 ABC 123",
    ],
)
def test_a_turkish_looking_plate_in_no_legal_shape_is_foreign(written):
    found = normalize(written)
    assert found.kind == FOREIGN
    assert found.key == "".join(written.split()).upper()


def test_letters_turkish_plates_do_not_use_make_a_foreign_plate_keyed_without_accents():
    found = normalize("34 ŞÇ 123")
    assert found.kind == FOREIGN
    assert found.key == "34SC123"
    assert found.display == "34 ŞÇ 123"


@pytest.mark.parametrize("series", ["CC", "CD", "CG", "CM"])
def test_diplomatic_plates(series):
    assert normalize(f"06 {series.lower()} 1234") == Plate(f"06{series}1234", DIPLOMATIC, f"06 {series} 1234")
    assert normalize(f"06-{series}-123").kind == DIPLOMATIC


@pytest.mark.parametrize(
    ("written", "key"),
    [("B-MW 1234", "BMW1234"), ("M AB 123", "MAB123"), ("WI-K 7", "WIK7"), ("Москва 77", "МОСКВА77")],  # noqa: RUF001 (Cyrillic, as read)
)
def test_foreign_plates_are_kept_as_their_letters_and_digits(written, key):
    found = normalize(written)
    assert found.kind == FOREIGN
    assert found.key == key


@pytest.mark.parametrize(
    "written",
    ["", "   ", "?", "???", "34 AB? 123", "34*BC*123", "-", "\x00", "A" * 17, "1" * 300, "34ABC123!"],
)
def test_unreadable_plates_have_no_key(written):
    found = normalize(written)
    assert found == Plate("", UNREADABLE, found.display)
    assert not found.readable
    assert len(found.display) <= plates.RAW_LIMIT


@pytest.mark.parametrize("value", [None, 34, 3.4, b"34ABC123", ["34ABC123"], {"plate": "34ABC123"}, True])
def test_what_is_not_text_is_unreadable(value):
    assert normalize(value) == Plate("", UNREADABLE, "")


def test_nul_is_ignored_and_keys_are_at_most_sixteen():
    assert normalize("34\x00ABC\x00123").key == "34ABC123"
    assert normalize("A" * 16).key == "A" * 16
    assert normalize("A" * 17).key == ""


def _cache_keys() -> list[str]:
    """The texts normalize's cache holds (the C lru_cache keeps a one-argument call under the argument)."""
    own = plates._normalize.__dict__
    found = [r for r in gc.get_referents(plates._normalize) if isinstance(r, dict) and r is not own]
    [cache] = [d for d in found if len(d) == plates._normalize.cache_info().currsize]
    return list(cache)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("A" * 1_000_000, Plate("", UNREADABLE, "A" * plates.RAW_LIMIT)),
        ("34 ABC 123" + " " * 1_000_000 + "?", Plate("34ABC123", TURKISH, "34 ABC 123")),  # past what is read
        (" " * 1_000_000 + "34abc123", Plate("34ABC123", TURKISH, "34 ABC 123")),  # the ends are stripped
        ("?" + "B" * 999_999, Plate("", UNREADABLE, "?" + "B" * (plates.RAW_LIMIT - 1))),
    ],
)
def test_a_megabyte_is_read_as_its_first_characters_and_never_cached_whole(written, expected):
    plates._normalize.cache_clear()
    assert normalize(written) == expected
    assert normalize(" " + written) == expected  # another megabyte: the same few characters remembered
    keys = _cache_keys()
    assert keys and max(len(key) for key in keys) <= plates.TEXT_LIMIT


def test_the_cache_stays_small_however_many_long_texts_come():
    plates._normalize.cache_clear()
    for number in range(50):
        normalize(f"{number:02d}" + "Z" * 200_000)
    keys = _cache_keys()
    assert len(keys) == 50
    assert sum(len(key) for key in keys) <= 50 * plates.TEXT_LIMIT
