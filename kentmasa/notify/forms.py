"""The forms of a member of staff's own notification settings: which kinds by which media, quiet hours, the
digest, their mobile number; and naming a deputy (vekâlet)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import User
from kentmasa.lib import edge, phones
from kentmasa.notify.kinds import EMAIL, KINDS, MEDIA, MEDIUM_LABELS, PUSH, SMS, Kind
from kentmasa.notify.models import Deputy, InstitutionDefault, Preference, StaffSettings

DEPUTY_CHOICES = 500  # a deputy is chosen from at most this many colleagues (alphabetical)
LONGEST_DEPUTY = dt.timedelta(days=366)
MY_DEPUTIES = 20  # deputies a member of staff may have named for now and later at once


def field_name(kind: str, medium: str) -> str:
    return f"{kind}__{medium}"


def defaults_for(user: User) -> dict[str, set[str]]:
    """kind → the media the user gets when they choose nothing: their institution's default for their
    role, for every role, or the kind's own for their role (kinds.ROLE_MEDIA)."""
    rows = {}
    if user.institution_id is not None:
        rows = {
            (d.role, d.kind): d
            for d in InstitutionDefault.objects.filter(
                institution_id=user.institution_id, role__in=[user.role, ""]
            )
        }
    found: dict[str, set[str]] = {}
    for name, kind in KINDS.items():
        row = rows.get((user.role, name)) or rows.get(("", name))
        if row is None:
            found[name] = set(kind.media_for(user.role))
        else:
            found[name] = {m for m, on in ((PUSH, row.push), (SMS, row.sms), (EMAIL, row.email)) if on}
    return found


