"""The forms of the information service's pages: one per step, each checked before anything is written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.directory.models import Unit
from kentmasa.foi import grounds
from kentmasa.foi.models import ApplicantKind, Decision, Objection
from kentmasa.foi.services import MISSING_LABELS
from kentmasa.lib import edge, tckimlik

TEXT = {"rows": 3}


class CheckForm(edge.EdgeForm, forms.Form):
    applicant_kind = forms.ChoiceField(
        label=_("Applicant"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON
    )
    name = forms.CharField(label=_("Name and surname"), max_length=200, required=False)
    tc_kimlik = forms.CharField(label=_("TC identity no"), max_length=20, required=False)
    address = forms.CharField(label=_("Home or work address"), max_length=400, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    signed = forms.BooleanField(label=_("The petition is signed"), required=False)
    legal_title = forms.CharField(label=_("Title of the legal person"), max_length=300, required=False)
    signatory_authority = forms.CharField(
        label=_("Signatory's authority document"), max_length=300, required=False
    )

    def clean_tc_kimlik(self) -> str:
        number = tckimlik.clean(self.cleaned_data.get("tc_kimlik", ""))
        if number and not tckimlik.is_valid(number):
            raise forms.ValidationError(
                _("This TC identity number is not valid (its check digits do not match)."), code="tc_kimlik"
            )
        return number


class IncompleteForm(edge.EdgeForm, forms.Form):
    missing = forms.MultipleChoiceField(
        label=_("What is missing"),
        choices=[(key, label) for key, label in MISSING_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note to the applicant"), max_length=1000, required=False)


class ConvertForm(edge.EdgeForm, forms.Form):
    reason = forms.CharField(
        label=_("Why it is not an information request"),
        max_length=500,
        help_text=_("E.g. a complaint about a service, a wish, a request for an action."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit for the petition"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(institution_id=institution_id, active=True)  # type: ignore[attr-defined]


class ForwardUnitForm(edge.EdgeForm, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit holding the information"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("Note to the unit"), max_length=1000, required=False)

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(institution_id=institution_id, active=True)  # type: ignore[attr-defined]


class OpinionForm(edge.EdgeForm, forms.Form):
    of = forms.CharField(label=_("Opinion asked of (unit or institution)"), max_length=300)


class ForwardOutForm(edge.EdgeForm, forms.Form):
    to = forms.CharField(label=_("Institution holding the information"), max_length=300)
    note = forms.CharField(label=_("Note to the applicant"), max_length=1000, required=False)


class ExtendForm(edge.EdgeForm, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=1000,
        widget=forms.Textarea(attrs=TEXT),
        help_text=_("Told to the applicant by e-mail and SMS (art. 11)."),
    )


class FeeForm(edge.EdgeForm, forms.Form):
    bw_pages = forms.IntegerField(label=_("Black and white pages"), min_value=0, max_value=100000, initial=0)
    colour_pages = forms.IntegerField(label=_("Colour pages"), min_value=0, max_value=100000, initial=0)
    discs = forms.IntegerField(label=_("CDs or DVDs"), min_value=0, max_value=1000, initial=0)
    by_post = forms.BooleanField(label=_("Sent by post"), required=False)


class PaidForm(edge.EdgeForm, forms.Form):
    note = forms.CharField(label=_("Proof of payment (receipt no, date)"), max_length=500)


class DecisionForm(edge.EdgeForm, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Answer"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    withheld = forms.CharField(
        label=_("Parts withheld and why"), max_length=4000, required=False, widget=forms.Textarea(attrs=TEXT)
    )
    grounds = forms.MultipleChoiceField(
        label=_("Legal grounds"),
        choices=grounds.CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Required for a refusal or a withheld part."),
    )


class ObjectionForm(edge.EdgeForm, forms.Form):
    to = forms.ChoiceField(label=_("Lodged with"), choices=Objection.To.choices)
    lodged_on = forms.DateField(label=_("Lodged on"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_lodged_on(self) -> Any:
        value = self.cleaned_data["lodged_on"]
        if value.year < 2004 or value > timezone.localdate():
            raise forms.ValidationError(_("Give a date between 2004 and today."), code="lodged_on")
        return value


class KurulForm(edge.EdgeForm, forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    outcome = forms.ChoiceField(label=_("The Board's decision"), choices=Objection.Outcome.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    followed = forms.CharField(
        label=_("What followed"), max_length=2000, required=False, widget=forms.Textarea(attrs=TEXT)
    )
