import pytest

from kentmasa.lib import phones, tckimlik, turkish


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("İSTANBUL", "istanbul", "İSTANBUL"),
        ("ISPARTA", "ısparta", "ISPARTA"),
        ("ıspanak", "ıspanak", "ISPANAK"),
        ("Iğdır", "ığdır", "IĞDIR"),
        ("istanbul", "istanbul", "İSTANBUL"),
    ],
)
def test_turkish_casing(text, lower, upper):
    assert turkish.lower(text) == lower
    assert turkish.upper(text) == upper


def test_title_and_fold():
    assert turkish.title("İSMAİL IŞIK") == "İsmail Işık"
    assert turkish.fold("  ŞİŞLİ   Kadıköy ") == "sisli kadikoy"
    assert turkish.fold("ISPARTA") == turkish.fold("ıSPARTA") == turkish.fold("isparta") == "isparta"
    assert turkish.fold("İSTANBUL") == turkish.fold("istanbul") == "istanbul"
    assert turkish.fold("Çağrı Merkezi") == "cagri merkezi"
    # A decomposed dotted capital (I + combining dot) folds like İ.
    assert turkish.fold("I\u0307stanbul") == "istanbul"


@pytest.mark.parametrize("raw", ["0532 123 45 67", "532-123-4567", "+90 (532) 123 45 67", "905321234567"])
def test_phone_forms(raw):
    assert phones.normalize(raw) == "+905321234567"


def test_phone_display_and_mask():
    assert phones.display("+905321234567") == "0532 123 45 67"
    assert phones.mask("+905321234567") == "0532 *** ** 67"
    assert phones.normalize("0212 440 11 90") == "+902124401190"
    for bad in ["", "12", "0532 123", "abc"]:
        with pytest.raises(phones.InvalidPhone):
            phones.normalize(bad)


def test_tc_kimlik():
    assert tckimlik.is_valid("10000000146")
    assert tckimlik.is_valid("100.000.001-46")
    assert not tckimlik.is_valid("10000000147")
    assert not tckimlik.is_valid("00000000146")
    assert tckimlik.mask("10000000146") == "100******46"


def test_redact_hides_addresses_and_numbers_but_keeps_codes():
    from kentmasa.lib.redact import redact

    assert (
        redact("<ayse.kaya@example.com>: 550 5.1.1 user unknown")
        == "<a***@example.com>: 550 5.1.1 user unknown"
    )
    assert redact("not a WhatsApp id: '905321234567'") == "not a WhatsApp id: '**********67'"
    assert redact("numara +90 532 123 45 67 geçersiz") == "numara **********67 geçersiz"
    assert redact("HTTP 503 after 30 s") == "HTTP 503 after 30 s"


@pytest.mark.parametrize(
    "text",
    [
        "Teşekkürler", "Çok teşekkür ederim!", "tşk", "Tamam, sağ olun.",
        "Allah razı olsun, elinize sağlık 🙏",
        "TEŞEKKÜRLER İYİ ÇALIŞMALAR", "👍", "🙏🙏", "Thank you",
    ],
)
def test_a_thank_you_is_recognised(text):
    from kentmasa.lib.turkish import is_only_thanks

    assert is_only_thanks(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "  ", "Teşekkürler ama çukur yine açıldı", "Lamba hâlâ yanmıyor", "😡", "tamam değil",
        "teşekkür " * 11, "Teşekkürler, fotoğraf ekte",
    ],
)
def test_anything_more_than_thanks_is_a_message_to_act_on(text):
    from kentmasa.lib.turkish import is_only_thanks

    assert not is_only_thanks(text)


@pytest.mark.parametrize(
    ("number", "mobile"),
    [
        ("+905321234567", True),
        ("+905051234567", True),
        ("+902124401190", False),  # a landline
        ("+904440073", False),  # a 444 number
        ("+4915112345678", False),  # a German mobile
        ("+9053212345678", False),  # one digit too many
        ("05321234567", False),  # not cleaned
        ("", False),
        (None, False),
    ],
)
def test_only_turkish_mobiles_take_sms(number, mobile):
    assert phones.is_turkish_mobile(number) is mobile
