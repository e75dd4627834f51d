"""Forms of the citizen pages: the application form and the tracking look-up.

They only validate; kentmasa.cases.views.public hands the cleaned data to the domain functions.
"""

from typing import Any, cast

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import attachments, phone_codes, validators
from kentmasa.cases.models import Attachment, Channel, Kind
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution
from kentmasa.lib import edge
from kentmasa.lib import notices as notice_hook

# What a citizen may bring through the web form. Petitions under Law 3071 go on paper or through CİMER.
PUBLIC_KINDS = [
    (Kind.REQUEST, Kind.REQUEST.label),
    (Kind.COMPLAINT, Kind.COMPLAINT.label),
    (Kind.SUGGESTION, Kind.SUGGESTION.label),
    (Kind.APPRECIATION, Kind.APPRECIATION.label),
    (Kind.TIP_OFF, Kind.TIP_OFF.label),
    (Kind.INFORMATION_REQUEST, Kind.INFORMATION_REQUEST.label),
    (Kind.DATA_SUBJECT_REQUEST, Kind.DATA_SUBJECT_REQUEST.label),
]
# Only formats Pillow re-encodes, so the stored photo never keeps the phone's GPS position (EXIF).
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX_BYTES = attachments.ACCEPTED["image/jpeg"][1]
MAX_TEXT = 5000
# What Citizen.email holds (RFC 5321's limit of a usable address); Django's form field would take 320.
EMAIL_MAX = 254


