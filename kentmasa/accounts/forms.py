from django import forms
from django.utils.translation import gettext_lazy as _

from kentmasa.accounts.services import CODE_MAX_LENGTH


class CodeForm(forms.Form):
    """The six-digit code of the authenticator app, or one recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=CODE_MAX_LENGTH,
        error_messages={
            "required": _("Enter the code."),
            "max_length": _("A code is at most %(limit_value)d characters long."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "size": 12}
        ),
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=CODE_MAX_LENGTH,
        error_messages={
            "required": _("Enter the code."),
            "max_length": _("A code is at most %(limit_value)d characters long."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
        help_text=_("The six digits the app shows for kentmasa now."),
    )
