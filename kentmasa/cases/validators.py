"""Field checks shared by every way a case comes in (console, public form, API, channels)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kentmasa.lib import phones, tckimlik


def clean_tc_kimlik(value: str) -> str:
    """Return the eleven digits, or raise a ValidationError a citizen understands."""
    number = tckimlik.clean(value)
    if not number:
        return ""
    if not (len(number) == 11 and number.isdigit()):
        raise ValidationError(_("A TC identity number has 11 digits."), code="tc_kimlik_length")
    if not tckimlik.is_valid(number):
        raise ValidationError(
            _("This TC identity number is not valid; please check the digits."), code="tc_kimlik_checksum"
        )
    return number


def clean_phone(value: str) -> str:
    """Return the number in E.164 form, or raise a ValidationError."""
    if not (value or "").strip():
        return ""
    try:
        return phones.normalize(value)
    except phones.InvalidPhone:
        raise ValidationError(
            _("This phone number is not valid; write it as 0532 123 45 67."), code="phone"
        ) from None