# The choice on the form -> the channels kept as "answer_by" (empty: no preference).
ANSWER_BY = {"sms": ["sms"], "email": ["email"], "both": ["sms", "email"]}
ANSWER_BY_CHOICES = [
    ("", _("No preference (as the institution answers)")),
    ("sms", _("By SMS")),
    ("email", _("By e-mail")),
    ("both", _("Both (SMS and e-mail)")),
]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class CaseForm(edge.EdgeForm, forms.Form):
    kind = forms.ChoiceField(label=_("Type of application"), choices=PUBLIC_KINDS, initial=Kind.REQUEST)
    category = CategoryChoiceField(
        label=_("Topic"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a topic"),
        help_text=_("The topic decides which unit handles your application."),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    text = forms.CharField(
        label=_("Your application"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe the matter as clearly as you can: what, where, since when."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # A voice message: recorded on the page by public.js (MediaRecorder) into this input, or, without
    # script, a recording chosen or made by the phone (capture). Checked by its bytes, not its name.
    voice = forms.FileField(
        label=_("Voice message"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*", "capture": "user"}),
    )
    video = forms.FileField(
        label=_("Video"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/*", "capture": "environment"}),
    )

    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    province = forms.CharField(label=_("Province (il)"), max_length=60, required=False)
    district = forms.CharField(label=_("District (ilçe)"), max_length=60, required=False)
    neighbourhood = forms.CharField(label=_("Neighbourhood (mahalle)"), max_length=120, required=False)
    street = forms.CharField(label=_("Street, avenue"), max_length=200, required=False)
    building_no = forms.CharField(label=_("Building no"), max_length=20, required=False)

    name = forms.CharField(
        label=_("Name and surname"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "0532 123 45 67"}
        ),
    )
    phone_code = forms.CharField(
        label=_("Code sent to your phone"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_(
            "Optional. Confirm your phone with the code we send by SMS if you want this application linked"
            " to your earlier ones."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=EMAIL_MAX,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The citizen's preference (kentmasa.channels.replies.preferred_channels): kept on the "open" event as
    # "answer_by"; empty, the answer goes as the institution's answer rule says (every contact given, or
    # the channel used).
    answer_by = forms.ChoiceField(
        label=_("How would you like to get the answer?"),
        required=False,
        choices=ANSWER_BY_CHOICES,
        help_text=_(
            "Optional. Without a choice the answer goes to the contacts you give, as the institution answers."
        ),
    )
    tc_kimlik = forms.CharField(
        label=_("TC identity no"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional, except for information requests (Law 4982)."),
    )
    kvkk = forms.BooleanField(
        label=_("I have read the personal data notice (KVKK aydınlatma metni)."),
        error_messages={"required": _("Please confirm that you have read the personal data notice.")},
    )
    # A field people never see: bots that fill in every input give themselves away.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    CONTACT_FIELDS = ("name", "phone", "email", "tc_kimlik")
    LOCATION_FIELDS = ("province", "district", "neighbourhood", "street", "building_no")

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.institution = institution
        # The privacy notice the form shows (its summary links this version; the version goes back with the
        # form as kvkk_surum, and the case records it: kentmasa.privacy.notices).
        self.notice = notice_hook.current(institution.pk, Channel.WEB)
        # Only topics offered to the public: a police-only one (KADES) is neither listed nor accepted.
        # The service and unit come with the chosen topic: opening the case needs both (no query each).
        categories = (
            institution.categories.filter(active=True, public=True)
            .select_related("service", "unit")
            .order_by(*alphabetical("name"))
        )
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        # An institution without a configured topic list still receives applications; operators route them.
        self.fields["category"].required = categories.exists()
        self.fields["photo"].help_text = _(
            "Optional. JPEG, PNG or WebP, at most %(mb)d MB. Location data inside the photo is removed."
        ) % {"mb": PHOTO_MAX_BYTES // attachments.MB}
        self.photo_data: bytes | None = None
        self.photo_name = ""
        voice_mb = max(1, attachments.media_limit(Attachment.Kind.AUDIO) // attachments.MB)
        video_mb = max(1, attachments.media_limit(Attachment.Kind.VIDEO) // attachments.MB)
        self.fields["voice"].help_text = _(
            "Optional. Record what you want to tell us (at most %(minutes)d minutes, %(mb)d MB)."
        ) % {"minutes": max(1, settings.KENTMASA_PUBLIC_VOICE_SECONDS // 60), "mb": voice_mb}
        video_help = _("Optional. A short video: MP4, MOV or WebM, at most %(mb)d MB.")
        self.fields["video"].help_text = video_help % {"mb": video_mb}
        self.fields["voice"].widget.attrs["data-max-bytes"] = attachments.media_limit(Attachment.Kind.AUDIO)
        self.fields["video"].widget.attrs["data-max-bytes"] = attachments.media_limit(Attachment.Kind.VIDEO)
        self.voice_seconds = int(settings.KENTMASA_PUBLIC_VOICE_SECONDS)
        # What the voice message and the video hold once checked: (bytes, the name it came with).
        self.recordings: dict[str, tuple[bytes, str]] = {}

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Your application could not be accepted."), code="honeypot")
        return ""

    def clean_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data.get("phone", ""))

    def clean_tc_kimlik(self) -> str:
        return validators.clean_tc_kimlik(self.cleaned_data.get("tc_kimlik", ""))

    def clean_photo(self) -> UploadedFile | None:
        uploaded: UploadedFile | None = self.cleaned_data.get("photo")
        if not uploaded:
            return None
        if uploaded.size is not None and uploaded.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // attachments.MB},
                code="file_size",
            )
        data = uploaded.read()
        guessed = filetype.guess(data) if data else None
        if guessed is None or guessed.mime not in PHOTO_TYPES:
            raise ValidationError(_("Please attach a photo in JPEG, PNG or WebP format."), code="file_type")
        # Decode it as add_attachment will, so a broken photo is refused before anything is written.
        attachments.check_file(data, uploaded.name or "")
        self.photo_data, self.photo_name = data, uploaded.name or ""
        return uploaded

    def _clean_media(self, field: str, kind: str) -> UploadedFile | None:
        uploaded: UploadedFile | None = self.cleaned_data.get(field)
        if not uploaded:
            return None
        # The declared size first, so an oversized file is refused before it is read into memory.
        if uploaded.size is not None and uploaded.size > attachments.media_limit(kind):
            raise ValidationError(attachments.too_large_message(kind), code="file_size")
        data = uploaded.read(attachments.media_limit(kind) + 1)
        attachments.check_media(data, kind)
        self.recordings[kind] = (data, uploaded.name or "")
        return uploaded

    def clean_voice(self) -> UploadedFile | None:
        return self._clean_media("voice", Attachment.Kind.AUDIO)

    def clean_video(self) -> UploadedFile | None:
        return self._clean_media("video", Attachment.Kind.VIDEO)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            cleaned["latitude"] = cleaned["longitude"] = None
        kind = cleaned.get("kind")
        if (
            kind
            and kind != Kind.TIP_OFF
            and not (cleaned.get("phone") or cleaned.get("email"))
            and "phone" not in self.errors
            and "email" not in self.errors
        ):
            message = _("Give a phone number or an e-mail address so that we can answer you.")
            self.add_error("phone", ValidationError(message, code="contact"))
            self.add_error("email", ValidationError(message, code="contact"))
        answer_by = cleaned.get("answer_by") or ""
        if answer_by in ("sms", "both") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error(
                "answer_by",
                ValidationError(
                    _("Give your phone number to get the answer by SMS."), code="answer_by_phone"
                ),
            )
        elif answer_by in ("email", "both") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "answer_by",
                ValidationError(
                    _("Give your e-mail address to get the answer by e-mail."), code="answer_by_email"
                ),
            )
        cleaned["phone_proven"] = False
        code = cleaned.get("phone_code", "").strip()
        if code and "phone" not in self.errors:
            if not cleaned.get("phone"):
                self.add_error(
                    "phone_code",
                    ValidationError(_("Write the phone number the code was sent to."), code="phone_code"),
                )
            elif phone_codes.confirm(self.institution, cleaned["phone"], code):
                cleaned["phone_proven"] = True
            else:
                self.add_error(
                    "phone_code",
                    ValidationError(
                        _("The code is wrong or has expired. Ask for a new code, or leave this field empty."),
                        code="phone_code",
                    ),
                )
        if kind == Kind.INFORMATION_REQUEST:
            # Law 4982 and its regulation: an electronic application gives the name and TC identity no.
            if not cleaned.get("name", "").strip():
                self.add_error(
                    "name",
                    ValidationError(
                        _("An information request must give your name and surname."), code="foi_name"
                    ),
                )
            if not cleaned.get("tc_kimlik") and "tc_kimlik" not in self.errors:
                self.add_error(
                    "tc_kimlik",
                    ValidationError(
                        _("An information request must give your TC identity number."), code="foi_tc_kimlik"
                    ),
                )
        return cleaned

    def notice_version_shown(self) -> str | None:
        """The notice version the form displayed, as posted back in a hidden field ("form-3": its channel
        group and version): None if absent or malformed (the case then records the current version)."""
        raw = str(self.data.get("kvkk_surum", ""))[:40]
        group, _, number = raw.partition("-")
        ok = group.isascii() and group.isalpha() and number.isascii() and number.isdigit()
        ok = ok and len(number) <= 9
        return f"{group}-{int(number)}" if ok else None

    def answer_channels(self) -> list[str]:
        """The channels the citizen asked to be answered on ([] : no preference)."""
        return list(ANSWER_BY.get(self.cleaned_data.get("answer_by") or "", []))

    def location(self) -> dict:
        data = self.cleaned_data
        location = {field: data.get(field, "").strip() for field in self.LOCATION_FIELDS}
        if data.get("latitude") is not None and data.get("longitude") is not None:
            location["latitude"] = round(data["latitude"], 6)
            location["longitude"] = round(data["longitude"], 6)
        return location


class TrackForm(edge.EdgeForm, forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "id": "track-number",
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": "26-0001234-7",
            }
        ),
    )
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"id": "track-code", "inputmode": "numeric", "autocomplete": "off", "placeholder": "123456"}
        ),
        help_text=_("The 6-digit code given with your tracking number."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        return "".join(ch for ch in self.cleaned_data.get("code", "") if ch.isdigit())
