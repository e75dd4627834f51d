"""What a text costs as an SMS, and how it is written so an SMS can carry it (pure: no database)."""

from kentmasa.lib.sms import encoding
from kentmasa.lib.sms.encoding import GSM7, TURKISH, UCS2, gsm_text, segments


def test_a_plain_greeting_is_one_gsm7_part():
    assert segments("Merhaba") == (GSM7, 1)


def test_turkish_letters_take_the_turkish_table_or_ucs2():
    assert segments("Başvurunuz alındı") == (TURKISH, 1)
    assert segments("Başvurunuz alındı", turkish_shift=False) == (UCS2, 1)


def test_the_default_alphabet_has_capital_c_cedilla_and_umlauts_but_not_the_other_turkish_letters():
    assert len(encoding.GSM7_BASIC) == 127  # 128 codes, less the escape
    for letter in "ÇÖÜöü":
        assert segments(letter) == (GSM7, 1), letter
    for letter in "çğışİŞĞ":
        assert segments(letter) == (TURKISH, 1), letter
        assert segments(letter, turkish_shift=False) == (UCS2, 1), letter


def test_gsm7_parts_hold_160_alone_and_153_when_concatenated():
    assert segments("a" * 160) == (GSM7, 1)
    assert segments("a" * 161) == (GSM7, 2)
    assert segments("a" * 306) == (GSM7, 2)
    assert segments("a" * 307) == (GSM7, 3)


def test_extension_characters_count_double_and_are_never_split():
    assert segments("€" * 80) == (GSM7, 1)
    assert segments("{" * 81) == (GSM7, 2)
    assert segments("a" * 159 + "€") == (GSM7, 2)
    # 306 septets would fit two parts, but the escape pair cannot straddle the first boundary.
    assert segments("a" * 152 + "€" + "a" * 152) == (GSM7, 3)


def test_the_turkish_table_holds_155_alone_and_149_when_concatenated():
    assert segments("ş" * 77) == (TURKISH, 1)  # 154 septets
    assert segments("ı" + "a" * 153) == (TURKISH, 1)  # 155
    assert segments("ı" + "a" * 154) == (TURKISH, 2)  # 156
    assert segments("ı" + "a" * 296) == (TURKISH, 2)  # 298
    assert segments("ı" + "a" * 297) == (TURKISH, 3)  # 299


def test_ucs2_parts_hold_70_alone_and_67_when_concatenated():
    assert segments("â" * 70) == (UCS2, 1)
    assert segments("â" * 71) == (UCS2, 2)
    assert segments("â" * 134) == (UCS2, 2)
    assert segments("â" * 135) == (UCS2, 3)
    assert segments("😀" * 35) == (UCS2, 1)  # each emoji is two UTF-16 units
    assert segments("a" * 66 + "😀" + "a" * 3) == (UCS2, 2)


def test_what_an_sms_cannot_carry_is_written_plainly():
    assert gsm_text("“Hâlâ” bekliyoruz – 😀") == '"Hala" bekliyoruz - ?'
    assert gsm_text("Şişli ığdır çöp", turkish_shift=False) == "Sisli igdir cöp"
    assert gsm_text("Şişli ığdır çöp") == "Şişli ığdır çöp"
