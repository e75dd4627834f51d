"""The case page's forms: a comment, an attachment, and one small form behind each action button.

``transition_form(name, …)`` gives the form of one transition; its ``params()`` are the keyword arguments
of that transition's domain function (kentmasa.cases.services.perform). Forms only read and check input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import access
from kentmasa.cases.forms import (
    STAFF_TEXT_MAX,
    Found,
    StaffChoiceField,
    TeamChoiceField,
    choices,
    offer_assignees,
)
from kentmasa.cases.models import Case
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.lib import edge

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CommentForm(edge.EdgeForm, forms.Form):
    note = forms.CharField(
        label=_("Comment"), max_length=STAFF_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(label=_("Visible to the citizen"), required=False)


class AttachmentForm(edge.EdgeForm, forms.Form):
    file = forms.FileField(label=_("File"))
    public = forms.BooleanField(label=_("Visible to the citizen"), required=False)


class TransitionForm(edge.EdgeForm, forms.Form):
    """The small form behind one action button; ``params`` are its domain function's keyword arguments."""

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user

    def params(self) -> dict:
        return dict(self.cleaned_data)


NOTE = _("Note")


def _note(required: bool = False, label: StrOrPromise = NOTE) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=STAFF_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(TransitionForm):
    note = _note()


class RequiredNoteForm(TransitionForm):
    note = _note(required=True, label=_("Reason"))


class AskCitizenForm(TransitionForm):
    question = _note(required=True, label=_("Question to the citizen"))


class CitizenAnsweredForm(TransitionForm):
    answer = _note(label=_("The citizen's answer"))


class ResolveForm(TransitionForm):
    resolution = _note(required=True, label=_("Resolution (the citizen is told this)"))


class RejectForm(TransitionForm):
    reason = _note(required=True, label=_("Legal reason for the rejection"))


class AssignForm(TransitionForm):
    assignee = StaffChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False, empty_label=_("(nobody)")
    )
    team = TeamChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("(no team)")
    )
    note = _note()

    found: Found

    def __init__(self, *args: Any, search: str = "", **kwargs: Any) -> None:
        """Lists the staff and teams of the case's unit; ``search`` adds up to FOUND_MAX others."""
        super().__init__(*args, **kwargs)
        case = self.case
        current = (case.assignee if case.assignee_id else None, case.team if case.team_id else None)
        units = [case.unit_id] if case.unit_id else []
        self.found = offer_assignees(self, case.institution, units, search, current)
        self.fields["assignee"].initial = case.assignee_id
        self.fields["team"].initial = case.team_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("assignee") or data.get("team")):
            raise ValidationError(_("Choose a person or a team to assign the case to."), code="assignee")
        return data


class CategoryOfInstitutionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.institution.name} — {obj.name}"


class TransferForm(TransitionForm):
    unit = forms.ModelChoiceField(
        label=_("Unit of this institution"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    institution = forms.ModelChoiceField(
        label=_("Or another institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    category = CategoryOfInstitutionField(
        label=_("Its topic (sets the unit and the deadline there)"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(institution_id=self.case.institution_id, active=True)
        if self.case.unit_id is not None:
            units = units.exclude(pk=self.case.unit_id)
        choices(self, "unit").queryset = units.order_by(*alphabetical("name"))
        choices(self, "institution").queryset = Institution.objects.exclude(pk=self.case.institution_id)
        choices(self, "category").queryset = (
            Category.objects.filter(active=True)
            .exclude(institution_id=self.case.institution_id)
            .select_related("institution")
            .order_by(*alphabetical("institution__name", "name"))
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, institution, category = data.get("unit"), data.get("institution"), data.get("category")
        if not (unit or institution or category):
            raise ValidationError(_("Choose the unit or institution to transfer the case to."), code="unit")
        if unit and (institution or category):
            raise ValidationError(
                _("Choose either a unit of this institution or another institution."), code="unit"
            )
        if category and institution and category.institution_id != institution.pk:
            self.add_error("category", _("That topic belongs to another institution."))
        return data

    def params(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("category"):
            data.pop("category", None)
        return data


class RedirectForm(TransitionForm):
    to = forms.CharField(label=_("Body the citizen is sent to"), max_length=200)
    note = _note()


class MergeForm(TransitionForm):
    into = forms.CharField(label=_("Tracking number of the case that carries on"), max_length=20)
    note = _note()

    def clean_into(self) -> Case:
        number = clean_tracking_number(self.cleaned_data["into"])
        target = None
        if number is not None:
            target = (
                access.visible_cases(self.user)
                .filter(Q(tracking_number=number) & ~Q(pk=self.case.pk))
                .first()
            )
        if target is None:
            raise ValidationError(_("No other case you can see has this tracking number."), code="into")
        return target


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "assign": AssignForm,
    "start": NoteForm,
    "ask_citizen": AskCitizenForm,
    "citizen_answered": CitizenAnsweredForm,
    "resolve": ResolveForm,
    "resolve_on_the_spot": ResolveForm,
    "close": NoteForm,
    "reopen": RequiredNoteForm,
    "reject": RejectForm,
    "transfer": TransferForm,
    "redirect": RedirectForm,
    "merge": MergeForm,
}


def transition_form(
    name: str, *, case: Case, user: User, data: QueryDict | None = None, search: str = ""
) -> TransitionForm:
    """The form of one action; ``search`` finds people and teams beyond the unit's for the assign form."""
    extra = {"search": search} if name == "assign" else {}
    return TRANSITION_FORMS[name](data, case=case, user=user, prefix=name, **extra)
