"""The feedback operator's form for one call, and the citizen's rating form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kentmasa.feedback.models import FeedbackCall

Outcome = FeedbackCall.Outcome
SCORES = [(n, str(n)) for n in range(1, 6)]


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=[
            (Outcome.SATISFIED, _("Reached: satisfied")),
            (Outcome.NOT_SATISFIED, _("Reached: not satisfied")),
            (Outcome.NOT_REACHED, _("Not reached")),
            (Outcome.WRONG_NUMBER, _("Wrong number")),
        ],
        widget=forms.RadioSelect,
    )
    score = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", _("not given")), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the citizen is not satisfied: the unit reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == Outcome.NOT_SATISFIED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Write why the citizen is not satisfied."))
        if data.get("score") is not None and outcome not in FeedbackCall.REACHED:
            self.add_error("score", _("A score from 1 to 5 is given only by a citizen who was reached."))
        return data


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Your rating"), choices=SCORES, coerce=int)
    unsolved = forms.BooleanField(label=_("My problem was not solved"), required=False)
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