class PreferencesForm(edge.EdgeForm, forms.Form):
    """One checkbox per kind and medium, then quiet hours, the digest and the mobile number."""

    quiet_from = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_(
            "Nothing but critical notifications (emergencies, second-level escalations) reaches your "
            "phone or mailbox then; the rest waits until the quiet hours end. They may cross midnight "
            "(22:00–07:00)."
        ),
    )
    digest = forms.ChoiceField(
        label=_("E-mail digest of new cases in my units"),
        choices=StaffSettings.Digest.choices,
        required=False,
    )
    mobile = forms.CharField(
        label=_("My mobile phone"),
        required=False,
        max_length=40,
        help_text=_("For notifications by SMS, e.g. 0532 123 45 67."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.defaults = defaults_for(user)
        own = {p.kind: p for p in Preference.objects.filter(user=user)}
        kind_fields: dict[str, forms.Field] = {}
        for name, kind in KINDS.items():
            chosen = self._chosen(own.get(name), name)
            for medium in MEDIA:
                key = field_name(name, medium)
                label = _label(kind, medium)
                kind_fields[key] = forms.BooleanField(
                    required=False, label=label, widget=forms.CheckboxInput(attrs={"aria-label": label})
                )
                self.initial.setdefault(key, medium in chosen)
        self.fields = {**kind_fields, **self.fields}
        settings_row = StaffSettings.objects.filter(user=user).first()
        if settings_row is not None:
            self.initial.setdefault("quiet_from", settings_row.quiet_from)
            self.initial.setdefault("quiet_until", settings_row.quiet_until)
            self.initial.setdefault("digest", settings_row.digest)
        self.initial.setdefault("mobile", phones.display(user.mobile) if user.mobile else "")

    def _chosen(self, preference: Preference | None, kind: str) -> set[str]:
        if preference is None:
            return self.defaults[kind]
        return {
            m for m, on in ((PUSH, preference.push), (SMS, preference.sms), (EMAIL, preference.email)) if on
        }

    def rows(self) -> list[dict[str, Any]]:
        """The table's rows: a kind and its three checkboxes."""
        return [
            {
                "kind": kind,
                "fields": [self[field_name(name, medium)] for medium in MEDIA],
            }
            for name, kind in KINDS.items()
        ]

    def clean_mobile(self) -> str:
        raw = self.cleaned_data.get("mobile") or ""
        if not raw.strip():
            return ""
        try:
            number = phones.normalize(raw)
        except phones.InvalidPhone:
            raise ValidationError(_("Enter a phone number such as 0532 123 45 67."), "invalid") from None
        if not phones.is_turkish_mobile(number):
            raise ValidationError(_("Only a Turkish mobile number (05xx) can receive SMS."), "not_mobile")
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            raise ValidationError(_("Give both ends of the quiet hours, or neither."), "quiet_hours")
        if data.get("quiet_from") is not None and data.get("quiet_from") == data.get("quiet_until"):
            raise ValidationError(_("Quiet hours must end at another time than they start."), "quiet_hours")
        return data

    def save(self) -> None:
        """Store a Preference only for kinds where the user chose other than the default (so a later change
        of the institution's default reaches everyone who did not choose)."""
        data = self.cleaned_data
        keep, drop = [], []
        for name in KINDS:
            chosen = {medium for medium in MEDIA if data.get(field_name(name, medium))}
            if chosen == self.defaults[name]:
                drop.append(name)
            else:
                keep.append(
                    Preference(
                        user=self.user,
                        kind=name,
                        push=PUSH in chosen,
                        sms=SMS in chosen,
                        email=EMAIL in chosen,
                    )
                )
        Preference.objects.filter(user=self.user, kind__in=drop).delete()
        Preference.objects.bulk_create(
            keep,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["push", "sms", "email"],
        )
        StaffSettings.objects.update_or_create(
            user=self.user,
            defaults={
                "quiet_from": data.get("quiet_from"),
                "quiet_until": data.get("quiet_until"),
                "digest": data.get("digest") or "",
            },
        )
        if data.get("mobile", "") != self.user.mobile:
            self.user.mobile = data.get("mobile", "")
            self.user.save(update_fields=["mobile"])


def _label(kind: Kind, medium: str) -> str:
    return f"{kind.label}: {MEDIUM_LABELS[medium]}"


class BoundedChoices(ModelChoiceIterator):
    """The first DEPUTY_CHOICES of the queryset as options; what is posted is still checked against all."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset[:DEPUTY_CHOICES]:
            yield self.choice(obj)

    def __len__(self) -> int:
        return min(self.queryset.count(), DEPUTY_CHOICES) + (1 if self.field.empty_label is not None else 0)


class ColleagueField(forms.ModelChoiceField):
    iterator = BoundedChoices

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.get_role_display()})"


class DeputyForm(edge.EdgeForm, forms.ModelForm):
    """Name a colleague of my institution as my deputy for a period."""

    deputy = ColleagueField(label=_("Deputy"), queryset=User.objects.none())

    class Meta:
        model = Deputy
        fields = ("deputy", "starts_at", "ends_at", "note")

    def __init__(self, *args: Any, principal: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.principal = principal
        self.fields["deputy"].queryset = colleagues(principal)  # type: ignore[attr-defined]
        for name in ("starts_at", "ends_at"):
            field = self.fields[name]
            assert isinstance(field, forms.DateTimeField)  # noqa: S101 -- for the type checker
            field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
            field.widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("starts_at", now)
            self.initial.setdefault("ends_at", now + dt.timedelta(days=7))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends:
            # On the field: a field with an error is left out of the model's own checks (deputy_period).
            if ends <= starts:
                self.add_error(
                    "ends_at", ValidationError(_("The period must end after it starts."), "period")
                )
            elif ends <= timezone.now():
                self.add_error("ends_at", ValidationError(_("The period is already over."), "period"))
            elif ends - starts > LONGEST_DEPUTY:
                self.add_error(
                    "ends_at", ValidationError(_("A deputy can be named for a year at most."), "period")
                )
        current = Deputy.objects.filter(principal=self.principal, ends_at__gt=timezone.now()).count()
        if current >= MY_DEPUTIES:
            raise ValidationError(_("You have named too many deputies; delete one first."), "too_many")
        return data

    def save(self, commit: bool = True) -> Deputy:
        self.instance.principal = self.principal
        deputy: Deputy = super().save(commit=commit)
        return deputy


def colleagues(user: User) -> QuerySet[User]:
    """Who may stand in for ``user``: active staff of the same institution, not themselves."""
    same = (
        User.objects.filter(institution_id=user.institution_id)
        if user.institution_id is not None
        else User.objects.filter(institution__isnull=True)
    )
    return same.filter(is_active=True).exclude(pk=user.pk).order_by("first_name", "last_name", "username")
