"""Turkish phone numbers through Google's libphonenumber (the `phonenumbers` package)."""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


class InvalidPhone(ValueError):
    pass


def normalize(raw: str, region: str = "TR") -> str:
    """Return E.164 ("+905321234567") for any way people write a number, or raise InvalidPhone.

    Accepts "0532 123 45 67", "532-123-4567", "+90 (532) 123 45 67", "0212 440 11 90", and the
    444 numbers ("444 00 73"), which libphonenumber knows as Turkish shared-cost numbers.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        raise InvalidPhone(raw) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """ "+905321234567" → "0532 123 45 67", as Turkish people write it."""
    try:
        number = phonenumbers.parse(e164, "TR")
    except NumberParseException:
        return e164
    if number.country_code == 90:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str) -> str:
    """For lists: "+905321234567" → "0532 *** ** 67"."""
    digits = "".join(ch for ch in display(e164) if ch.isdigit())
    return f"{digits[:4]} *** ** {digits[-2:]}" if len(digits) >= 10 else display(e164)


# A Turkish mobile in E.164: +90 5xx xxx xx xx. Only these take SMS (codes, replies): a landline or a 444
# number cannot read one, and texts to other countries cost what a Turkish institution never agreed to pay.
_TURKISH_MOBILE = re.compile(r"^\+905\d{9}$")


def is_turkish_mobile(e164: str | None) -> bool:
    """Whether a cleaned (E.164) number is a Turkish mobile number ("+905321234567")."""
    return bool(_TURKISH_MOBILE.match(e164 or ""))
